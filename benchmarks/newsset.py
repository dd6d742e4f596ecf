"""News set: retrieval and highlights on original bilingual news reports, three modes, per direction and kind.

    python benchmarks/newsset.py [--misses] [--before REV] [--json] [--note TEXT] [--dry-run]

The corpus (benchmarks/newsset/docs, 64 reports in the seed's layouts: Chinese title over an English
summary with a pinyin source, wholly Chinese, wholly English, traditional characters) and its questions
(questions.jsonl: 187 paraphrased questions, unanswerable.jsonl: 44 it cannot answer) are described in
benchmarks/newsset/README.md; they were written before qa was run on them.

The folder is indexed by the normal builder into a temporary index (benchmarks/docset.py, shared with
benchmarks/hardset.py); every question goes through ``QA.ask`` in the modes dense, lexical and hybrid.
Per direction (zh->zh, en->en, zh->en, en->zh), per kind (sibling-number/-phase/-quarter/-year,
romanised-name, traditional, plain) and overall: document@1 and document@5 (recall@1 / recall@5: the
gold document is the first / among the first five distinct documents), mrr@10, and sentence@1 (the first
hit is the gold document and its highlighted sentence holds the answer text); and, for hybrid, a table
of document@1 / sentence@1 per kind and direction. The unanswerable questions are asked in hybrid
mode on the same index: the first hit's fused and dense scores against those of the questions answered
right, and, once qa's Answer has an ``answered`` verdict (issue 17), how many are declined.

Rewrites the "## News set" section of benchmarks/RESULTS.md (appended when missing); ``--dry-run`` only
prints; ``--json`` prints every figure as JSON and writes nothing; ``--misses`` lists the questions
whose gold document is not first. ``--before REV`` also runs qa as it was at git revision REV (its qa/
extracted under benchmarks/out/) on the same questions in the same run, and adds its hybrid rows.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("QA_SRC", str(ROOT)))  # --before runs this script on an older qa/
sys.path.insert(0, str(ROOT / "benchmarks"))

import docset  # noqa: E402
from docset import MODES, Question  # noqa: E402

NEWSSET = ROOT / "benchmarks" / "newsset"
DOCS = NEWSSET / "docs"
QUESTIONS = NEWSSET / "questions.jsonl"
UNANSWERABLE = NEWSSET / "unanswerable.jsonl"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## News set\n", "<!-- end of news set -->")
DIRECTIONS = ("zh->zh", "en->en", "zh->en", "en->zh")
KINDS = ("sibling-number", "sibling-phase", "sibling-quarter", "sibling-year", "romanised-name", "traditional",
         "plain")
LABELS = {"recall@1": "document@1", "recall@5": "document@5"}


def groups(q: Question) -> tuple[str, ...]:
    """The rows a question counts in: its direction, its kind, its kind in its direction, all."""
    return q.direction, q.kind, f"{q.kind} {q.direction}", "all"


GROUPS = (*DIRECTIONS, *KINDS, "all")
SET = docset.DocSet(DOCS, KINDS, groups, GROUPS)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The questions, checked against the corpus: every gold document exists and holds its answer."""
    questions = docset.read_questions(path, SET, lambda o: Question(
        o["id"], o["question"], o["lang"], o["doc"], o["answer"], o["kind"], o["direction"]))
    wrong = [q.id for q in questions if q.direction not in DIRECTIONS or not q.direction.startswith(q.lang)]
    if wrong:
        raise SystemExit(f"questions.jsonl: direction unknown or not the question's language: {wrong}")
    return questions


def load_unanswerable(path: Path = UNANSWERABLE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_scores(answer) -> dict:
    top = answer.hits[0] if answer.hits else None
    return {"fused": top.score if top else None, "dense": top.scores.get("dense") if top else None,
            "answered": getattr(answer, "answered", None)}


def unanswerable_run(unanswerable: list[dict]):
    """``also`` for DocSet.run: each unanswerable question asked in hybrid mode on the same index."""
    def also(qa, depth_k):
        return [dict(q, **first_scores(SET.ask(qa, q["question"], "hybrid", depth_k)[1])) for q in unanswerable]
    return also


def verdicts(info: dict) -> dict:
    """First-hit scores of the right answers (hybrid, gold document first) against the unanswerable
    questions', per kind; and, when qa gives a verdict, the share it calls answered (kept, for the right
    answers; 1 - declined, for the unanswerable)."""
    right = [first_scores(a) for _, rank, a in info["answers"]["hybrid"] if rank == 1]
    rows = {"answered right": right}
    for u in info["also"]:
        rows.setdefault(f"unanswerable, {u['kind']}", []).append(u)
    out = {}
    for name, items in rows.items():
        fused = [x["fused"] for x in items if x["fused"] is not None]
        dense = [x["dense"] for x in items if x["dense"] is not None]
        said = [x["answered"] for x in items if x["answered"] is not None]
        out[name] = {"n": len(items), "fused median": statistics.median(fused) if fused else None,
                     "fused max": max(fused, default=None), "fused min": min(fused, default=None),
                     "dense median": statistics.median(dense) if dense else None,
                     "answered": sum(said) / len(said) if said else None}
    return out


def matrix(hybrid: dict) -> list[str]:
    """document@1 / sentence@1 per kind (rows) and direction (columns), hybrid."""
    lines = ["| kind | " + " | ".join(DIRECTIONS) + " |", "|---|" + "---:|" * len(DIRECTIONS)]
    for kind in KINDS:
        cells = []
        for d in DIRECTIONS:
            row = hybrid.get(f"{kind} {d}")
            cells.append(f"{row['recall@1']:.2f} / {row['sentence@1']:.2f} ({row['queries']})" if row else "–")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines


def verdict_table(v: dict) -> list[str]:
    fmt = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
    lines = ["| questions | n | first hit's fused score: median (min–max) | dense: median | answered |",
             "|---|---:|---|---:|---:|"]
    for name, r in v.items():
        lines.append(f"| {name} | {r['n']} | {fmt(r['fused median'])} ({fmt(r['fused min'])}–{fmt(r['fused max'])}) "
                     f"| {fmt(r['dense median'])} | {fmt(r['answered'])} |")
    return lines


def report(metrics: dict, build: dict, v: dict, questions: list[Question], started: str, seconds: float,
           load: str, model: str, note: str | None) -> str:
    from quality import written_by

    kinds = Counter(q.kind for q in questions)
    dirs = Counter(q.direction for q in questions)
    out = [SECTION[0]] + written_by("newsset.py", started, seconds, load,
                                    f", model `{model}`, default passages.", note)
    out += [f"Data: `benchmarks/newsset/` (original news reports in the seed's layouts, written before qa was run "
            f"on them; see its README): {build['documents']} documents in {SET.files()} files, "
            f"{build['passages']} passages; {len(questions)} paraphrased questions ("
            + ", ".join(f"{d} {dirs[d]}" for d in DIRECTIONS) + "; " + ", ".join(f"{k} {kinds[k]}" for k in KINDS)
            + "). One run, one index, the three modes side by side (bold: best of the three). document@1 / @5: "
            "the gold document is first / in the first five distinct documents; sentence@1: the first hit is the "
            "gold document and its highlighted sentence holds the answer."
            + (docset.BEFORE_ROWS if len(metrics) > len(MODES) else ""), ""]
    out += docset.table(metrics, GROUPS, LABELS)
    out += ["", "Hybrid, document@1 / sentence@1 (questions) per kind and direction:", ""] + matrix(metrics["hybrid"])
    out += ["", f"Unanswerable questions (`unanswerable.jsonl`, {len(build['also'])}, hybrid, same index) against "
            "the questions whose gold document came first; \"answered\": share qa's own verdict calls answered "
            "(– while qa has none):", ""] + verdict_table(v)
    return "\n".join(out + ["", SECTION[1]])


def main() -> int:
    ap = docset.arguments(__doc__)
    ap.add_argument("--json", action="store_true", help="print every figure as JSON, write nothing")
    args = ap.parse_args()
    questions = load_questions()
    started, load, t0 = docset.started()
    from qa.embedding import load_embedder

    embedder = load_embedder()
    metrics, misses, build = SET.run(questions, embedder, also=unanswerable_run(load_unanswerable()))
    v = verdicts(build)
    if args.before:
        before = docset.run_at(args.before, __file__, ["--json"])
        metrics[f"hybrid at {args.before}"] = before["metrics"]["hybrid"]
        v = {**v, **{f"{k}, at {args.before}": r for k, r in before["unanswerable"].items()}}
    if args.json:
        print(json.dumps({"started": started, "model": embedder.name, "documents": build["documents"],
                          "passages": build["passages"], "metrics": metrics, "unanswerable": v,
                          "misses": {m: [[q.id, rank, got] for q, rank, got in rows] for m, rows in misses.items()}},
                         ensure_ascii=False))
        return 0
    section = report(metrics, build, v, questions, started, time.perf_counter() - t0, load, embedder.name, args.note)
    docset.publish(section, args, misses, SECTION, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
