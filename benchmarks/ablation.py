"""What each part of qa's ranking adds: the hybrid default with parts switched off, side by side.

    python benchmarks/ablation.py [--data DIR] [--limit N] [--dry-run]

Variants (each evaluated with `qa eval`'s library on the XQuAD pair and CMRC 2018 trial, one run,
one loaded model), each adding one part to the one before:
  1. fusion only: language-gated z-score fusion of dense and BM25; highlight by similarity alone;
  2. + sentence choice: the highlight also weighs the question's words (topic words down-weighted)
     and answer type;
  3. + dictionary bridge: BM25 across languages through CC-CEDICT (the highlight translates the
     question for other-language sentences in every variant);
  4. + best passage first: a document's best-answering passage takes its place;
  5. + lead sentence (the default): a question about the topic itself gets the document's lead;
and the default with a Chinese semicolon (；) ending a sentence, as it did before 2026-11-29.
It writes the "## Quality ablation" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa.candidates as candidates  # noqa: E402
import qa.reorder as reorder  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402
from qa.evaluate import evaluate_modes  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from quality import RESULTS, commit, machine, replace_between  # noqa: E402

SECTION = ("## Quality ablation\n", "<!-- end of ablation -->")
import qa.highlight as highlight  # noqa: E402
import qa.segment as segment  # noqa: E402

PARTS = [(reorder, "PER_DOCUMENT"), (highlight, "W_OVERLAP"), (highlight, "W_TOPIC"), (highlight, "W_ANSWER_TYPE"),
         (highlight, "W_LEAD"), (segment, "_BOUNDARY_RE"), (candidates.CandidateFinder, "_lexical")]
DEFAULTS = {(owner, name): getattr(owner, name) for owner, name in PARTS}


def _without_bridge(self, tokens, q_lang, translated):
    """The ranking's lexical signal without dictionary-bridged BM25 (direct matches only)."""
    direct, _ = DEFAULTS[(candidates.CandidateFinder, "_lexical")](self, tokens, q_lang, translated)
    return direct, None


_SEMICOLON_ENDS = re.compile(segment._BOUNDARY_RE.pattern.replace(segment._ZH_END, segment._ZH_END + "；", 1))
_NO_LEAD, _ONE_PASSAGE = {(highlight, "W_LEAD"): 0.0}, {(reorder, "PER_DOCUMENT"): 1}
_NO_BRIDGE = {(candidates.CandidateFinder, "_lexical"): _without_bridge}
VARIANTS = [
    ("fusion only", {**_NO_BRIDGE, **_NO_LEAD, **_ONE_PASSAGE, (highlight, "W_OVERLAP"): 0.0,
                     (highlight, "W_TOPIC"): 1.0, (highlight, "W_ANSWER_TYPE"): 0.0}),
    ("+ sentence choice", {**_NO_BRIDGE, **_NO_LEAD, **_ONE_PASSAGE}),
    ("+ dictionary bridge", {**_NO_LEAD, **_ONE_PASSAGE}),
    ("+ best passage first", _NO_LEAD),
    ("+ lead sentence (default)", {}),
    ("default, but ； ends a sentence", {(segment, "_BOUNDARY_RE"): _SEMICOLON_ENDS}),
]


def hybrid_tasks(data: Path, embedder, limit: int | None) -> dict:
    """Hybrid-mode metrics by task: the XQuAD pair's five tasks and CMRC's as ``cmrc zh->zh``."""
    tasks = dict(evaluate_modes([data / "xquad-dev" / "xquad.en.json", data / "xquad-dev" / "xquad.zh.json"],
                                embedder=embedder, limit=limit)["hybrid"].tasks)
    cmrc = evaluate_modes([data / "cmrc2018-trial" / "cmrc2018_trial.json"], embedder=embedder,
                          limit=limit)["hybrid"]
    tasks["cmrc zh->zh"] = cmrc.tasks["zh->zh"]
    return tasks


def write_section(section: tuple[str, str], text: str) -> None:
    """Replace (or append) a section of benchmarks/RESULTS.md."""
    results = RESULTS.read_text(encoding="utf-8")
    if section[0] not in results:
        results = results.rstrip("\n") + "\n\n" + section[0] + section[1] + "\n"
    RESULTS.write_text(replace_between(results, section[0], section[1], text), encoding="utf-8")


def run(data: Path, limit: int | None) -> list[tuple[str, dict]]:
    embedder = load_embedder()
    rows = []
    for name, overrides in VARIANTS:
        for (owner, key), value in {**DEFAULTS, **overrides}.items():
            setattr(owner, key, value)
        rows.append((name, hybrid_tasks(data, embedder, limit)))
    for (owner, key), value in DEFAULTS.items():
        setattr(owner, key, value)
    return rows


def section(rows: list[tuple[str, dict]], started: str, minutes: float, limit: int | None) -> str:
    order = ["zh->zh", "en->en", "zh->en", "en->zh", "mixed", "cmrc zh->zh"]
    out = [SECTION[0], f"Written by `benchmarks/ablation.py` on {started} (took {minutes:.1f} min), "
           f"commit {commit()}, {machine()}. Hybrid mode; XQuAD dev pair and CMRC 2018 trial"
           + (f", first {limit} questions of each file" if limit else ", all questions") + ".", ""]
    for metric in ("recall@1", "sentence@1"):
        out += [f"**{metric}**", "", "| variant | " + " | ".join(order) + " |",
                "|---|" + "---:|" * len(order)]
        for name, tasks in rows:
            out.append(f"| {name} | " + " | ".join(f"{tasks[t][metric]:.3f}" for t in order) + " |")
        out.append("")
    out.append(SECTION[1])
    return "\n".join(out)


def cli(doc: str, run, section, markers: tuple[str, str]) -> None:
    """The command line of a variants-side-by-side benchmark: run, print, write its RESULTS section."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("QA_EVAL_DATA", ROOT.parent / "shared" / "data")))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.perf_counter()
    rows = run(args.data, args.limit)
    text = section(rows, started, (time.perf_counter() - t0) / 60, args.limit)
    print(text)
    if not args.dry_run:
        write_section(markers, text)


def main() -> None:
    cli(__doc__, run, section, SECTION)


if __name__ == "__main__":
    main()
