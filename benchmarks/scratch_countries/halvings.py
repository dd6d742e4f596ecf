"""Scratch (twelfth round (c)): calibrate.py's cached rows collected with the country rule as a column of its
own (last), judged held out over N random halvings: main (the column dropped) against the rule folded into
place_conflict (a veto), paired. Also counts the first hits the rule fires on.

    python benchmarks/scratch_countries/halvings.py CACHE [N]

The cache is calibrate.py's (--cache FILE --dry-run) run with the rule as a column of its own, as this round
measured it: "country_conflict" appended to qa.confidence.FEATURES and VETOES, its column
(qa.document_conflicts.country_conflicts) appended to the rows, and taken out of place_conflicts.
"""
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import calibrate  # noqa: E402
import __main__  # noqa: E402
__main__.Record = calibrate.Record  # the cache pickles calibrate.py run as a script
import qa.confidence as conf  # noqa: E402

ORDER = ["XQuAD zh->zh", "XQuAD en->en", "XQuAD mixed", "CMRC zh->zh", "XQuAD en->zh", "XQuAD zh->en", "news news"]
BASE = tuple(f for f in conf.FEATURES if f != "country_conflict")
PLACE = BASE.index("place_conflict")


def variant(records, fold):
    out = []
    for r in records:
        rows = np.asarray(r.rows, dtype=np.float64)
        if rows.shape[1] == len(BASE) + 1:
            country = rows[:, -1].copy()
            rows = rows[:, :-1].copy()
            if fold and len(rows):
                rows[:, PLACE] = np.maximum(rows[:, PLACE], country)
        out.append(replace(r, rows=rows))
    return out


def run(records, n):
    calibrate.FEATURES = BASE
    conf.Calibration.__init__.__defaults__ = (BASE, None, None)
    old_cal, old_conf = calibrate.vetoed, conf.vetoed

    def vetoed(rows, features=BASE):
        return old_conf(rows, features)
    calibrate.vetoed = conf.vetoed = vetoed
    try:
        return calibrate.split_figures(records, n)
    finally:
        calibrate.vetoed, conf.vetoed = old_cal, old_conf


def main():
    records, news, centres = pickle.loads(Path(sys.argv[1]).read_bytes())
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    width = records[0].rows.shape[1]
    assert width == len(BASE) + 1, (width, len(BASE))
    others = [BASE.index(v) for v in ("period_conflict", "place_conflict", "value_conflict")]
    counts = {}
    for r in records:
        if not len(r.rows):
            continue
        key = f"{r.data} {r.task}"
        c = counts.setdefault(key, {"right": 0, "right_fired": 0, "wrong_fired": 0, "wrong_new": 0, "unans": 0,
                                    "rows_fired": 0})
        first = r.rows[0]
        fired = first[-1] >= 0.5
        c["rows_fired"] += int((r.rows[:, -1] >= 0.5).sum())
        if r.right_first:
            c["right"] += 1
            c["right_fired"] += int(fired)
        elif not r.answerable:
            c["unans"] += 1
            c["wrong_fired"] += int(fired)
            c["wrong_new"] += int(fired and not any(first[i] >= 0.5 for i in others))
        elif fired:
            c["right_fired"] += 0
            c.setdefault("answerable_wrong_first_fired", 0)
            c["answerable_wrong_first_fired"] = c.get("answerable_wrong_first_fired", 0) + 1
    for k, v in counts.items():
        print(k, v)
    a = run(variant(records, False), n)
    b = run(variant(records, True), n)
    for key in ("declined", "kept"):
        print(key, "main: ", " / ".join(f"{np.mean(a[f'{t} {key}']):.3f}" for t in ORDER))
        print(key, "rule: ", " / ".join(f"{np.mean(b[f'{t} {key}']):.3f}" for t in ORDER))
        out = []
        for t in ORDER:
            d = np.array(b[f"{t} {key}"]) - np.array(a[f"{t} {key}"])
            out.append(f"{d.mean():+.4f} ({(d > 0).sum()}/{(d < 0).sum()})")
        print(key, "paired:", " / ".join(out))
    pa, pb = np.array(a["pooled article hidden declined"]), np.array(b["pooled article hidden declined"])
    print(f"pooled main {pa.mean():.3f} rule {pb.mean():.3f} paired {np.mean(pb - pa):+.4f} "
          f"({(pb > pa).sum()}/{(pb < pa).sum()})")


if __name__ == "__main__":
    main()
