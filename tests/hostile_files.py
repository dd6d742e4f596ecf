"""Hostile files, generated at test time, each small and quick to make (bounded in time and size)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path


def deep_pdf(depth: int = 100_000, text: bytes = b"Deep") -> bytes:
    """A one-page PDF whose content stream nests arrays ``depth`` deep after its text."""
    content = b"BT /F1 12 Tf 72 712 Td (" + text + b") Tj ET\n" + b"[" * depth + b"]" * depth
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def docx_bomb(path: Path, xml_mb: int = 80) -> Path:
    """A .docx of well under a megabyte whose document.xml unzips to ``xml_mb`` MB."""
    para = b"<w:p><w:r><w:t>" + b"bomb " * 200 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxml'
                   'formats.org/package/2006/content-types"><Override PartName="/word/document.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document'
                   '.main+xml"/></Types>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    b"<w:body>")
            block = para * (2**20 // len(para))
            for _ in range(xml_mb):
                f.write(block)
            f.write(b"</w:body></w:document>")
    return path


def hostile_tree(folder: Path, outside: Path) -> dict[str, str]:
    """Files that must each be one reported skip (name -> a word of the reason), made in ``folder``;
    ``outside`` is a folder beside it holding what links must not reach."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text("The launch code of the vault is swordfish.\n", encoding="utf-8")
    (outside / "more").mkdir(exist_ok=True)
    (outside / "more" / "private.txt").write_text("Private notes about the vault.\n", encoding="utf-8")
    skips = {}
    name = os.fsencode(folder) + b"/caf\xe9-latin1-name.txt"  # a name that is not UTF-8
    with open(name, "wb") as f:
        f.write(b"A file whose name is not UTF-8.\n")
    skips["caf\\xe9-latin1-name.txt"] = "UTF-8"
    os.mkfifo(folder / "pipe.txt")
    skips["pipe.txt"] = "FIFO"
    os.symlink("/dev/zero", folder / "zeros.txt")
    skips["zeros.txt"] = "outside"
    os.symlink(outside / "secret.txt", folder / "secret_link.txt")
    skips["secret_link.txt"] = "outside"
    os.symlink(os.path.relpath(outside / "secret.txt", folder), folder / "relative_link.txt")
    skips["relative_link.txt"] = "outside"
    os.symlink(outside / "more", folder / "more_link")
    skips["more_link"] = "folder"
    (folder / "deep.pdf").write_bytes(deep_pdf())
    skips["deep.pdf"] = "nested too deeply"
    docx_bomb(folder / "bomb.docx")
    skips["bomb.docx"] = "zip bomb"
    (folder / "closed").mkdir(exist_ok=True)
    (folder / "closed" / "inside.txt").write_text("Nobody can list this folder.\n", encoding="utf-8")
    os.chmod(folder / "closed", 0)
    skips["closed"] = "cannot read this folder"
    return skips
