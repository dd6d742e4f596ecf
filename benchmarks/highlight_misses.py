"""Which sentence the highlight picks, and why: sentence@1 per task and half, and a table of the misses.

    python benchmarks/highlight_misses.py [--data DIR] [--index-cache DIR] [--sets dev,news,hard]
                                          [--half even|odd] [--table N] [--out FILE]

Hybrid mode only, on the dev data (XQuAD pair: five tasks; CMRC 2018 trial), the news set and the hard
set. The highlight never changes which document comes first (documents keep the rank of their best
passage), so recall@1 is printed only as a check. Dev questions are split by their article's number
(``even`` / ``odd``): tune on one half, report the other as held out. For each question whose first
hit is the gold document but whose highlighted sentence misses the answer, the table shows the chosen
sentence and the sentence that holds the answer (in the same passage, when it is there), with each one's
score parts (qa.highlight.SentenceChooser.parts): similarity, overlap, answer type, lead, and the
sentences' kinds of quantity ("n" number, "d" date, "p" percentage) against what the question asks for.

Indexes are kept in ``--index-cache`` (built once, rebuilt when missing) so repeated runs only ask:
empty it after a change to what the build computes (sentences' kinds, keys, the dictionary is not
in it), or the run measures the old index.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from qa.evaluate import DEPTH, contains_answer, distinct_ranking, plan, rank_of  # noqa: E402
from qa.answer_types import sought_kind  # noqa: E402
from qa.squad import load_squad  # noqa: E402


def open_or_build(folder: Path, index_dir: Path, embedder):
    from qa import QA
    from qa.errors import QAError

    try:
        return QA.open(index_dir, embedder=embedder)
    except QAError:
        return QA.build([folder], index_dir, embedder=embedder, full=True)


def dev_cases(data: Path, cache: Path, embedder):
    """(set, task, half, question id, question, gold keys, answers by corpus language, qa, key of a
    citation path) for the dev tasks."""
    from qa.documents import display_path

    pairs = [[data / "xquad-dev" / "xquad.zh.json", data / "xquad-dev" / "xquad.en.json"],
             [data / "cmrc2018-trial" / "cmrc2018_trial.json"]]
    for n, paths in enumerate(pairs):
        files = [load_squad(p) for p in paths]
        corpora, tasks = plan(files)
        built = {}
        for name, fs in corpora.items():
            folder = cache / f"dev{n}-{name}-docs"
            names = {}
            for f in fs:
                sub = folder / f.lang
                sub.mkdir(parents=True, exist_ok=True)
                for i, context in enumerate(f.paragraphs):
                    path = sub / f"p{i:05d}.txt"
                    if not path.exists():
                        path.write_text(context, encoding="utf-8")
                    names[display_path(path, [folder])] = (f.lang, i)
            built[name] = (open_or_build(folder, cache / f"dev{n}-{name}-index", embedder), names)
        article = {i: a for i, (a, _) in enumerate(files[0].positions)}
        data_name = "xquad" if len(paths) == 2 else "cmrc"
        for task in tasks:
            qa, names = built[task.corpus]
            for k, query in enumerate(task.queries):
                paragraph = next(iter(query.gold))[1]
                yield ("dev", f"{data_name} {task.name}", "even" if article[paragraph] % 2 == 0 else "odd",
                       f"{task.name}#{k}", query.text, set(query.gold), query.answers, qa,
                       lambda path, names=names: names.get(path))


def docset_cases(which: str, cache: Path, embedder):
    if which == "news":
        import newsset as module
    else:
        import hardset as module
    questions = module.load_questions()
    qa = open_or_build(module.DOCS, cache / f"{which}-index", embedder)
    key = module.SET.citation_key
    for q in questions:
        task = q.direction or q.lang
        yield (which, f"{which} {task}", "all", q.id, q.text, {q.gold}, None, qa, key, q.answer)


def ask(case):
    """(rank of the gold document, highlight right, a row describing the first hit's sentences)."""
    set_name, task, half, qid, text, gold, answers, qa, key, *rest = case
    answer = qa.ask(text, k=DEPTH * 4, mode="hybrid")
    ranking = [k for k in distinct_ranking(key(h.citation.path) for h in answer.hits) if k is not None]
    rank = rank_of(ranking[:DEPTH], gold)
    if not ranking:
        return rank, False, None
    top = ranking[0]
    gold_answers = rest[0:1] if rest else answers.get(top[0], ())
    hit = answer.hits[0]
    right = (rest == [] or rank == 1) and contains_answer(hit.highlight.text if hit.highlight else None,
                                                         gold_answers)
    row = None
    dumping = DUMP is not None and (rank == 1 or not rest)
    if (rank == 1 and not right) or dumping:
        seen = FirstHit.of(qa, hit, text)
        if rank == 1 and not right:
            row = describe(seen, gold_answers)
        if dumping:
            DUMP.append(dump(seen, gold_answers, set_name, task, half, qid, right))
    return rank, right, row


DUMP: list | None = None


@dataclass
class FirstHit:
    """What the highlight saw of a question's first hit: the question scored, the answer finder, the
    hit's passage, its sentences' score parts (qa.highlight.SentenceChooser.parts) and the one chosen."""

    searcher: Any
    question: str
    scored: Any
    finder: Any
    pid: int
    parts: dict
    passage: Any
    analysed: list
    chosen: int

    @classmethod
    def of(cls, qa, hit, question: str) -> FirstHit:
        from qa.answer_finder import AnswerFinder
        from qa.name_words import QuestionNames

        searcher = qa.searcher
        scored = searcher.score(question)
        own, other = searcher.candidates.readings(scored.tokens, scored.translated)
        finder = AnswerFinder(searcher.chooser, scored.query_vector, own, scored.lang, sought_kind(question), other,
                              QuestionNames(question))
        pid = hit.passage_id
        parts = searcher.chooser.parts(pid, scored.query_vector, finder.reading, finder.wants, finder.lang)
        passage = searcher.store.passage(pid)
        return cls(searcher, question, scored, finder, pid, parts, passage, searcher.chooser.sentences(pid),
                   finder(pid)[0])

    def lead(self) -> int:
        """The lead sentence of the passage's document, when this passage holds it, else -1."""
        topic = self.searcher.chooser.topic(self.passage.doc)
        return topic.lead_sentence if topic.lead_passage == self.pid else -1


def dump(seen: FirstHit, answers, *where) -> dict:
    """Every sentence of the first hit's passage with its score parts and whether it holds the answer."""
    searcher, scored, passage, pid = seen.searcher, seen.scored, seen.passage, seen.pid
    topic = searcher.chooser.topic(passage.doc)
    q = scored.query_vector
    vectors = searcher.store.sentence_vectors([pid])
    keys = searcher.chooser.keys(pid)
    t = None
    if topic.lead_passage >= 0:
        t = searcher.store.sentence_vectors([topic.lead_passage])[topic.lead_sentence]
    from qa.highlight import needles

    held = []
    for j, (words, lang, *_rest) in enumerate(seen.analysed):
        reading = seen.finder.reading(lang)
        held.append({t: [w, getattr(reading, "caps", {}).get(t)] for t, w in reading.items()
                     if any(x in keys[j] for x in needles(t))})
    return {"where": where, "tokens": scored.tokens, "held": held,
            "terms": {lang: seen.finder.reading(lang) for lang in {s[1] for s in seen.analysed}},
            "sources": {lang: getattr(seen.finder.reading(lang), "sources", {}) for lang in {s[1] for s in seen.analysed}}, "q_topic": float(q @ t) if t is not None else None,
            "topic_sims": [float(v @ t) for v in vectors] if t is not None else None,
            "keys": [k.split(" ")[-20:] for k in keys], "topic_terms": sorted(topic.terms), "question": seen.question,
            "qlang": scored.lang, "wants": seen.finder.wants, "chosen": seen.chosen, "lead": seen.lead(),
            "first_passage": topic.lead_passage == pid, "pid": pid,
            "sentences": [{"text": passage.sentence_text(j), "lang": seen.analysed[j][1],
                           "quantity": seen.analysed[j][3], "holds": contains_answer(passage.sentence_text(j), answers),
                           **{k: float(v[j]) for k, v in seen.parts.items()}} for j in range(len(passage.sentences))]}


def describe(seen: FirstHit, answers) -> dict:
    """The first hit's sentences: the chosen one and those holding the answer, with their score parts."""
    passage, parts = seen.passage, seen.parts
    holding = [j for j in range(len(passage.sentences)) if contains_answer(passage.sentence_text(j), answers)]

    def info(j: int) -> dict:
        return {"j": j, "text": passage.sentence_text(j)[:160], "quantity": seen.analysed[j][3],
                **{k: round(float(v[j]), 3) for k, v in parts.items() if k != "blocked"},
                "blocked": bool(parts["blocked"][j] < 0)}

    return {"question": seen.question, "wants": seen.finder.wants, "sentences": len(passage.sentences),
            "lead": seen.lead(), "chosen": info(seen.chosen), "answer": [info(j) for j in holding][:2]}


def kind_of(row: dict) -> str:
    """A miss's kind, from its parts."""
    if not row["answer"]:
        return "answer not in the passage's sentences"
    a, c = row["answer"][0], row["chosen"]
    if a["blocked"]:
        return "answer sentence blocked (heading/question/title)"
    if c["j"] == row["lead"] and c["lead"] > 0:
        return "lead bonus"
    if c["j"] == 0 or c["j"] == row["lead"]:
        kind = "lead/first sentence chosen"
    else:
        kind = "other sentence chosen"
    if row["wants"] and row["wants"] in a["quantity"] and row["wants"] not in c["quantity"]:
        return kind + "; answer type would tell"
    if c["similarity"] > a["similarity"] and c["overlap"] >= a["overlap"]:
        return kind + "; chosen wins both"
    if c["similarity"] > a["similarity"]:
        return kind + "; similarity"
    return kind + "; overlap"


def _value(text: str):
    """A --set value: an int, a float, or else the text itself (a mode's name)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    ap.add_argument("--index-cache", type=Path, default=Path("/tmp/qa-highlight-cache"))
    ap.add_argument("--sets", default="dev,news,hard")
    ap.add_argument("--half", default=None, help="print the table for this dev half only (even/odd)")
    ap.add_argument("--table", type=int, default=0, help="print up to N misses per task")
    ap.add_argument("--out", type=Path, default=None, help="write every miss as JSON lines")
    ap.add_argument("--dump", type=Path, default=None,
                    help="write every first hit's sentences, with their score parts, as JSON lines")
    ap.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                    help="try another value of a constant of qa, e.g. highlight.W_TOPIC=0 (repeatable)")
    args = ap.parse_args()
    import importlib

    for assignment in args.set:
        name, value = assignment.split("=", 1)
        module, attr = name.rsplit(".", 1)
        setattr(importlib.import_module(f"qa.{module}"), attr, _value(value))
    global DUMP
    if args.dump:
        DUMP = []
    from qa.embedding import load_embedder

    embedder = load_embedder()
    args.index_cache.mkdir(parents=True, exist_ok=True)
    sets = args.sets.split(",")
    cases = []
    if "dev" in sets:
        cases.append(dev_cases(args.data, args.index_cache, embedder))
    for which in ("news", "hard"):
        if which in sets:
            cases.append(docset_cases(which, args.index_cache, embedder))
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    misses: dict[str, list[dict]] = defaultdict(list)
    for stream in cases:
        for case in stream:
            rank, right, row = ask(case)
            task, half = case[1], case[2]
            for h in (half, "all") if half != "all" else ("all",):
                t = totals[(task, h)]
                t[0] += 1
                t[1] += rank == 1
                t[2] += right
            if row is not None:
                row.update({"task": task, "half": half, "id": case[3], "kind": kind_of(row)})
                misses[task].append(row)
    print("| task | half | n | recall@1 | sentence@1 |\n|---|---|---:|---:|---:|")
    for (task, half), (n, r1, s1) in sorted(totals.items()):
        print(f"| {task} | {half} | {n} | {r1 / n:.3f} | {s1 / n:.3f} |")
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for task, rows in misses.items():
        for row in rows:
            if args.half is None or row["half"] in (args.half, "all"):
                kinds[task][row["kind"]] += 1
    print("\nMisses of the highlight (gold document first) by kind:")
    for task, counts in sorted(kinds.items()):
        print(f"  {task}: " + "; ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])))
    if args.table:
        for task, rows in sorted(misses.items()):
            print(f"\n## {task}")
            for row in [r for r in rows if args.half is None or r["half"] in (args.half, "all")][:args.table]:
                c = row["chosen"]
                print(f"- {row['id']} [{row['kind']}] wants={row['wants'] or '-'} lead={row['lead']} "
                      f"n={row['sentences']}: {row['question']}")
                print(f"    chosen  j={c['j']} sim={c['similarity']} ov={c['overlap']} at={c['answer_type']} "
                      f"lead={c['lead']} q={c['quantity'] or '-'}: {c['text']}")
                for a in row["answer"]:
                    print(f"    answer  j={a['j']} sim={a['similarity']} ov={a['overlap']} at={a['answer_type']} "
                          f"lead={a['lead']} q={a['quantity'] or '-'}{' BLOCKED' if a['blocked'] else ''}: "
                          f"{a['text']}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as f:
            for row in DUMP:
                f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    if args.out:
        with args.out.open("w", encoding="utf-8") as f:
            for rows in misses.values():
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
