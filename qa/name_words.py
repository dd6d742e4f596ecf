"""What a question names: its name words (jieba's name tags in Chinese, capitals in English) and their
sound skeletons (qa.translit), worked out once per question. The ranking's names by sound
(qa.sound_keys), the highlight (qa.answer_finder) and the confidence (qa.confidence) each read them."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from .segment import HAN_CHAR
from .translit import name_sounds

_DIGIT = re.compile(r"\d")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.&-]*[A-Za-z0-9]|[A-Za-z]|\d[\d.,:/-]*")
# jieba's part-of-speech tags for names: person, place, organisation, other proper noun, Latin word.
_NAME_TAGS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng"}


def name_words(question: str) -> list[str]:
    """The words of a question that name something: jieba's person, place, organisation and
    proper-noun words and Latin-script words in Chinese; in English, words written with a capital
    other than the question's first (or all in capitals). Numbers and dates come as the
    tokenizer's quantity keys. (The tokenizer's name keys of a question are guesses from all its
    nouns, made to match a name spelt in the other language; most are in no index, so their
    absence says nothing.) Worked out once per question: the ranking (qa.sound_keys), the
    highlight and the confidence each ask."""
    return list(_name_words(question))


@lru_cache(maxsize=64)
def _name_words(question: str) -> tuple[str, ...]:
    import unicodedata

    from .segment import chinese_tags

    text = unicodedata.normalize("NFKC", question)
    if HAN_CHAR.search(text):
        return tuple([w for w, flag in chinese_tags(text) if flag in _NAME_TAGS] +
                     [m.group() for m in _EN_WORD.finditer(text) if not _DIGIT.match(m.group())])
    return tuple(m.group() for n, m in enumerate(_EN_WORD.finditer(text))
                 if not _DIGIT.match(m.group()) and ((n > 0 and m.group()[0].isupper())
                                                     or (len(m.group()) > 1 and m.group().isupper())))


class QuestionNames:
    """A question's name words (``name_words``) and their sound skeletons (qa.translit.name_sounds),
    each worked out when first read and kept for the question: the highlight (qa.answer_finder) and
    the confidence both read them."""

    def __init__(self, question: str):
        self.question = question

    @cached_property
    def words(self) -> list[str]:
        return name_words(self.question)

    @cached_property
    def sounds(self) -> dict[str, frozenset[str]]:
        return name_sounds(self.question, self.words)
