import pickle, sys, time
import numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from halvings import *
from qa.answer_types import asks_quantity
splits = int(sys.argv[2])
records, news, centres, extras = pickle.loads(Path(sys.argv[1]).read_bytes())
rows = pickle.load(open(sys.argv[1] + ".facts", "rb"))
base = run(records, splits)
print("base declined", fmt(base, "declined"), "pooled %.3f" % np.mean(base["pooled article hidden declined"]))
cross = np.array([bool(len(r.rows)) and r.rows[0, calibrate.FEATURES.index("cross")] >= 0.5 for r in records])
zhq = np.array([bool(len(r.rows)) and r.rows[0, calibrate.FEATURES.index("zh_question")] >= 0.5 for r in records])
qty = lambda r: asks_quantity(r["q"]) == "number"
B = np.array([float(bool(r["focus"]) and qty(r) and not r.get((2, "passage", "any"), True)) for r in rows])
Bh = np.array([float(bool(r["focus"]) and qty(r) and not r.get((2, "passage", "head"), True)) for r in rows])
S = np.array([float(bool(r["focus"]) and qty(r) and not r.get((2, "sentence", "any"), True)) for r in rows])
for name, col, own in [("S own cross weight", S, True), ("B own cross weight", B, True), ("B head-word", Bh, False), ("B Chinese questions only", B * zhq, False)]:
    t = time.time()
    found = run(with_column(records, col), splits, "focus_absent", False, own)
    print(name, "fires right", int(sum(c for r, c in zip(records, col) if r.right_first)))
    print("   declined", fmt(found, "declined"), "pooled %.3f" % np.mean(found["pooled article hidden declined"]))
    print("   paired  ", paired(base, found, "declined"))
    print("   kept paired", paired(base, found, "kept"), f"({time.time()-t:.0f}s)", flush=True)
