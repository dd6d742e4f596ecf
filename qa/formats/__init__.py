"""File formats: one small module per format, chosen by file suffix, each imported only when needed.

Every loader returns Documents whose character offsets index into ``Document.text``:

- plain text and Markdown: ``text`` is the decoded file, so a citation can be checked against the file
  itself. Markdown markup is blanked out (same length, so offsets stay put) in ``Document.clean``,
  which is what gets segmented, tokenized and embedded.
- PDF, Word, HTML and JSON: ``text`` is the text qa extracted (the passage record stores the cited
  text, so ``qa`` can always show it); PDF pages are joined by a form feed and each passage carries
  its page number.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..documents import Document
from ..errors import DocumentError

# suffix -> "module:function"; the module is imported on first use, so pypdf, python-docx and
# selectolax never load for `qa ask` or for a folder of text files.
LOADERS: dict[str, str] = {
    ".txt": "text:load_text", ".text": "text:load_text",
    ".md": "markdown:load_markdown", ".markdown": "markdown:load_markdown",
    ".html": "html:load_html", ".htm": "html:load_html",
    ".pdf": "pdf:load_pdf",
    ".docx": "docx:load_docx",
    ".json": "jsonrecords:load_json", ".jsonl": "jsonrecords:load_jsonl",
}
SUFFIXES: tuple[str, ...] = tuple(LOADERS)
DEFAULT_LOADER = "text:load_text"  # a file named directly, whatever its suffix


@dataclass(frozen=True)
class FormatOptions:
    """Settings that change what a file yields. Recorded in the manifest: a change re-reads files."""

    json_text_fields: tuple[str, ...] = ("text", "content", "body")
    json_title_fields: tuple[str, ...] = ("title", "headline", "name")
    json_date_fields: tuple[str, ...] = ("date", "published", "time", "created")
    json_source_fields: tuple[str, ...] = ("source", "url", "site")

    def to_dict(self) -> dict:
        return {k: list(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "FormatOptions":
        return cls(**{k: tuple(v) for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Loaded:
    """What one file gave: its documents, parts of it that could not be used (with reasons), and
    notes about what was used (damaged bytes replaced, say)."""

    documents: list[Document]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    notes: list[str] = field(default_factory=list)


MAX_TEXT_CHARS = 50_000_000  # characters of text from one file; more is that file's skip, not a crash
ISOLATED = frozenset(("pdf", "docx"))  # parsed in a child process with time and memory limits


def load(path: Path, shown: str, data: bytes, sha: str, options: FormatOptions) -> Loaded:
    """Parse a file's bytes by its suffix. Raise DocumentError when nothing in it can be used.

    Whatever goes wrong inside a parser (a RecursionError from a deeply nested PDF, a MemoryError,
    a bug) is this file's DocumentError, never the build's end.
    """
    module, func = LOADERS.get(path.suffix.lower(), DEFAULT_LOADER).split(":")
    if module in ISOLATED:
        from .isolated import run_isolated

        # The child checks the amount of text, so too much never crosses the pipe into this process.
        return run_isolated(module, func, shown, data, sha, options, max_chars=MAX_TEXT_CHARS)
    return call_loader(module, func, shown, data, sha, options, MAX_TEXT_CHARS)


def call_loader(module: str, func: str, shown: str, data: bytes, sha: str, options: FormatOptions,
                max_chars: int = MAX_TEXT_CHARS) -> Loaded:
    """Run one loader in this process, turning any failure, and text over ``max_chars``
    characters, into a DocumentError."""
    loader = getattr(importlib.import_module(f"{__name__}.{module}"), func)
    notes: list[str] = []
    try:
        result = loader(shown, data, sha, options, notes)
    except DocumentError:
        raise
    except RecursionError as e:
        raise DocumentError("nested too deeply to parse (a damaged or hostile file)") from e
    except MemoryError as e:
        raise DocumentError("too large to parse in the memory allowed") from e
    except Exception as e:  # a parser's own bug or an unforeseen kind of damage: this file only
        raise DocumentError(f"could not be parsed ({type(e).__name__}: {str(e)[:200]})") from e
    loaded = result if isinstance(result, Loaded) else Loaded(result)
    chars = sum(len(d.text) for d in {id(d.text): d for d in loaded.documents}.values())
    if chars > max_chars:
        raise DocumentError(f"too much text ({chars:,} characters; at most {max_chars:,} from one file): "
                            "split it")
    loaded.notes.extend(notes)
    return loaded
