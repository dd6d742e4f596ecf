"""PDF: the text of each page (pypdf), pages joined by a form feed; passages carry their page number.

``Document.text`` is the extracted text, so citations index into it, and ``Document.pages`` holds
each page's span, so no passage crosses a page break.
"""

from __future__ import annotations

import io
import logging

from ..documents import Document
from ..errors import DocumentError


def load_pdf(shown: str, data: bytes, sha: str, options, notes: list[str]) -> list[Document]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs warnings about damaged files; the reason reaches the user in our own error.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentError("an encrypted PDF: save an unencrypted copy to index it")
        texts = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = (meta.title if meta else None) or None
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        raise DocumentError(f"a damaged or truncated PDF ({type(e).__name__}: {e})") from e
    if not any(t.strip() for t in texts):
        raise DocumentError("a PDF with no text layer (scanned pages?): run OCR on it first")
    pages, pos = [], 0
    for t in texts:
        pages.append((pos, pos + len(t)))
        pos += len(t) + 1
    return [Document(path=shown, text="\f".join(texts), sha256=sha, title=str(title) if title else None,
                     pages=pages, meta={"format": "pdf"})]
