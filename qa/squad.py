"""SQuAD-format evaluation data: reading and checking a file, and pairing two parallel translations.

The shape read is ``{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
"answers": [{"text", "answer_start"}]}]}]}]}``. Anything else is an EvalDataError whose one-line
message names the file and the place in it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import EvalDataError
from .segment import detect_language

_SHAPE = ('{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question", '
          '"answers": [{"text"}]}]}]}]}')


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    answers: tuple[str, ...]  # gold answer texts (may be empty, e.g. SQuAD 2.0 unanswerable)
    paragraph: int  # index into SquadFile.paragraphs


@dataclass(frozen=True)
class SquadFile:
    path: str
    lang: str  # zh, en or other: the language most paragraphs are written in
    paragraphs: list[str]  # contexts, in file order
    positions: list[tuple[int, int]]  # (article, paragraph within article) of each context
    questions: list[Question]
    skipped: list[str]  # ids of questions that cannot be asked (empty text), left out

    def by_id(self) -> dict[str, Question]:
        return {q.qid: q for q in self.questions}


def _fail(path: str, where: str, problem: str) -> EvalDataError:
    at = f" at {where}" if where else ""
    return EvalDataError(f"{path}: not SQuAD-format{at}: {problem}. Expected {_SHAPE}")


def _field(obj: object, key: str, kind: type, path: str, where: str):
    if not isinstance(obj, dict):
        raise _fail(path, where, f"expected an object, found {type(obj).__name__}")
    if key not in obj:
        raise _fail(path, where, f'"{key}" is missing')
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail(path, f"{where}.{key}" if where else key,
                    f"expected {'a list' if kind is list else 'a string'}, found {type(value).__name__}")
    return value


def load_squad(path: str | os.PathLike) -> SquadFile:
    """Read and check one SQuAD-format file. Raise EvalDataError if it is unreadable or misshapen."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise EvalDataError(f"{shown}: cannot read: {e.strerror or e}. Give the path of a SQuAD-format "
                            "JSON file") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise EvalDataError(f"{shown}: not UTF-8 text, so not a SQuAD-format JSON file") from None
    except json.JSONDecodeError as e:
        raise EvalDataError(f"{shown}: not JSON (line {e.lineno}, column {e.colno}: {e.msg}). Give a "
                            "SQuAD-format JSON file") from None
    articles = _field(data, "data", list, shown, "")
    paragraphs: list[str] = []
    positions: list[tuple[int, int]] = []
    questions: list[Question] = []
    seen: set[str] = set()
    skipped: list[str] = []
    for a, article in enumerate(articles):
        for p, para in enumerate(_field(article, "paragraphs", list, shown, f"data[{a}]")):
            where = f"data[{a}].paragraphs[{p}]"
            context = _field(para, "context", str, shown, where)
            if not context.strip():
                raise _fail(shown, f"{where}.context", "the context is empty")
            index = len(paragraphs)
            paragraphs.append(context)
            positions.append((a, p))
            for n, qa in enumerate(_field(para, "qas", list, shown, where)):
                qwhere = f"{where}.qas[{n}]"
                if isinstance(qa, dict) and isinstance(qa.get("id"), int) and not isinstance(qa["id"], bool):
                    qid = str(qa["id"])
                else:
                    qid = _field(qa, "id", str, shown, qwhere)
                text = _field(qa, "question", str, shown, qwhere).strip()
                if qid in seen:
                    raise EvalDataError(f"{shown}: question id {qid!r} appears twice (again at {qwhere}): "
                                        "every question needs its own id")
                seen.add(qid)
                if not text:  # real data has a few; `qa ask` refuses them, so they are left out and counted
                    skipped.append(qid)
                    continue
                answers = tuple(_field(ans, "text", str, shown, f"{qwhere}.answers[{m}]")
                                for m, ans in enumerate(_field(qa, "answers", list, shown, qwhere)))
                questions.append(Question(qid, text, tuple(t for t in answers if t.strip()), index))
    if not questions:
        raise EvalDataError(f"{shown}: holds no questions: a SQuAD-format file needs paragraphs with "
                            '"qas" to evaluate')
    votes = Counter(detect_language(c) for c in paragraphs)
    return SquadFile(shown, votes.most_common(1)[0][0], paragraphs, positions, questions, skipped)


def pair(a: SquadFile, b: SquadFile) -> tuple[SquadFile, SquadFile]:
    """(zh file, en file) of two parallel translations. Raise EvalDataError if they do not pair up.

    Parallel files hold the same question ids, each in the paragraph at the same article and
    paragraph position; that position is how a paragraph finds its translation.
    """
    langs = {a.lang, b.lang}
    if langs != {"zh", "en"}:
        raise EvalDataError(f"two files must be one Chinese and one English translation of the same data; "
                            f"{a.path} reads as {a.lang} and {b.path} as {b.lang}")
    zh, en = (a, b) if a.lang == "zh" else (b, a)
    zh_ids, en_ids = zh.by_id(), en.by_id()
    all_zh, all_en = set(zh_ids) | set(zh.skipped), set(en_ids) | set(en.skipped)
    only_zh, only_en = sorted(all_zh - all_en), sorted(all_en - all_zh)
    if only_zh or only_en:
        parts = [f"{len(ids)} only in {f.path} (e.g. {ids[0]!r})"
                 for ids, f in ((only_zh, zh), (only_en, en)) if ids]
        raise EvalDataError(f"the two files' question ids do not match: {'; '.join(parts)}. Give two "
                            "translations of the same questions with the same ids, or one file")
    for qid, q in zh_ids.items():
        if qid not in en_ids:
            continue  # skipped (empty) in the English file
        zp, ep = zh.positions[q.paragraph], en.positions[en_ids[qid].paragraph]
        if zp != ep:
            raise EvalDataError(
                f"question {qid!r} is in article {zp[0]} paragraph {zp[1]} of {zh.path} but in article "
                f"{ep[0]} paragraph {ep[1]} of {en.path}: parallel files must keep the same articles "
                "and paragraphs in the same order")
    if zh.positions != en.positions:
        raise EvalDataError(f"{zh.path} and {en.path} have different articles or paragraphs: parallel "
                            "files must keep the same articles and paragraphs in the same order")
    return zh, en
