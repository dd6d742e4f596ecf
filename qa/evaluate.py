"""Retrieval quality on SQuAD-format data, measured through the same code paths as ``qa index``/``qa ask``.

Each paragraph is written to its own ``.txt`` file in a temporary folder and that folder is indexed by
the normal builder, so segmentation, passages, model and fusion are exactly those of ``qa index``.
Every question goes through ``QA.ask``. Ranks are over distinct documents: the first passage of a
document fixes the document's rank.

One file gives one task named by its language (``zh->zh``). Two parallel files (same question ids)
give five: ``zh->zh``, ``en->en``, ``zh->en``, ``en->zh`` and ``mixed`` (both languages in one corpus,
all questions; either language's version of the paragraph is a hit).
"""

from __future__ import annotations

import os
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable, Iterator, Sequence

import numpy as np

from .embedding import Embedder, load_embedder
from .squad import SquadFile, load_squad, pair

Progress = Callable[[str, int, int], None]  # (stage, done, total), like the builder's
DocKey = tuple[str, int]  # (language of the corpus file, paragraph index)
DEPTH = 10  # documents a question must see: mrr@10 needs ranks 1..10
TASK_ORDER = ("zh->zh", "en->en", "zh->en", "en->zh", "mixed")


# -- metrics (pure) ---------------------------------------------------------------------------------

def distinct_ranking(keys: Iterable[Hashable]) -> list:
    """Documents in the order their first passage appears."""
    seen: dict = {}
    for key in keys:
        seen.setdefault(key, None)
    return list(seen)


def rank_of(ranking: Sequence[Hashable], gold: Iterable[Hashable]) -> int | None:
    """1-based rank of the first gold document in ``ranking``; None when none of them is there."""
    gold = set(gold)
    for r, key in enumerate(ranking, start=1):
        if key in gold:
            return r
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose document is within the top ``k`` (None: not found)."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    """Mean reciprocal rank, counting 0 for a document below rank ``k`` or not found."""
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def normalise(text: str) -> str:
    """Compatibility-folded (full-width digits → ASCII), lower-cased, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def contains_answer(text: str | None, answers: Iterable[str]) -> bool:
    """Whether ``text`` contains any of the gold answer texts (after :func:`normalise`)."""
    if not text:
        return False
    hay = normalise(text)
    return any(a and a in hay for a in (normalise(x) for x in answers))


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else 0.0


# -- tasks ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    text: str
    gold: frozenset[DocKey]
    answers: dict[str, tuple[str, ...]]  # corpus language -> gold answer texts in that language
    article: frozenset[DocKey] = frozenset()  # every paragraph of the gold's article: hidden to make
    # the question unanswerable (the "declined" variant)


def _articles(f: SquadFile, langs: Sequence[str]) -> dict[int, frozenset[DocKey]]:
    """Paragraph index -> the keys of all paragraphs of its article, in each of ``langs``."""
    by_article: dict[int, list[int]] = {}
    for i, (a, _) in enumerate(f.positions):
        by_article.setdefault(a, []).append(i)
    return {i: frozenset((lang, j) for j in by_article[a] for lang in langs) for i, (a, _) in enumerate(f.positions)}


@dataclass
class Task:
    name: str
    corpus: str  # which index: a language, or "mixed"
    queries: list[Query]


def plan(files: Sequence[SquadFile], limit: int | None = None) -> tuple[dict[str, list[SquadFile]], list[Task]]:
    """The corpora to index (name -> files whose paragraphs it holds) and the tasks to run on them.

    ``limit`` keeps the first N questions of each file; the corpora stay whole.
    """
    if len(files) == 1:
        f = files[0]
        qs = f.questions[:limit]
        name = f"{f.lang}->{f.lang}"
        article = _articles(f, [f.lang])
        return {f.lang: [f]}, [Task(name, f.lang, [
            Query(q.text, frozenset({(f.lang, q.paragraph)}), {f.lang: q.answers}, article[q.paragraph])
            for q in qs])]
    zh, en = pair(files[0], files[1])
    ids = {"zh": zh.by_id(), "en": en.by_id()}
    # A question left out of one file (empty text) is left out of both, so every task asks the same ones.
    both = set(ids["zh"]) & set(ids["en"])
    by_lang = {lang: SquadFile(f.path, f.lang, f.paragraphs, f.positions,
                               [q for q in f.questions if q.qid in both], f.skipped)
               for lang, f in (("zh", zh), ("en", en))}
    tasks = []
    for q_lang, c_lang in (("zh", "zh"), ("en", "en"), ("zh", "en"), ("en", "zh")):
        article = _articles(zh, [c_lang])
        tasks.append(Task(f"{q_lang}->{c_lang}", c_lang, [
            Query(q.text, frozenset({(c_lang, q.paragraph)}), {c_lang: ids[c_lang][q.qid].answers},
                  article[q.paragraph])
            for q in by_lang[q_lang].questions[:limit]]))
    article = _articles(zh, ["zh", "en"])
    mixed = [Query(q.text, frozenset({("zh", q.paragraph), ("en", q.paragraph)}),
                   {"zh": ids["zh"][q.qid].answers, "en": ids["en"][q.qid].answers}, article[q.paragraph])
             for lang in ("zh", "en") for q in by_lang[lang].questions[:limit]]
    tasks.append(Task("mixed", "mixed", mixed))
    return {"zh": [zh], "en": [en], "mixed": [zh, en]}, tasks


# -- running ----------------------------------------------------------------------------------------

@dataclass
class EvalResult:
    tasks: dict[str, dict]
    index: dict
    query_ms: dict
    settings: dict
    ranks: dict[str, list[int | None]] = field(default_factory=dict)  # per task, for analysis

    def to_dict(self) -> dict:
        return {"tasks": self.tasks, "index": self.index, "query_ms": self.query_ms, "settings": self.settings}


@dataclass
class _Corpus:
    qa: object  # qa.api.QA
    names: dict[str, DocKey]  # citation path -> document
    texts: dict[DocKey, str]
    depth_k: int  # passages to ask for so that DEPTH distinct documents are seen
    build: dict

    def allowed_without(self, hidden: frozenset[DocKey]) -> np.ndarray:
        """A bool per passage: False for the passages of the ``hidden`` documents (an index without
        them, as far as a question can tell: search and confidence only see allowed passages)."""
        index = self.qa.index  # type: ignore[attr-defined]
        shown = np.array([self.names.get(d["path"]) not in hidden for d in index.documents], dtype=bool)
        return shown[index.store.columns().doc]


def _build_corpus(name: str, files: list[SquadFile], root: Path, embedder: Embedder,
                  progress: Progress | None, store: str | None) -> _Corpus:
    from .api import QA
    from .documents import display_path

    folder = root / name
    names: dict[str, DocKey] = {}
    texts: dict[DocKey, str] = {}
    for f in files:
        sub = folder / f.lang
        sub.mkdir(parents=True)
        for i, context in enumerate(f.paragraphs):
            path = sub / f"p{i:05d}.txt"
            path.write_text(context, encoding="utf-8")
            names[display_path(path, [folder])] = (f.lang, i)
            texts[(f.lang, i)] = context
    stage = (lambda s, d, t: progress(f"index {name}: {s}", d, t)) if progress else None
    qa = QA.build([folder], root / f"index-{name}", embedder=embedder, full=True, progress=stage, store=store)
    report = qa.last_build
    most = max((d["passages"] for d in qa.index.documents), default=1)
    build = {"documents": report.documents, "passages": report.passages, "seconds": report.seconds,
             "skipped": len(report.skipped)}
    return _Corpus(qa, names, texts, DEPTH * max(most, 1), build)


def _run_task(task: Task, corpus: _Corpus, mode: str, latencies: list[float],
              progress: Progress | None) -> tuple[dict, list[int | None]]:
    qa = corpus.qa
    _ = qa.searcher  # built before the clock starts: the first question should not pay for it
    ranks: list[int | None] = []
    answer_hits = sentence_hits = 0
    right = kept = declined = 0
    verdicts = True  # False when the model has no calibration: no verdict to measure
    total = len(task.queries)
    for n, query in enumerate(task.queries):
        started = time.perf_counter()
        answer = qa.ask(query.text, k=corpus.depth_k, mode=mode)
        latencies.append((time.perf_counter() - started) * 1000.0)
        ranking = distinct_ranking(corpus.names.get(h.citation.path) for h in answer.hits)
        ranking = [key for key in ranking if key is not None]
        ranks.append(rank_of(ranking[:DEPTH], query.gold))
        verdicts = verdicts and answer.answered is not None
        if verdicts:
            right += ranks[-1] == 1
            kept += ranks[-1] == 1 and bool(answer.answered)
            declined += not _answered_without(corpus, query, mode, answer.min_confidence)
        if ranking:
            top = ranking[0]
            gold_answers = query.answers.get(top[0], ())
            answer_hits += contains_answer(corpus.texts[top], gold_answers)
            highlight = answer.hits[0].highlight
            sentence_hits += contains_answer(highlight.text if highlight else None, gold_answers)
        if progress:
            progress(f"{mode} {task.name}", n + 1, total)
    metrics = {"recall@1": recall_at(ranks, 1), "recall@5": recall_at(ranks, 5), "mrr@10": mrr_at(ranks, 10),
               "answer@1": answer_hits / total if total else 0.0,
               "sentence@1": sentence_hits / total if total else 0.0}
    if verdicts and total:  # the unanswerable variant: each question again, its article hidden
        metrics.update({"kept": kept / right if right else 0.0, "declined": declined / total})
    return {**{k: round(v, 4) for k, v in metrics.items()}, "queries": total}, ranks


@contextmanager
def _stores_dropped(tmp: Path) -> Iterator[None]:
    """Drop the temporary indexes' data where their store keeps it outside the folder (Milvus)."""
    try:
        yield
    finally:
        from .index_files import remove_stale_builds

        for index_dir in tmp.glob("index-*"):
            remove_stale_builds(index_dir, keep=None)


def _answered_without(corpus: _Corpus, query: Query, mode: str, min_confidence: float | None) -> bool:
    """The verdict on ``query`` with its whole article hidden, so that nothing in the index answers it
    (the first hit alone decides the verdict, so one hit is enough)."""
    from .answer import verdict

    hits = corpus.qa.searcher.search(query.text, k=1, mode=mode,  # type: ignore[attr-defined]
                                     allowed=corpus.allowed_without(query.article))
    return bool(verdict(hits, min_confidence))


def evaluate_modes(paths: Sequence[str | os.PathLike], modes: Sequence[str] = ("hybrid",), *,
                   model: str | None = None, embedder: Embedder | None = None, limit: int | None = None,
                   progress: Progress | None = None, store: str | None = None) -> dict[str, EvalResult]:
    """Evaluate one SQuAD-format file, or two parallel ones, in each of ``modes`` on the same indexes
    (temporary, in ``store``: a store spec as for ``qa index --store``, faiss by default).

    Raises EvalDataError for bad data (checked before the model loads), InputError for bad options.
    """
    from .errors import InputError
    from .inputs import check_mode

    if not 1 <= len(paths) <= 2:
        raise InputError(f"give one SQuAD-format file, or two parallel translations (got {len(paths)})")
    for mode in modes:
        check_mode(mode)
    if limit is not None and limit < 1:
        raise InputError(f"the question limit must be at least 1 (got {limit})")
    files = [load_squad(p) for p in paths]
    corpora_files, tasks = plan(files, limit)
    embedder = embedder or load_embedder(model)
    # Lazy set-up (the model's tokenizer, jieba's dictionary) would otherwise be charged to whichever
    # index is built first, making build times incomparable between corpora.
    from .segment import tokenize

    embedder.embed(["warm-up 预热"])
    tokenize("warm-up 预热")
    results: dict[str, EvalResult] = {}
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp, _stores_dropped(Path(tmp)):
        corpora = {name: _build_corpus(name, fs, Path(tmp), embedder, progress, store)
                   for name, fs in corpora_files.items()}
        builds = {name: c.build for name, c in corpora.items()}
        documents = sum(b["documents"] for b in builds.values())
        passages = sum(b["passages"] for b in builds.values())
        seconds = round(sum(b["seconds"] for b in builds.values()), 3)
        index = {"documents": documents, "passages": passages, "seconds": seconds,
                 "passages_per_second": round(passages / seconds, 1) if seconds else None, "builds": builds}
        for mode in modes:
            latencies: list[float] = []
            metrics, ranks = {}, {}
            for task in tasks:
                metrics[task.name], ranks[task.name] = _run_task(task, corpora[task.corpus], mode,
                                                                 latencies, progress)
            results[mode] = EvalResult(
                tasks=metrics, index=index,
                query_ms={"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
                settings={"model": embedder.name, "mode": mode, "limit": limit, "store": store or "faiss",
                          "files": [str(p) for p in paths],
                          "skipped_questions": sorted({q for f in files for q in f.skipped})},
                ranks=ranks)
    return results


def evaluate(paths: Sequence[str | os.PathLike], mode: str = "hybrid", *, model: str | None = None,
             embedder: Embedder | None = None, limit: int | None = None,
             progress: Progress | None = None, store: str | None = None) -> EvalResult:
    """``qa eval``: retrieval quality of one mode on one SQuAD-format file or a parallel pair."""
    return evaluate_modes(paths, (mode,), model=model, embedder=embedder, limit=limit,
                          progress=progress, store=store)[mode]
