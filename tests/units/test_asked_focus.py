"""What a question asks for, and whether a text gives it (qa.asked_focus; docs/confidence.md, eleventh round (c))."""

from __future__ import annotations

from qa.asked_focus import focus_forms, focus_words, holds


def test_the_focus_is_the_attribute_the_question_word_asks_the_value_of():
    assert focus_words("鹏飞无人机第三季度的营收有多少？") == ("营收",)  # before the copula, not the company or quarter
    assert focus_words("寒武纪2025年第三季度营收是多少？") == ("营收",)
    assert focus_words("东海云在乌兰察布的数据中心有多少个机柜？") == ("机柜",)  # after the measure word
    assert focus_words("騏躍動力在菲律賓設了多少座換電站？") == ("换电站",)  # the measure word cut into the noun
    assert focus_words("天衡机器人的总经理是谁？") == ("总经理",)
    assert focus_words("What was Hongxiang Computer's gross margin for the whole of 2025?") == ("gross", "margin")
    assert focus_words("How many households can the second Strait Wind phase off Taichung supply?") == ("households",)
    assert focus_words("What revenue did Qingyun Intelligence make in 2025?") == ("revenue",)
    assert focus_words("How many GPUs will Donghai Cloud install?") == ("gpus",)  # an acronym is no name


def test_words_naming_only_the_kind_of_answer_or_a_verb_are_no_focus():
    assert focus_words("东海云临港二期预计什么时候全部建成？") == ()  # a time
    assert focus_words("皖江半导体在芜湖的封测基地投了多少钱？") == ()  # an amount
    assert focus_words("谁是第一个登上月球的人？") == ()  # a person
    assert focus_words("How many people work at Hongjing's Kaohsiung fab?") == ()
    assert focus_words("Which bank is lending to Lanjing Sodium Battery?") == ()  # which: the answer's kind
    assert focus_words("What does Ouyang Mingyuan see as a bigger problem than hardware?") == ()  # a verb
    assert focus_words("When will Micron start shipping HBM4?") == ()
    assert focus_words("杨昊现效力于哪里") == ()


def test_the_focus_is_found_as_itself_its_translation_or_a_word_of_the_same_gloss():
    revenue = focus_forms("营收")
    assert {"收入", "revenu"} <= revenue  # same gloss in Chinese; the English term as the index stems it
    assert holds("公司第三季度收入为12亿元。", revenue)
    assert holds("Revenue rose 12% to RMB 1.2 billion.", revenue)
    assert not holds("鹏飞第三季度交付无人机1200架，净利润2100万元。", revenue)
    households = focus_forms("households")
    assert holds("一期可供四十五万户家庭用电。", households)
    assert not holds("二期安装风机三十台，总装机容量五十万千瓦。", households)
    assert focus_forms("营收", level=0) == {"营收"}


def test_focus_absent_marks_sentences_lacking_what_a_question_asking_for_a_number_counts():
    from qa.asked_focus import focus_absent
    from qa.confidence import FEATURES

    question = "鹏飞无人机第三季度的营收有多少？"
    sentences = ["鹏飞第三季度交付无人机1200架，净利润2100万元。", "鹏飞第三季度营收4.2亿元，同比增长35%。",
                 "Pengfei's third-quarter revenue was RMB 420 million.", ""]
    assert focus_absent(question, sentences) == [1.0, 0.0, 0.0, 1.0]
    # a question asking for no number, or whose focus is only the kind of answer, marks nothing
    assert focus_absent("天衡机器人的总经理是谁？", ["天衡机器人董事长欧阳明远表示。"]) == [0.0]
    assert focus_absent("皖江半导体在芜湖的封测基地投了多少钱？", ["项目总投资50亿元。"]) == [0.0]
    assert "focus_absent" in FEATURES
