"""Plain text: the decoded file, or the records of a "Search documents" export."""

from __future__ import annotations

from ..documents import Document, decode, parse_export


def load_text(shown: str, data: bytes, sha: str, options, notes: list[str]) -> list[Document]:
    text = decode(data, notes)
    return parse_export(shown, text, sha) or [Document(path=shown, text=text, sha256=sha)]
