"""Answer types (classic answer-type matching): what kind of answer a question asks for, and which
kinds a sentence holds, so that the highlight prefers a sentence that can be the answer.

A question asks for a date ("when", 哪一年), a percentage ("what share", 占比), an amount of money
("how much did it cost", 花了多少钱), a count ("how many", 多少台), any other number ("how long", 多远),
or a name ("who", 谁). A sentence's kinds are letters worked out once, when the index is built:
"n" a number, "d" a date, "p" a percentage, "m" an amount of money, "c" a count (a number that is
not a date, a year, a percentage or an amount of money), "w" a name (for English text: a capitalised
word inside the sentence; Chinese text is not read for names).
"""

from __future__ import annotations

import re

# "When" asks for a date as the question's word: first, after "and", "by", "since" ..., or before the
# verb it asks about ("when did"); elsewhere it joins a clause that sets the scene ("How old was Manning
# when he played ...?", "... for Q3 when it reported Q2?"), and the question asks for something else.
_ASKS_DATE = re.compile(
    r"哪一?年|何年|何时|什么时候|哪一?天|哪个月|年份|日期|几月|几号|哪一?季度"
    r"|^\W*when\b|\b(?:and|or|by|since|until|till|from)\s+when\b"
    r"|\bwhen\s+(?:did|does|do|was|were|is|are|will|would|can|could|has|have|had|should|might|must|shall)\b"
    r"|\bwhat (?:year|date|month|day|quarter|century)\b|\bwhich (?:year|date|month|quarter|century)\b",
    re.IGNORECASE)
_ASKS_PERCENT = re.compile(r"百分之多少|百分比|比例|占比|多少%|\bwhat (?:percentage|percent|share|proportion)\b"
                           r"|\bhow many percent\b", re.IGNORECASE)
_ASKS_QUANTITY = re.compile(
    r"多少|几|多大|多高|多长|多远|多重|多久|多深|多宽|面积|人口"
    r"|\bhow (?:many|much|long|old|big|far|large|tall|high|often)\b", re.IGNORECASE)
# Of the questions that ask for a number: for money (what something cost, was paid or invested) ...
_ASKS_MONEY = re.compile(
    r"多少钱|花了多少|投资多少|多少投资|成本|造价|价格|售价|多少资金|多少补贴|多少贷款"
    r"|\bhow much money\b|\bcosts?\b|\bprice\b|\bworth\b|\bspen[dt]\b|\bpaid\b|\bpay\b|\bfund", re.IGNORECASE)
# ... or for a count of things (a Chinese measure word after 多少 / 几, or "how many").
_CLASSIFIERS = "个颗台座辆名人家所件片次条架艘位只项种支部本户栋"
_ASKS_COUNT = re.compile(f"(?:多少|几)[{_CLASSIFIERS}]|\\bhow many\\b", re.IGNORECASE)
_ASKS_NAME = re.compile(r"谁|哪位|什么人|\bwho(?:m|se)?\b", re.IGNORECASE)
# A question asking which one of a kind of named thing (which team, 哪家公司) or for a name (叫什么名字)
# is answered by a name too.
_ASKS_NAMED = re.compile(
    r"叫什么|什么名字|名叫什么|姓什么|哪(?:一|个|家|支|位|所|座|国)"
    r"|\b(?:what|which) (?:team|company|country|city|player|person|name|group|university|organization|state"
    r"|nation|town|river|family|king|emperor)\b|\bwhat is the name\b|\bname of\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"(?<=[\s(\"“])[A-Z][a-z]*")

_QUANTITY = re.compile(r"\d|[一二三四五六七八九十两百千万亿]+(?:年|月|日|个|位|名|人|米|公里|千米|平方|岁|世纪|倍|%|％)")
_DATE = re.compile(
    r"(?:1\d|20)\d\d|[\d〇零一二三四五六七八九十]+\s*(?:年|月|日|号|世纪|季度)|上半年|下半年|\bQ[1-4]\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"|\bcentury\b|\bquarter\b|\b\d{1,2}(?:st|nd|rd|th)\b")
_PERCENT = re.compile(r"%|％|百分之|\bper ?cent\b", re.IGNORECASE)
# Currencies by their ISO 4217 codes (SGD 1.3 billion, HKD, MOP ...), the region's and the world's main ones, in
# capitals only (php, cad and rub are words too).
_CODES = r"(?-i:\b(?:EUR|GBP|JPY|HKD|MOP|TWD|NTD|SGD|KRW|INR|IDR|VND|THB|MYR|PHP|AUD|NZD|CAD|CHF|AED|SAR|RUB|BRL|MXN)\b)"
_MONEY = re.compile(rf"RMB|CNY|USD|{_CODES}|yuan|元|镑|[$€£¥]|\bdollars?\b|\beuros?\b|\bpounds?\b|\bpatacas?\b",
                    re.IGNORECASE)
# What a count is not: dates and years, percentages, amounts of money (a currency next to the number).
_NOT_COUNTS = re.compile(
    r"(?:1\d|20)\d\d年?|\d{1,2}月\d{1,2}[日号]?|[\d.]+\s*(?:%|％)|百分之\S*"
    rf"|(?:RMB|CNY|USD|{_CODES}|US\$|NT\$|HK\$|[$€£¥])\s*[\d.,]+\s*(?:trillion|billion|million|bn|mn|k)?"
    r"|[\d.,]+\s*(?:万亿|亿|万)?\s*(?:元|美元|港元|英镑|yuan|dollars?|euros?|pounds?)", re.IGNORECASE)
_NUMBER_WORDS = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?"
                           r"|thousands?)\b", re.IGNORECASE)
# Chinese numerals before a measure word ("三十一座", "四千人"): a count has_quantity's digits miss.
_ZH_COUNT = re.compile(f"[一二三四五六七八九十两百千万亿]+[{_CLASSIFIERS}個臺輛間]")
_NAMED_DAY = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November"
                        r"|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_CITATION = re.compile(r"\[\d{1,3}\]")
_INNER_CAPITAL = re.compile(r"(?<=[\s(\"“])[A-Z][a-z]")


def asks_quantity(question: str) -> str:
    """What kind of quantity the question asks for: "date" (a year, a day, a quarter), "percent",
    "number" (an amount or a count), or "" when it asks for none."""
    if _ASKS_DATE.search(question):
        return "date"
    if _ASKS_PERCENT.search(question):
        return "percent"
    return "number" if _ASKS_QUANTITY.search(question) else ""


def answer_type(question: str) -> str:
    """The kind of answer the question asks for, as a sentence's letter (``answer_kinds``): "d", "p",
    "m", "c", "n", "w", or "" when it asks for none of these."""
    kind = asks_quantity(question)
    if kind == "date":
        return "d"
    if kind == "percent":
        return "p"
    if kind == "number":
        return "m" if _ASKS_MONEY.search(question) else "c" if _ASKS_COUNT.search(question) else "n"
    return "w" if _ASKS_NAME.search(question) else ""


def sought_kind(question: str) -> str:
    """The kind of answer the highlight looks for: ``answer_type``'s, or a name ("w") for a question
    asking which one of a kind of named thing it is (which team, 哪家公司, 叫什么名字). The confidence
    model's type match (qa.confidence) keeps ``answer_type``'s kinds, which it was fitted on."""
    return answer_type(question) or ("w" if _ASKS_NAMED.search(question) else "")


def names_beyond(sentence: str, terms) -> bool:
    """Whether a sentence names something the question does not (``terms``: the question's search
    terms for the sentence's language): a capitalised word inside it that no term of three letters
    or more begins (a stem, as the highlight finds it) and no name key (~word) spells. The answer to
    "who" is a name, and not the one the question already gives."""
    stems = [t for t in terms if len(t) > 2]
    for word in _NAME_WORD.findall(sentence):
        word = word.lower()
        if f"~{word}" not in terms and not any(word.startswith(t) for t in stems):
            return True
    return False


def has_quantity(sentence: str) -> str:
    """The kinds of quantity a sentence holds, as letters: "n" any number, "d" a date, "p" a
    percentage ("" for none). A month or a weekday named without a number ("The tender closes in
    November") is a date, not a number."""
    if not _QUANTITY.search(sentence):
        return "d" if _NAMED_DAY.search(sentence) else ""
    return "n" + ("d" if _DATE.search(sentence) else "") + ("p" if _PERCENT.search(sentence) else "")


def answer_kinds(sentence: str) -> str:
    """The kinds of answer a sentence holds, as letters: ``has_quantity``'s, then "m" an amount of
    money, "c" a count, "w" a name (English text). A citation marker ("[2]", ending the bullets of
    the seed's summaries) refers to a source and is not a number."""
    sentence = _CITATION.sub(" ", sentence)
    kinds = has_quantity(sentence) or ("n" if _ZH_COUNT.search(sentence) else "")
    if kinds:
        kinds += "m" if _MONEY.search(sentence) else ""
        rest = _NOT_COUNTS.sub(" ", sentence)
        kinds += "c" if _QUANTITY.search(rest) or _ZH_COUNT.search(rest) or _NUMBER_WORDS.search(rest) else ""
    elif _NUMBER_WORDS.search(sentence):
        kinds = "c"
    return kinds + ("w" if _INNER_CAPITAL.search(sentence) else "")
