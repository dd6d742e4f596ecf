"""The names a question is about, by their words (qa.names.question_names): what the ranking's
name rule (qa.candidates.CandidateFinder.word_name_holders, lacking_names) looks for in either language."""

from qa.names import question_names


def test_an_english_question_names_things_by_its_runs_of_capitalised_words():
    assert question_names("How much did phase one of the Strait Wind farm off Taichung cost?", "en") == [
        ("strait", "wind"), ("taichung",)]
    # A possessive ends a run; the question's first word is no name.
    assert question_names("How many researchers will Qingyun's Hong Kong Science Park centre hire?", "en") == [
        ("qingyun",), ("hong", "kong", "scienc", "park")]


def test_months_and_sentence_openings_are_not_names():
    assert question_names("Why did spending per visitor in Macau dip in the April-June quarter?", "en") == [
        ("macau",)]
    assert question_names("What happened next? Revenue fell in March.", "en") == []
    assert question_names("what did I say about it", "en") == []


def test_a_chinese_question_names_things_by_the_words_jieba_tags_as_names():
    assert question_names("越南北宁省的芯片封测厂投资多少？", "zh")[0] == ("越南",)
    assert ("阿联酋",) in question_names("鹏飞无人机要给阿联酋供应多少架货运无人机？", "zh")
    assert question_names("这个季度的收入是多少？", "zh") == []
    assert question_names("What is it?", "fr") == []
