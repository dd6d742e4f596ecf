"""The documents' and files' records live in the build folder (qa.record_lines), not in manifest.json:
the manifest's size does not grow with the documents, opening an index reads no record, and a
question reads only the records of the documents it shows."""

from __future__ import annotations

import json
import shutil

import pytest

from qa import QA
from qa.errors import IndexCorruptError
from qa.index_files import build_folder, read_manifest
from qa.record_lines import Records


def _folder_of(tmp_path, n: int):
    docs = tmp_path / f"docs-{n}"
    docs.mkdir()
    for i in range(n):
        (docs / f"note-{i:03d}.txt").write_text(f"Note {i}. The harbour crane number {i} lifts {i * 7} tonnes "
                                                 f"of cargo every hour.\n", encoding="utf-8")
    return docs


def test_the_manifest_does_not_grow_with_the_documents(tmp_path, embedder):
    sizes = {}
    for n in (2, 40):
        index = tmp_path / f"index-{n}"
        QA.build_index([_folder_of(tmp_path, n)], index, embedder=embedder)
        text = (index / "manifest.json").read_text(encoding="utf-8")
        data = json.loads(text)
        assert (data["documents"], data["files"]) == (n, n) and "note-001.txt" not in text
        sizes[n] = len(text)
        manifest = read_manifest(index)
        assert sorted(d["path"].rsplit("/", 1)[-1] for d in manifest.documents) == \
            [f"note-{i:03d}.txt" for i in range(n)]
        assert QA.info(index)["documents"] == n == QA.info(index)["files"]
    # Only the counts' digits, the build's name and times differ.
    assert abs(sizes[40] - sizes[2]) < 40, sizes


def test_opening_reads_no_record_and_a_question_reads_only_those_it_shows(built):
    _, index_dir = built
    qa = QA.open(index_dir)
    documents, files = qa.index.manifest.documents, qa.index.manifest.files
    assert isinstance(documents, Records) and isinstance(files, Records)
    assert documents.rows_read == files.rows_read == 0 and len(documents) > 5
    answer = qa.ask("龙井茶产自哪里？", k=2)
    shown = {h.citation.path for h in answer.hits}
    assert 0 < documents.rows_read <= 4 * len(answer.hits) and files.rows_read == 0
    assert shown <= {d["path"] for d in documents}


def test_records_read_one_at_a_time_equal_the_whole_list(built):
    _, index_dir = built
    documents = read_manifest(index_dir).documents
    whole = list(documents)
    assert [documents[i] for i in range(len(documents))] == whole and documents[-1] == whole[-1]
    assert documents.find("path", whole[3]["path"]) == whole[3] and documents.find("path", "nothing") is None
    with pytest.raises(IndexError):
        documents[len(documents)]


@pytest.mark.parametrize("damage", ["records", "offsets", "missing"])
def test_damaged_records_are_refused(built, tmp_path, damage):
    _, index_dir = built
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    folder = build_folder(copy, read_manifest(copy))
    if damage == "records":
        path = folder / "documents.jsonl"
        path.write_bytes(path.read_bytes()[:-5])
    elif damage == "offsets":
        (folder / "documents.offsets.npy").write_bytes(b"garbage")
    else:
        (folder / "files.jsonl").unlink()
    with pytest.raises(IndexCorruptError, match="records"):
        QA.open(copy)
