"""GET /text's window of a document's indexed text: stitched from the index's overlapping passages,
with the citations' offsets, only for documents of the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import InputError
from qa.excerpt import NotIndexedError, document_window


def _file_text(path) -> str:
    from qa.documents import read_text

    return read_text(path)[0]  # citations count characters of the decoded file


def test_window_is_the_documents_own_text_at_the_citations_offsets(built, corpus):
    qa, _ = built
    stitched = [d for d in qa.index.documents if d["passages"] >= 2]  # overlapping passages to join
    assert len(stitched) >= 3
    for doc in stitched:
        text = _file_text(corpus / Path(doc["file"]).name)  # the fixture corpus is one flat folder
        window = document_window(qa.index, doc["path"], 0, len(text), radius=0)
        assert window["segments"], doc["path"]
        for s in window["segments"]:
            assert s["text"] == text[s["start"]:s["end"]]
        starts = [s["start"] for s in window["segments"]]
        assert starts == sorted(starts) and all(a["end"] < b["start"] for a, b in
                                                zip(window["segments"], window["segments"][1:]))


def test_window_is_cut_around_the_span(built):
    qa, _ = built
    hit = qa.ask("When did the Icelandic volcano erupt?", k=1).hits[0]
    c = hit.citation
    window = document_window(qa.index, c.path, c.char_start, c.char_end, radius=20)
    assert window["segments"][0]["start"] >= max(0, c.char_start - 20)
    assert window["segments"][-1]["end"] <= c.char_end + 20
    joined = "".join(s["text"] for s in window["segments"])
    assert hit.text in joined and window["title"] == c.title


def test_only_documents_of_the_index(built):
    qa, _ = built
    with pytest.raises(NotIndexedError, match="not a document of this index"):
        document_window(qa.index, "/etc/passwd", 0, 10)
    assert qa.document_window("/etc/passwd", 0, 10) is None  # the front's answer: nothing
    path = qa.index.documents[0]["path"]
    assert qa.document_window(path, 0, 10) == document_window(qa.index, path, 0, 10)
    with pytest.raises(InputError, match="0 <= start <= end"):
        document_window(qa.index, qa.index.documents[0]["path"], 10, 5)
