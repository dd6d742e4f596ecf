"""What the sentence vectors bring against what they cost: `qa eval` with and without them, side by side.

    python benchmarks/sentence_vectors.py [--data DIR] [--limit N] [--dry-run]

A build embeds each passage and each of its sentences (about 5.6 texts a passage on XQuAD), so the
sentence vectors are most of a build's model time. They serve two things: ranking (a passage's dense
score is the mean of its own similarity and its best sentence's) and the highlight (which sentence
answers). Variants, each over the same questions with one loaded model:

  1. default: passage + best-sentence similarity in the ranking, sentence vectors in the highlight;
  2. passage vectors only in the ranking (the highlight still has sentence vectors: a build without
     them would embed the sentences of the shown passages at question time, which gives the same
     vectors, so the same highlights, at a cost per question instead of per build).

Quality figures are deterministic; the "texts" column counts what a build embeds in each case.
Writes the "## Sentence vectors" section of benchmarks/RESULTS.md unless --dry-run.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from qa.candidates import CandidateFinder  # noqa: E402
from ablation import cli, hybrid_tasks  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402
from quality import commit, machine  # noqa: E402

SECTION = ("## Sentence vectors\n", "<!-- end of sentence vectors -->")
DEFAULT_BEST = CandidateFinder._best_sentences


def _passage_only(self, ids, q):
    """Stands in for the best sentence's similarity with the passage's own: dense = passage similarity."""
    return self.store.vectors(ids) @ q if len(ids) else np.zeros(0, np.float32)


VARIANTS = [("default: passage + sentence vectors", DEFAULT_BEST),
            ("passage vectors only in the ranking", _passage_only)]
METRICS = ("recall@1", "recall@5", "mrr@10", "answer@1", "sentence@1")
ORDER = ["zh->zh", "en->en", "zh->en", "en->zh", "mixed", "cmrc zh->zh"]


def run(data: Path, limit: int | None) -> list[tuple[str, dict]]:
    embedder = load_embedder()
    rows = []
    for name, best in VARIANTS:
        CandidateFinder._best_sentences = best
        tasks = hybrid_tasks(data, embedder, limit)
        rows.append((name, tasks))
        print(name, {t: round(v["recall@1"], 3) for t, v in tasks.items()}, flush=True)
    CandidateFinder._best_sentences = DEFAULT_BEST
    return rows


def section(rows: list[tuple[str, dict]], started: str, minutes: float, limit: int | None) -> str:
    out = [SECTION[0], f"Written by `benchmarks/sentence_vectors.py` on {started} (took {minutes:.1f} min), "
           f"commit {commit()}, {machine()}. Hybrid mode; XQuAD dev pair and CMRC 2018 trial"
           + (f", first {limit} questions of each file" if limit else ", all questions") + ".", ""]
    for metric in METRICS:
        out += [f"**{metric}**", "", "| variant | " + " | ".join(ORDER) + " |", "|---|" + "---:|" * len(ORDER)]
        for name, tasks in rows:
            out.append(f"| {name} | " + " | ".join(f"{tasks[t][metric]:.3f}" for t in ORDER) + " |")
        out.append("")
    out.append(SECTION[1])
    return "\n".join(out)


def main() -> None:
    cli(__doc__, run, section, SECTION)


if __name__ == "__main__":
    main()
