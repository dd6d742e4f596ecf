"""HTML: the page's title and main text; scripts, styles, navigation and page furniture dropped.

``Document.text`` is the extracted text (one block element a line), so citations index into it.
"""

from __future__ import annotations

import re

from ..documents import Document, decode
from ..errors import DocumentError

_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
         "iframe", "svg", "button", "select", "head")
_BLOCKS = frozenset(
    "address article blockquote body dd details dialog div dl dt fieldset figcaption figure h1 h2 h3 "
    "h4 h5 h6 hr li main ol p pre section summary table tbody thead tfoot tr ul br caption".split())
_CELLS = frozenset(("td", "th"))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def _text_of(node) -> str:
    """Text of ``node`` with a line break around every block element (iterative: deep pages are fine)."""
    parts: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = item.tag
        if tag == "-text":
            parts.append(item.text_content or "")
            continue
        if tag in ("-comment", "-doctype") or tag in _DROP:
            continue
        if tag == "pre":
            parts.extend(("\n", item.text(), "\n"))
            continue
        closing = "\n" if tag in _BLOCKS else " | " if tag in _CELLS else ""
        stack.append(closing)
        stack.extend(reversed(list(item.iter(include_text=True))))
        if closing == "\n":
            stack.append("\n")
    lines = (_SPACES.sub(" ", line).strip(" |") for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def load_html(shown: str, data: bytes, sha: str, options, notes: list[str]) -> list[Document]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(decode(data, notes))
    title_node = tree.css_first("title") or tree.css_first("h1")
    title = _SPACES.sub(" ", title_node.text()).strip() if title_node else None
    # The page's main text when it marks it; otherwise the whole body without its furniture.
    main = tree.css_first("main") or tree.css_first("article") or tree.css_first("[role=main]") or tree.body
    text = _text_of(main) if main is not None else ""
    if not text.strip():
        raise DocumentError("an HTML page with no text in its body")
    return [Document(path=shown, text=text, sha256=sha, title=title or None, meta={"format": "html"})]
