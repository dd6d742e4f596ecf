"""qa against what a Python user would pick instead (txtai, bm25s, rank_bm25), side by side in one run.

    python benchmarks/peers.py [--data DIR] [--limit N] [--note TEXT] [--dry-run]

Needs the peers extra (benchmark only): pip install torch==2.13.0 -e ".[peers]"

In one run, on the data of benchmarks/quality.py (the XQuAD dev pair: zh->zh, en->en, zh->en, en->zh and
mixed; CMRC 2018 trial: zh->zh), each paragraph one document:
  1. qa hybrid with default settings, through the library behind ``qa eval`` (so the row is what
     ``qa eval`` prints);
  2. each peer of benchmarks/peer_rankers.py, indexing the same paragraphs per corpus and asked the same
     questions, built by ``qa.evaluate.plan``, with the same gold documents;
then (unless --no-hardset / --no-newsset) the same methods on the hard set of benchmarks/hardset.py and
the news set of benchmarks/newsset.py, per group of questions (benchmarks/peers_hardset.py). Every row
is scored by the same code (``qa.evaluate``'s distinct-document ranks, recall and mrr). It rewrites the "## Peers" section of benchmarks/RESULTS.md
(--dry-run: print only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import docset  # noqa: E402
import peer_rankers  # noqa: E402
import hardset  # noqa: E402
import newsset  # noqa: E402
import peers_hardset  # noqa: E402
from qa.evaluate import DEPTH, distinct_ranking, evaluate_modes, plan, rank_of  # noqa: E402
from qa.squad import load_squad  # noqa: E402
from quality import RESULTS, replace_between, written_by  # noqa: E402

SECTION = ("## Peers\n", "<!-- end of peers -->")
QA_ROW = "qa hybrid (default)"
METRICS = peers_hardset.METRICS
Ranks = list[int | None]
scores = peers_hardset.scores


def run(data: Path, limit: int | None, embedder, progress):
    """Per method and task: the ranks of the questions' documents, and (peers only) the share of
    questions that got no document at all; and the number of questions per task."""
    sets = {"": [data / "xquad-dev" / "xquad.en.json", data / "xquad-dev" / "xquad.zh.json"],
            "cmrc ": [data / "cmrc2018-trial" / "cmrc2018_trial.json"]}
    ranks: dict[str, dict[str, Ranks]] = {QA_ROW: {}}
    empty: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    plans = {}
    for prefix, paths in sets.items():
        corpora, tasks = plan([load_squad(p) for p in paths], limit)
        plans[prefix] = (corpora, tasks)
        result = evaluate_modes(paths, ("hybrid",), embedder=embedder, limit=limit, progress=progress)["hybrid"]
        for task in tasks:
            got = result.ranks[task.name]
            if len(got) != len(task.queries):  # the peers must be asked exactly qa eval's questions
                raise RuntimeError(f"{task.name}: qa eval asked {len(got)} questions, the plan holds "
                                   f"{len(task.queries)}")
            # The qa row is recomputed by the same code as the peers' rows; it must equal qa eval's.
            for metric, value in scores(got).items():
                if round(value, 4) != result.tasks[task.name][metric]:
                    raise RuntimeError(f"{task.name} {metric}: {value} here, {result.tasks[task.name][metric]} "
                                       "in qa eval")
            ranks[QA_ROW][prefix + task.name] = got
            counts[prefix + task.name] = len(task.queries)
    for name, build, _ in peer_rankers.PEERS:
        ranks[name], empty[name] = {}, {}
        for prefix, (corpora, tasks) in plans.items():
            for corpus, files in corpora.items():
                progress(f"{name}: index {prefix}{corpus}", 0, 1)
                search = build([((f.lang, i), text) for f in files for i, text in enumerate(f.paragraphs)])
                progress(f"{name}: index {prefix}{corpus}", 1, 1)
                for task in (t for t in tasks if t.corpus == corpus):
                    found = search([q.text for q in task.queries], DEPTH)
                    ranks[name][prefix + task.name] = [rank_of(distinct_ranking(keys)[:DEPTH], q.gold)
                                                       for keys, q in zip(found, task.queries, strict=True)]
                    empty[name][prefix + task.name] = sum(not keys for keys in found) / len(found)
                    progress(f"{name}: {prefix}{task.name}", 1, 1)
                del search  # one peer index in memory at a time
    return ranks, empty, counts


def table(values: dict[str, list[float]], tasks: list[str], best=max) -> list[str]:
    """A markdown table, a row per method and a column per task; the best of each column in bold."""
    top = [best(v[i] for v in values.values()) for i in range(len(tasks))]
    lines = ["| method | " + " | ".join(tasks) + " |", "|---|" + "---:|" * len(tasks)]
    for method, row in values.items():
        lines.append(f"| {method} | " + " | ".join(f"**{x:.3f}**" if x == top[i] else f"{x:.3f}"
                                                   for i, x in enumerate(row)) + " |")
    return lines


def report(ranks: dict[str, dict[str, Ranks]], empty: dict[str, dict[str, float]], counts: dict[str, int],
           started: str, seconds: float, load: str, note: str | None, limit: int | None,
           sets: dict) -> str:
    tasks = list(counts)
    versions = ", ".join(f"{k} {v}" for k, v in peer_rankers.versions().items())
    out = [SECTION[0]] + written_by(
        "peers.py", started, seconds, load, f"; {versions}."
        + (f" Only the first {limit} questions of each file." if limit else ""), note,
        load_note=" (the quality figures below do not depend on it)")
    out += ["Settings:", "",
            f"- **{QA_ROW}**: default settings: model `use-multilingual`, default passages, hybrid mode.",
            *[f"- **{name}**: {settings}" for name, _, settings in peer_rankers.PEERS],
            "- For bm25s and rank_bm25 a document scoring 0 (no question word in it) is not counted as "
            "retrieved: the libraries return such documents in an arbitrary order.", "",
            "### XQuAD dev and CMRC 2018 trial", "",
            "Data: XQuAD dev subset (24 articles, 120 paragraphs, parallel en/zh) and CMRC 2018 trial (256 "
            "paragraphs, zh); each paragraph is one document; tasks, questions and gold exactly as `qa eval` "
            "builds them (`qa.evaluate.plan`), and every row scored by the same code (ranks over distinct "
            "documents). Questions per task: " + ", ".join(f"{t} {n}" for t, n in counts.items()) + ". "
            f"{QA_ROW} runs through `qa eval` (its library, `qa.evaluate.evaluate_modes`).", ""]
    for metric in METRICS:
        values = {m: [scores(by_task[t])[metric] for t in tasks] for m, by_task in ranks.items()}
        out += [f"**{metric}** (bold: best in the column)", ""] + table(values, tasks) + [""]
    out += ["Share of questions for which a peer returned no document at all (no question word in any "
            "passage, as its tokenizer sees them):", ""]
    out += table({m: [by_task[t] for t in tasks] for m, by_task in empty.items()}, tasks, best=min) + [""]
    for bench, result in sets.items():
        out += peers_hardset.section(result, QA_ROW, bench) + [""]
    out += [SECTION[1]]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("QA_EVAL_DATA", ROOT.parent / "shared" / "data")))
    ap.add_argument("--limit", type=int, default=None, help="first N questions of each file (quick runs)")
    ap.add_argument("--note", default=None, help="a note printed with the results, e.g. 'machine shared'")
    ap.add_argument("--hardset", action=argparse.BooleanOptionalAction, default=True,
                    help="also compare on the hard set of benchmarks/hardset.py (default: yes)")
    ap.add_argument("--newsset", action=argparse.BooleanOptionalAction, default=True,
                    help="also compare on the news set of benchmarks/newsset.py (default: yes)")
    ap.add_argument("--dry-run", action="store_true", help="print the section, write nothing")
    args = ap.parse_args()
    try:
        peer_rankers.check_installed()
    except peer_rankers.PeerMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    started_at, load, t0 = docset.started()
    from qa.embedding import load_embedder
    from qa.terminal import ProgressBar, stderr_console

    embedder = load_embedder()
    with ProgressBar(stderr_console()) as bar:
        ranks, empty, counts = run(args.data, args.limit, embedder, bar)
        sets = {bench: peers_hardset.run(embedder, QA_ROW, bar, bench)
                for bench, wanted in ((hardset, args.hardset), (newsset, args.newsset)) if wanted}
    section = report(ranks, empty, counts, started_at, time.perf_counter() - t0, load, args.note, args.limit,
                     sets)
    print(section)
    if not args.dry_run:
        RESULTS.write_text(replace_between(RESULTS.read_text(encoding="utf-8"), *SECTION, section),
                           encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
