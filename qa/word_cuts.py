"""Other cuts of a Chinese word: the index terms a question word the index lacks may stand for, when
jieba cut the same name otherwise in the question than in a passage (qa.confidence)."""

from __future__ import annotations

import re

from .segment import HAN_CHAR



def other_cuts(word: str, text: str, held) -> set[str]:
    """The index terms a Chinese question word the index lacks may stand for. jieba cuts a name its
    dictionary lacks by its context, so the question and a passage naming the same person or plant
    can cut it apart: 杨昊现效力于哪里 gives 杨昊现 where the passage has 杨昊 | 现, 锦地罗又被称之为什么
    gives 锦地 | 罗 where the passage has 锦地罗; counted as missing, the word made the right paragraph
    look like a miss and the name look absent from the folder. The word joined with up to two
    neighbouring Chinese characters of the question (``text``, read as the tokenizer reads it) when
    a passage holds that, else its longest pieces of two characters or more that a passage holds
    (``held(terms)``: which of the terms a passage the question may see holds; so a passage a
    filter hides does not decide the cut). Empty when neither."""
    spans = set()
    for m in re.finditer(re.escape(word), text):
        start, end = m.start(), m.end()
        left, right = start, end
        while left > max(start - 2, 0) and HAN_CHAR.match(text[left - 1]):
            left -= 1
        while right < min(end + 2, len(text)) and HAN_CHAR.match(text[right]):
            right += 1
        spans |= {text[a:b] for a in range(left, start + 1) for b in range(end, right + 1) if (a, b) != (start, end)}
    longer = set(held(spans)) if spans else set()
    if longer:
        return longer
    for size in range(len(word) - 1, 1, -1):
        pieces = set(held({word[i:i + size] for i in range(len(word) - size + 1)}))
        if pieces:
            return pieces
    return set()
