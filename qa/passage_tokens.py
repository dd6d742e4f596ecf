"""The tokens a passage is indexed with: its title's and its own (a document's title is indexed with
every passage of it), with the sound keys of their names (qa.sound_keys.sound_keys), less the title's
name and sound keys where the passage's body lacks the title's language."""

from __future__ import annotations

from collections import Counter

from .segment import languages, searchable_text, searchable_tokens
from .sound_keys import sound_keys


class TitleTokens:
    """A document's title, worked out once for all its passages."""

    def __init__(self, title: str | None):
        self.title = title
        self.names = title_name_keys(title) if title else []
        self.langs = set(languages(title)) if self.names else set()

    def passage_tokens(self, view: str, body_langs: list[str]) -> list[str]:
        """The tokens of a passage whose text (its first view) is ``view`` and whose body is in
        ``body_langs``."""
        text = searchable_text(f"{self.title}\n{view}" if self.title else view)  # read once, for both
        tokens = searchable_tokens(text) + sound_keys(text)
        if self.names and not self.langs <= set(body_langs):
            tokens = without_one_each(tokens, self.names)
        return tokens


def title_name_keys(title: str) -> list[str]:
    """The name keys (qa.names) of a document's title. A title in a language its passage's body
    lacks (a Chinese title over an English report) keeps its words in every passage but not these:
    a name's key is for meeting a name across languages, and a question in the title's language
    meets the title by its words already (so with the sound keys of its names). Kept, they made the title's names count twice or more for
    such a question (欧阳明 as words and as ~ouyangming / ~ouyangmeng), while the report's body gives
    the keys of the names as it spells them (Ouyang Mingyuan)."""
    text = searchable_text(title)
    return [t for t in searchable_tokens(text) if t[0] == "~"] + sound_keys(text)


def without_one_each(tokens: list[str], keys: list[str]) -> list[str]:
    """``tokens`` with one occurrence of each of ``keys`` (as often as it is listed) taken out."""
    left = Counter(keys)
    out = []
    for t in tokens:
        if left[t]:
            left[t] -= 1
        else:
            out.append(t)
    return out
