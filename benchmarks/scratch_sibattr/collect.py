"""Scratch (twelfth round (d)): for calibrate.py's questions (and the first held-out news set) that name a
quarter, half, phase or year, the first hit's document and the other candidate documents' texts, in
rank order. Questions naming no period are not searched (the signal needs a sibling period)."""
import argparse, pickle, sys, tempfile
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
from qa.embedding import load_embedder
from qa.segment import tokenize
from qa.periods import _periods
from qa.search import Searcher
from qa.blas import one_blas_thread

TOP_DOCS = 30
extras, tags = [], {}
_score = Searcher.score
last = {}

def score(self, *a, **k):
    s = _score(self, *a, **k)
    last["s"] = s
    return s

Searcher.score = score

def doc_text(searcher, d):
    first, end = searcher.document_spans(np.array([d]))[0]
    return "\n".join(p.text for p in searcher.store.passages(list(range(first, end))))

def ask(searcher, question, allowed, gold, answers=()):
    toks = tokenize(question, question=True)
    asked = _periods(toks)
    if not asked:
        return np.zeros((0, len(calibrate.FEATURES))), np.zeros(0, bool), False
    with one_blas_thread():
        hits, rows = searcher._search(question, calibrate.K, "hybrid", allowed)
    labels = np.array([gold(h) for h in hits], dtype=bool)
    e = {"q": question, "set": tags.get(id(searcher)), "asked": asked, "hidden": allowed is not None,
         "right": bool(labels[:1].any()), "n": len(hits)}
    if hits:
        s = last["s"]
        docs = []
        for pid in s.ids:
            d = int(searcher.doc_of[pid])
            if d not in docs:
                docs.append(d)
            if len(docs) >= TOP_DOCS:
                break
        hit_doc = int(searcher.doc_of[hits[0].passage_id])
        e.update(hit_doc=hit_doc, hit_passage=hits[0].text,
                 sentence=hits[0].highlight.text if hits[0].highlight else "",
                 docs=[(d, searcher.index.documents[d].get("title") or "", doc_text(searcher, d)) for d in docs],
                 hit_text=doc_text(searcher, hit_doc), hit_title=hits[0].citation.title or "")
    extras.append(e)
    return (rows if rows is not None else np.zeros((0, len(calibrate.FEATURES)))), labels, False

calibrate.ask = ask
ap = argparse.ArgumentParser(); ap.add_argument("--out", type=Path); ap.add_argument("--limit", type=int)
a = ap.parse_args()
data, news = Path("/work/shared/data"), ROOT / "benchmarks" / "newsset"
emb = load_embedder()
with tempfile.TemporaryDirectory(prefix="qa-sibattr-") as tmp:
    root = Path(tmp)
    held = ROOT / "benchmarks" / "scratch_sibattr" / "_heldout1"; import shutil; shutil.rmtree(held, ignore_errors=True); held.mkdir()
    import shutil; shutil.copytree(news / "docs", held / "docs")
    (held / "questions.jsonl").symlink_to(news / "heldout_questions.jsonl")
    (held / "unanswerable.jsonl").symlink_to(news / "heldout_unanswerable.jsonl")
    pending = [calibrate.squad_records("XQuAD", [data / "xquad-dev" / "xquad.en.json", data / "xquad-dev" / "xquad.zh.json"], emb, root, a.limit),
               calibrate.squad_records("CMRC", [data / "cmrc2018-trial" / "cmrc2018_trial.json"], emb, root, a.limit),
               calibrate.news_records(news, emb, root)]
    centres = calibrate.centres_of(pending, emb)  # as calibrate.py: from its own sets only
    (root / "h").mkdir()
    pending.append(calibrate.news_records(held, emb, root / "h"))
    records = []
    for name, p in zip(("XQuAD", "CMRC", "news", "heldout1"), pending):
        for s in p.searchers:
            s.centres = centres
            tags[id(s)] = name
        records += p.ask_all()
(a.out).write_bytes(pickle.dumps((records, extras)))
print(len(records), len(extras), file=sys.stderr)
