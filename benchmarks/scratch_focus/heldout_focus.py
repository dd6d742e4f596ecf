"""Scratch: the first held-out news questions' first hits, and whether they hold the focus."""
import json, sys, tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from qa.api import QA
from qa.asked_focus import focus_words, focus_forms, holds
from qa.segment import tokenize
from qa.answer_types import asks_quantity
news = ROOT / "benchmarks" / "newsset"
with tempfile.TemporaryDirectory() as tmp:
    qa = QA.build([news / "docs"], Path(tmp) / "ix", full=True)
    s = qa.searcher
    for name in ("heldout_unanswerable.jsonl", "heldout_questions.jsonl"):
        for line in (news / name).read_text().splitlines():
            q = json.loads(line)
            ans = qa.ask(q["question"], k=1)
            if not ans.hits:
                continue
            h = ans.hits[0]
            p = s.store.passage(h.passage_id)
            d = s.index.documents[p.doc]
            doc = "\n".join(x.text for x in s.store.passages(list(range(int(d["first"]), int(d["first"]) + int(d["passages"])))))
            f = focus_words(q["question"])
            forms = [focus_forms(w) for w in f]
            inp = any(holds(h.text, fs) for fs in forms) if f else None
            ind = any(holds(doc, fs) for fs in forms) if f else None
            gold = q.get("doc")
            right = gold is not None and (gold in h.citation.path)
            print(q["id"], q.get("kind"), "RIGHT" if right else ("wrongdoc" if gold else "unans"), f"{h.confidence:.2f}",
                  asks_quantity(q["question"]) or "-", q["question"], f, "passage" if inp else ("doc" if ind else ("LACKS" if f else "")), flush=True)
