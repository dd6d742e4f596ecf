"""The confidence figures that docs/confidence.md and README.md quote, written by calibrate.py
from the same run that refits (so a refit leaves no stale figure behind).

Each is kept between two HTML comments, ``<!-- NAME -->`` and ``<!-- end of NAME -->``, which
Markdown does not show."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

DOC_MARK = "confidence figures"
README_MARK = "confidence summary"
_NAMES = {("XQuAD", "zh->zh"): "XQuAD zh->zh", ("XQuAD", "en->en"): "XQuAD en->en", ("XQuAD", "mixed"): "XQuAD mixed",
          ("XQuAD", "en->zh"): "XQuAD en->zh", ("XQuAD", "zh->en"): "XQuAD zh->en",
          ("CMRC", "zh->zh"): "CMRC 2018 trial, zh->zh"}
_CROSS = {"en->zh", "zh->en"}


def _share(n: int, d: int) -> float | None:
    return n / d if d else None


def _cell(value: float | None, mean: list[float] | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" + (f" ({np.mean(mean):.3f})" if mean else "")


def doc_figures(table: dict, splits: dict[str, list[float]], threshold: float, started: str) -> str:
    """The "How well it works" table: the reported halving, and in brackets the mean over the
    random halvings (``splits``: calibrate.split_figures)."""
    lines = [f"Measured {started} by `benchmarks/calibrate.py` (2 cores, deterministic), held out, at the stored "
             f"threshold ({threshold:.3f}, set to keep 98% of every dev task's right first hits and 97% of the news "
             f"set's). The first figure is the reported halving of the articles; in brackets the mean over "
             f"{len(splits.get('pooled article hidden declined', []))} random halvings (one halving is a noisy draw: "
             "a task's 2% lowest right answers are a handful of questions):", "",
             "| data | right first hits kept | article hidden: declined | unanswerable: declined |",
             "|---|---:|---:|---:|"]
    hidden = [0, 0]
    for key, name in _NAMES.items():
        row = table.get(key)
        if not row:
            continue
        data, task = key
        hidden[0] += row["declined_hidden"]
        hidden[1] += row["hidden"]
        lines.append(f"| {name} | {_cell(_share(row['kept'], row['right']), splits.get(f'{data} {task} kept'))} | "
                     f"{_cell(_share(row['declined_hidden'], row['hidden']), splits.get(f'{data} {task} declined'))} | |")
    lines.append(f"| all dev tasks pooled | | {_cell(_share(*hidden), splits.get('pooled article hidden declined'))} | |")
    news = table.get(("news", "news"))
    if news:
        lines.append(f"| news set ({news['queries']} questions, {news['unanswerable']} it does not answer) | "
                     f"{_cell(_share(news['kept'], news['right']), splits.get('news news kept'))} | | "
                     f"{_cell(_share(news['declined'], news['unanswerable']), splits.get('news news declined'))} |")
    return "\n".join(lines)


def readme_summary(table: dict) -> str:
    """README's sentence: the ranges of kept and declined over the tasks, on the reported halving."""
    def span(values: list[float]) -> str:
        low, high = (int(np.floor(100 * v + 1e-9)) for v in (min(values), max(values)))  # 0.997: 99%, not 100%
        return f"{low}%" if low == high else f"{low}-{high}%"

    kept = [r["kept"] / r["right"] for r in table.values() if r["right"]]
    same = [r["declined_hidden"] / r["hidden"] for (_, t), r in table.items() if r["hidden"] and t not in _CROSS]
    cross = [r["declined_hidden"] / r["hidden"] for (_, t), r in table.items() if r["hidden"] and t in _CROSS]
    text = (f"It keeps {span(kept)} of right answers and\ndeclines {span(same)} of questions asked of an article the "
            "index lacks in the question's language")
    return text + (f", {span(cross)}\nacross languages" if cross else "") + " (held out)"


def replace_marked(path: Path, mark: str, text: str, block: bool = True) -> None:
    """Put ``text`` between ``<!-- mark -->`` and ``<!-- end of mark -->`` in ``path`` (on lines of
    its own when ``block``, else inside the sentence); raises ValueError when the marks are missing
    (a doc rewritten by hand must keep them)."""
    source = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {re.escape(mark)} -->)(.*?)(<!-- end of {re.escape(mark)} -->)", re.S)
    if not pattern.search(source):
        raise ValueError(f"{path} lacks the marks <!-- {mark} --> ... <!-- end of {mark} -->")
    body = f"\n{text}\n" if block else text
    path.write_text(pattern.sub(lambda m: m.group(1) + body + m.group(3), source, count=1), encoding="utf-8")
