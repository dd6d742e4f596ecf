"""One script for Chinese search: traditional characters read as simplified ones (OpenCC).

Search tokens, dictionary look-ups and the highlight's word tests all read Chinese through
``to_simplified``, so 台積電 and 台积电 are one word to BM25, to the bridge and to the highlight.
Citations and shown text are never converted: they stay in the document's own characters.
OpenCC is a C++ library; loading its table takes about 20 ms, on the first Chinese text.
"""

from __future__ import annotations

from functools import lru_cache

from .segment import HAN_CHAR



@lru_cache(maxsize=1)
def _converter():
    try:
        import opencc
    except ImportError:  # optional: without it, traditional and simplified stay distinct words
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with traditional Chinese characters (and phrases) in their simplified form; text
    without Han characters is returned as it is. The conversion keeps every character's place."""
    if not HAN_CHAR.search(text):
        return text
    convert = _converter()
    return convert.convert(text) if convert is not None else text
