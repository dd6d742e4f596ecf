"""EXPERIMENT: the translated question's cosines as a confidence feature, offline over calibrate.py's questions."""
import pickle, sys, argparse
from dataclasses import replace
from pathlib import Path
import numpy as np
ROOT = Path("/work/wt/qtrans")
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
import calibrate
import qa.confidence as conf

import os
CACHE = Path(os.environ.get("PROBE_CACHE", "/tmp/qtrans/conf_extra.pkl"))
BASE = conf.FEATURES
N = len(BASE)

def collect():
    conf.EXTRA = True
    orig = conf.Calibration.probability
    conf.Calibration.probability = lambda self, rows: orig(self, np.asarray(rows)[:, :len(self.mean)])
    from qa.embedding import load_embedder
    args = argparse.Namespace(data=Path("/work/shared/data"), newsset=ROOT / "benchmarks" / "newsset", limit=None)
    records, news, centres = calibrate.collect(args, load_embedder())
    CACHE.write_bytes(pickle.dumps((records, news, centres)))

def variant(records, extra_cols, fill):
    """records with rows = base features + chosen extra columns (NaN filled)."""
    out = []
    for r in records:
        rows = r.rows
        if len(rows):
            cols = [rows[:, :N]]
            for j in extra_cols:
                x = rows[:, N + j].copy()
                nan = np.isnan(x)
                if fill == "zero":
                    x[nan] = 0.0
                elif fill == "sentence":
                    x[nan] = rows[nan, 1]
                elif fill == "passage":
                    x[nan] = rows[nan, 0]
                cols.append(x[:, None])
            rows = np.hstack(cols)
        else:
            rows = np.zeros((0, N + len(extra_cols)))
        out.append(replace(r, rows=rows))
    return out

def separable(records, seeds):
    """declined per task when each task's threshold is set on the judged half's own right answers (98% kept, news 97%)."""
    found = {}
    for seed in seeds:
        models, fits = calibrate.cross_fit(records, seed=seed)
        for f in (0, 1):
            pass
        by_task = {}
        for r in records:
            m = models[r.group]
            # unshifted? use the shifted model: per-task thresholds remove direction shifts within a task only partly
            p = m.probability(r.rows[:1])[0] if len(r.rows) else 0.0
            task = "news" if r.task == "news-unanswerable" else r.task
            by_task.setdefault((r.data, task), []).append((r, p, m))
        for key, items in by_task.items():
            # judged per half: group the items by the model that judged them
            for m in {id(x[2]): x[2] for x in items}.values():
                part = [(r, p) for r, p, mm in items if mm is m]
                right = np.array([p for r, p in part if r.right_first])
                neg = np.array([p for r, p in part if not r.answerable])
                if not len(right) or not len(neg):
                    continue
                keep = 0.97 if key[0] == "news" else 0.98
                t = np.quantile(right, 1 - keep, method="lower")
                found.setdefault(key, []).append((neg < t).mean())
    return {k: float(np.mean(v)) for k, v in found.items()}

def report(name, records, feats, splits, seps):
    calibrate.FEATURES = feats
    conf_feats = feats
    fig = calibrate.split_figures(records, splits)
    order = ["XQuAD zh->zh", "XQuAD en->en", "XQuAD mixed", "CMRC zh->zh", "XQuAD en->zh", "XQuAD zh->en", "news news"]
    dec = " / ".join(f"{np.mean(fig[o + ' declined']):.3f}" for o in order if o + " declined" in fig)
    kept = min(np.mean(v) for k, v in fig.items() if k.endswith("kept"))
    keptall = " / ".join(f"{np.mean(fig[o + ' kept']):.3f}" for o in order if o + " kept" in fig)
    pooled = np.mean(fig["pooled article hidden declined"])
    line = f"{name}: declined {dec}; pooled {pooled:.3f}; lowest kept {kept:.3f} ({keptall})"
    if seps:
        sep = separable(records, range(seps))
        keys = [("XQuAD", "zh->zh"), ("XQuAD", "en->en"), ("XQuAD", "mixed"), ("CMRC", "zh->zh"), ("XQuAD", "en->zh"), ("XQuAD", "zh->en"), ("news", "news")]
        line += "; separable " + " / ".join(f"{sep.get(k, float('nan')):.3f}" for k in keys)
    print(line, flush=True)

def aucs(records):
    rows = [r for r in records if len(r.rows)]
    for task in ["en->zh", "zh->en", "mixed", "news"]:
        sel = [r for r in rows if (r.task == task or (task == "news" and r.data == "news")) and r.rows[0, BASE.index("cross")] >= 0.5]
        pos = [r for r in sel if r.right_first]; neg = [r for r in sel if not r.answerable]
        cells = []
        for j, n in enumerate(conf.EXTRA_NAMES):
            cells.append(f"{n} {calibrate.auc(np.array([r.rows[0, N + j] for r in pos]), np.array([r.rows[0, N + j] for r in neg])):.3f}")
        for j in (0, 1):
            cells.append(f"{BASE[j]} {calibrate.auc(np.array([r.rows[0, j] for r in pos]), np.array([r.rows[0, j] for r in neg])):.3f}")
        print(f"AUC cross hits, {task} ({len(pos)} right / {len(neg)} negative): " + ", ".join(cells))

if __name__ == "__main__":
    if sys.argv[1] == "collect":
        collect()
        sys.exit()
    records, news, centres = pickle.loads(CACHE.read_bytes())
    aucs(records)
    splits = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    seps = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if not os.environ.get("SKIP_BASE"):
        report("base", variant(records, [], None), BASE, splits, seps)
    variants = [([3], "zero"), ([3], "sentence"), ([1], "zero"), ([2, 3], "zero"), ([3], "passage")]
    if len(sys.argv) > 4:
        variants = [v for i, v in enumerate(variants) if str(i) in sys.argv[4].split(",")]
    for cols, fill in variants:
        names = tuple(conf.EXTRA_NAMES[j] for j in cols)
        report(f"+{'+'.join(names)} fill={fill}", variant(records, cols, fill), BASE + names, splits, seps)
