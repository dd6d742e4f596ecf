"""News set: retrieval and highlights on original bilingual news reports, three modes, per direction and kind.

    python benchmarks/newsset.py [--heldout [2]] [--misses] [--before REV] [--json] [--note TEXT] [--dry-run]

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

``--heldout`` asks the held-out questions instead (heldout_questions.jsonl: 76 answerable,
heldout_unanswerable.jsonl: 52 it cannot answer, half near its domain; written on 2026-12-02 from the
documents before qa was run on them, never fitted on: benchmarks/calibrate.py reads only the two files
above) on the same documents, and adds the verdict with the shipped qa/calibration.json at its stored
threshold: kept (of the answerable questions whose first hybrid hit is from the gold document, the share
called answered) per direction, and declined (of the unanswerable, the share not called answered) near
the domain and off-topic, per question language. It rewrites the "## News set, held out" section;
``--misses`` also lists the verdict's misses (whoever reads them must say so in any change they inform).

``--heldout 2`` asks the second held-out set instead (heldout2_questions.jsonl: 84 answerable,
heldout2_unanswerable.jsonl: 52, written on 2026-12-02 from the documents before qa was run on them, after
the first set's misses had been read), the same way, into its own "## News set, second held-out" section.
It is sealed: run once per session, by the lead, at the end; nobody reads its misses to design a change.
``--heldout`` alone still means the first set.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
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
HELDOUT_QUESTIONS = NEWSSET / "heldout_questions.jsonl"  # never fitted on, never tuned on (README)
HELDOUT_UNANSWERABLE = NEWSSET / "heldout_unanswerable.jsonl"
HELDOUT2_QUESTIONS = NEWSSET / "heldout2_questions.jsonl"  # sealed: run once per session by the lead (README)
HELDOUT2_UNANSWERABLE = NEWSSET / "heldout2_unanswerable.jsonl"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## News set\n", "<!-- end of news set -->")
HELDOUT_SECTION = ("## News set, held out\n", "<!-- end of news set, held out -->")
HELDOUT2_SECTION = ("## News set, second held-out\n", "<!-- end of news set, second held-out -->")
UNANSWERABLE_KINDS = ("near-domain", "off-topic")
DIRECTIONS = ("zh->zh", "en->en", "zh->en", "en->zh")
KINDS = ("sibling-number", "sibling-phase", "sibling-quarter", "sibling-year", "romanised-name", "traditional",
         "plain")
LABELS = {"recall@1": "document@1", "recall@5": "document@5"}


@dataclass(frozen=True)
class HeldOut:
    """One held-out question set on the news documents: its files, its RESULTS.md section and how it came."""
    questions: Path
    unanswerable: Path
    section: tuple[str, str]
    written: str  # when and how, for the section's opening paragraph
    caution: str  # what reading its misses means


HELDOUT_SETS = {
    1: HeldOut(HELDOUT_QUESTIONS, HELDOUT_UNANSWERABLE, HELDOUT_SECTION,
               "written 2026-12-02 03:26-03:29 UTC from the documents alone, before qa was run on them",
               "Whoever changes qa after reading their misses must say so; the figures are then no longer held out."),
    2: HeldOut(HELDOUT2_QUESTIONS, HELDOUT2_UNANSWERABLE, HELDOUT2_SECTION,
               "the second held-out set, written 2026-12-02 03:40-03:44 UTC from the documents alone, before qa "
               "was run on them",
               "Sealed: run once per session by the lead at the end; nobody reads its misses to design a change."),
}


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
        raise SystemExit(f"{path.name}: direction unknown or not the question's language: {wrong}")
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


def share(flags: list) -> dict:
    """{"n", "yes", "share"}: how many of ``flags`` are true (share None when qa gave no verdict)."""
    said = [f for f in flags if f is not None]
    return {"n": len(flags), "yes": sum(said), "share": sum(said) / len(said) if said else None}


def heldout_verdicts(info: dict) -> dict:
    """The verdict on the held-out questions (hybrid, qa's stored calibration and threshold): "kept
    <group>", of the answerable questions whose first hit is from the gold document, those called
    answered, per direction; "declined <group>", of the unanswerable questions, those not called
    answered, per kind (near-domain, off-topic), per question language and both."""
    rows: dict[str, list] = {}
    for q, rank, answer in info["answers"]["hybrid"]:
        if rank == 1:
            for group in (q.direction, "all"):
                rows.setdefault(f"kept {group}", []).append(answer.answered)
    for u in info["also"]:
        for group in (f"{u['kind']} {u['lang']}", u["kind"], u["lang"], "all"):
            rows.setdefault(f"declined {group}", []).append(None if u["answered"] is None else not u["answered"])
    order = [f"kept {d}" for d in (*DIRECTIONS, "all")] + [
        f"declined {g}" for k in UNANSWERABLE_KINDS for g in (f"{k} zh", f"{k} en", k)] + [
        "declined zh", "declined en", "declined all"]
    return {name: share(rows[name]) for name in order if name in rows}


def heldout_misses(info: dict) -> list[str]:
    """The verdict's misses: right first hits not kept, unanswerable questions called answered."""
    out = [f"{q.id} [{q.direction}] right first hit not kept (confidence "
           f"{answer.hits[0].confidence}): {q.text}"
           for q, rank, answer in info["answers"]["hybrid"] if rank == 1 and answer.answered is False]
    out += [f"{u['id']} [{u['kind']}, {u['lang']}] called answered: {u['question']}"
            for u in info["also"] if u["answered"]]
    return out


def heldout_table(v: dict) -> list[str]:
    lines = ["| verdict on | questions | share |", "|---|---:|---:|"]
    for name, r in v.items():
        cell = "–" if r["share"] is None else f"{r['share']:.3f} ({r['yes']}/{r['n']})"
        lines.append(f"| {name} | {r['n']} | {cell} |")
    return lines


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


def heldout_report(metrics: dict, build: dict, v: dict, held: dict, questions: list[Question], started: str,
                   seconds: float, load: str, model: str, note: str | None, number: int = 1) -> str:
    from quality import written_by

    held_set = HELDOUT_SETS[number]
    dirs = Counter(q.direction for q in questions)
    kinds = Counter((u["kind"], u["lang"]) for u in build["also"])
    flag = "--heldout" if number == 1 else f"--heldout {number}"
    out = [held_set.section[0]] + written_by(f"newsset.py {flag}", started, seconds, load,
                                             f", model `{model}`, default passages, that commit's "
                                             "qa/calibration.json.", note)
    out += [f"Held-out questions on the news set's {build['documents']} documents "
            f"(`benchmarks/newsset/{held_set.questions.name}`, `{held_set.unanswerable.name}`; {held_set.written}; "
            f"never fitted on: `calibrate.py` fits on `questions.jsonl` and "
            f"`unanswerable.jsonl` only; see the set's README): {len(questions)} answerable ("
            + ", ".join(f"{d} {dirs[d]}" for d in DIRECTIONS) + f"), {len(build['also'])} unanswerable ("
            + ", ".join(f"{k} {lang} {kinds[k, lang]}" for k in UNANSWERABLE_KINDS for lang in ("zh", "en"))
            + f"). {held_set.caution}", ""]
    out += docset.table(metrics, GROUPS, LABELS)
    out += ["", "Hybrid, document@1 / sentence@1 (questions) per kind and direction:", ""] + matrix(metrics["hybrid"])
    out += ["", ("The verdict (`answered`, hybrid, the stored calibration at its stored threshold). kept: of the "
                 "answerable questions whose first hit is from the gold document, the share called answered (issue "
                 "17 asks >= 0.95); declined: of the unanswerable questions, the share not called answered "
                 "(>= 0.90):"), ""] + heldout_table(held)
    out += ["", "First-hit scores (hybrid) of the questions answered right against the unanswerable ones:", ""]
    out += verdict_table(v)
    return "\n".join(out + ["", held_set.section[1]])


def arguments():
    """The command line: docset's options, --json, and --heldout [N] (alone: the first set)."""
    ap = docset.arguments(__doc__)
    ap.add_argument("--json", action="store_true", help="print every figure as JSON, write nothing")
    ap.add_argument("--heldout", nargs="?", type=int, const=1, choices=sorted(HELDOUT_SETS), metavar="N",
                    help="a held-out question set (never fitted on) and the verdict's kept / declined on it: "
                    "alone or 1, the first, into \"News set, held out\"; 2, the second (sealed: run once per "
                    "session by the lead at the end), into \"News set, second held-out\"")
    return ap


def main() -> int:
    args = arguments().parse_args()
    held_set = HELDOUT_SETS.get(args.heldout)
    questions = load_questions(held_set.questions if held_set else QUESTIONS)
    unanswerable = load_unanswerable(held_set.unanswerable if held_set else UNANSWERABLE)
    started, load, t0 = docset.started()
    from qa.embedding import load_embedder

    embedder = load_embedder()
    metrics, misses, build = SET.run(questions, embedder, also=unanswerable_run(unanswerable))
    v = verdicts(build)
    held = heldout_verdicts(build) if held_set else {}
    if args.before:
        held_args = ["--heldout", str(args.heldout)] if held_set else []
        before = docset.run_at(args.before, __file__, ["--json", *held_args])
        metrics[f"hybrid at {args.before}"] = before["metrics"]["hybrid"]
        v = {**v, **{f"{k}, at {args.before}": r for k, r in before["unanswerable"].items()}}
        held = {**held, **{f"{k}, at {args.before}": r for k, r in before.get("heldout", {}).items()}}
    if args.json:
        print(json.dumps({"started": started, "model": embedder.name, "documents": build["documents"],
                          "passages": build["passages"], "metrics": metrics, "unanswerable": v, "heldout": held,
                          "misses": {m: [[q.id, rank, got] for q, rank, got in rows] for m, rows in misses.items()}},
                         ensure_ascii=False))
        return 0
    seconds = time.perf_counter() - t0
    if held_set:
        section = heldout_report(metrics, build, v, held, questions, started, seconds, load, embedder.name, args.note,
                                 args.heldout)
        docset.publish(section, args, misses, held_set.section, RESULTS)
        if args.misses:
            print("\n# the verdict's misses (held out: say so in any change they inform)" if args.heldout == 1 else
                  "\n# the verdict's misses (sealed set: not for designing a change)")
            print("\n".join(heldout_misses(build)))
        return 0
    section = report(metrics, build, v, questions, started, seconds, load, embedder.name, args.note)
    docset.publish(section, args, misses, SECTION, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
