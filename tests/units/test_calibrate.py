"""benchmarks/calibrate.py's fit: the threshold pair for same-language and cross-lingual first hits,
folded into the one stored threshold (docs/confidence.md)."""

from __future__ import annotations

import sys

import numpy as np

from qa.confidence import FEATURES

from ..conftest import ROOT


def _calibrate():
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import calibrate

    return calibrate


def _records(seed: int = 3):
    Record = _calibrate().Record

    rng = np.random.default_rng(seed)
    cross, sim = FEATURES.index("cross"), FEATURES.index("passage_sim")
    out = []
    for n in range(1200):
        task = ("a->a", "b->a")[n % 2]  # the second task's hits are all cross-lingual
        answerable = n % 4 < 2
        row = rng.normal(0.0, 0.05, size=(1, len(FEATURES)))
        row[0, cross] = float(task == "b->a")
        # right answers are more similar than wrong ones, cross-lingual ones less so on both sides
        row[0, sim] = rng.normal((0.6 if answerable else 0.2) - 0.15 * row[0, cross], 0.12)
        out.append(Record("d", task, answerable, f"g{n}", row, np.array([answerable]), answerable))
    return out


def test_the_threshold_pair_keeps_each_tasks_share_and_one_threshold_gives_the_same_verdicts():
    calibrate = _calibrate()
    records = _records()
    fit, _threshold_pair = calibrate.fit, calibrate._threshold_pair
    model = fit(records, keep=0.95, news_keep=0.95)
    sure = np.array([model.probability(r.rows)[0] for r in records])
    answered = sure >= model.threshold
    for task in ("a->a", "b->a"):
        right = np.array([r.task == task and r.right_first for r in records])
        assert answered[right].mean() >= 0.95
    # the same verdicts as the unshifted model judged by its two thresholds
    from qa.confidence import Calibration, fit_logistic

    rows = np.concatenate([r.rows for r in records])
    plain = Calibration("", *fit_logistic(rows, np.array([r.answerable for r in records])), 0.5)
    raw = plain.probability(rows)
    is_cross = rows[:, FEATURES.index("cross")] >= 0.5
    same_t, cross_t = _threshold_pair(records, raw, is_cross, 0.95, 0.95)
    assert cross_t < same_t  # the cross-lingual hits needed a lower one
    assert (answered == (raw >= np.where(is_cross, cross_t, same_t))).mean() > 0.995  # rounding aside
    # and the pair declines more unanswerable questions than one threshold low enough for both tasks
    one = min(np.quantile(raw[np.array([r.task == t and r.right_first for r in records])], 0.05, method="lower")
              for t in ("a->a", "b->a"))
    unanswerable = ~np.array([r.answerable for r in records])
    assert (~answered[unanswerable]).sum() > (raw[unanswerable] < one).sum()
