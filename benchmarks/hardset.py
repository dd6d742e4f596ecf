"""Hard cases: retrieval on an original corpus built to be harder than XQuAD, three modes side by side.

    python benchmarks/hardset.py [--misses] [--before REV] [--note TEXT] [--dry-run]

The corpus (benchmarks/hardset/docs, 35 documents) and its questions (benchmarks/hardset/questions.jsonl)
are described in benchmarks/hardset/README.md: export-format records with a Chinese title over an
English body, near-duplicate reports of one company in different years, Chinese and English documents
on overlapping topics, mixed-language Markdown, and paraphrased questions in both languages.

The folder is indexed by the normal builder into a temporary index; every question goes through
``QA.ask`` in the modes dense, lexical and hybrid. Per kind of question and overall:
recall@1 / recall@5 (the gold document is the first / among the first five distinct documents),
mrr@10, and sentence@1 (the first hit is in the gold document and its highlighted sentence holds the
answer text, compared after qa.evaluate.normalise). Rewrites the "## Hard cases" section of
benchmarks/RESULTS.md (appended when missing); ``--dry-run`` only prints, ``--misses`` also lists the
questions whose gold document is not first. ``--before REV`` also runs qa as it was at git revision
REV (its qa/ extracted under benchmarks/out/) on the same questions in the same run, and adds its
hybrid rows to the table: before/after figures for a change.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("QA_SRC", str(ROOT)))  # --before runs this script on an older qa/
sys.path.insert(0, str(ROOT / "benchmarks"))

import docset  # noqa: E402
from docset import MODES, Question, doc_key  # noqa: E402

HARDSET = ROOT / "benchmarks" / "hardset"
DOCS = HARDSET / "docs"
QUESTIONS = HARDSET / "questions.jsonl"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## Hard cases\n", "<!-- end of hard cases -->")
KINDS = ("paraphrase", "near_duplicate", "title_zh_body_en", "cross_language", "mixed")
METRICS = docset.METRICS


def groups(q: Question) -> tuple[str, str, str]:
    """The rows of the tables a question counts in: its kind, its language, all."""
    return q.kind, f"all, asked in {q.lang}", "all"


GROUPS = (*KINDS, "all, asked in zh", "all, asked in en", "all")
SET = docset.DocSet(DOCS, KINDS, groups, GROUPS)
citation_key = SET.citation_key
build = SET.build


def ask(qa, q: Question, mode: str, depth_k: int):
    """(documents in the order of their first hit, as keys like the gold ones; the Answer)."""
    return SET.ask(qa, q.text, mode, depth_k)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The questions, checked against the corpus: every gold document exists and holds its answer."""
    return docset.read_questions(path, SET, lambda o: Question(
        o["id"], o["question"], o["lang"], doc_key(o["doc"], o.get("record")), o["answer"], o["kind"]))


def run(questions: list[Question], embedder) -> tuple[dict, dict, dict]:
    """(metrics[mode][kind], misses[mode] -> list of (question, rank, got), build info)."""
    return SET.run(questions, embedder)


def report(metrics: dict, build: dict, questions: list[Question], started: str, seconds: float, load: str,
           model: str, note: str | None) -> str:
    from quality import written_by

    kinds = Counter(q.kind for q in questions)
    out = [SECTION[0]] + written_by("hardset.py", started, seconds, load,
                                    f", model `{model}`, default passages.", note)
    out += [f"Data: `benchmarks/hardset/` (original, written for qa; see its README): {build['documents']} "
            f"documents in {SET.files()} files, {build['passages']} passages; "
            f"{len(questions)} paraphrased questions ("
            + ", ".join(f"{k} {kinds[k]}" for k in KINDS) + "). One run, one index, the three modes side by "
            "side (bold: best of the three). sentence@1 counts only when the first hit is in the gold "
            "document (near-duplicates share sentences)."
            + (docset.BEFORE_ROWS if len(metrics) > len(MODES) else ""), ""]
    return "\n".join(out + docset.table(metrics, GROUPS) + ["", SECTION[1]])


def metrics_at(rev: str) -> dict:
    """This benchmark's metrics with qa's code as it was at git revision ``rev``."""
    return docset.run_at(rev, __file__, ["--metrics-json"])


def main() -> int:
    ap = docset.arguments(__doc__)
    ap.add_argument("--metrics-json", action="store_true", help=argparse.SUPPRESS)  # for --before
    args = ap.parse_args()
    questions = load_questions()
    if args.metrics_json:
        from qa.embedding import load_embedder

        print(json.dumps(run(questions, load_embedder())[0]))
        return 0
    started, load, t0 = docset.started()
    from qa.embedding import load_embedder

    embedder = load_embedder()
    metrics, misses, build = run(questions, embedder)
    if args.before:
        metrics[f"hybrid at {args.before}"] = metrics_at(args.before)["hybrid"]
    section = report(metrics, build, questions, started, time.perf_counter() - t0, load, embedder.name, args.note)
    docset.publish(section, args, misses, SECTION, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
