"""Scratch (twelfth round (a)): CC-CEDICT's headwords (simplified) and their first gloss, embedded with the
default model: the pairs an alignment map is fitted on. Writes OUT.npz (zh, en vectors; words; glosses)."""
import argparse, gzip, re, sys
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from qa.bridge import cedict_source
from qa.cedict_compile import _ENTRY_RE, _SKIP_GLOSS
from qa.embedding import load_embedder

ap = argparse.ArgumentParser(); ap.add_argument("--out", type=Path, required=True)
ap.add_argument("--n", type=int, default=40000); ap.add_argument("--max-words", type=int, default=5)
a = ap.parse_args()
seen, pairs = set(), []
for line in gzip.open(cedict_source(), "rt", encoding="utf-8"):
    m = _ENTRY_RE.match(line)
    if not m:
        continue
    simp, gloss = m.group(2), m.group(4)
    if simp in seen or len(simp) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", simp):
        continue
    for g in gloss.split("/"):
        g = re.sub(r"\([^)]*\)|\[[^\]]*\]|[^\x00-\x7f]+", " ", g)
        g = " ".join(g.split()).strip(" ,;")
        if not g or g.lower().startswith(_SKIP_GLOSS) or len(g.split()) > a.max_words:
            continue
        if g.startswith("to "):
            g = g[3:]
        seen.add(simp); pairs.append((simp, g))
        break
rng = np.random.default_rng(0)
pick = sorted(rng.choice(len(pairs), size=min(a.n, len(pairs)), replace=False))
pairs = [pairs[i] for i in pick]
emb = load_embedder(workers=1)
zh = np.asarray(emb.embed([p[0] for p in pairs]), dtype=np.float32)
en = np.asarray(emb.embed([p[1] for p in pairs]), dtype=np.float32)
np.savez(a.out, zh=zh, en=en, words=np.array([p[0] for p in pairs]), glosses=np.array([p[1] for p in pairs]))
print(len(pairs), pairs[:5])
