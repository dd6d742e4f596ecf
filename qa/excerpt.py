"""A window of a document's indexed text around a citation, for the page's "open the document" view.

Built from the index's own passages (never by reading files): only documents in the index can be
shown, and only the text that was indexed, with the offsets the citations use. Passages overlap, so
they are stitched into runs of text; what no passage covers (a gap) is left out and shown as such.
"""

from __future__ import annotations

from .errors import InputError

RADIUS = 1500  # characters shown on each side of the cited span
MAX_SPAN = 20_000  # characters of cited span shown at most


class NotIndexedError(InputError):
    """The path names no document of the index."""


def document_window(index, path: str, start: int, end: int, radius: int = RADIUS) -> dict:
    """``{"path", "title", "source", "date", "start", "end", "segments": [{"start", "end", "text"}]}``:
    the indexed text of ``path`` from ``start - radius`` to ``end + radius`` (characters)."""
    if not 0 <= start <= end:
        raise InputError(f"start and end must be character offsets with 0 <= start <= end (got {start}, {end})")
    find = getattr(index.documents, "find", None)  # a built index's records: parses only likely lines
    doc = find("path", path) if find else next((d for d in index.documents if d["path"] == path), None)
    if doc is None:
        raise NotIndexedError(f"{path!r} is not a document of this index: see GET /documents")
    end = min(end, start + MAX_SPAN)
    lo, hi = max(0, start - radius), end + radius
    first = int(doc.get("first", 0))
    passages = sorted(index.store.passages(range(first, first + int(doc.get("passages", 0)))),
                      key=lambda p: p.start)
    segments: list[dict] = []  # passage text is the document's text[start:end], so runs stitch exactly
    for p in passages:
        p_start, text = p.start, p.text
        if segments and p_start <= segments[-1]["end"]:
            last = segments[-1]
            if p_start + len(text) > last["end"]:
                last["text"] += text[last["end"] - p_start:]
                last["end"] = p_start + len(text)
        else:
            segments.append({"start": p_start, "end": p_start + len(text), "text": text})
    window = []
    for s in segments:
        a, b = max(lo, s["start"]), min(hi, s["end"])
        if a < b:
            window.append({"start": a, "end": b, "text": s["text"][a - s["start"]:b - s["start"]]})
    return {"path": path, "title": doc.get("title"), "source": doc.get("source"), "date": doc.get("date"),
            "start": start, "end": end, "segments": window}
