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
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("QA_SRC", str(ROOT)))  # --before runs this script on an older qa/
sys.path.insert(0, str(ROOT / "benchmarks"))

from qa.evaluate import DEPTH, contains_answer, distinct_ranking, mrr_at, rank_of, recall_at  # noqa: E402

HARDSET = ROOT / "benchmarks" / "hardset"
DOCS = HARDSET / "docs"
QUESTIONS = HARDSET / "questions.jsonl"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## Hard cases\n", "<!-- end of hard cases -->")
MODES = ("dense", "lexical", "hybrid")
KINDS = ("paraphrase", "near_duplicate", "title_zh_body_en", "cross_language", "mixed")
METRICS = ("recall@1", "recall@5", "mrr@10", "sentence@1")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    gold: str  # document key: path relative to DOCS, with "#n" for the n-th record of an export file
    answer: str
    kind: str


def doc_key(path: str, record: int | None = None) -> str:
    return f"{path}#{record}" if record else path


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The questions, checked against the corpus: every gold document exists and holds its answer."""
    from qa.documents import load_file

    bodies = {}
    for f in sorted(p for p in DOCS.rglob("*") if p.is_file()):
        for d in load_file(f):
            bodies[citation_key(d.path)] = d.text[d.start:d.end]
    out, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        o = json.loads(line)
        q = Question(o["id"], o["question"], o["lang"], doc_key(o["doc"], o.get("record")), o["answer"], o["kind"])
        if q.gold not in bodies:
            problems.append(f"line {n}: no document {q.gold}")
        elif q.answer not in bodies[q.gold]:
            problems.append(f"line {n}: answer {q.answer!r} not in {q.gold}")
        if q.kind not in KINDS or q.lang not in ("zh", "en"):
            problems.append(f"line {n}: kind {q.kind!r} / lang {q.lang!r} unknown")
        out.append(q)
    if problems or len({q.id for q in out}) != len(out):
        raise SystemExit("questions.jsonl does not fit the corpus:\n  " + "\n  ".join(problems or ["duplicate ids"]))
    return out


def citation_key(path: str) -> str:
    """A citation's path (relative to the working folder, or absolute; "#n" for a record) as a key
    relative to DOCS."""
    file, _, record = path.partition("#")
    rel = (Path.cwd() / file).resolve().relative_to(DOCS.resolve()).as_posix()
    return f"{rel}#{record}" if record else rel


def build(index_dir: Path, embedder):
    """The hard set indexed by the normal builder into ``index_dir``, full rebuild: (QA, build info,
    passages to ask for so that DEPTH distinct documents are seen)."""
    from qa import QA

    qa = QA.build([DOCS], index_dir, embedder=embedder, full=True)
    report = qa.last_build
    info = {"documents": report.documents, "passages": report.passages, "seconds": report.seconds}
    depth_k = DEPTH * max((d["passages"] for d in qa.index.documents), default=1)
    _ = qa.searcher
    return qa, info, depth_k


def ask(qa, q: Question, mode: str, depth_k: int):
    """(documents in the order of their first hit, as keys like the gold ones; the Answer)."""
    answer = qa.ask(q.text, k=depth_k, mode=mode)
    return distinct_ranking(citation_key(h.citation.path) for h in answer.hits), answer


def groups(q: Question) -> tuple[str, str, str]:
    """The rows of the tables a question counts in: its kind, its language, all."""
    return q.kind, f"all, asked in {q.lang}", "all"


GROUPS = (*KINDS, "all, asked in zh", "all, asked in en", "all")


def run(questions: list[Question], embedder) -> tuple[dict, dict, dict]:
    """(metrics[mode][kind], misses[mode] -> list of (question, rank, got), build info)."""
    with tempfile.TemporaryDirectory(prefix="qa-hardset-") as tmp:
        qa, info, depth_k = build(Path(tmp) / "index", embedder)
        metrics, misses = {}, {}
        for mode in MODES:
            per: dict[str, list[tuple[int | None, bool]]] = {}
            misses[mode] = []
            for q in questions:
                ranking, answer = ask(qa, q, mode, depth_k)
                rank = rank_of(ranking[:DEPTH], [q.gold])
                top = answer.hits[0] if answer.hits else None
                sentence = (rank == 1 and top is not None and top.highlight is not None
                            and contains_answer(top.highlight.text, [q.answer]))
                for group in groups(q):
                    per.setdefault(group, []).append((rank, sentence))
                if rank != 1:
                    misses[mode].append((q, rank, ranking[0] if ranking else None))
            metrics[mode] = {group: summarise(rows) for group, rows in per.items()}
    return metrics, misses, info


def summarise(rows: list[tuple[int | None, bool]]) -> dict:
    ranks = [r for r, _ in rows]
    return {"queries": len(rows), "recall@1": recall_at(ranks, 1), "recall@5": recall_at(ranks, 5),
            "mrr@10": mrr_at(ranks, 10), "sentence@1": sum(s for _, s in rows) / len(rows)}


def table(metrics: dict) -> list[str]:
    modes = list(metrics)  # MODES, then "hybrid at REV" with --before
    groups = [g for g in GROUPS if g in metrics[MODES[0]]]
    lines = ["| questions | n | mode | " + " | ".join(METRICS) + " |", "|---|---:|---|" + "---:|" * len(METRICS)]
    for group in groups:
        best = {m: max(metrics[x][group][m] for x in MODES) for m in METRICS}
        for mode in modes:
            row = metrics[mode][group]
            cells = [f"**{row[m]:.3f}**" if row[m] == best[m] else f"{row[m]:.3f}" for m in METRICS]
            name = f"**{group}**" if group == "all" else group
            lines.append(f"| {name} | {row['queries']} | {mode} | " + " | ".join(cells) + " |")
    return lines


def report(metrics: dict, build: dict, questions: list[Question], started: str, seconds: float, load: str,
           model: str, note: str | None) -> str:
    from quality import written_by

    kinds = Counter(q.kind for q in questions)
    out = [SECTION[0]] + written_by("hardset.py", started, seconds, load,
                                    f", model `{model}`, default passages.", note)
    out += [f"Data: `benchmarks/hardset/` (original, written for qa; see its README): {build['documents']} "
            f"documents in {sum(1 for p in DOCS.rglob('*') if p.is_file())} files, {build['passages']} passages; "
            f"{len(questions)} paraphrased questions ("
            + ", ".join(f"{k} {kinds[k]}" for k in KINDS) + "). One run, one index, the three modes side by "
            "side (bold: best of the three). sentence@1 counts only when the first hit is in the gold "
            "document (near-duplicates share sentences)."
            + (" Rows \"hybrid at REV\": the same questions asked of qa as it was at that git revision, in the "
               "same run (its own index, built by its own code)." if len(metrics) > len(MODES) else ""), ""]
    return "\n".join(out + table(metrics) + ["", SECTION[1]])


def write_section(section: str, markers: tuple[str, str] = SECTION) -> None:
    """Replace the section between ``markers`` in RESULTS.md (or append it)."""
    text = RESULTS.read_text(encoding="utf-8")
    if markers[0] in text and markers[1] in text:
        i, j = text.index(markers[0]), text.index(markers[1])
        text = text[:i] + section + text[j + len(markers[1]):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def print_misses(misses: dict) -> None:
    for mode in MODES:
        print(f"\n# {mode}: {len(misses[mode])} questions whose gold document is not first")
        for q, rank, got in misses[mode]:
            where = f"rank {rank}" if rank else "not in top 10"
            print(f"{q.id} [{q.kind}, {q.lang}] {q.text}\n    expected {q.gold} ({where}), got {got}")


def metrics_at(rev: str) -> dict:
    """This benchmark's metrics with qa's code as it was at git revision ``rev``."""
    src = ROOT / "benchmarks" / "out" / f"qa-at-{rev}"
    if not (src / "qa").is_dir():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "qa"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    out = subprocess.run([sys.executable, __file__, "--metrics-json"], capture_output=True, text=True, check=True,
                         env=dict(os.environ, QA_SRC=str(src)))
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="also print the questions each mode ranks wrong")
    ap.add_argument("--note", default=None, help="a note printed with the results, e.g. 'machine shared'")
    ap.add_argument("--dry-run", action="store_true", help="print the section, write nothing")
    ap.add_argument("--before", metavar="REV", help="also run qa as it was at this git revision (hybrid)")
    ap.add_argument("--metrics-json", action="store_true", help=argparse.SUPPRESS)  # for --before
    args = ap.parse_args()
    questions = load_questions()
    if args.metrics_json:
        from qa.embedding import load_embedder

        print(json.dumps(run(questions, load_embedder())[0]))
        return 0
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    from qa.embedding import load_embedder

    embedder = load_embedder()
    metrics, misses, build = run(questions, embedder)
    if args.before:
        metrics[f"hybrid at {args.before}"] = metrics_at(args.before)["hybrid"]
    section = report(metrics, build, questions, started, time.perf_counter() - t0, load, embedder.name, args.note)
    print(section)
    if args.misses:
        print_misses(misses)
    if not args.dry_run:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
