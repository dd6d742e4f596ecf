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
from qa.index_files import read_manifest

from .. import makefiles as mk
from ..hostile_files import hostile_tree

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
    "damaged_utf8.txt": ("L'Île de Ré est reliée au continent par un pont de 2,9 km depuis 1988. ".encode()
                         + b"\xff" + "Ça se voit.\n".encode(), "Since when is the Île de Ré linked by a bridge?"),
    "latin1.txt": ("Le café crème de la brasserie Lipp coûte quatre euros à Saint-Germain.\n".encode("latin-1"),
                   "Combien coûte le café crème chez Lipp ?"),
    "escape\x1b[31mname.txt": (b"Octopuses have three hearts and blue blood.\x1b]0;pwned\x07\n",
                               "How many hearts does an octopus have?"),
    "widths.txt": ("Ｍｏｕｎｔ\u200bＫｉｌｉｍａｎｊａｒｏ ｉｓ ｔｈｅ ｈｉｇｈｅｓｔ\u200b ｍｏｕｎｔａｉｎ ｉｎ "
                   "Ａｆｒｉｃａ，ｒｉｓｉｎｇ ５８９５ ｍｅｔｒｅｓ．\u200d\ufeff\n".encode("utf-8"),
                   "What is the highest mountain in Africa?"),
}
# file name -> a word the skip reason must contain
UNUSABLE = {"empty.txt": "no text", "binary.txt": "binary", "loop.txt": "link", "locked.txt": "cannot read",
            "fake.docx": "docx", "truncated.pdf": "PDF"}


def make_hostile(folder: Path) -> dict[str, str]:
    """The hostile folder; returns what each unusable entry's skip reason must contain."""
    unusable = dict(UNUSABLE) | hostile_tree(folder, folder.parent / "outside")
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
    return unusable


def as_if_not_root(mp: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root: refuse locked.txt and the closed/ folder the way the OS refuses
    others."""
    real_open, real_scandir = os.open, os.scandir

    def refusing_open(path, *a, **k):
        if os.fsdecode(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_open(path, *a, **k)

    def refusing_scandir(path="."):
        if os.fsdecode(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    mp.setattr(os, "open", refusing_open)
    mp.setattr(os, "scandir", refusing_scandir)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("hostile") / "docs"
    unusable = make_hostile(folder)
    mp = pytest.MonkeyPatch()
    if os.geteuid() == 0:
        as_if_not_root(mp)
    try:
        qa = QA.build([folder], tmp_path_factory.mktemp("hidx") / "index", embedder=embedder)
    finally:
        mp.undo()
    yield qa, folder, unusable
    os.chmod(folder / "locked.txt", 0o644)
    os.chmod(folder / "closed", 0o755)


def test_every_unusable_file_is_reported_once_with_its_reason(hostile):
    qa, _, unusable = hostile
    report = qa.last_build
    names = Counter(Path(s.path).name for s in report.skipped)
    assert all(n == 1 for n in names.values()), names
    # loop_b.txt is the other half of the loop: it is reported too, for the same reason.
    assert set(names) == set(unusable) | {"loop_b.txt"}
    for s in report.skipped:
        assert unusable.get(Path(s.path).name, "link") in s.reason, (s.path, s.reason)
    # The damaged bytes are a warning about an indexed file, not a skip.
    assert [Path(w.path).name for w in report.warnings] == ["damaged_utf8.txt"]
    assert "1 damaged byte" in report.warnings[0].reason


def test_nothing_from_outside_the_folder_is_indexed_and_citations_are_relative(hostile):
    qa, folder, _ = hostile
    assert not any("vault" in p.text for p in qa.index.passages)
    for d in qa.index.documents:
        assert not Path(d["path"]).is_absolute() and d["path"].startswith("docs/"), d["path"]
    manifest = json.loads((qa.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert any("\\xe9" in s["path"] for s in qa.last_build.to_dict()["skipped"])
    assert manifest["passages"] == len(qa.index.passages)


def test_damaged_and_latin1_bytes_are_kept(hostile):
    qa, _, _ = hostile
    texts = {Path(qa.index.documents[p.doc]["path"]).name: p.text for p in qa.index.passages}
    assert texts["damaged_utf8.txt"].startswith("L'Île de Ré est reliée") and "\ufffdÇa se voit" in \
        texts["damaged_utf8.txt"]
    assert texts["latin1.txt"].startswith("Le café crème de la brasserie Lipp coûte")


def test_every_readable_file_is_indexed_and_answerable(hostile):
    qa, _, _ = hostile
    indexed = {Path(d["path"]).name for d in qa.index.documents}
    assert indexed == set(READABLE) | {"long_line.txt", "whole.pdf"}
    for name, (_, question) in READABLE.items():
        hit = qa.ask(question, k=1).hits[0]
        assert Path(hit.citation.path).name == name, (question, hit.citation.path, hit.text[:80])


def test_ten_megabyte_line_is_indexed_and_cited(hostile):
    qa, folder, _ = hostile
    hit = qa.ask("How many lighthouses guard the harbour of Port Elaris?", k=1).hits[0]
    assert Path(hit.citation.path).name == "long_line.txt" and "twelve lighthouses" in hit.highlight.text
    text = (folder / "long_line.txt").read_text(encoding="utf-8")
    assert text[hit.citation.char_start:hit.citation.char_end] == hit.text
    assert hit.citation.line_start == hit.citation.line_end == 1


def test_decoded_texts_are_right(hostile):
    qa, _, _ = hostile
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


def test_qa_index_on_the_hostile_folder_exits_0_and_reports_each_bad_file_once(tmp_path):
    """The command as a user runs it, in its own process (no fixture can rescue it): a FIFO, a link to
    /dev/zero, a zip bomb and a deeply nested PDF among the files. The time-out only stops a hang."""
    import subprocess
    import sys

    from ..conftest import ROOT

    folder = tmp_path / "docs"
    unusable = make_hostile(folder)
    if os.geteuid() == 0:  # root reads what chmod 000 closes
        unusable.pop("locked.txt"), unusable.pop("closed")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run([sys.executable, "-m", "qa.cli", "index", "docs", "--index", "index", "--json"],
                              cwd=tmp_path, capture_output=True, text=True, env=env, timeout=180)
    finally:
        os.chmod(folder / "locked.txt", 0o644)
        os.chmod(folder / "closed", 0o755)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    names = Counter(Path(s["path"]).name for s in report["skipped"])
    assert set(names) == set(unusable) | {"loop_b.txt"} and max(names.values()) == 1, names
    indexed = {Path(d["path"]).name for d in read_manifest(tmp_path / "index").documents}
    assert set(READABLE) | {"long_line.txt", "whole.pdf"} <= indexed
    assert not list((tmp_path / "index").glob(".manifest.json.*.tmp"))


def test_terminal_shows_control_characters_instead_of_obeying_them(hostile):
    import io

    from rich.console import Console

    from qa.terminal import render_answer, render_build

    qa, _, _ = hostile
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    render_answer(qa.ask("How many hearts does an octopus have?", k=1), console)
    render_build(qa.last_build.to_dict(), console)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed
    assert "escape␛[31mname.txt" in printed and "␛]0;pwned␇" in printed


def test_a_question_of_invisible_characters_is_an_empty_question(hostile):
    from qa.errors import InputError

    qa, _, _ = hostile
    with pytest.raises(InputError, match="empty"):
        qa.ask("\u200b\ufeff\u200d \u2060")


def test_two_folders_of_the_same_name_are_cited_apart(tmp_path, embedder, monkeypatch):
    """`qa index /a/docs /b/docs` from elsewhere: both files were cited as docs/x.txt (and the page's
    GET /text could only show the first)."""
    for folder, text in (("a", "The lighthouse at Cape Wrath was painted bright orange in 2003.\n"),
                         ("b", "The ferry to Orkney leaves at nine every morning from the old pier.\n")):
        (tmp_path / folder / "docs").mkdir(parents=True)
        (tmp_path / folder / "docs" / "x.txt").write_text(text, encoding="utf-8")
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    qa = QA.build([tmp_path / "a" / "docs", tmp_path / "b" / "docs"], tmp_path / "index", embedder=embedder)
    paths = {d["path"] for d in qa.index.documents}
    assert paths == {"a/docs/x.txt", "b/docs/x.txt"}
    hit = qa.ask("When does the ferry to Orkney leave?", k=1).hits[0]
    assert hit.citation.path == "b/docs/x.txt"
    assert "Orkney" in qa.document_window(hit.citation.path, 0, 10)["segments"][0]["text"]
    again = QA.open(tmp_path / "index").update()  # the same names next time: nothing to redo
    assert sorted(again.unchanged) == ["a/docs/x.txt", "b/docs/x.txt"]
