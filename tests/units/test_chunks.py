from qa.chunks import ChunkSettings, LineIndex, chunk_document, units
from qa.documents import Document


def doc(text):
    return Document(path="x.txt", text=text, sha256="0")


def test_passages_are_whole_sentences_with_exact_spans_and_lines():
    text = "标题\n\n" + "。".join(f"第{i}句话讲了一件很长很长的事情" for i in range(40)) + "。\nLast line."
    d = doc(text)
    chunks = chunk_document(d, ChunkSettings(max_units=60, overlap=1))
    assert len(chunks) > 5
    lines = LineIndex(text)
    for c in chunks:
        assert units(text[c.start:c.end]) <= 60 or len(c.sentences) == 1
        assert (c.start, c.end) == (c.sentences[0][0], c.sentences[-1][1])
        assert c.line_start == lines.line(c.start) and c.line_end == lines.line(c.end - 1)
        assert text[c.start:c.end].count("\n") == c.line_end - c.line_start
    # overlap: each passage starts with the last sentence of the one before
    for a, b in zip(chunks, chunks[1:]):
        assert b.sentences[0] == a.sentences[-1]


def test_no_overlap_setting_and_covering():
    text = " ".join(f"Sentence number {i} says something." for i in range(50))
    chunks = chunk_document(doc(text), ChunkSettings(max_units=40, overlap=0))
    covered = [s for c in chunks for s in c.sentences]
    assert covered == sorted(set(covered)) and len(covered) == 50


def test_body_bounds_are_respected():
    text = "HEADER LINE\nbody one. body two."
    d = Document(path="x", text=text, sha256="0", start=12)
    (c,) = chunk_document(d)
    assert text[c.start:c.end] == "body one. body two."
    assert c.line_start == 2 and c.langs == ["en"]
