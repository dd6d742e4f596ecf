import pickle, sys, collections
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks")); sys.path.insert(0, str(ROOT))
import calibrate
from qa.asked_focus import focus_words, focus_forms, holds
from qa.segment import tokenize

def facts(path):
    records, news, centres, extras = pickle.loads(Path(path).read_bytes())
    out = []
    for r, e in zip(records, extras):
        f = focus_words(e["q"])
        row = {"task": r.task, "data": r.data, "kind": "right" if r.right_first else ("hidden" if not r.answerable and r.task != "news-unanswerable" else ("unans" if r.task == "news-unanswerable" else "wrong")), "q": e["q"], "focus": f}
        if f and "passage" in e:
            toks = {w: set(tokenize(e[w])) for w in ("sentence", "passage", "doc")}
            for level in (0, 1, 2):
                forms = [focus_forms(w, level=level) for w in f]
                for where in ("sentence", "passage", "doc"):
                    h = [holds(e[where], fs, toks[where]) for fs in forms]
                    row[(level, where, "head")] = h[-1]
                    row[(level, where, "any")] = any(h)
                    row[(level, where, "all")] = all(h)
        out.append(row)
    return records, extras, out

if __name__ == "__main__":
    records, extras, rows = facts(sys.argv[1])
    pickle.dump(rows, open(sys.argv[1] + ".facts", "wb"))
    tasks = collections.defaultdict(list)
    for r in rows:
        tasks[r["task"].replace("news-unanswerable", "news")].append(r)
    for level in (0, 1, 2):
        for where in ("sentence", "passage", "doc"):
            for how in ("head", "any", "all"):
                line = []
                for t, rs in sorted(tasks.items()):
                    def lack(kind):
                        sel = [r for r in rs if r["kind"] == kind]
                        n = sum(1 for r in sel if r["focus"] and (level, where, how) in r and not r[(level, where, how)])
                        return n, len(sel)
                    a, b = lack("right"); c, d = lack("hidden" if t != "news" else "unans")
                    line.append(f"{t[:10]} {a}/{b} vs {c}/{d}")
                print(level, where, how, " | ".join(line))
    for t, rs in sorted(tasks.items()):
        n = sum(1 for r in rs if r["focus"]); print(t, "with focus", n, "/", len(rs))
