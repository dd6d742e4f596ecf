"""What a question asks for (its focus), and whether a text gives it in any form the bridges know.

"鹏飞无人机第三季度的营收有多少？" asks for 营收; its company, quarter and the word "无人机" only locate
it. A report on Pengfei's third quarter that gives deliveries and net profit but no revenue shares
every other word of the question, yet does not answer it. The focus is read from the syntax around
the question word (jieba's part-of-speech tags in Chinese; the words after "how many", "what ...
did", "who is the ..." in English): the noun the question word counts, names or asks the value of,
not the names, periods and numbers that locate it, and not a word naming only the *kind* of answer
(time, year, number, people, place: a right answer gives a date, not the word 时间). It is found in
a text as itself, as the index cuts it, through the dictionary in the other language, or as a word
of the same gloss (营收 / 收入 / revenue). docs/confidence.md, eleventh round (c).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .answer_types import CLASSIFIERS
from .segment import HAN_CHAR, chinese_tags, searchable_text, tokenize

# Words that name the kind of answer rather than an attribute of the thing asked about: a right
# answer gives a date, a number, a person or a place, and rarely repeats the word itself.
KIND_WORDS_ZH = frozenset("钱 时间 时候 年 年份 日期 月份 地方 地点 位置 名字 名称 名 人 人物 数量 数字 多少 原因 理由 "
                          "比例 百分比 比重 占比 方式 方法 东西 事 事情 问题 情况 部分 种类 类型 样子 内容 结果 意思".split())
KIND_WORDS_EN = frozenset("time times year years date day days month months place places name names number "
                          "numbers amount money people person persons thing things reason way ways kind kinds type types "
                          "part parts one ones percentage percent share proportion".split())
_ZH_ASKING = {"多少", "几", "什么", "谁", "多大", "多长", "多高", "多远", "多重", "多久"}
_ZH_NOT_FOCUS = {"哪里", "哪儿", "哪些", "哪个", "哪", "何", "何时", "为什么", "如何", "怎么", "怎样", "什么时候", "为何"}
_ZH_COPULA = {"是", "有", "为", "达", "达到", "约", "共", "一共", "总共", "大约", "了", "能", "可", "将", "会"}
_NAME_TAGS = {"nr", "ns", "nt", "nz", "nrt", "nrfg"}
_EN_AUX = {"is", "was", "are", "were", "do", "does", "did", "will", "would", "can", "could", "has", "have",
           "had", "should", "might", "must", "shall", "may"}
_EN_STOP = _EN_AUX | {"of", "for", "in", "at", "on", "by", "to", "from", "with", "that", "which", "when", "where",
                      "during", "under", "over", "per", "as", "than", "and", "or", "after", "before", "about",
                      "into", "through", "between", "among", "since", "until", "does", "not"}
_EN_ARTICLES = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those"}
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d.,]*")


def _nounish(words: list[tuple[str, str]], i: int) -> bool:
    word, tag = words[i]
    if tag in _NAME_TAGS or word in KIND_WORDS_ZH or not HAN_CHAR.match(word):
        return False
    if tag.startswith("n") or tag in {"vn", "l", "j"}:
        return True
    return tag.startswith("v") and i > 0 and words[i - 1][0] == "的"  # 的营收: a verb used as a noun


def _zh_focus(question: str) -> list[str]:
    words = [(w, t) for w, t in chinese_tags(searchable_text(question)) if w.strip()]
    for i, (word, tag) in enumerate(words):
        if word in _ZH_NOT_FOCUS:
            return []
        if word not in _ZH_ASKING:
            continue
        after, j = [], i + 1
        if j < len(words) and words[j][0] in KIND_WORDS_ZH:
            return []  # 什么时候, 多少钱: the kind of answer, no attribute
        if j < len(words) and words[j][1] == "q":  # 多少个 / 几座: the measure word
            j += 1
        elif (j + 1 < len(words) and len(words[j][0]) > 1 and words[j][0][0] in CLASSIFIERS
              and not words[j][1].startswith("n") and words[j + 1][1].startswith("n")):
            words[j + 1] = (words[j][0][1:] + words[j + 1][0], "n")  # 座换 | 电站: the measure word cut in
            j += 1
        while j < len(words) and (_nounish(words, j) or words[j][1] in {"a", "uj", "p", "b"} or
                                  words[j][0] in KIND_WORDS_ZH):
            if _nounish(words, j):
                after.append(words[j][0])
            elif words[j][1] == "p" and after:
                break
            j += 1
        if after:
            return after[-1:]
        before, j = [], i - 1
        while j >= 0 and words[j][0] in _ZH_COPULA:
            j -= 1
        if word == "谁" and i + 1 < len(words) and words[i + 1][0] == "是":
            rest = [k for k in range(i + 2, len(words)) if _nounish(words, k) or words[k][0] in KIND_WORDS_ZH]
            return [words[rest[-1]][0]] if rest and words[rest[-1]][0] not in KIND_WORDS_ZH else []  # 谁是总经理
        if j >= 0 and (_nounish(words, j) or (j + 1 < i and words[j + 1][0] in {"是", "为", "有"}
                                              and words[j][1] in {"v", "vn"} and HAN_CHAR.match(words[j][0])
                                              and words[j][0] not in KIND_WORDS_ZH)):
            before.append(words[j][0])  # 营收是多少: what stands before the copula is asked
        return before
    return []


def _en_focus(question: str) -> list[str]:
    tokens = _EN_WORD.findall(question)
    lower = [t.lower().replace("’", "'") for t in tokens]

    def phrase(start: int) -> list[str]:
        out: list[str] = []
        k, named = start, False
        while k < len(lower) and lower[k] in _EN_ARTICLES:
            k += 1
        while k < len(lower) and lower[k] not in _EN_STOP:
            word = lower[k]
            if word.endswith("'s") or word.endswith("'"):  # Hongxiang Computer's gross margin: after the owner
                out, named = [], False
            elif (tokens[k][:1].isupper() and not tokens[k].rstrip("s").isupper()) or word[:1].isdigit():
                out, named = [], True  # a name ...
            elif named and not out:
                return []  # ... followed by a word of its own: "what does Ouyang see", a verb
            elif word in KIND_WORDS_EN:
                return []  # "how many people work ...": the kind of answer, no attribute
            elif word not in _EN_ARTICLES:
                out.append(word)
            k += 1
        return out

    for i, word in enumerate(lower):
        if word == "how" and i + 1 < len(lower) and lower[i + 1] in {"many", "much"}:
            return phrase(i + 2)
        if word == "what":
            nxt = lower[i + 1] if i + 1 < len(lower) else ""
            return phrase(i + 2) if nxt in _EN_AUX else phrase(i + 1)
        if word == "who":
            nxt = lower[i + 1] if i + 1 < len(lower) else ""
            return phrase(i + 2) if nxt in _EN_AUX else []
        if word in {"which", "whom", "whose", "when", "where", "why", "how"}:
            return []
    return []


@lru_cache(maxsize=4096)
def focus_words(question: str) -> tuple[str, ...]:
    """The words the question asks the value of (its focus), in its own language; () when it asks
    for a time, place, reason or manner, or the syntax gives none."""
    found = _zh_focus(question) if HAN_CHAR.search(question) else _en_focus(question)
    return tuple(dict.fromkeys(found))


def focus_forms(word: str, known=None, level: int = 2) -> set[str]:
    """The index terms ``word`` may appear as: itself as the index cuts it, its dictionary
    translations, and the words of the other language's senses back (the same gloss: 营收 ->
    revenue -> 收入). ``known(terms)``: which terms the index holds (None: all)."""
    from .bridge import translate_query

    known = known or (lambda terms: set(terms))
    own = [t for t in tokenize(word) if not t.startswith(("=", "~"))]
    chinese = bool(HAN_CHAR.search(word))
    forms = {word} if chinese else set(own)
    other = dict(translate_query(own if not chinese else [word], "en" if chinese else "zh", known))
    other = {t for t in other if t not in forms}
    if level < 1:
        return forms
    forms |= other
    if level < 2:
        return {f for f in forms if f and not f.startswith(("=", "~"))}
    back = translate_query(sorted(other), "zh" if chinese else "en", known)
    forms |= {t for t in back if bool(HAN_CHAR.search(t)) == chinese}
    return {f for f in forms if f and not f.startswith(("=", "~"))}


def holds(text: str, forms, tokens: set[str] | None = None) -> bool:
    """Whether ``text`` gives one of ``forms``: a Chinese form as a substring, an English one as a
    term of the text (``tokens``: its terms when already cut)."""
    if any(HAN_CHAR.search(f) and f in text for f in forms):
        return True
    tokens = set(tokenize(text)) if tokens is None else tokens
    return any(f in tokens for f in forms if not HAN_CHAR.search(f))


def focus_absent(question: str, sentences: list[str]) -> list[float]:
    """Per sentence (a hit's highlighted one; "" for none): 1 when the question asks for a number
    (qa.answer_types.asks_quantity) of something it names (its focus) and the sentence gives that
    focus in no form, else 0. "鹏飞无人机第三季度的营收有多少？" against "鹏飞第三季度交付无人机1200架，净利润
    2100万元": every other word is there, the revenue is not."""
    from .answer_types import asks_quantity

    words = focus_words(question) if asks_quantity(question) == "number" else ()
    if not words:
        return [0.0] * len(sentences)
    forms = [_forms(w) for w in words]
    return [0.0 if any(holds(s, f) for f in forms) else 1.0 for s in sentences]


@lru_cache(maxsize=4096)
def _forms(word: str) -> frozenset[str]:
    return frozenset(focus_forms(word))
