"""Scratch (twelfth round (c)): the XQuAD questions naming a country whose first hit the country rule
fires on, right or with the article hidden, with the hit's document and title/lead countries.

    python benchmarks/scratch_countries/fired.py CACHE   (the centres are read from calibrate.py's cache)

The cache is calibrate.py's (--cache FILE --dry-run) run with the rule as a column of its own, as this round
measured it: "country_conflict" appended to qa.confidence.FEATURES and VETOES, its column
(qa.document_conflicts.country_conflicts) appended to the rows, and taken out of place_conflicts.
"""
import pickle
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import calibrate  # noqa: E402
import __main__  # noqa: E402
__main__.Record = calibrate.Record
import numpy as np  # noqa: E402
from qa.confidence import FEATURES  # noqa: E402
from qa.country_conflict import question_countries, topic_countries  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402

COL = FEATURES.index(sys.argv[2] if len(sys.argv) > 2 else "country_conflict")
real_ask = calibrate.ask
seen = []


def ask(searcher, question, allowed, gold, answers=()):
    if not question_countries(question):
        return np.zeros((0, len(FEATURES))), np.zeros(0, bool), False
    rows, labels, held = real_ask(searcher, question, allowed, gold, answers)
    if len(rows) and rows[0, COL] >= 0.5:
        hits, _ = searcher._search(question, 1, "hybrid", allowed)
        doc = int(searcher.doc_of[hits[0].passage_id])
        topic = searcher.chooser.topic(doc) if doc is not None else None
        seen.append((allowed is None, bool(labels[:1].any()), question, question_countries(question),
                     hits[0].citation.path, hits[0].citation.title,
                     sorted(topic_countries(topic.terms)) if topic else None))
    return rows, labels, held


calibrate.ask = ask
_, _, centres = pickle.loads(Path(sys.argv[1]).read_bytes())
embedder = load_embedder()
data = Path("/work/shared/data")
with tempfile.TemporaryDirectory() as tmp:
    for p in (calibrate.squad_records("XQuAD", [data / "xquad-dev" / "xquad.en.json", data / "xquad-dev" / "xquad.zh.json"],
                                      embedder, Path(tmp), None),
              calibrate.squad_records("CMRC", [data / "cmrc2018-trial" / "cmrc2018_trial.json"], embedder, Path(tmp), None)):
        for s in p.searchers:
            s.centres = centres
        p.ask_all()
for whole, right, *rest in seen:
    print("RIGHT" if right else ("answerable-wrong" if whole else "hidden"), *rest)
