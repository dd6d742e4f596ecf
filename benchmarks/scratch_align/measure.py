"""Scratch (twelfth round (a)): linear cross-lingual maps for the confidence's cross-lingual cosines.
AUC of the mapped cosines on cross-lingual first hits against the shipped ones, and the candidates over
paired halvings against main's features (calibrate.split_figures, same seeds)."""
import argparse, pickle, sys, time
from dataclasses import replace
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
from qa.confidence import FEATURES

ORDER = ["XQuAD zh->zh", "XQuAD en->en", "XQuAD mixed", "CMRC zh->zh", "XQuAD en->zh", "XQuAD zh->en", "news news"]
IP, IS, IC = FEATURES.index("passage_sim"), FEATURES.index("sentence_sim"), FEATURES.index("cross")


def unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def procrustes(X, Y):
    """W (d x d, orthogonal) minimising ||X W^T - Y||: W x ~ y."""
    u, _, vt = np.linalg.svd(Y.T @ X)
    return u @ vt


def ridge(X, Y, lam):
    """W minimising ||X W^T - Y||^2 + lam ||W||^2."""
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ Y).T


def ridge_identity(X, Y, lam):
    """W minimising ||X W^T - Y||^2 + lam ||W - I||^2: the model is already aligned, so the map moves
    away from the identity only as far as the pairs ask."""
    d = X.shape[1]
    return np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ Y + lam * np.eye(d)).T


def fit_maps(zh, en, kind, lam=1.0, centre=True, norm=True):
    """{'zh': W mapping a zh vector into en's space, 'en': the reverse}."""
    X, Y = zh.astype(np.float64), en.astype(np.float64)
    if centre:
        X, Y = X - X.mean(0), Y - Y.mean(0)
    if norm:
        X, Y = unit(X), unit(Y)
    if kind == "procrustes":
        W = procrustes(X, Y)
        return {"zh": W, "en": W.T}
    if kind == "ridge_identity":
        return {"zh": ridge_identity(X, Y, lam), "en": ridge_identity(Y, X, lam)}
    return {"zh": ridge(X, Y, lam), "en": ridge(Y, X, lam)}


def mapped_cosines(extras, centres, maps):
    """(passage, sentence) mapped cosines per record's first hit (nan where no hit or not cross)."""
    n = len(extras)
    ps, ss = np.full(n, np.nan), np.full(n, np.nan)
    for i, e in enumerate(extras):
        if "q" not in e or e["cross"] < 0.5:
            continue
        own = "zh" if e["lang"] == "zh" else "en"
        other = "en" if own == "zh" else "zh"
        mq = unit(maps[own] @ (e["q"] - centres.question[own]))
        ps[i] = float(unit(e["p"] - centres.passage[other]) @ mq)
        ss[i] = float(unit(e["s"] - centres.passage[other]) @ mq) if np.any(e["s"]) else np.nan
    return ps, ss


def auc(pos, neg):
    pos, neg = pos[~np.isnan(pos)], neg[~np.isnan(neg)]
    if not len(pos) or not len(neg):
        return float("nan")
    allv = np.concatenate([pos, neg]); ranks = allv.argsort().argsort() + 1.0
    # ties are rare for cosines
    return (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def aucs(records, extras, col, mask=None):
    """AUC per cross-lingual task and pooled over every cross-lingual first hit: right first hits
    against the unanswerable variants' first hits."""
    out = {}
    groups = {"en->zh": lambda r: r.task == "en->zh", "zh->en": lambda r: r.task == "zh->en",
              "mixed": lambda r: r.task == "mixed", "news": lambda r: r.data == "news", "all": lambda r: True}
    for name, f in groups.items():
        pos, neg = [], []
        for i, r in enumerate(records):
            if mask is not None and not mask[i]:
                continue
            if not len(r.rows) or r.rows[0, IC] < 0.5 or not f(r) or np.isnan(col[i]):
                continue
            if r.answerable and r.right_first:
                pos.append(col[i])
            elif not r.answerable:
                neg.append(col[i])
        out[name] = (auc(np.array(pos), np.array(neg)), len(pos), len(neg))
    return out


def fmt_aucs(a):
    return " / ".join(f"{k} {v[0]:.3f}" for k, v in a.items())


def with_columns(records, ps, ss, how):
    """Records with the candidate: 'replace' the two cosines of a cross-lingual first hit, 'sentence'
    only the sentence's, 'add' a column (the mapped sentence cosine on cross-lingual first hits, 0 else)."""
    out = []
    for i, r in enumerate(records):
        rows = np.array(r.rows, dtype=np.float64)
        if how == "add":
            extra = np.zeros((len(rows), 1))
            if len(rows) and not np.isnan(ss[i]):
                extra[0, 0] = ss[i]
            rows = np.hstack([rows, extra]) if len(rows) else np.zeros((0, rows.shape[1] + 1))
        elif len(rows) and rows[0, IC] >= 0.5:
            if how in ("replace", "passage") and not np.isnan(ps[i]):
                rows[0, IP] = ps[i]
            if how in ("replace", "sentence") and not np.isnan(ss[i]) and rows[0, IS] > -1:
                rows[0, IS] = ss[i]
        out.append(replace(r, rows=rows))
    return out


def run(records, splits, extra=None):
    import qa.confidence as conf
    base = conf.FEATURES
    base_cross = calibrate.CROSS_WEIGHTED
    if extra:
        calibrate.FEATURES = base + (extra,)
        conf.Calibration.__init__.__defaults__ = (calibrate.FEATURES, None, None)
        calibrate.CROSS_WEIGHTED = base_cross + (extra,)
    try:
        return calibrate.split_figures(records, splits)
    finally:
        calibrate.FEATURES = base
        calibrate.CROSS_WEIGHTED = base_cross
        conf.Calibration.__init__.__defaults__ = (base, None, None)


def fmt(found, key):
    return " / ".join(f"{np.mean(found[f'{t} {key}']):.3f}" for t in ORDER) + \
        (f"; pooled {np.mean(found['pooled article hidden declined']):.3f}" if key == "declined" else "")


def paired(a, b, key):
    out = []
    names = [f"{t} {key}" for t in ORDER] + (["pooled article hidden declined"] if key == "declined" else [])
    for t in names:
        d = np.array(b[t]) - np.array(a[t])
        out.append(f"{d.mean():+.3f} ({(d > 0).sum()}/{(d < 0).sum()})")
    return " / ".join(out)
