"""How files are named in citations when two indexed folders share a name: never the same name for
two files."""

from __future__ import annotations

import os

from qa.discovery import discover, display_paths


def _tree(tmp_path, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_folders_of_the_same_name_get_their_parents(tmp_path, monkeypatch):
    _tree(tmp_path, {"a/docs/x.txt": "alpha", "b/docs/x.txt": "beta", "b/docs/y.txt": "gamma",
                     "c/x/docs/x.txt": "delta", "d/x/docs/x.txt": "epsilon"})
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # the folders are outside the working folder
    roots = [tmp_path / "a/docs", tmp_path / "b/docs"]
    files, _ = discover(roots)
    shown = dict(zip((f.read_text() for f in files), display_paths(files, roots)))
    assert shown == {"alpha": "a/docs/x.txt", "beta": "b/docs/x.txt", "gamma": "docs/y.txt"}
    roots = [tmp_path / "c/x/docs", tmp_path / "d/x/docs"]  # the same up to the grandparent
    files, _ = discover(roots)
    shown = dict(zip((f.read_text() for f in files), display_paths(files, roots)))
    assert shown == {"delta": "c/x/docs/x.txt", "epsilon": "d/x/docs/x.txt"}


def test_a_longer_name_never_takes_another_files_name(tmp_path, monkeypatch):
    _tree(tmp_path, {"a/docs/x.txt": "alpha", "b/docs/x.txt": "beta", "w/a/docs/x.txt": "inside"})
    monkeypatch.chdir(tmp_path / "w")  # w/a/docs/x.txt shows as a/docs/x.txt, the name alpha would get
    roots = [tmp_path / "a/docs", tmp_path / "b/docs", tmp_path / "w/a/docs"]
    files, _ = discover(roots)
    shown = display_paths(files, roots)
    assert len(set(shown)) == 3 and "a/docs/x.txt" in shown
    by_text = dict(zip((f.read_text() for f in files), shown))
    assert by_text["inside"] == "a/docs/x.txt" and by_text["alpha"] != "a/docs/x.txt"
    assert os.path.basename(by_text["alpha"]) == "x.txt"
