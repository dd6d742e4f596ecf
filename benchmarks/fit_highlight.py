"""Fit the highlight's weights (qa/highlight_weights.json): which sentence of the first hit answers.

    python benchmarks/fit_highlight.py [--data DIR] [--index-cache DIR] [--fit-on all|even] [--l2 X]
                                       [--features FILE] [--write]

Every dev question (XQuAD pair: five tasks; CMRC 2018 trial) is asked in hybrid mode as
``benchmarks/highlight_misses.py`` asks it; the first hit's passage gives one row of features per
sentence (qa.highlight.SentenceChooser.features) and, for each, whether it holds the answer. The weights
are a conditional logit's: a softmax over one passage's sentences (those that can answer), the
sentences holding the answer as the positive, fitted by Newton's method with a small L2 penalty on
the questions of ``--fit-on`` (``even``: the dev questions of even-numbered articles, the odd half held
out; ``odd`` the other way round; ``all``: every dev question, what is shipped). Questions whose passage has no sentence
holding the answer, or only such sentences, say nothing about the weights and are left out. A passage
with a sentence in the other language keeps the hand-set weights (HAND_SET): fitted there, they did
worse on the held-out half.

Prints sentence@1 (the first hit's chosen sentence holds the answer, of all questions) per task and
dev half, and for the news and hard sets (held out: never fitted on), with the weights stored now and
with the fitted ones, re-scoring the same features. The first hit's passage is the one the stored
weights put first (a document's passages compete by their best sentence's score), so the fitted
weights' figures are an estimate: ``highlight_misses.py`` measures them once written.
``--write`` stores the fitted weights in qa/highlight_weights.json (``--fit-on all --write``: what is
shipped); ``--features
FILE`` keeps the collected rows (a pickle) and reads them back when the file exists.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from highlight_misses import FirstHit, dev_cases, docset_cases  # noqa: E402
from qa.evaluate import DEPTH, contains_answer, distinct_ranking, rank_of  # noqa: E402
from qa.highlight import FEATURES, HAND, SAME, WEIGHTS, sentence_weights  # noqa: E402

L2 = 1e-3  # the penalty on the weights' squares, per question fitted
# For a passage with a sentence in the other language the weights stay the hand-set ones that came
# before the fit (similarity + the share of words + 0.2 for the answer type + 0.5 for a question only
# naming the topic at the lead): fitted on the dev questions across languages, every combination of
# these features did worse on the held-out half (docs/ranking.md).
HAND_SET = {**dict.fromkeys(FEATURES, 0.0), "similarity": 1.0, "overlap": 1.0, "topic_lead": 0.5,
            **{f: 0.2 for f in FEATURES if f.startswith("type_")}}


def collect(cases) -> list[dict]:
    """One record per question: set, task, half, whether its first hit counts (the gold document first,
    or any first hit for dev, whose answers are known in each language), the feature matrix of the
    first hit's passage (sentences x FEATURES), which sentences can answer and which hold the answer."""
    records = []
    for stream in cases:
        for case in stream:
            set_name, task, half, qid, text, gold, answers, qa, key, *rest = case
            answer = qa.ask(text, k=DEPTH * 4, mode="hybrid")
            ranking = [k for k in distinct_ranking(key(h.citation.path) for h in answer.hits) if k is not None]
            record = {"set": set_name, "task": task, "half": half, "id": qid, "x": None}
            records.append(record)
            rank = rank_of(ranking[:DEPTH], gold)
            if not ranking or (rest and rank != 1):
                continue
            gold_answers = rest[0:1] if rest else answers.get(ranking[0][0], ())
            seen = FirstHit.of(qa, answer.hits[0], text)
            found = qa.searcher.chooser.features(seen.pid, seen.scored.query_vector, seen.finder.reading,
                                                 seen.finder.wants, seen.finder.lang)
            if found is None:
                continue
            record["x"] = np.column_stack([found[f] for f in FEATURES])
            record["open"] = found["blocked"] == 0
            record["across"] = qa.searcher.chooser.across(seen.pid, found["blocked"], seen.finder.lang)
            record["holds"] = np.array([contains_answer(seen.passage.sentence_text(j), gold_answers)
                                        for j in range(len(seen.passage.sentences))])
    return records


def informative(records: list[dict]) -> list[dict]:
    """Records whose open sentences include some holding the answer and some not."""
    out = []
    for r in records:
        if r["x"] is None or r["open"].sum() < 2:
            continue
        holds = r["holds"][r["open"]]
        if holds.any() and not holds.all():
            out.append(r)
    return out


def fit(records: list[dict], l2: float = L2, steps: int = 50) -> np.ndarray:
    """The weights maximising the mean log-probability that a passage's chosen sentence holds the answer
    (softmax over its open sentences; the answer's sentences' probabilities summed) less l2/2 times
    the squared weights, by Newton's method with step halving."""
    rows = [(r["x"][r["open"]], r["holds"][r["open"]]) for r in informative(records)]
    if not rows:
        raise SystemExit("no question to fit on")
    w = np.zeros(len(FEATURES))

    def objective(w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        value, grad, hess = 0.0, np.zeros_like(w), np.zeros((len(w), len(w)))
        for x, y in rows:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = p * y
            q /= q.sum()
            value += np.log((p * y).sum())
            mean_p, mean_q = p @ x, q @ x
            grad += mean_q - mean_p
            hess += (x.T * q) @ x - np.outer(mean_q, mean_q) - (x.T * p) @ x + np.outer(mean_p, mean_p)
        n = len(rows)
        return (value / n - l2 / 2 * w @ w, grad / n - l2 * w, hess / n - l2 * np.eye(len(w)))

    value, grad, hess = objective(w)
    for _ in range(steps):
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            step = grad
        if step @ grad <= 0:  # not an ascent direction (the positives' sum makes it non-concave)
            step = grad
        t = 1.0
        while t > 1e-6:
            candidate = objective(w + t * step)
            if candidate[0] >= value:
                break
            t /= 2
        else:
            break
        w, (value, grad, hess) = w + t * step, candidate
        if np.abs(grad).max() < 1e-7:
            break
    return w


def chosen(r: dict, weights: dict[str, np.ndarray]) -> int:
    """The sentence the weights (SAME and HAND) choose: the best open one (the first when none is open)."""
    s = np.where(r["open"], r["x"] @ weights[HAND if r["across"] else SAME], -np.inf)
    return int(np.argmax(s)) if r["open"].any() else 0


def figures(records: list[dict], w: dict[str, np.ndarray]) -> dict[tuple[str, str], float]:
    """sentence@1 per (task, half) and (task, "all")."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        right = r["x"] is not None and bool(r["holds"][chosen(r, w)])
        for half in {r["half"], "all"}:
            t = totals[(r["task"], half)]
            t[0] += 1
            t[1] += right
    return {k: s / n for k, (n, s) in sorted(totals.items())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    ap.add_argument("--index-cache", type=Path, default=Path("/tmp/qa-highlight-cache"))
    ap.add_argument("--fit-on", choices=("all", "even", "odd"), default="all")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--features", type=Path, default=None, help="keep (or read) the collected rows here")
    ap.add_argument("--write", action="store_true", help=f"store the fitted weights in {WEIGHTS.name}")
    args = ap.parse_args()
    if args.features and args.features.exists():
        records = pickle.loads(args.features.read_bytes())
    else:
        from qa.embedding import load_embedder

        embedder = load_embedder()
        args.index_cache.mkdir(parents=True, exist_ok=True)
        records = collect([dev_cases(args.data, args.index_cache, embedder),
                           docset_cases("news", args.index_cache, embedder),
                           docset_cases("hard", args.index_cache, embedder)])
        if args.features:
            args.features.write_bytes(pickle.dumps(records))
    fit_on = args.fit_on
    train = [r for r in records if r["set"] == "dev" and fit_on in ("all", r["half"])
             and r["x"] is not None and not r["across"]]
    w = fit(train, args.l2)
    w = w / w[FEATURES.index("similarity")]  # in units of similarity, as the hand-set weights are
    stored = {k: np.array([v[f] for f in FEATURES]) for k, v in sentence_weights().items()}
    fitted = {SAME: w, HAND: np.array([HAND_SET[f] for f in FEATURES])}
    before, after = figures(records, stored), figures(records, fitted)
    print(f"fitted on dev {fit_on}, passages in the question's language: {len(informative(train))} questions, "
          f"l2 {args.l2}")
    print("| feature | weight |\n|---|---:|")
    for name, value in zip(FEATURES, w):
        print(f"| {name} | {value:.4f} |")
    print("\n| task | half | stored | fitted |\n|---|---|---:|---:|")
    for key in before:
        print(f"| {key[0]} | {key[1]} | {before[key]:.3f} | {after[key]:.3f} |")
    if args.write:
        WEIGHTS.write_text(json.dumps({
            "fitted": f"benchmarks/fit_highlight.py on {date.today().isoformat()}: {SAME} by a conditional logit "
                      f"over the first hit's sentences, {len(informative(train))} dev questions ({fit_on} half; "
                      f"XQuAD pair, CMRC trial) whose passage is in the question's language, l2 {args.l2}, in "
                      f"units of similarity; {HAND} hand-set",
            SAME: {name: round(float(value), 4) for name, value in zip(FEATURES, w)},
            HAND: HAND_SET}, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
