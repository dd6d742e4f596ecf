"""The confidence's parts: the fit, the probability, key words, the threshold (qa.confidence)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.answer import verdict
from qa.centres import Centres, centred_cosines
from qa.confidence import (CROSS_WEIGHTED, FEATURES, VETOES, Calibration, fit_logistic, fit_logistic_cross,
                           load_calibration, min_confidence, other_cuts, question_terms, vetoed)
from qa.errors import InputError
from qa.name_words import name_words


# -- units ------------------------------------------------------------------------------------------

def test_logistic_fit_recovers_the_generating_coefficients():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20000, 2))
    true = np.array([2.0, -1.0])
    y = rng.random(20000) < 1 / (1 + np.exp(-(x @ true + 0.5)))
    mean, scale, coef, intercept = fit_logistic(x, y, l2=0.0)
    assert np.allclose(coef / scale, true, atol=0.1)
    assert abs(intercept - coef @ (mean / scale) - 0.5) < 0.1


def test_centred_cosines_take_each_sides_language_centre_off():
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 8))
    q_centre, zh, en = rng.normal(size=(3, 8))
    centres = Centres({"en": q_centre, "zh": q_centre}, {"zh": zh, "en": en})
    q = a + q_centre
    vectors = np.stack([b + zh, b + en, c + zh])
    raw = vectors @ q
    found = centred_cosines(q, vectors, "en", np.array([1.0, 0.0, 1.0]), centres, raw)
    cos = lambda x, y: x @ y / np.linalg.norm(x) / np.linalg.norm(y)  # noqa: E731
    # an English question: a hit with no English text loses the Chinese centre, one with it the English
    assert np.allclose(found, [cos(a, b), cos(a, b), cos(a, c)])
    assert centred_cosines(q, vectors, "en", np.zeros(3), None, raw) is raw  # no centres: the plain cosines


def test_a_calibration_keeps_its_centres():
    n = len(FEATURES)
    centres = Centres({"en": np.ones(4, np.float32)}, {"zh": np.zeros(4, np.float32), "en": np.ones(4, np.float32)})
    back = Calibration.from_dict("m", Calibration("m", np.zeros(n), np.ones(n), np.ones(n), 0.0, 0.5,
                                                  centres=centres).to_dict())
    assert np.array_equal(back.centres.passage["en"], centres.passage["en"])
    assert np.array_equal(back.centres.question["en"], centres.question["en"])


def test_calibration_is_a_probability_that_rises_with_each_positive_feature():
    n = len(FEATURES)
    model = Calibration("m", np.zeros(n), np.ones(n), np.ones(n), 0.0, 0.5)
    ones = np.ones((1, n))
    for name in VETOES:  # the period and place rules are no weights (below)
        ones[0, FEATURES.index(name)] = 0.0
    low, high = model.probability(np.zeros((1, n)))[0], model.probability(ones)[0]
    assert low == pytest.approx(0.5) and 0.99 < high < 1.0


@pytest.mark.parametrize("veto", ["period_conflict", "place_conflict"])
def test_a_hit_whose_document_contradicts_the_asked_period_or_place_has_no_confidence_whatever_else_it_shares(veto):
    n = len(FEATURES)
    model = Calibration("m", np.zeros(n), np.ones(n), np.full(n, 5.0), 0.0, 0.5)
    rows = np.ones((3, n))
    for name in VETOES:
        rows[:2, FEATURES.index(name)] = 0.0
    rows[0, FEATURES.index(veto)] = 1.0
    rows[2] = 0.0
    rows[2, FEATURES.index(veto)] = 1.0
    assert veto in VETOES
    assert model.probability(rows).tolist() == [0.0, pytest.approx(1.0), 0.0]
    assert vetoed(rows).tolist() == [True, False, True]
    # a calibration fitted on features without the rules leaves every row to its weights
    other = tuple(f for f in FEATURES if f not in VETOES)
    assert not vetoed(np.ones((2, len(other))), other).any()


def test_a_questions_names_and_numbers_are_its_keys_looked_up_as_they_are():
    from qa.segment import tokenize

    tokens = tokenize("How many flights did Lufthansa cancel in April 2010?", question=True)
    index_terms = {"flight", "cancel", "=y2010", "航班"}
    terms = question_terms("How many flights did Lufthansa cancel in April 2010?", tokens,
                           lambda ts: {t for t in ts if t in index_terms}, {"en"})
    keys = [f for f, k in zip(terms.forms, terms.key) if k]
    assert {"=y2010"} in keys and set() in keys  # the month's key "=m4" is not in this index
    words = [f for f, k in zip(terms.forms, terms.key) if not k]
    assert {"flight"} in words and {"cancel"} in words
    assert terms.key.sum() == 4  # =m4, =y2010, and the names' words: lufthansa, april (absent here)


def test_a_chinese_word_the_index_lacks_is_looked_for_as_the_index_cuts_it():
    # jieba cut the question's unknown name otherwise than the passage's: 杨昊现 / 杨昊 | 现, 锦地 | 罗 / 锦地罗
    index_terms = {"杨昊", "锦地罗", "效力", "罗"}
    held = lambda ts: {t for t in ts if t in index_terms}  # noqa: E731
    assert other_cuts("杨昊现", "杨昊现效力于哪里", held) == {"杨昊"}  # its longest piece the index holds
    assert other_cuts("锦地", "锦地罗又被称之为什么", held) == {"锦地罗"}  # joined with the next character
    assert other_cuts("光合", "什么是光合作用", held) == set()  # nothing the index holds
    # a cut only a passage the question may not see holds is no cut (``held`` judges the allowed ones)
    assert other_cuts("杨昊现", "杨昊现效力于哪里", lambda ts: set()) == set()
    question = "杨昊现效力于哪里？"
    from qa.segment import tokenize

    terms = question_terms(question, tokenize(question, question=True), held, {"zh"})
    assert {"杨昊"} in terms.forms


def test_cross_lingual_hits_add_weights_of_their_own_to_the_shared_ones():
    rng = np.random.default_rng(11)
    n = 20000
    x = rng.normal(size=(n, 2))
    cross = rng.random(n) < 0.5
    # the first column says three times more for a cross-lingual row
    y = rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] * np.where(cross, 3.0, 1.0) - 0.5 * x[:, 1])))
    mean, scale, coef, cross_coef, intercept = fit_logistic_cross(x, y, cross, np.array([True, False]), l2=0.0)
    assert np.allclose(coef / scale, [1.0, -0.5], atol=0.1)
    assert abs(cross_coef[0] / scale[0] - 2.0) < 0.2 and cross_coef[1] == 0.0
    # stored and read back, it judges a cross-lingual row (``cross`` 1) by the sum
    assert "passage_sim" in CROSS_WEIGHTED and "cross" in FEATURES
    k = len(FEATURES)
    own = np.zeros(k)
    own[FEATURES.index("passage_sim")] = 2.0
    model = Calibration.from_dict("m", Calibration("m", np.zeros(k), np.ones(k), np.zeros(k), 0.0, 0.5,
                                                   cross_coef=own).to_dict())
    rows = np.zeros((2, k))
    rows[:, FEATURES.index("passage_sim")] = 1.0
    rows[1, FEATURES.index("cross")] = 1.0
    assert model.probability(rows)[0] == pytest.approx(0.5)
    assert model.probability(rows)[1] == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_name_words_come_from_capitals_in_english_and_from_jiebas_tags_in_chinese():
    assert name_words("How many flights did Lufthansa cancel in April 2010?") == ["Lufthansa", "April"]
    assert name_words("What is photosynthesis?") == []
    zh = name_words("华为在深圳的总部有多少员工？")
    assert "华为" in zh and "深圳" in zh and "员工" not in zh


def test_the_threshold_comes_from_the_call_then_the_environment_then_the_calibration(monkeypatch):
    model = Calibration("m", np.zeros(1), np.ones(1), np.ones(1), 0.0, 0.3, ("x",))
    monkeypatch.delenv("QA_MIN_CONFIDENCE", raising=False)
    assert min_confidence(None, model) == 0.3
    assert min_confidence(None, None) is None
    monkeypatch.setenv("QA_MIN_CONFIDENCE", "0.6")
    assert min_confidence(None, model) == 0.6
    assert min_confidence(0.1, model) == 0.1
    monkeypatch.setenv("QA_MIN_CONFIDENCE", "high")
    with pytest.raises(InputError, match="QA_MIN_CONFIDENCE"):
        min_confidence(None, model)
    with pytest.raises(InputError, match="between 0 and 1"):
        min_confidence(1.5, model)


def test_a_calibration_for_other_features_is_not_used(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {"m": {"features": ["old"], "mean": [0], "scale": [1], "coef": [1],
                                                 "intercept": 0, "threshold": 0.5}}}))
    assert load_calibration("m", path) is None
    assert load_calibration("use-multilingual") is not None  # the shipped one matches this code


def test_verdict_without_hits_is_no_answer():
    assert verdict([], 0.5) is False


def test_type_match_asks_the_highlighted_sentence_for_the_kind_of_quantity_the_question_wants():
    from qa.confidence import _type_match
    from qa.answer_types import answer_type, has_quantity

    texts = {0: "The bridge opened in 1937.", 1: "The bridge is painted orange.", 2: "它高227米。"}

    class Chooser:  # what the highlight keeps per sentence: (text, lang, can answer, quantity kinds)
        def sentences(self, pid):
            return [(texts[pid], "en", True, has_quantity(texts[pid]))]

    when = _type_match(Chooser(), answer_type("When did the bridge open?"), [0, 1], [0, 0])
    assert when.tolist() == [1.0, 0.0]
    assert _type_match(Chooser(), answer_type("桥有多高？"), [2, 1], [0, 0]).tolist() == [1.0, 0.0]
    assert _type_match(Chooser(), answer_type("What colour is the bridge?"), [0, 1], [0, 0]).tolist() == [1.0, 1.0]
    assert _type_match(Chooser(), answer_type("When did the bridge open?"), [0], [-1]).tolist() == [0.0]


def test_cross_marks_hits_with_no_text_in_the_questions_language():
    from types import SimpleNamespace

    from qa.confidence import _cross

    columns = SimpleNamespace(has_lang={"zh": np.array([True, False, True]), "en": np.array([False, True, True])})
    assert _cross(columns, "zh", np.array([0, 1, 2])).tolist() == [0.0, 1.0, 0.0]
    assert _cross(columns, "en", np.array([0, 1, 2])).tolist() == [1.0, 0.0, 0.0]
    assert _cross(columns, "other", np.array([0, 1, 2])).tolist() == [1.0, 0.0, 0.0]  # neither script: as English



def test_a_name_the_dictionary_lacks_is_found_as_its_transliteration_in_a_cross_language_hit():
    from qa.translit import name_sounds, pinyin_skeleton

    sounds = name_sounds("How many interceptions did Josh Norman make?", ["Josh", "Norman"])
    assert pinyin_skeleton("nuoman") in sounds["norman"]  # 诺曼
    zh = name_sounds("贾里德在职业生涯中有多少次擒杀？", ["贾", "里德"])
    from qa.translit import english_skeleton

    assert english_skeleton("Jared") in zh["里德"]  # 贾 + 里德 read together


def test_lexical_first_marks_hits_from_the_document_words_alone_rank_first():
    from types import SimpleNamespace

    from qa.confidence import _lexical_first

    searcher = SimpleNamespace(doc_of=np.array([0, 0, 1, 2]))
    candidates = np.array([3, 1, 2])
    hits = np.array([3, 0, 2])
    assert _lexical_first(searcher, candidates, np.array([0.5, 2.0, 1.0]), hits).tolist() == [0, 1, 0]
    assert _lexical_first(searcher, candidates, np.zeros(3), hits).tolist() == [0, 0, 0]  # no word matched
    assert _lexical_first(searcher, candidates, None, hits).tolist() == [0, 0, 0]


def test_contradicts_marks_the_hits_the_ranking_found_contradicting_the_question():
    from qa.confidence import _contradicts

    candidates, hits = np.array([7, 3, 5]), np.array([3, 7])
    assert _contradicts(candidates, np.array([False, True, False]), hits).tolist() == [1, 0]
    assert _contradicts(candidates, None, hits).tolist() == [0, 0]  # no rule applied to this question


def test_name_keys_hit_is_the_share_of_the_questions_known_name_keys_in_the_hit():
    from types import SimpleNamespace

    from qa.candidates import CandidateFinder
    from qa.confidence import _name_keys_hit
    from qa.sparse_scores import SparseScores

    postings = {"~lubenfu": np.array([1.0, 0.0, 2.0]), "~xiaomi": np.array([0.0, 0.0, 1.0])}
    store = SimpleNamespace(known_terms=lambda ts: {t for t in ts if t in postings},
                            lexical_holders=lambda ts: SparseScores.of_dense(sum(postings[t] for t in ts)).holders())
    finder = SimpleNamespace(store=store)

    def name_keys_hit(tokens, hits):
        return _name_keys_hit(CandidateFinder.name_holders(finder, tokens), hits)

    hits = np.array([0, 1, 2])
    assert name_keys_hit(["吕本富", "~lubenfu", "~xiaomi", "~nowhere"], hits).tolist() == [0.5, 0.0, 1.0]
    assert name_keys_hit(["~nowhere"], hits).tolist() == [1, 1, 1]  # nothing the index could hold


def test_period_conflict_marks_documents_naming_other_periods_and_never_the_asked_one():
    from types import SimpleNamespace

    from qa.periods import PeriodRule
    from qa.sparse_scores import SparseScores

    # document 0: passages 0-1 (Q2, Q3); document 1: passages 2-3 (Q1 in its second); document 2: passage 4 (none)
    postings = {"=q2": np.array([1.0, 0, 0, 0, 0]), "=q3": np.array([0, 1.0, 0, 0, 0]),
                "=q1": np.array([0, 0, 0, 1.0, 0])}
    store = SimpleNamespace(known_terms=lambda ts: {t for t in ts if t in postings},
                            lexical_holders=lambda ts: SparseScores.of_dense(
                                sum((postings[t] for t in ts if t in postings), np.zeros(5))).holders())
    finder = PeriodRule(store)
    spans = [(0, 2), (2, 4), (4, 5)]

    def conflicts(tokens):
        return finder.contradicting_documents(tokens, spans).tolist()

    assert conflicts(["revenue", "=q1"]) == [True, False, False]  # the Q2/Q3 report lacks Q1 anywhere
    assert conflicts(["revenue", "=q2"]) == [False, True, False]  # passage 0 holds it, not the one shown
    assert conflicts(["revenue", "=q4"]) == [True, True, False]  # a quarter no document names
    assert conflicts(["revenue"]) == [False, False, False]  # no period asked
    postings.update({"=y2025": np.array([1.0, 0, 0, 0, 0]), "2026": np.array([0, 1.0, 0, 0, 0])})
    finder._kinds.clear()
    assert conflicts(["capex", "2024", "=y2024"]) == [True, False, False]
    assert conflicts(["capex", "2026", "=y2026"]) == [False, False, False]  # "for 2026": named without its key

    # The ranking's rule (contradictions) and the confidence read the asked period's holders once a question
    read = []
    store.lexical_holders = lambda ts, holders=store.lexical_holders: read.append(sorted(ts)) or holders(ts)
    finder._kinds.clear()
    held: dict = {}
    tokens = ["revenue", "=q1"]
    ranked = finder.contradictions(tokens, np.arange(5), lambda pid: set(), held)
    assert ranked.tolist() == [True, True, False, False, False]
    assert finder.contradicting_documents(tokens, spans, held).tolist() == [True, False, False]
    assert read.count(["=q1"]) == 1


def test_quantity_keys_are_told_from_the_words_of_names():
    from qa.segment import tokenize

    question = "What was Hongxiang's revenue in Q1 2025?"
    terms = question_terms(question, tokenize(question, question=True), lambda ts: set(), {"en"})
    words = [sorted(f) for f in terms.forms]
    assert terms.quantity.tolist() == [True, True] + [False] * (len(words) - 2)  # =q1, =y2025 come first
    assert terms.key[~terms.quantity].any()  # hongxiang: a name's word, not a quantity


def test_quoted_terms_are_the_titles_and_terms_a_question_puts_between_marks():
    from qa.quoted import quoted_terms

    assert quoted_terms("第一届《绝对SuperStar》的女子组指定演唱的是哪首歌？") == ["绝对superstar"]
    assert quoted_terms("《越南亡國史》是誰寫的？") == ["越南亡国史"]  # compared in simplified script
    assert quoted_terms('What was named "The Tesla" in his honor?') == ["the tesla"]
    assert quoted_terms("「星」和“月光”指的是什么？") == ["月光"]  # one character is too little to look for
    assert quoted_terms("蓍的叶子有什么特点？") == []
