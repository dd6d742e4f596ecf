"""A hostile corpus, generated here: every readable document is indexed and answerable, every file
that cannot be used is reported once with its reason, and the command's exit code says which."""

from __future__ import annotations

import codecs
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from qa import QA
from qa.cli import main

from .. import makefiles as mk

LONG_FACT = "The secret harbour of Port Elaris is guarded by exactly twelve lighthouses."

# file name -> (bytes, a question only that file answers)
READABLE = {
    "invalid_utf8.txt": (b"The Nile flows north through eleven countries before it reaches the "
                         b"Mediterranean Sea. Caf\xe9 owners in Cairo \xff\xfe still remember the 1964 flood.\n",
                         "Through how many countries does the Nile flow?"),
    "gbk.txt": ("黄山位于安徽省南部，以奇松、怪石、云海和温泉闻名天下。\n".encode("gbk"), "黄山以什么闻名？"),
    "big5.txt": ("台北101曾經是世界最高的摩天大樓，位於台北市信義區。\n".encode("big5"), "台北101位於哪裡？"),
    "utf16le.txt": (codecs.BOM_UTF16_LE + "Lake Baikal in Siberia holds about a fifth of the world's "
                    "unfrozen fresh water.\n".encode("utf-16-le"), "How much fresh water does Lake Baikal hold?"),
    "utf16be.txt": (codecs.BOM_UTF16_BE + "土星的卫星泰坦上有液态甲烷和乙烷组成的湖泊。\n".encode("utf-16-be"),
                    "泰坦上的湖泊由什么组成？"),
    "nul.txt": (b"The Atacama Desert in Chile is one of the driest places on Earth.\x00\x00\x00 Some of its "
                b"weather stations have never recorded any rain.\n", "Which desert is one of the driest places?"),
    "widths.txt": ("Ｍｏｕｎｔ\u200bＫｉｌｉｍａｎｊａｒｏ ｉｓ ｔｈｅ ｈｉｇｈｅｓｔ\u200b ｍｏｕｎｔａｉｎ ｉｎ "
                   "Ａｆｒｉｃａ，ｒｉｓｉｎｇ ５８９５ ｍｅｔｒｅｓ．\u200d\ufeff\n".encode("utf-8"),
                   "What is the highest mountain in Africa?"),
}
# file name -> a word the skip reason must contain
UNUSABLE = {"empty.txt": "no text", "binary.txt": "binary", "loop.txt": "link", "locked.txt": "cannot read",
            "fake.docx": "docx", "truncated.pdf": "PDF"}


def make_hostile(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, _) in READABLE.items():
        (folder / name).write_bytes(data)
    # 10 MB on one line: filler without a sentence break, one fact in the middle.
    filler = "lorem " * (5 * 2**20 // 6)
    (folder / "long_line.txt").write_text(filler + LONG_FACT + " " + filler, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    os.symlink("loop_b.txt", folder / "loop.txt")
    os.symlink("loop.txt", folder / "loop_b.txt")
    (folder / "locked.txt").write_text("Nobody may read this file.\n", encoding="utf-8")
    os.chmod(folder / "locked.txt", 0)
    (folder / "fake.docx").write_text("I am plain text pretending to be a Word file.\n", encoding="utf-8")
    pdf = mk.make_pdf(folder / "whole.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, embedder):
    folder = make_hostile(tmp_path_factory.mktemp("hostile") / "docs")
    mp = pytest.MonkeyPatch()
    if os.geteuid() == 0:
        # chmod 000 does not stop root: simulate the refusal the way the OS reports it to others.
        real = Path.read_bytes

        def read_bytes(self):
            if self.name == "locked.txt":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        mp.setattr(Path, "read_bytes", read_bytes)
    try:
        qa = QA.build([folder], tmp_path_factory.mktemp("hidx") / "index", embedder=embedder)
    finally:
        mp.undo()
    yield qa, folder
    os.chmod(folder / "locked.txt", 0o644)


def test_every_unusable_file_is_reported_once_with_its_reason(hostile):
    qa, _ = hostile
    report = qa.last_build
    names = Counter(Path(s.path).name for s in report.skipped)
    assert all(n == 1 for n in names.values()), names
    # loop_b.txt is the other half of the loop: it is reported too, for the same reason.
    assert set(names) == set(UNUSABLE) | {"loop_b.txt"}
    for s in report.skipped:
        assert UNUSABLE.get(Path(s.path).name, "link") in s.reason, (s.path, s.reason)


def test_every_readable_file_is_indexed_and_answerable(hostile):
    qa, _ = hostile
    indexed = {Path(d["path"]).name for d in qa.index.documents}
    assert indexed == set(READABLE) | {"long_line.txt", "whole.pdf"}
    for name, (_, question) in READABLE.items():
        hit = qa.ask(question, k=1).hits[0]
        assert Path(hit.citation.path).name == name, (question, hit.citation.path, hit.text[:80])


def test_ten_megabyte_line_is_indexed_and_cited(hostile):
    qa, folder = hostile
    hit = qa.ask("How many lighthouses guard the harbour of Port Elaris?", k=1).hits[0]
    assert Path(hit.citation.path).name == "long_line.txt" and "twelve lighthouses" in hit.highlight.text
    text = (folder / "long_line.txt").read_text(encoding="utf-8")
    assert text[hit.citation.char_start:hit.citation.char_end] == hit.text
    assert hit.citation.line_start == hit.citation.line_end == 1


def test_decoded_texts_are_right(hostile):
    qa, _ = hostile
    texts = {Path(qa.index.documents[p.doc]["path"]).name: p.text for p in qa.index.passages}
    assert texts["gbk.txt"].startswith("黄山位于安徽省南部")
    assert texts["big5.txt"].startswith("台北101曾經是世界最高")
    assert texts["utf16be.txt"].startswith("土星的卫星泰坦")
    assert texts["utf16le.txt"].startswith("Lake Baikal")


def test_cli_exit_codes_and_warning_count(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "fake.docx").write_text("not a zip", encoding="utf-8")
    assert main(["index", "bad"]) == 1  # nothing could be indexed
    err = capsys.readouterr().err
    assert "nothing could be indexed" in err and "fake.docx" in err
    (bad / "good.txt").write_text("Kiwi birds cannot fly and lay very large eggs.\n", encoding="utf-8")
    assert main(["index", "bad"]) == 0
    out = capsys.readouterr().out
    assert "skipped 2" in out and out.count("fake.docx") == 1 and out.count("empty.txt") == 1
    assert main(["index", "bad", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(Path(s["path"]).name for s in report["skipped"]) == ["empty.txt", "fake.docx"]
