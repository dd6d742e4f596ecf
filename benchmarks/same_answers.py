"""Whether a change left qa's answers exactly as they were: for a refactoring, "nothing changed" checked
answer by answer rather than by the summary figures.

    python benchmarks/same_answers.py --before REV [--limit N] [--data DIR] [--keep DIR] [--without-confidence]

Asks every question of `benchmarks/quality.py`'s data (XQuAD pair: five tasks; CMRC 2018 trial), of the
hard set and of the news set, in the modes dense, lexical and hybrid, through ``QA.ask`` with the depth
the benchmarks use, once with qa as it is and once as it was at git revision REV (its qa/ extracted by
docset.run_at; each builds its own indexes with its own code). Compares each answer's JSON
(``Answer.to_dict()``: passages, citations, highlights, scores to 6 places) with the temporary folder
names left out (``--without-confidence``: and its verdict and confidences), by its sha256; prints how many answers there were, how many differ and the first few;
exit status 1 if any differs. Writes nothing but its temporary files (``--keep DIR`` keeps the two
answer files there: a line per answer, question, mode and the hash of its JSON).
Data: DIR/xquad-dev/xquad.{en,zh}.json and DIR/cmrc2018-trial/cmrc2018_trial.json (DIR defaults to
../shared/data beside the repository).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("QA_SRC", str(ROOT)))  # run_at runs this script on an older qa/
sys.path.insert(0, str(ROOT / "benchmarks"))

MODES = ("dense", "lexical", "hybrid")
_TEMPORARY = re.compile(r"/qa-[a-z]+-[A-Za-z0-9_]+/")  # tempfile.TemporaryDirectory(prefix="qa-...-")


def ranked(answer: dict) -> dict:
    """The answer without its verdict and confidences: what a change to the confidence alone leaves."""
    return {**{k: v for k, v in answer.items() if k not in ("answered", "min_confidence")},
            "hits": [{k: v for k, v in hit.items() if k != "confidence"} for hit in answer["hits"]]}


def dump(out: Path, data: Path, limit: int | None, without_confidence: bool = False) -> dict:
    """Ask every question with the qa on the path, writing a line per answer to ``out``: the question,
    the mode and the sha256 of the answer's JSON."""
    import hardset
    import newsset

    import qa.api
    from qa.embedding import load_embedder
    from qa.evaluate import evaluate_modes

    lines = []
    asked = qa.api.QA.ask

    def ask_and_record(self, *args, **kwargs):
        answer = asked(self, *args, **kwargs)
        found = ranked(answer.to_dict()) if without_confidence else answer.to_dict()
        text = _TEMPORARY.sub("/TMP/", json.dumps(found, ensure_ascii=False))
        lines.append(json.dumps([answer.question, answer.mode, hashlib.sha256(text.encode()).hexdigest()],
                                ensure_ascii=False))
        return answer

    qa.api.QA.ask = ask_and_record
    embedder = load_embedder()
    for files in ([data / "xquad-dev" / "xquad.en.json", data / "xquad-dev" / "xquad.zh.json"],
                  [data / "cmrc2018-trial" / "cmrc2018_trial.json"]):
        evaluate_modes(files, MODES, embedder=embedder, limit=limit)
    for module in (hardset, newsset):
        module.SET.run(module.load_questions()[:limit], embedder)
    text = "".join(line + "\n" for line in lines)
    out.write_text(text, encoding="utf-8")
    return {"answers": len(lines), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def compare(before: Path, after: Path) -> list[int]:
    a = before.read_text(encoding="utf-8").splitlines()
    b = after.read_text(encoding="utf-8").splitlines()
    differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return differ + list(range(min(len(a), len(b)), max(len(a), len(b))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", metavar="REV", help="the git revision to compare with")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions of each file or set")
    ap.add_argument("--keep", type=Path, default=None, help="keep the two answer files in this folder")
    ap.add_argument("--without-confidence", action="store_true",
                    help="compare the answers without their verdict and confidences (a change to the confidence alone)")
    ap.add_argument("--dump", type=Path, default=None, help=argparse.SUPPRESS)  # one side, for run_at
    args = ap.parse_args()
    limit = ["--limit", str(args.limit)] if args.limit else []
    limit += ["--without-confidence"] if args.without_confidence else []
    if args.dump:
        print(json.dumps(dump(args.dump, args.data, args.limit, args.without_confidence)))
        return 0
    if not args.before:
        ap.error("give --before REV")
    import docset

    with tempfile.TemporaryDirectory(prefix="qa-same-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        before, after = folder / f"answers-{args.before}.jsonl", folder / "answers-now.jsonl"
        old = docset.run_at(args.before, __file__, ["--dump", str(before), "--data", str(args.data), *limit])
        now = dump(after, args.data, args.limit, args.without_confidence)
        differ = compare(before, after)
        print(f"{now['answers']} answers now, {old['answers']} at {args.before}; {len(differ)} differ"
              + ("" if differ else "; sha256 of all " + now["sha256"]))
        answers = after.read_text(encoding="utf-8").splitlines()
        for i in differ[:10]:
            question, mode, _ = json.loads(answers[i]) if i < len(answers) else ("(missing)", "", "")
            print(f"  answer {i + 1}: {mode} {question}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
