"""Scratch (twelfth round (a)): calibrate.py's records (main's features) plus, per ask, the vectors the
confidence's two cosines were computed from for the first hit: the question's, the passage's, the best
sentence's, the question's language and the hit's cross flag. The candidates are computed from these offline."""
import argparse, pickle, sys
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
import qa.confidence as conf
from qa.embedding import load_embedder

calls = []
_centred = conf.centred_cosines

def centred(q, vectors, lang, cross, centres, raw):
    calls.append((np.array(q, dtype=np.float32), np.array(vectors[:1], dtype=np.float32), lang,
                  np.array(cross[:1], dtype=np.float64)))
    return _centred(q, vectors, lang, cross, centres, raw)

conf.centred_cosines = centred
extras = []
_ask = calibrate.ask

def ask(searcher, question, allowed, gold, answers=()):
    calls.clear()
    out = _ask(searcher, question, allowed, gold, answers)
    e = {"question": question}
    if len(calls) >= 2 and len(out[0]):
        (q, p, lang, cross), (_, s, _, _) = calls[-2], calls[-1]
        e.update(q=q, p=p[0], s=s[0], lang=lang, cross=float(cross[0]))
    extras.append(e)
    return out

calibrate.ask = ask
ap = argparse.ArgumentParser(); ap.add_argument("--out", type=Path, required=True); ap.add_argument("--limit", type=int)
a = ap.parse_args()
args = argparse.Namespace(data=Path("/work/shared/data"), newsset=ROOT / "benchmarks" / "newsset", limit=a.limit)
records, news, centres = calibrate.collect(args, load_embedder())
assert len(records) == len(extras), (len(records), len(extras))
a.out.write_bytes(pickle.dumps((records, news, centres, extras)))
print(len(records), sum("q" in e for e in extras))
