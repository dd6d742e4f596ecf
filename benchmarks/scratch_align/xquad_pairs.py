"""Scratch (twelfth round (a)), the upper bound only: XQuAD's parallel en/zh paragraphs and questions,
embedded with the default model, with each one's article index (a map fitted on one half's articles is
judged on the other half's). Writes OUT.npz."""
import argparse, json, sys
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from qa.embedding import load_embedder

ap = argparse.ArgumentParser(); ap.add_argument("--out", type=Path, required=True)
a = ap.parse_args()
data = Path("/work/shared/data/xquad-dev")
en, zh = (json.loads((data / f"xquad.{l}.json").read_text(encoding="utf-8"))["data"] for l in ("en", "zh"))
ctx, qs = {"en": [], "zh": []}, {"en": [], "zh": []}
ctx_art, q_art = [], []
for j, (ae, az) in enumerate(zip(en, zh)):
    for pe, pz in zip(ae["paragraphs"], az["paragraphs"]):
        ctx["en"].append(pe["context"]); ctx["zh"].append(pz["context"]); ctx_art.append(j)
        qz = {q["id"]: q["question"] for q in pz["qas"]}
        for q in pe["qas"]:
            if q["id"] in qz:
                qs["en"].append(q["question"]); qs["zh"].append(qz[q["id"]]); q_art.append(j)
emb = load_embedder(workers=1)
out = {f"{k}_{l}": np.asarray(emb.embed(v[l]), dtype=np.float32) for k, v in (("ctx", ctx), ("q", qs)) for l in ("en", "zh")}
np.savez(a.out, ctx_art=np.array(ctx_art), q_art=np.array(q_art), q_en_text=np.array(qs["en"]), q_zh_text=np.array(qs["zh"]), **out)
print(len(ctx_art), len(q_art))
