"""One script for Chinese search, names across scripts, and quantities across languages (issue 12)."""

from pathlib import Path

import pytest

from qa.answer_types import asks_quantity, has_quantity
from qa.names import english_name_keys, load_readings
from qa.quantities import quantity_keys
from qa.scripts import to_simplified
from qa.segment import is_key, tokenize


def keys(text, question=False):
    return {t for t in tokenize(text, question=question) if is_key(t)}


def words(text):
    return [t for t in tokenize(text) if not is_key(t)]


def test_traditional_and_simplified_are_one_word():
    assert to_simplified("台積電於臺灣擴建廠房") == "台积电于台湾扩建厂房"
    assert to_simplified("No Chinese here.") == "No Chinese here."
    assert words("台積電在高雄的新廠") == words("台积电在高雄的新厂")


@pytest.mark.parametrize("zh,en,key", [
    ("营收达48亿美元", "revenue of $4.8 billion", "=4.8e+09"),
    ("同比增长百分之六十", "up 60 percent", "=60%"),
    ("毛利率60%", "a gross margin of 60 per cent", "=60%"),
    ("二期工程", "phase two of the project", "=phase2"),
    ("第二期工程", "Phase II", "=phase2"),
    ("2025年第三季度", "the third quarter of 2025", "=q3"),
    ("二〇二五年第三季度", "Q3 2025", "=y2025"),
    ("上半年", "in the first half", "=h1"),
    ("6月3日开工", "work began on June 3", "=m6d3"),
    ("三千二百万元", "32,000,000 yuan", "=3.2e+07"),
    ("排名第七", "ranked 7th", "=#7"),
    ("2025年4至6月", "the April-June quarter", "=q2"),
    ("7-9月", "July to September", "=q3"),
    ("2025年第四季度", "the last quarter of 2025", "=q4"),
])
def test_a_quantity_written_in_either_language_gives_the_same_key(zh, en, key):
    assert key in quantity_keys(zh) and key in quantity_keys(en)


def test_quantities_that_differ_give_different_keys():
    assert not set(quantity_keys("一期工程")) & set(quantity_keys("phase two"))
    assert not set(quantity_keys("48亿美元")) & set(quantity_keys("4.8 million dollars"))
    assert not set(quantity_keys("第三季度")) & set(quantity_keys("the fourth quarter"))
    assert quantity_keys("There is no number here.") == []
    # months that are not one calendar quarter, and a "last quarter" that means the one before
    assert not {"=q1", "=q2"} & set(quantity_keys("from February to April, and 5至7月"))
    assert "=q4" not in quantity_keys("revenue rose last quarter")


def test_a_chinese_name_and_its_pinyin_spelling_share_a_key():
    assert load_readings() is not None, "pypinyin is a dependency: the readings must compile"
    for spelling in ("Lu Benfu", "LU Ben-fu", "Lǚ Běnfù", "Lv Benfu", "lu benfu".title()):
        assert "~lubenfu" in english_name_keys(f"commentator {spelling} said"), spelling
    assert "~lubenfu" in keys("吕本富:韩国AI发展可向中国借力")  # a name by jieba's tags
    assert "~huanqiuwang" in keys("环球网资讯报道了什么？", question=True)
    assert "~huanqiuwang" in keys("Source: Huan Qiu Wang Zi Xun, 2025-11-14")


def test_a_name_jieba_cuts_before_the_next_word_still_meets_its_pinyin():
    # jieba reads 欧阳明远说 as 欧阳明 / 远说: the question's key must still be the whole name's, as
    # English text spells it (the news set's n041 / n045 lost their report to this cut).
    english = keys("Chairman Ouyang Mingyuan said in-house joints cover 70% of needs")
    assert "~ouyangmingyuan" in english
    assert "~ouyangmingyuan" in keys("欧阳明远说自己做的关节能满足多少需求？", question=True)
    assert "~yuanlixin" in keys("副总裁袁立新说，合肥工厂的良率是多少？", question=True)  # 袁 / 立新 / 说
    # A surname alone takes a given name of two characters at most.
    assert "~yuanlixinshuo" not in keys("副总裁袁立新说，合肥工厂的良率是多少？", question=True)


def test_common_words_get_no_name_keys():
    assert english_name_keys("Women and men in a changing world.") == []
    assert english_name_keys("all in lower case: lu benfu") == []
    assert not {k for k in keys("他们认为发展很快") if k.startswith("~")}  # no name, no noun run of two


def test_answer_types():
    assert asks_quantity("台积电二期什么时候量产？") == "date" and asks_quantity("When did it open?") == "date"
    assert asks_quantity("毛利率是百分之多少？") == "percent" and asks_quantity("How many plants?") == "number"
    assert "d" in has_quantity("量产定于2026年第二季度") and "d" not in has_quantity("投资200亿元")
    assert "p" in has_quantity("占比达60%") and has_quantity("No number.") == ""


TRADITIONAL = """台積電高雄新廠二期工程動工
台積電宣佈，高雄新廠二期工程已於本週動工，預計2027年第一季度開始量產2奈米晶片，投資總額約新台幣4800億元。
"""
SIMPLIFIED_SIBLING = """台积电高雄新厂一期工程进展
台积电表示，高雄新厂一期工程进展顺利，预计2025年第四季度开始量产，投资总额约新台币3000亿元。
"""
OTHER = """联电新加坡扩产计划
联电宣布在新加坡扩建晶圆厂，新厂预计2026年量产，将提升成熟制程产能。
"""


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder):
    from qa import QA

    docs = tmp_path_factory.mktemp("news") / "docs"
    docs.mkdir()
    for name, text in (("tsmc_phase2_trad.txt", TRADITIONAL), ("tsmc_phase1.txt", SIMPLIFIED_SIBLING),
                       ("umc.txt", OTHER)):
        (docs / name).write_text(text, encoding="utf-8")
    return QA.build([docs], tmp_path_factory.mktemp("news-index") / "index", embedder=embedder)


@pytest.mark.parametrize("question", [
    "台积电高雄新厂二期什么时候量产？",
    "When will phase two of TSMC's Kaohsiung plant start mass production?",
])
def test_a_traditional_report_answers_a_simplified_and_an_english_question(news, question):
    hit = news.ask(question, k=3).hits[0]
    assert Path(hit.citation.path).name == "tsmc_phase2_trad.txt"
    assert "2027" in hit.highlight.text
    assert "預計2027年" in hit.text  # shown in the document's own characters


def test_a_chinese_only_index_keeps_plain_bm25_of_the_question_words(news):
    """The folder above is all Chinese: no translation to weigh a word against, so 投资总额 counts
    as BM25 always counted it, sub-words and all (qa.segment.word_weights applies across languages)."""
    import numpy as np

    finder = news.searcher.candidates
    question = "高雄新厂一期工程的投资总额约多少新台币？"  # 投资总额 with 投资 and 总额, 新台币 with 台币
    found = finder.find(question, "lexical")
    query = [t for t in found.tokens if not is_key(t) or t[0] == "="]
    assert np.array_equal(found.direct, finder.store.lexical_hits(query).at(found.ids))
    assert len(found.ids) and found.bridged.sum() == 0
