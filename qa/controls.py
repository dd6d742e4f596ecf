"""Text from documents and file names made safe to print on a terminal (no rich: the CLI's error
path uses it too)."""

from __future__ import annotations

# Control characters (an escape sequence can recolour, retitle or clear a terminal) and bidi overrides
# (which reorder what follows) from file names and texts are shown, not obeyed: C0 codes as their
# Unicode "control pictures" (ESC as ␛), the rest as �. One character for one, so highlight offsets hold.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_VISIBLE = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421} | \
    {c: 0xFFFD for c in range(0x80, 0xA0)} | {ord(c): 0xFFFD for c in _BIDI}
_VISIBLE_KEEP_LINES = {k: v for k, v in _VISIBLE.items() if k not in (9, 10)}


def visible(text: str, lines: bool = False) -> str:
    """``text`` with every control character made visible; ``lines`` keeps tabs and line breaks."""
    return text.translate(_VISIBLE_KEEP_LINES if lines else _VISIBLE)


# Characters that take no space and say nothing: zero-width space/joiners, word joiner, BOM, soft
# hyphen, direction marks. A question made only of them (and spaces) is an empty question.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"))


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only spaces and invisible characters."""
    return not text.translate(_INVISIBLE).strip()
