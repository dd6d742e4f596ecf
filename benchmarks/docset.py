"""A folder of original documents with gold questions, asked of qa in three modes: the code that
benchmarks/hardset.py (the hard set) and benchmarks/newsset.py (the news set) share, and that
benchmarks/peers_hardset.py uses to ask qa exactly as they do.

A ``DocSet`` names the folder and how its questions are grouped into table rows. ``read_questions``
checks every question against the folder (its gold document exists and holds the answer text);
``DocSet.run`` indexes the folder by the normal builder into a temporary index and asks every question
through ``QA.ask`` in the modes dense, lexical and hybrid. Per group of questions: recall@1 / recall@5
(the gold document is the first / among the first five distinct documents), mrr@10, and sentence@1 (the
first hit is in the gold document and its highlighted sentence holds the answer text, compared after
qa.evaluate.normalise). ``metrics_at`` runs a benchmark script on qa as it was at an older git revision.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from speed import checkout

from qa.evaluate import DEPTH, contains_answer, distinct_ranking, mrr_at, rank_of, recall_at

ROOT = Path(__file__).resolve().parent.parent
MODES = ("dense", "lexical", "hybrid")
METRICS = ("recall@1", "recall@5", "mrr@10", "sentence@1")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    lang: str
    gold: str  # document key: path relative to the set's docs/, with "#n" for the n-th record of an export file
    answer: str
    kind: str
    direction: str = ""  # "zh->en": the question's language, then the gold document's (news set)


def doc_key(path: str, record: int | None = None) -> str:
    return f"{path}#{record}" if record else path


@dataclass(frozen=True)
class DocSet:
    docs: Path
    kinds: tuple[str, ...]
    groups: Callable[[Question], tuple[str, ...]]  # the table rows a question counts in
    group_order: tuple[str, ...]  # the rows of the main table, in order

    def citation_key(self, path: str) -> str:
        """A citation's path (relative to the working folder, or absolute; "#n" for a record) as a key
        relative to docs/."""
        file, _, record = path.partition("#")
        rel = (Path.cwd() / file).resolve().relative_to(self.docs.resolve()).as_posix()
        return f"{rel}#{record}" if record else rel

    def bodies(self) -> dict[str, str]:
        """Each document qa reads under docs/, keyed like the gold documents: its body text."""
        from qa.documents import load_file

        out = {}
        for f in sorted(p for p in self.docs.rglob("*") if p.is_file()):
            for d in load_file(f):
                out[self.citation_key(d.path)] = d.text[d.start:d.end]
        return out

    def files(self) -> int:
        return sum(1 for p in self.docs.rglob("*") if p.is_file())

    def build(self, index_dir: Path, embedder):
        """The folder indexed by the normal builder into ``index_dir``, full rebuild: (QA, build info,
        passages to ask for so that DEPTH distinct documents are seen)."""
        from qa import QA

        qa = QA.build([self.docs], index_dir, embedder=embedder, full=True)
        report = qa.last_build
        info = {"documents": report.documents, "passages": report.passages, "seconds": report.seconds}
        depth_k = DEPTH * max((d["passages"] for d in qa.index.documents), default=1)
        _ = qa.searcher
        return qa, info, depth_k

    def ask(self, qa, question: str, mode: str, depth_k: int):
        """(documents in the order of their first hit, as keys like the gold ones; the Answer)."""
        answer = qa.ask(question, k=depth_k, mode=mode)
        return distinct_ranking(self.citation_key(h.citation.path) for h in answer.hits), answer

    def run(self, questions: list[Question], embedder, modes=MODES, also: Callable | None = None):
        """(metrics[mode][group], misses[mode] -> list of (question, rank, got), build info); ``also(qa,
        depth_k)``, when given, runs on the same index and its result goes into the build info as "also"."""
        with tempfile.TemporaryDirectory(prefix="qa-docset-") as tmp:
            qa, info, depth_k = self.build(Path(tmp) / "index", embedder)
            metrics, misses, firsts = {}, {}, {}
            for mode in modes:
                per: dict[str, list[tuple[int | None, bool]]] = {}
                misses[mode], firsts[mode] = [], []
                for q in questions:
                    ranking, answer = self.ask(qa, q.text, mode, depth_k)
                    rank = rank_of(ranking[:DEPTH], [q.gold])
                    top = answer.hits[0] if answer.hits else None
                    sentence = (rank == 1 and top is not None and top.highlight is not None
                                and contains_answer(top.highlight.text, [q.answer]))
                    for group in self.groups(q):
                        per.setdefault(group, []).append((rank, sentence))
                    if rank != 1:
                        misses[mode].append((q, rank, ranking[0] if ranking else None))
                    firsts[mode].append((q, rank, answer))
                metrics[mode] = {group: summarise(rows) for group, rows in per.items()}
            info["answers"] = firsts  # each question's rank and Answer per mode (not serialisable)
            if also is not None:
                info["also"] = also(qa, depth_k)
        return metrics, misses, info


def read_questions(path: Path, dset: DocSet, make: Callable[[dict], Question]) -> list[Question]:
    """The questions of a jsonl file, checked against the folder: every gold document exists and holds
    its answer; kinds and languages are known; ids are unique."""
    bodies = dset.bodies()
    out, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        q = make(json.loads(line))
        if q.gold not in bodies:
            problems.append(f"line {n}: no document {q.gold}")
        elif q.answer not in bodies[q.gold]:
            problems.append(f"line {n}: answer {q.answer!r} not in {q.gold}")
        if q.kind not in dset.kinds or q.lang not in ("zh", "en"):
            problems.append(f"line {n}: kind {q.kind!r} / lang {q.lang!r} unknown")
        out.append(q)
    if problems or len({q.id for q in out}) != len(out):
        raise SystemExit(f"{path.name} does not fit the corpus:\n  " + "\n  ".join(problems or ["duplicate ids"]))
    return out


def summarise(rows: list[tuple[int | None, bool]]) -> dict:
    ranks = [r for r, _ in rows]
    return {"queries": len(rows), "recall@1": recall_at(ranks, 1), "recall@5": recall_at(ranks, 5),
            "mrr@10": mrr_at(ranks, 10), "sentence@1": sum(s for _, s in rows) / len(rows)}


def table(metrics: dict, groups: tuple[str, ...], labels: dict[str, str] | None = None) -> list[str]:
    """Rows per group and mode (MODES, then e.g. "hybrid at REV"); bold: best of the three modes."""
    modes = list(metrics)
    groups = tuple(g for g in groups if g in metrics[MODES[0]])
    head = [(labels or {}).get(m, m) for m in METRICS]
    lines = ["| questions | n | mode | " + " | ".join(head) + " |", "|---|---:|---|" + "---:|" * len(METRICS)]
    for group in groups:
        best = {m: max(metrics[x][group][m] for x in MODES) for m in METRICS}
        for mode in modes:
            row = metrics[mode][group]
            cells = [f"**{row[m]:.3f}**" if row[m] == best[m] else f"{row[m]:.3f}" for m in METRICS]
            name = f"**{group}**" if group == "all" else group
            lines.append(f"| {name} | {row['queries']} | {mode} | " + " | ".join(cells) + " |")
    return lines


def write_section(section: str, marks: tuple[str, str], results: Path) -> None:
    """Replace the section between ``marks`` in ``results`` (appended when missing)."""
    text = results.read_text(encoding="utf-8")
    # The heading as a whole line: "## News set" is also the tail of another section's "### News set".
    start = re.search(rf"^{re.escape(marks[0].strip())}$", text, re.M)
    if start and marks[1] in text[start.start():]:
        i = start.start()
        j = text.index(marks[1], i)
        text = text[:i] + section + text[j + len(marks[1]):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text, encoding="utf-8")


def print_misses(misses: dict) -> None:
    for mode in MODES:
        print(f"\n# {mode}: {len(misses[mode])} questions whose gold document is not first")
        for q, rank, got in misses[mode]:
            where = f"rank {rank}" if rank else "not in top 10"
            print(f"{q.id} [{q.kind}, {q.direction or q.lang}] {q.text}\n    expected {q.gold} ({where}), got {got}")


def run_at(rev: str, script: str, args: list[str]) -> dict:
    """``script args`` (a benchmark printing JSON) run with qa's code as it was at git revision ``rev``
    (its qa/ extracted under benchmarks/out/, put first on the path through QA_SRC): its JSON."""
    # Cached by commit, not by name: a branch such as "main" moves between runs.
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], capture_output=True,
                            text=True, check=True).stdout.strip()
    src = ROOT / "benchmarks" / "out" / f"qa-at-{commit}"
    if not (src / "qa").is_dir():
        checkout(rev, src)
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, check=True,
                         env=dict(os.environ, QA_SRC=str(src)))
    return json.loads(out.stdout)


BEFORE_ROWS = (" Rows \"hybrid at REV\": the same questions asked of qa as it was at that git revision, in the "
               "same run (its own index, built by its own code).")


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options every set's benchmark takes (--misses, --note, --dry-run, --before)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="also print the questions each mode ranks wrong")
    ap.add_argument("--note", default=None, help="a note printed with the results, e.g. 'machine shared'")
    ap.add_argument("--dry-run", action="store_true", help="print the section, write nothing")
    ap.add_argument("--before", metavar="REV", help="also run qa as it was at this git revision (hybrid)")
    return ap


def started() -> tuple[str, str, float]:
    """(UTC start time, load average, perf_counter) for the opening lines of a results section."""
    return (datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            " ".join(f"{x:.1f}" for x in os.getloadavg()), time.perf_counter())


def publish(section: str, args, misses: dict, marks: tuple[str, str], results: Path) -> None:
    """Print the section (and with --misses the questions ranked wrong); write it unless --dry-run."""
    print(section)
    if args.misses:
        print_misses(misses)
    if not args.dry_run:
        write_section(section, marks, results)
