"""Upper bound: the XQuAD parallel question (a human translation) as the 'translated question'."""
import json, sys, numpy as np
from collections import defaultdict
from pathlib import Path
sys.path.insert(0, "/work/wt/qtrans")
from qa.squad import load_squad
from qa.evaluate import pair
from qa import QA
from qa.embedding import load_embedder
from qa.translated_question import render
data = Path("/work/shared/data/xquad-dev")
zh, en = pair(load_squad(data / "xquad.zh.json"), load_squad(data / "xquad.en.json"))
ids = {"zh": zh.by_id(), "en": en.by_id()}
both = set(ids["zh"]) & set(ids["en"])
by_lang = {"zh": [q for q in zh.questions if q.qid in both], "en": [q for q in en.questions if q.qid in both]}
emb = load_embedder()
rows = [json.loads(l) for l in open(sys.argv[1])]
stores = {}
def store(task):
    c = {"xquad zh->en": "en", "xquad en->zh": "zh", "xquad mixed": "mixed"}[task]
    if c not in stores:
        stores[c] = QA.open(Path(f"/tmp/qtrans/cache/dev0-{c}-index"), embedder=emb).searcher.store
    return stores[c]
acc = defaultdict(lambda: defaultdict(int))
sel = [r for r in rows if r["where"][1] in ("xquad zh->en", "xquad en->zh") and r["sentences"]]
par = []
for r in sel:
    task = r["where"][1]; k = int(r["where"][3].split("#")[1]); ql = task.split()[1][:2]; other = "en" if ql == "zh" else "zh"
    q = by_lang[ql][k]; assert q.text == r["question"], (q.text, r["question"])
    par.append(ids[other][q.qid].text)
P = emb.embed(par); Q = emb.embed([r["question"] for r in sel])
R = emb.embed([render(r["question"], r["qlang"]) or r["question"] for r in sel])
for r, p, qv, rv in zip(sel, P, Q, R):
    task = r["where"][1] + " " + r["where"][2]
    s = r["sentences"]
    V = np.asarray(store(r["where"][1]).sentence_vectors([r["pid"]]))
    sim = V @ qv; ideal = V @ p; rend = V @ rv
    rest = np.array([x["overlap"] + x["answer_type"] + x["lead"] + x["blocked"] for x in s])
    blk = np.array([x["blocked"] for x in s])
    holds = [x["holds"] for x in s]
    variants = {"base": sim + rest, "q sim only": sim + blk, "ideal sim only": ideal + blk, "rendering sim only": rend + blk,
                "ideal blend .5": .5 * sim + .5 * ideal + rest, "ideal only + rest": ideal + rest,
                "rendering blend .5": .5 * sim + .5 * rend + rest}
    for name, v in variants.items():
        acc[task][name] += holds[int(np.argmax(v))]
    acc[task]["n"] += 1
for task, a in sorted(acc.items()):
    print(task, a["n"], ", ".join(f"{k} {v / a['n']:.3f}" for k, v in a.items() if k != "n"))
