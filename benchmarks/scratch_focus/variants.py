import pickle, sys, time
import numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from halvings import *
from measure import facts
from qa.answer_types import asks_quantity, answer_type

splits = int(sys.argv[2]) if len(sys.argv) > 2 else 12
records, extras, rows = facts(sys.argv[1])
pickle.dump(rows, open(sys.argv[1] + ".facts", "wb"))
base = run(records, splits)
print("base declined", fmt(base, "declined"), "pooled %.3f" % np.mean(base["pooled article hidden declined"]))
print("base kept", fmt(base, "kept"))
cross = np.array([bool(len(r.rows)) and r.rows[0, calibrate.FEATURES.index("cross")] >= 0.5 for r in records])

def qty(q): return asks_quantity(q) == "number"
def who(q): return answer_type(q) == "w"
variants = {
  "A all, passage": lambda r: bool(r["focus"]) and not r.get((2, "passage", "any"), True),
  "B number, passage": lambda r: bool(r["focus"]) and qty(r["q"]) and not r.get((2, "passage", "any"), True),
  "B2 number+who, passage": lambda r: bool(r["focus"]) and (qty(r["q"]) or who(r["q"])) and not r.get((2, "passage", "any"), True),
  "D number, document": lambda r: bool(r["focus"]) and qty(r["q"]) and not r.get((2, "doc", "any"), True),
  "S number, sentence": lambda r: bool(r["focus"]) and qty(r["q"]) and not r.get((2, "sentence", "any"), True),
}
only = sys.argv[3:] or list(variants)
for name in only:
    col = np.array([float(variants[name](r)) for r in rows])
    for same_only in (False, True):
        c = col * (~cross) if same_only else col
        for veto in (False, True):
            if veto and not same_only: continue
            t = time.time()
            found = run(with_column(records, c), splits, "focus_absent", veto)
            tag = f"{name}{' same-language' if same_only else ''}{' VETO' if veto else ''}"
            right_fire = sum(1 for r, v in zip(records, c) if v and r.right_first)
            print(f"{tag}: fires on right {right_fire}, hidden/unans {sum(1 for r, v in zip(records, c) if v and not r.answerable)}")
            print("   declined", fmt(found, "declined"), "pooled %.3f" % np.mean(found["pooled article hidden declined"]))
            print("   paired  ", paired(base, found, "declined"))
            print("   kept paired", paired(base, found, "kept"), f"({time.time()-t:.0f}s)", flush=True)
