"""The texts a build embeds and tokenizes for a passage (its text, with its document's title for the
model, and its sentences), shared by the build and by what reuses an earlier build's vectors."""

from __future__ import annotations

import re

from .records import Passage


def embed_text(passage_text: str, title: str | None) -> str:
    """What the model sees for a passage: its document's title gives it context (a Chinese title
    over an English body is common in exports)."""
    return f"{title}\n{passage_text}" if title else passage_text


_SPACE_RUN = re.compile(r"[ \t]{2,}")


def passage_views(passage: Passage) -> tuple[str, list[str]]:
    """What is tokenized and embedded for a passage: its text and its sentences' texts.

    A passage with a ``clean`` copy (Markdown with the markup blanked out) is read through it, with
    the blanks squeezed; otherwise the cited text itself.
    """
    start, clean = passage.start, passage.clean
    base = clean if clean is not None else passage.text
    sentences = [base[s - start:e - start] for s, e in passage.sentences]
    if clean is None:
        return base, sentences
    return _SPACE_RUN.sub(" ", base).strip(), [_SPACE_RUN.sub(" ", t).strip() for t in sentences]
