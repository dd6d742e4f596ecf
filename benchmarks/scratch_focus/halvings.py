"""Scratch: a column appended to calibrate.py's first-hit rows, as a feature or a veto, judged held out
over N halvings, paired against the unchanged features."""
import pickle, sys
from dataclasses import replace
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
import qa.confidence as conf

ORDER = ["XQuAD zh->zh", "XQuAD en->en", "XQuAD mixed", "CMRC zh->zh", "XQuAD en->zh", "XQuAD zh->en", "news news"]


def with_column(records, column):
    out = []
    for r, v in zip(records, column):
        rows = r.rows
        if len(rows):
            extra = np.zeros((len(rows), 1)); extra[0, 0] = v
            rows = np.hstack([rows, extra])
        else:
            rows = np.zeros((0, rows.shape[1] + 1))
        out.append(replace(r, rows=rows))
    return out


def run(records, splits, extra=None, veto=False, own_cross=False):
    base_features = tuple(f for f in conf.FEATURES if f != "focus_absent")
    calibrate.FEATURES = base_features
    conf.Calibration.__init__.__defaults__ = (base_features, None, None)
    base_cross = calibrate.CROSS_WEIGHTED
    if own_cross:
        calibrate.CROSS_WEIGHTED = base_cross + (extra,)
    orig_cal, orig_conf = calibrate.vetoed, conf.vetoed
    if extra is not None:
        calibrate.FEATURES = base_features + (extra,)
        conf.Calibration.__init__.__defaults__ = (calibrate.FEATURES, None, None)
        if veto:
            def v(rows, features=calibrate.FEATURES):
                rows = np.asarray(rows, dtype=np.float64)
                base = orig_conf(rows, features)
                if extra in features and rows.size:
                    base = base | (rows[..., features.index(extra)] >= 0.5)
                return base
            calibrate.vetoed = v; conf.vetoed = v
    try:
        found = calibrate.split_figures(records, splits)
    finally:
        calibrate.FEATURES = conf.FEATURES
        calibrate.CROSS_WEIGHTED = base_cross
        conf.Calibration.__init__.__defaults__ = (conf.FEATURES, None, None)
        calibrate.vetoed, conf.vetoed = orig_cal, orig_conf
    return found


def fmt(found, key):
    return " / ".join(f"{np.mean(found[f'{t} {key}']):.3f}" for t in ORDER)


def paired(a, b, key):
    out = []
    for t in ORDER:
        d = np.array(b[f"{t} {key}"]) - np.array(a[f"{t} {key}"])
        out.append(f"{d.mean():+.3f} ({(d > 0).sum()}/{(d < 0).sum()})")
    return " / ".join(out)
