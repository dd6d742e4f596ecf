"""Scratch (twelfth round (a)): the mapped cosines over paired halvings against main's features.
    python halvings.py FULL.pkl COLS.pkl SPLITS MAP:HOW [MAP:HOW ...]
HOW: replace (both cross-lingual cosines), sentence, passage, add (a column with its own cross weight)."""
import pickle, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import fmt, paired, run, with_columns

records, news, centres, extras = pickle.loads(Path(sys.argv[1]).read_bytes())
cols = pickle.loads(Path(sys.argv[2]).read_bytes())
splits = int(sys.argv[3])
t = time.time()
main = run(records, splits)
print(f"main ({splits} halvings, {time.time() - t:.0f} s): declined", fmt(main, "declined"), "| kept", fmt(main, "kept"), flush=True)
for spec in sys.argv[4:]:
    name, how = spec.rsplit(":", 1)
    ps, ss = cols[name]
    found = run(with_columns(records, ps, ss, how), splits, "mapped_sim" if how == "add" else None)
    print(f"{name} [{how}]: declined", fmt(found, "declined"), "| kept", fmt(found, "kept"))
    print("   paired declined", paired(main, found, "declined"))
    print("   paired kept", paired(main, found, "kept"), flush=True)
