"""Scratch (twelfth round (a)): AUC on cross-lingual first hits of the mapped cosines (CC-CEDICT maps;
XQuAD parallel maps fitted on one parity of articles, judged on the other) against the shipped ones."""
import pickle, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import IP, IS, aucs, fit_maps, fmt_aucs, mapped_cosines

records, news, centres, extras = pickle.loads(Path(sys.argv[1]).read_bytes())
cd = np.load(sys.argv[2])
xq = np.load(sys.argv[3]) if len(sys.argv) > 3 else None
n = len(records)
ship_p = np.array([r.rows[0, IP] if len(r.rows) else np.nan for r in records])
ship_s = np.array([r.rows[0, IS] if len(r.rows) and r.rows[0, IS] > -1 else np.nan for r in records])
print("shipped passage_sim :", fmt_aucs(aucs(records, extras, ship_p)))
print("shipped sentence_sim:", fmt_aucs(aucs(records, extras, ship_s)))
out = {}
for name, kw in [("procrustes, centred+unit", dict(kind="procrustes")),
                 ("procrustes, raw", dict(kind="procrustes", centre=False, norm=False)),
                 ("ridge 0.1", dict(kind="ridge", lam=0.1)), ("ridge 1", dict(kind="ridge", lam=1.0)),
                 ("ridge 10", dict(kind="ridge", lam=10.0)), ("ridge 100", dict(kind="ridge", lam=100.0)),
                 ("ridge to identity 10", dict(kind="ridge_identity", lam=10.0)),
                 ("ridge to identity 100", dict(kind="ridge_identity", lam=100.0)),
                 ("ridge to identity 1000", dict(kind="ridge_identity", lam=1000.0))]:
    maps = fit_maps(cd["zh"], cd["en"], **kw)
    ps, ss = mapped_cosines(extras, centres, maps)
    out[name] = (ps, ss)
    print(f"CEDICT {name}: passage", fmt_aucs(aucs(records, extras, ps)))
    print(f"CEDICT {name}: sentence", fmt_aucs(aucs(records, extras, ss)))
pickle.dump(out, open("/tmp/align/cedict_cols.pkl", "wb"))
if xq is not None:
    art = np.array([int(r.group.split(":")[1]) if r.data == "XQuAD" else -1 for r in records])
    for src in ("ctx", "q"):
        for kind, kw in (("procrustes", {}), ("ridge 1", {"lam": 1.0}), ("ridge 10", {"lam": 10.0}),
                         ("ridge_identity 1", {"lam": 1.0}), ("ridge_identity 10", {"lam": 10.0})):
            ps, ss = np.full(n, np.nan), np.full(n, np.nan)
            arts = xq[f"{src}_art"]
            for parity in (0, 1):
                train = arts % 2 != parity
                maps = fit_maps(xq[f"{src}_zh"][train], xq[f"{src}_en"][train], kind.split()[0], **kw)
                p, s = mapped_cosines(extras, centres, maps)
                judged = art % 2 == parity
                ps[judged], ss[judged] = p[judged], s[judged]
            xmask = art >= 0
            print(f"XQuAD {src} {kind} (other parity): passage", fmt_aucs(aucs(records, extras, ps, xmask)))
            print(f"XQuAD {src} {kind} (other parity): sentence", fmt_aucs(aucs(records, extras, ss, xmask)))
    print("shipped on XQuAD only: sentence", fmt_aucs(aucs(records, extras, ship_s, art >= 0)))
