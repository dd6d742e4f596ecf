"""The hard set (benchmarks/hardset) and the news set (benchmarks/newsset) in benchmarks/peers.py: qa's
default hybrid against the same peers.

``bench`` is the benchmark module of a set (``hardset`` or ``newsset``: its ``SET``, a docset.DocSet,
its ``load_questions``, ``GROUPS`` and ``groups``). qa is asked exactly as that benchmark asks it
(``SET.build``/``SET.ask``: the folder indexed by the normal builder, every question through
``QA.ask``, ranks over distinct documents). Each peer gets every document qa reads
(``qa.documents.discover`` + ``load_file``: one per file, one per record of an export file, keyed like
the gold documents, ``file#n``) as one document of text ``title + "\\n" + body``. Every row is scored
by the same code (``qa.evaluate``'s rank_of / recall_at / mrr_at).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import hardset
import peer_rankers
from qa.evaluate import DEPTH, distinct_ranking, mrr_at, rank_of, recall_at

Ranks = list[int | None]
METRICS = ("recall@1", "recall@5", "mrr@10")


def peer_documents(bench=hardset) -> list[tuple[str, str]]:
    """(key, text) for each document qa reads under the set's docs/, in discovery order."""
    from qa.documents import discover, load_file

    files, skipped = discover([bench.SET.docs])
    if skipped:
        raise RuntimeError(f"files qa skips in {bench.SET.docs}: {skipped}")
    docs = []
    for f in files:
        for d in load_file(f):
            body = d.text[d.start:d.end]
            # A Markdown file's title is its first heading, already at the top of its body: not doubled.
            text = body if not d.title or d.title in body else f"{d.title}\n{body}"
            docs.append((bench.SET.citation_key(d.path), text))
    return docs


def run(embedder, qa_row: str, progress, bench=hardset) -> dict:
    """Per method, each question's rank and whether the method returned no document at all; the
    questions; the numbers of documents, files and passages."""
    questions = bench.load_questions()
    docs = peer_documents(bench)
    name = bench.__name__
    ranks: dict[str, Ranks] = {}
    none: dict[str, list[bool]] = {}
    progress(f"{name}: qa hybrid", 0, 1)
    with tempfile.TemporaryDirectory(prefix=f"qa-peers-{name}-") as tmp:
        qa, info, depth_k = bench.SET.build(Path(tmp) / "index", embedder)
        indexed = sorted(bench.SET.citation_key(d["path"]) for d in qa.index.documents)
        if indexed != sorted(key for key, _ in docs):  # the peers must see the documents qa sees
            raise RuntimeError(f"qa indexed {indexed}, the peers get {sorted(k for k, _ in docs)}")
        asked = [bench.SET.ask(qa, q.text, "hybrid", depth_k)[0] for q in questions]
    ranks[qa_row] = [rank_of(r[:DEPTH], [q.gold]) for r, q in zip(asked, questions, strict=True)]
    none[qa_row] = [not r for r in asked]
    progress(f"{name}: qa hybrid", 1, 1)
    for peer, build, _ in peer_rankers.PEERS:
        progress(f"{name}: {peer}", 0, 1)
        found = build(docs)([q.text for q in questions], DEPTH)
        ranks[peer] = [rank_of(distinct_ranking(keys)[:DEPTH], [q.gold])
                       for keys, q in zip(found, questions, strict=True)]
        none[peer] = [not keys for keys in found]
        progress(f"{name}: {peer}", 1, 1)
    return {"ranks": ranks, "none": none, "questions": questions, "documents": len(docs),
            "passages": info["passages"], "files": len({k.partition("#")[0] for k, _ in docs})}


def scores(ranks: Ranks) -> dict[str, float]:
    return {"recall@1": recall_at(ranks, 1), "recall@5": recall_at(ranks, 5), "mrr@10": mrr_at(ranks, 10)}


SETS = {"hardset": ("Hard set", "Hard cases"), "newsset": ("News set", "News set")}  # heading, RESULTS section


def section(result: dict, qa_row: str, bench=hardset) -> list[str]:
    """The part of the Peers section for one set (markdown lines)."""
    questions = result["questions"]
    kinds = Counter(q.kind for q in questions)
    name = bench.__name__
    heading, results = SETS[name]
    out = [f"### {heading}", "",
           f"Data: `benchmarks/{name}/` (original, see its README; the set of the \"{results}\" section): "
           f"{result['documents']} documents in {result['files']} files, {len(questions)} questions ("
           + ", ".join(f"{k} {kinds[k]}" for k in bench.KINDS) + "), the gold document of each as "
           "`questions.jsonl` names it.", "",
           f"- **{qa_row}**: the folder indexed by the normal builder ({result['passages']} passages) and "
           "every question through `QA.ask` in hybrid mode, default settings, exactly as "
           f"`benchmarks/{name}.py` does it (`docset.DocSet`'s `build` and `ask`); ranks over distinct documents.",
           "- **Peers** (settings as above): one peer document per document qa reads, found by "
           f"`qa.documents.discover` + `load_file` on `benchmarks/{name}/docs` (an export file of several "
           "records gives one document per record, keyed `file#n` like the gold), with text "
           "`title + \"\\n\" + body`, body = `text[start:end]` (an export record's body without its header "
           "lines, so its Chinese headline reaches the peer as the title). Exceptions: a plain-text file has "
           "no title (body only), and a Markdown file's title is its first heading, already in its body, so "
           "not repeated; Markdown markup is left in the text. qa itself reads passages of the same "
           "documents.",
           "- \"none\": share of questions for which the method returned no document at all.", "",
           "| questions | n | method | " + " | ".join(METRICS) + " | none |",
           "|---|---:|---|" + "---:|" * (len(METRICS) + 1)]
    for group in bench.GROUPS:
        picked = [i for i, q in enumerate(questions) if group in bench.groups(q)]
        if not picked:
            continue
        by_method = {m: scores([r[i] for i in picked]) for m, r in result["ranks"].items()}
        best = {k: max(v[k] for v in by_method.values()) for k in METRICS}
        for method, row in by_method.items():
            cells = [f"**{row[k]:.3f}**" if row[k] == best[k] else f"{row[k]:.3f}" for k in METRICS]
            none = sum(result["none"][method][i] for i in picked) / len(picked)
            name = f"**{group}**" if group == "all" else group
            out.append(f"| {name} | {len(picked)} | {method} | " + " | ".join(cells) + f" | {none:.3f} |")
    return out
