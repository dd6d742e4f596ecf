"""Word (.docx): paragraphs, headings and tables (a row a line, cells joined by " | "), in order.

``Document.text`` is the extracted text, so citations index into it.
"""

from __future__ import annotations

import io
import zipfile

from ..documents import Document
from ..errors import DocumentError


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            # A merged cell appears once per grid column it spans; keep it once.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return lines


MAX_XML_BYTES = 64 * 2**20  # unzipped XML of one .docx (a 300-page book is a few MB)


def _check_unzipped_size(data: bytes) -> None:
    """Refuse a zip bomb before unzipping it: the XML parts' sizes as the archive declares them
    (zipfile never inflates a member past its declared size, so the declaration is a real bound)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = sum(i.file_size for i in archive.infolist() if i.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise DocumentError(f"not a valid .docx (a Word file is a zip archive): {e}") from e
    if xml > MAX_XML_BYTES:
        raise DocumentError(f"its XML unzips to {xml / 2**20:.0f} MB (at most {MAX_XML_BYTES / 2**20:.0f} MB "
                            "is read): a zip bomb, or save it as several documents")


def load_docx(shown: str, data: bytes, sha: str, options, notes: list[str]) -> list[Document]:
    import docx
    from docx.table import Table

    _check_unzipped_size(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(f"not a valid .docx (a Word file is a zip archive): {e}") from e
    except Exception as e:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise DocumentError(f"not a readable .docx ({type(e).__name__}: {e})") from e
    lines: list[str] = []
    first_heading = None
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
            continue
        text = block.text.strip()
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if first_heading is None and (style == "Title" or style.startswith("Heading")):
            first_heading = text
        lines.append(text)
    if not lines:
        raise DocumentError("a .docx with no text")
    title = document.core_properties.title or first_heading
    return [Document(path=shown, text="\n".join(lines), sha256=sha, title=title or None,
                     meta={"format": "docx"})]
