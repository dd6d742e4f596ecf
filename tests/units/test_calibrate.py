"""benchmarks/calibrate.py's fit: a threshold per direction (the question's language; same-language
or cross-lingual first hit), folded into the one stored threshold (docs/confidence.md)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from qa.confidence import FEATURES

from ..conftest import ROOT


def _calibrate():
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import calibrate

    return calibrate


def _unshifted(calibrate, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The fit's regression before the thresholds per direction are folded in: every feature but
    the direction's own, the cosines of cross-lingual hits with weights of their own."""
    from qa.confidence import CROSS_WEIGHTED, Calibration, fit_logistic_cross

    fitted = np.array([name not in calibrate.DIRECTION_ONLY for name in FEATURES])
    names = tuple(np.array(FEATURES)[fitted])
    own = np.array([name in CROSS_WEIGHTED for name in names])
    x = rows[:, fitted]
    mean, scale, coef, cross_coef, intercept = fit_logistic_cross(x, labels, x[:, names.index("cross")] >= 0.5, own)
    return Calibration("", mean, scale, coef, intercept, 0.5, names, cross_coef=cross_coef).probability(x)


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
    rows = np.concatenate([r.rows for r in records])
    raw = _unshifted(calibrate, rows, np.array([r.answerable for r in records]))
    is_cross = rows[:, FEATURES.index("cross")] >= 0.5
    same_t, cross_t = _threshold_pair(records, raw, is_cross, 0.95, 0.95)
    assert cross_t < same_t  # the cross-lingual hits needed a lower one
    assert (answered == (raw >= np.where(is_cross, cross_t, same_t))).mean() > 0.995  # rounding aside
    # and the pair declines more unanswerable questions than one threshold low enough for both tasks
    one = min(np.quantile(raw[np.array([r.task == t and r.right_first for r in records])], 0.05, method="lower")
              for t in ("a->a", "b->a"))
    unanswerable = ~np.array([r.answerable for r in records])
    assert (~answered[unanswerable]).sum() > (raw[unanswerable] < one).sum()


def test_a_threshold_per_direction_keeps_each_tasks_share_declines_more_and_folds_into_one_threshold():
    calibrate = _calibrate()
    Record = calibrate.Record
    rng = np.random.default_rng(5)
    cross, sim = FEATURES.index("cross"), FEATURES.index("passage_sim")
    zh = FEATURES.index("zh_question")
    # four directions whose right and wrong hits sit at different levels: one pair of thresholds
    # (same-language / cross-language) cannot suit both question languages
    level = {"en->en": 0.75, "zh->zh": 0.5, "zh->en": 0.45, "en->zh": 0.3}
    records = []
    for n in range(2400):
        task = tuple(level)[n % 4]
        answerable = n % 8 < 4
        row = rng.normal(0.0, 0.05, size=(1, len(FEATURES)))
        row[0, zh] = float(task.startswith("zh"))
        row[0, cross] = float(task[:2] != task[-2:])
        row[0, FEATURES.index("zh_cross")] = row[0, zh] * row[0, cross]
        row[0, sim] = rng.normal(level[task] if answerable else level[task] - 0.35, 0.1)
        records.append(Record("d", task, answerable, f"g{n}", row, np.array([answerable]), answerable))
    model = calibrate.fit(records, keep=0.95, news_keep=0.95)
    sure = np.array([model.probability(r.rows)[0] for r in records])
    answered = sure >= model.threshold
    tasks = np.array([r.task for r in records])
    right = np.array([r.right_first for r in records])
    for task in level:
        assert answered[right & (tasks == task)].mean() >= 0.95
    # the same verdicts as the unshifted model judged by its four thresholds
    rows = np.concatenate([r.rows for r in records])
    raw = _unshifted(calibrate, rows, right)
    direction = calibrate.directions(records)
    pair = calibrate._threshold_pair(records, raw, rows[:, cross] >= 0.5, 0.95, 0.95)
    start = {"en-same": pair[0], "zh-same": pair[0], "en-cross": pair[1], "zh-cross": pair[1]}
    found = calibrate._direction_thresholds(records, raw, direction, 0.95, 0.95, start)
    by_direction = raw >= np.array([found[d] for d in direction])
    assert (answered == by_direction).mean() > 0.995  # rounding aside
    unanswerable = ~right
    by_pair = raw >= np.where(rows[:, cross] >= 0.5, pair[1], pair[0])
    assert (~by_direction[unanswerable]).sum() > (~by_pair[unanswerable]).sum() + 50


def test_the_refit_writes_the_figures_the_docs_quote(tmp_path):
    _calibrate()
    from confidence_docs import DOC_MARK, README_MARK, doc_figures, readme_summary, replace_marked

    row = {"queries": 100, "right": 100, "kept": 98, "hidden": 100, "declined_hidden": 0, "unanswerable": 0,
           "declined": 0}
    table = {("XQuAD", "zh->zh"): {**row, "declined_hidden": 90}, ("XQuAD", "en->zh"): {**row, "declined_hidden": 45},
             ("CMRC", "zh->zh"): {**row, "kept": 99, "declined_hidden": 70},
             ("news", "news"): {**row, "hidden": 0, "kept": 96, "unanswerable": 40, "declined": 20}}
    summary = readme_summary(table)
    assert "keeps 96-99% of right answers" in summary and "declines 70-90% of questions" in summary
    assert "45%\nacross languages" in summary
    figures = doc_figures(table, {"pooled article hidden declined": [0.5, 0.7]}, 0.12, "today")
    assert "| all dev tasks pooled | | 0.683 (0.600) | |" in figures and "| 0.500 |" in figures
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n<!-- {DOC_MARK} -->\nstale text\n<!-- end of {DOC_MARK} -->\nafter\n", encoding="utf-8")
    replace_marked(doc, DOC_MARK, figures)
    assert "stale text" not in doc.read_text(encoding="utf-8") and figures in doc.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        replace_marked(doc, README_MARK, summary)
    # the real docs carry the marks, so the refit can write them
    for path, mark in ((ROOT / "docs" / "confidence.md", DOC_MARK), (ROOT / "README.md", README_MARK)):
        text = path.read_text(encoding="utf-8")
        assert f"<!-- {mark} -->" in text and f"<!-- end of {mark} -->" in text


def test_the_thresholds_per_direction_are_the_best_combination_not_a_local_best():
    """The mixed task's right first hits lie in every direction, so the answers it may lose are one
    budget the four thresholds share; searched one at a time they stopped at a local best. On data
    small enough that the grid holds every candidate, the search finds what trying every
    combination of the right first hits' scores finds."""
    import itertools

    calibrate = _calibrate()
    Record = calibrate.Record
    rng = np.random.default_rng(11)
    cross, zh = FEATURES.index("cross"), FEATURES.index("zh_question")
    kinds = [(q, c) for q in (0.0, 1.0) for c in (0.0, 1.0)]
    records = []
    for n in range(480):
        q, c = kinds[n % 4]
        task = "mixed" if n % 3 == 0 else f"{int(q)}{int(c)}"
        answerable = (n // 4) % 2 == 0
        row = np.zeros((1, len(FEATURES)))
        row[0, zh], row[0, cross] = q, c
        records.append(Record("d", task, answerable, f"g{n}", row, np.array([answerable]), answerable))
    sure = np.where([r.answerable for r in records], rng.beta(5, 2, len(records)), rng.beta(2, 4, len(records)))
    direction = calibrate.directions(records)
    right = np.array([r.right_first for r in records])
    unanswerable = ~np.array([r.answerable for r in records])
    tasks = np.array([r.task for r in records])
    start = {d: 0.0 for d in ("en-same", "zh-same", "en-cross", "zh-cross")}
    found = calibrate._direction_thresholds(records, sure, direction, 0.9, 0.9, start)

    def judged(th):
        answered = sure >= np.array([th[d] for d in direction])
        good = all(answered[right & (tasks == t)].mean() >= 0.9 for t in set(tasks))
        return good, int((~answered[unanswerable]).sum())

    names = sorted(start)
    options = []
    for d in names:
        scores = np.sort(sure[right & (direction == d)])
        options.append(np.unique(scores[:int(np.ceil(0.15 * len(scores))) + 1]))
    assert max(len(o) for o in options) <= calibrate.GRID  # every combination is tried
    best = max(judged(dict(zip(names, combo)))[1] for combo in itertools.product(*options)
               if judged(dict(zip(names, combo)))[0])
    good, declined = judged(found)
    assert good and declined == best and declined > judged(start)[1]


def test_hits_the_period_rule_decides_are_declined_and_left_out_of_the_regression():
    calibrate = _calibrate()
    records = _records()
    veto, sim = FEATURES.index("period_conflict"), FEATURES.index("passage_sim")
    for r in records:
        r.rows[0, veto] = 0.0  # a 0/1 rule
    for r in records[2::4][:60]:  # unanswerable rows the rule marks, each as similar as a right answer
        r.rows[0, veto], r.rows[0, sim] = 1.0, 0.8
    marked = [r for r in records if r.rows[0, veto] >= 0.5]
    model = calibrate.fit(records, keep=0.95, news_keep=0.95)
    assert all(model.probability(r.rows)[0] == 0.0 for r in marked)
    assert model.coef[veto] == 0.0  # no weight: the rows it marks were not fitted
    # the rest are fitted as if the marked rows were not there
    rest = [r for r in records if r.rows[0, veto] < 0.5]
    alone = calibrate.fit(rest, keep=0.95, news_keep=0.95)
    assert model.coef[sim] == pytest.approx(alone.coef[sim], rel=1e-6)
