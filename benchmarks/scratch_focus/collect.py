"""Scratch: calibrate.py's records plus, per ask, the question and its first hit's texts."""
import pickle, sys
from pathlib import Path
import argparse
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
from qa.embedding import load_embedder

extras = []
_ask = calibrate.ask

def ask(searcher, question, allowed, gold, answers=()):
    from qa.blas import one_blas_thread
    with one_blas_thread():
        hits, rows = searcher._search(question, calibrate.K, "hybrid", allowed)
    out = _ask.__wrapped__(hits, rows, gold, answers) if False else None
    labels = [gold(h) for h in hits]
    from qa.evaluate import contains_answer
    import numpy as np
    held = bool(hits) and bool(answers) and contains_answer(hits[0].highlight.text if hits[0].highlight else None, answers)
    e = {"q": question}
    if hits:
        h = hits[0]
        p = searcher.store.passage(h.passage_id)
        d = searcher.index.documents[p.doc]
        first, n = int(d["first"]), int(d["passages"])
        e.update(passage=h.text, sentence=h.highlight.text if h.highlight else "", lang=h.lang,
                 doc="\n".join(x.text for x in searcher.store.passages(list(range(first, first + n)))),
                 title=h.citation.title or "", answers=list(answers))
    extras.append(e)
    return (rows if rows is not None else np.zeros((0, len(calibrate.FEATURES)))), np.array(labels, dtype=bool), held

calibrate.ask = ask
ap = argparse.ArgumentParser(); ap.add_argument("--out", type=Path); ap.add_argument("--limit", type=int)
a = ap.parse_args()
args = argparse.Namespace(data=Path("/work/shared/data"), newsset=ROOT / "benchmarks" / "newsset", limit=a.limit)
emb = load_embedder()
records, news, centres = calibrate.collect(args, emb)
assert len(records) == len(extras), (len(records), len(extras))
a.out.write_bytes(pickle.dumps((records, news, centres, extras)))
print(len(records))
