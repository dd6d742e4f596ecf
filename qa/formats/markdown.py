"""Markdown: cite into the file's own text, but segment, tokenize and embed it without markup.

The markup is blanked out with spaces in a copy of the same length (``Document.clean``), so every
offset found in the clean copy is also an offset into the file. markdown-it-py parses Markdown well
but maps inline text back to source lines only, not characters, hence these few patterns.
"""

from __future__ import annotations

import re

from ..documents import Document, decode, parse_export

_NOT_NL = re.compile(r"[^\n]")


def _blank(s: str) -> str:
    return _NOT_NL.sub(" ", s)


def _keep(*groups: int):
    """A replacement that blanks a match except the given groups (lengths unchanged)."""
    def sub(m: re.Match) -> str:
        out = list(_blank(m.group(0)))
        base = m.start()
        for g in groups:
            if m.group(g) is not None:
                s, e = m.start(g) - base, m.end(g) - base
                out[s:e] = m.group(g)
        return "".join(out)
    return sub


_RULES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"<!--.*?-->", re.S), lambda m: _blank(m.group(0))),                   # comments
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), lambda m: _blank(m.group(0))),          # code fences
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.M), lambda m: _blank(m.group(0))),  # link defs
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), _keep(1)),                            # links, images
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), _keep(1)),                             # [text][ref]
    (re.compile(r"</?[A-Za-z][^>\n]*>"), lambda m: _blank(m.group(0))),                # inline HTML
    (re.compile(r"^( {0,3}#{1,6})(?=[ \t]|$)(.*?)([ \t]+#+)?[ \t]*$", re.M), _keep(2)),  # ATX headings
    (re.compile(r"^ {0,3}(=+|-{2,})[ \t]*$", re.M), lambda m: _blank(m.group(0))),     # setext, rules
    (re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$", re.M), lambda m: _blank(m.group(0))),
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M),
     lambda m: _blank(m.group(0))),                                                    # table rules
    (re.compile(r"^ {0,3}(>[ \t]?)+", re.M), lambda m: _blank(m.group(0))),            # blockquotes
    (re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1"), _keep(2)),                          # *emphasis*
    (re.compile(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)"), _keep(2)),              # _emphasis_
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), _keep(1)),                                 # ~~strike~~
    (re.compile(r"(`+)(.+?)\1"), _keep(2)),                                            # `code`
    (re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|])"), lambda m: " "),                      # escapes
]
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)


def strip_markup(text: str) -> str:
    """``text`` with Markdown markup replaced by spaces: same length, same line breaks."""
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)  # type: ignore[arg-type]
    # Table rows: the cell separators become spaces (one row stays one line).
    text = _TABLE_ROW.sub(lambda m: m.group(0).replace("|", " "), text)
    return text


def markdown_title(text: str) -> str | None:
    m = re.search(r"^ {0,3}#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    return m.group(1) if m else None


def load_markdown(shown: str, data: bytes, sha: str, options, notes: list[str]) -> list[Document]:
    text = decode(data, notes)
    docs = parse_export(shown, text, sha)
    if docs is not None:
        return docs
    clean = strip_markup(text)
    return [Document(path=shown, text=text, sha256=sha, title=markdown_title(text),
                     clean=clean if clean != text else None, meta={"format": "markdown"})]
