"""The dictionary bridge's gaps among the highlight's misses across languages: question words with no
translation, or none that the sentence holding the answer has.

    python benchmarks/highlight_misses.py --sets dev --dump DUMP.jsonl   # first hits' sentences
    python benchmarks/bridge_gaps.py DUMP.jsonl [--half even|odd] [--top N] [--examples N]

For each first hit (the gold document first) whose highlighted sentence misses the answer while a
sentence of the passage in the other language holds it, each of the question's words (whole words;
a Chinese word the dictionary lacks read through its sub-words or its parts, as the bridge does) is
looked up in the dictionary: "none" when it has no translation at all, "absent" when none of its
translations is among the answer sentence's search tokens. Words are counted over the misses, most
frequent first: a word "absent" in many misses is a candidate for a missing or noisy rendering.
Counting only; nothing is tuned here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.bridge import _dictionary_words, _phrases, load_bridge  # noqa: E402
from qa.segment import is_key, tokenize  # noqa: E402


def renderings(word: str, to_lang: str, bridge) -> set[str]:
    if to_lang == "en":  # a word the dictionary lacks through its parts, as the bridge reads it
        return set(bridge.english_terms(word) or bridge.composed_terms(word))
    return set(bridge.chinese_words(word))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--half", default=None)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--examples", type=int, default=0)
    args = ap.parse_args()
    bridge = load_bridge()
    none, absent, held = Counter(), Counter(), Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    misses = with_gap = 0
    for line in args.dump.open(encoding="utf-8"):
        row = json.loads(line)
        set_name, task, half, qid, right = row["where"]
        if right or (args.half and half not in (args.half, "all")):
            continue
        qlang = row["qlang"]
        holding = [s for s in row["sentences"] if s["holds"] and s["lang"] != qlang]
        if not holding:
            continue
        misses += 1
        to_lang = holding[0]["lang"]
        sentence = set(tokenize(holding[0]["text"]))
        tokens = [t for t in row["tokens"] if not is_key(t)]
        if to_lang == "en":
            words = [w for w in _dictionary_words(tokens, bridge) if not w.isascii()]
        else:
            pairs = _phrases(tokens, bridge)
            paired = {t for pair, _ in pairs for t in pair}
            words = [" ".join(p) for p, _ in pairs] + [t for t in dict.fromkeys(tokens)
                                                       if t not in paired and t.isalpha()]
        gap = False
        for w in words:
            if w in sentence:
                continue
            found = renderings(w, to_lang, bridge)
            if not found:
                none[(to_lang, w)] += 1
                gap = True
            elif not found & sentence:
                absent[(to_lang, w)] += 1
                if len(examples[w]) < args.examples:
                    examples[w].append(f"{qid}: {row['question']} || {holding[0]['text'][:120]}")
            else:
                held[(to_lang, w)] += 1
        with_gap += gap
    print(f"misses across languages with the answer in the passage: {misses}; "
          f"with a word of no translation: {with_gap}")
    for title, counter in (("no translation", none), ("translations not in the answer sentence", absent),
                           ("translation held", held)):
        print(f"\n## {title} ({sum(counter.values())} word-misses, {len(counter)} words)")
        for (lang, w), n in counter.most_common(args.top):
            extra = "" if title != "translations not in the answer sentence" else \
                " -> " + ",".join(sorted(renderings(w, lang, bridge))[:8])
            print(f"  {n:3d} ->{lang} {w}{extra}")
            for e in examples.get(w, []) if counter is absent else []:
                print(f"        {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
