"""Scratch (twelfth round (d)): on collect.py's first hits, does the question have a focus (qa.asked_focus),
does another candidate document naming another value of the asked period kind (a sibling) hold it in some
form while the hit's document holds it in none? Counted by set and kind of first hit."""
import json, pickle, sys, collections
from functools import lru_cache
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
from qa.asked_focus import focus_words, focus_forms, holds
from qa.segment import tokenize, searchable_text
from qa.periods import _periods

NEWS = ROOT / "benchmarks" / "newsset"
unans = set()
for f in ("unanswerable.jsonl", "heldout_unanswerable.jsonl"):
    unans |= {json.loads(l)["question"] for l in (NEWS / f).read_text(encoding="utf-8").splitlines() if l.strip()}
why = {}
for f in ("heldout_unanswerable.jsonl", "unanswerable.jsonl"):
    for l in (NEWS / f).read_text(encoding="utf-8").splitlines():
        if l.strip():
            j = json.loads(l); why[j["question"]] = j.get("kind", "")

@lru_cache(maxsize=None)
def toks(text):
    return frozenset(tokenize(text))

def kind(e):
    if e["set"] in ("news", "heldout1"):
        if e["q"] in unans:
            return "unans:" + why.get(e["q"], "")
        return "right" if e["right"] else "wrong"
    if e["hidden"]:
        return "hidden"
    return "right" if e["right"] else "wrong"

def title_words(text):
    """The document's headline (its first line: the index's titles are empty for .txt) as search tokens,
    without period keys, numbers and single Han characters."""
    head = text.strip().split("\n", 1)[0][:120]
    return {w for w in tokenize(head) if not w.startswith("=") and not w[0].isdigit() and len(w) > 1}

def lang(text):
    han = sum(1 for ch in text[:400] if "\u4e00" <= ch <= "\u9fff")
    return "zh" if han > 40 else "en"

def fires(e, top, same_title, same_lang=True, level=2, numbers=False):
    from qa.answer_types import asks_quantity
    f = focus_words(e["q"])
    if numbers and asks_quantity(e["q"]) != "number":
        f = ()
    if not f or "docs" not in e:
        return None
    forms = [{x for x in focus_forms(w, level=level) if len(x) > 1} for w in f]  # no single characters
    def has(text):
        t = toks(text)
        return any(holds(searchable_text(text), fs, set(t)) for fs in forms)  # 淨利 as 净利
    if has(e["hit_text"]):
        return False
    hit_periods = _periods(toks(e["hit_text"]))
    for d, title, text in e["docs"][:top]:
        if d == e["hit_doc"]:
            continue
        p = _periods(toks(text))
        sib = any(p.get(k, set()) - vals for k, vals in e["asked"].items())
        if not sib:
            continue
        if same_lang and lang(text) != lang(e["hit_text"]):
            continue
        if same_title:
            a, b = title_words(text), title_words(e["hit_text"])
            if not a or not b or len(a & b) / len(a | b) < same_title:
                continue
        if has(text):
            return (d, title)
    return False

if __name__ == "__main__":
    records, extras = pickle.loads(Path(sys.argv[1]).read_bytes())
    show = "-v" in sys.argv
    for top, same, numbers in ((30, 0, False), (30, 0.1, False), (30, 0.2, False), (30, 0, True), (30, 0.1, True), (30, 0.2, True)):
        c = collections.Counter(); fired = collections.Counter(); examples = []
        for e in extras:
            k = (e["set"], kind(e))
            c[k] += 1
            r = fires(e, top, same, numbers=numbers)
            if r is None:
                continue
            c[k + ("focus",)] += 1
            if r:
                fired[k] += 1
                examples.append((k, e["q"], e["hit_title"], r[1]))
        print(f"top {top} docs, headline overlap >= {same}, numbers only {numbers}:")
        for k in sorted(set(c) | set(fired)):
            if len(k) == 2:
                print(f"   {k[0]:9} {k[1]:22} questions {c[k]:4}  with focus {c[k + ('focus',)]:4}  fired {fired[k]}")
        if show:
            for x in examples:
                print("     ", x)
