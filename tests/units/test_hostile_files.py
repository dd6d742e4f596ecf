"""Each hostile file on its own, at the function that must stop it (no model needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.controls import is_blank, visible
from qa.documents import decode, discover, display_path, read_bytes
from qa.errors import DocumentError
from qa.formats import FormatOptions, load

from ..hostile_files import deep_pdf, docx_bomb


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(DocumentError, match="FIFO"):
        read_bytes(tmp_path / "pipe.txt")  # with a blocking open() this never returns
    files, skipped = discover([tmp_path])
    assert files == [] and [(Path(s.path).name, "FIFO" in s.reason) for s in skipped] == [("pipe.txt", True)]


def test_a_device_is_refused_even_when_links_are_followed(tmp_path):
    os.symlink("/dev/zero", tmp_path / "zeros.txt")
    with pytest.raises(DocumentError, match="character device"):
        read_bytes(tmp_path / "zeros.txt")
    files, skipped = discover([tmp_path], follow_links=True)
    assert files == [] and "character device" in skipped[0].reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(300 * 2**20)  # sparse: 300 MB that take no disk
    with pytest.raises(DocumentError, match="too large"):
        read_bytes(big)


def test_links_leaving_the_folder_are_not_followed_unless_asked(tmp_path):
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    docs.mkdir(), outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    (outside / "sub").mkdir()
    (outside / "sub" / "deeper.txt").write_text("deeper\n")
    (docs / "inside.txt").write_text("inside\n")
    os.symlink("../outside/secret.txt", docs / "rel.txt")
    os.symlink(outside / "sub", docs / "sublink")
    os.symlink("inside.txt", docs / "alias.txt")  # a link that stays inside: followed, once
    files, skipped = discover([docs])
    assert [f.name for f in files] == ["alias.txt"] or [f.name for f in files] == ["inside.txt"]
    assert sorted((Path(s.path).name, s.reason.split(":")[0]) for s in skipped) == [
        ("rel.txt", "a symbolic link leading outside the indexed folders"),
        ("sublink", "a symbolic link to a folder")]
    files, skipped = discover([docs], follow_links=True)
    assert sorted(f.name for f in files) == ["deeper.txt", "inside.txt", "rel.txt"] or \
        sorted(f.name for f in files) == ["alias.txt", "deeper.txt", "rel.txt"]
    assert skipped == []


def test_a_folder_that_cannot_be_read_is_reported(tmp_path, monkeypatch):
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a.txt").write_text("a\n")
    real = os.scandir

    def scandir(path="."):
        if os.fsdecode(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, skipped = discover([tmp_path])
    assert files == [] and [(Path(s.path).name, s.reason) for s in skipped] == [
        ("closed", "cannot read this folder: Permission denied")]


def test_a_name_that_is_not_utf8_is_reported_in_a_writable_form(tmp_path):
    with open(os.fsencode(tmp_path) + b"/caf\xe9.txt", "wb") as f:
        f.write(b"text\n")
    files, skipped = discover([tmp_path])
    assert files == [] and skipped[0].path.endswith("caf\\xe9.txt")
    skipped[0].path.encode("utf-8")  # what the manifest and JSON output write


def test_citations_outside_the_working_folder_are_relative_to_the_indexed_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    docs = tmp_path / "elsewhere" / "docs"
    assert display_path(docs / "a" / "b.txt", [docs]) == "docs/a/b.txt"
    assert display_path(work / "x.txt", [docs]) == "x.txt"


def test_a_deeply_nested_pdf_is_one_files_error():
    with pytest.raises(DocumentError, match="nested too deeply"):
        load(Path("deep.pdf"), "deep.pdf", deep_pdf(), "sha", FormatOptions())
    assert load(Path("ok.pdf"), "ok.pdf", deep_pdf(3), "sha", FormatOptions()).documents[0].text == "Deep"


def test_a_docx_zip_bomb_is_refused_before_it_is_unzipped(tmp_path):
    data = docx_bomb(tmp_path / "bomb.docx").read_bytes()
    assert len(data) < 2**20
    with pytest.raises(DocumentError, match="zip bomb"):
        load(Path("bomb.docx"), "bomb.docx", data, "sha", FormatOptions())


def test_a_parser_that_hangs_is_stopped(monkeypatch):
    from qa.formats import isolated

    with pytest.raises(DocumentError, match="longer than"):
        # No parse is done within no time: the child is stopped and the file skipped.
        isolated.run_isolated("pdf", "load_pdf", "slow.pdf", deep_pdf(3), "sha", FormatOptions(), seconds=0)


def test_too_much_text_is_refused_in_the_parsing_child(tmp_path, monkeypatch):
    """The limit on text from one file holds for every format, and for PDF and Word it is checked in
    the child, so a file that unpacks to gigabytes of text never crosses the pipe into the build."""
    from qa import formats
    from qa.formats import isolated

    from ..makefiles import make_docx

    data = make_docx(tmp_path / "facts.docx").read_bytes()
    assert load(Path("facts.docx"), "facts.docx", data, "sha", FormatOptions()).documents  # within the limit
    with pytest.raises(DocumentError, match="too much text"):
        isolated.run_isolated("docx", "load_docx", "facts.docx", data, "sha", FormatOptions(), max_chars=10)
    monkeypatch.setattr(formats, "MAX_TEXT_CHARS", 10)
    for name, body in (("facts.docx", data), ("notes.txt", b"Eleven characters and more.")):
        with pytest.raises(DocumentError, match="too much text"):
            load(Path(name), name, body, "sha", FormatOptions())


def test_damaged_utf8_keeps_every_good_byte_and_says_where():
    notes: list[str] = []
    text = decode("L'Île de Ré, 中文。".encode() + b"\xff" + " fin".encode(), notes)
    assert text == "L'Île de Ré, 中文。\ufffd fin"
    assert notes and "1 damaged byte" in notes[0] and "at byte 24" in notes[0]
    assert decode("café crème".encode("latin-1")) == "café crème"
    assert decode("Привет, как дела?".encode("cp1251")) == "Привет, как дела?"


def test_control_characters_are_made_visible_and_invisible_questions_are_blank():
    assert visible("a\x1b[2Jb\x07\u202ec") == "a␛[2Jb␇\ufffdc"
    assert visible("line\nnext\ttab", lines=True) == "line\nnext\ttab"
    assert is_blank("\u200b\ufeff \u200d\u2060") and not is_blank("\u200bwhy?")
