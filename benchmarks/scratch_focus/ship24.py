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
qty = lambda r: asks_quantity(r["q"]) == "number"
S = np.array([float(bool(r["focus"]) and qty(r) and not r.get((2, "sentence", "any"), True)) for r in rows])
np.save(sys.argv[1] + ".S.npy", S)
found = run(with_column(records, S), splits, "focus_absent")
print("base declined", fmt(base, "declined"), "pooled %.3f" % np.mean(base["pooled article hidden declined"]))
print("base kept", fmt(base, "kept"))
print("S declined", fmt(found, "declined"), "pooled %.3f" % np.mean(found["pooled article hidden declined"]))
print("S kept", fmt(found, "kept"))
print("paired", paired(base, found, "declined"))
d = np.array(found["pooled article hidden declined"]) - np.array(base["pooled article hidden declined"])
print("pooled paired %+.3f (%d/%d)" % (d.mean(), (d > 0).sum(), (d < 0).sum()))
print("kept paired", paired(base, found, "kept"))
for t in ORDER:
    dd = np.array(found[f"{t} declined"]) - np.array(base[f"{t} declined"])
    print(t, "median %+.3f range %+.3f..%+.3f" % (np.median(dd), dd.min(), dd.max()))
print("lowest kept base", min(np.mean(base[f"{t} kept"]) for t in ORDER), "S", min(np.mean(found[f"{t} kept"]) for t in ORDER))
