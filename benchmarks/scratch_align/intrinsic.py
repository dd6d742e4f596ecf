"""Scratch (twelfth round (a)): does a map align anything the model does not already? CC-CEDICT held-out
pairs (retrieval P@1), XQuAD's parallel questions (P@1 and mean cosine of each pair, centred), and the
dense ranking across languages over the XQuAD dev pair's paragraphs (R@1, one vector per paragraph).
    python intrinsic.py FULL.pkl CEDICT.npz XQUAD.npz"""
import json, pickle, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import fit_maps, unit
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import calibrate  # noqa: F401  (Record, for the pickle)

_, _, centres, _ = pickle.loads(Path(sys.argv[1]).read_bytes())
cd, xq = np.load(sys.argv[2]), np.load(sys.argv[3])
MAPS = (("procrustes", dict(kind="procrustes")), ("ridge 10", dict(kind="ridge", lam=10.0)),
        ("ridge to identity 100", dict(kind="ridge_identity", lam=100.0)))


def p1(a, b):
    return (np.argmax(unit(a) @ unit(b).T, 1) == np.arange(len(a))).mean()


n = len(cd["zh"]); train = np.arange(n) % 5 != 0; test = ~train
x, y = cd["zh"][test][:3000], cd["en"][test][:3000]
mz, me = cd["zh"][train].mean(0), cd["en"][train].mean(0)
print(f"CEDICT held-out (3000 pairs) P@1 zh->en: identity {p1(x - mz, y - me):.3f}", end="")
for name, kw in MAPS:
    m = fit_maps(cd["zh"][train], cd["en"][train], **kw)
    print(f"; {name} {p1((x - mz) @ m['zh'].T, y - me):.3f} (|W-I|/sqrt(d) {np.linalg.norm(m['zh'] - np.eye(512)) / np.sqrt(512):.2f})", end="")
print()
qz, qe = xq["q_zh"] - centres.question["zh"], xq["q_en"] - centres.question["en"]
print(f"XQuAD parallel questions ({len(qz)}), centred: identity P@1 {p1(qz, qe):.3f} cos {np.mean(np.sum(unit(qz) * unit(qe), 1)):.3f}", end="")
for name, kw in MAPS:
    m = fit_maps(cd["zh"], cd["en"], **kw)
    print(f"; {name} P@1 {p1(qz @ m['zh'].T, qe):.3f} cos {np.mean(np.sum(unit(qz @ m['zh'].T) * unit(qe), 1)):.3f}", end="")
print()
data = Path("/work/shared/data/xquad-dev")
en, zh = (json.loads((data / f"xquad.{l}.json").read_text(encoding="utf-8"))["data"] for l in ("en", "zh"))
gold, k = [], 0
for ae, az in zip(en, zh):
    for pe, pz in zip(ae["paragraphs"], az["paragraphs"]):
        ids = {q["id"] for q in pz["qas"]}
        gold += [k for q in pe["qas"] if q["id"] in ids]; k += 1
gold = np.array(gold)


def r1(q, c):
    return (np.argmax(unit(q) @ unit(c).T, 1) == gold).mean()


print(f"dense R@1 over the XQuAD dev pair's {k} paragraphs ({len(gold)} questions each way):")
for ql, cl in (("en", "zh"), ("zh", "en"), ("en", "en"), ("zh", "zh")):
    q, c = xq[f"q_{ql}"], xq[f"ctx_{cl}"]
    line = f"  {ql}->{cl}: raw {r1(q, c):.3f}, centred {r1(q - centres.question[ql], c - centres.passage[cl]):.3f}"
    if ql != cl:
        for name, kw in MAPS:
            m = fit_maps(cd["zh"], cd["en"], **kw)
            line += f", {name} {r1((q - centres.question[ql]) @ m[ql].T, c - centres.passage[cl]):.3f}"
    print(line)
