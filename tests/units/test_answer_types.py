"""Answer types: what a question asks for, and which kinds of answer a sentence holds."""

from qa.answer_types import answer_kinds, answer_type


def test_a_question_asks_for_money_a_count_a_number_a_date_a_share_or_a_name():
    assert answer_type("临港智算中心一期花了多少钱？") == "m" and answer_type("How much will phase two cost?") == "m"
    assert answer_type("皖江半导体一年能处理多少颗芯片？") == "c" and answer_type("How many workers will it employ?") == "c"
    assert answer_type("嘉兴的氢能公交车加满一次能开多远？") == "n"
    assert answer_type("什么时候投产？") == "d" and answer_type("海外收入占比多少？") == "p"
    assert answer_type("Who held the record before him?") == "w" and answer_type("谁带领了球队？") == "w"
    assert answer_type("What is Longjing tea?") == ""


def test_a_sentence_holds_money_counts_and_names_apart_from_dates_and_shares():
    lead = "Ningyuan New Energy plans to invest RMB 4.8 billion in a battery base in 2026"
    assert "m" in answer_kinds(lead) and "c" not in answer_kinds(lead) and "w" in answer_kinds(lead)
    assert "c" in answer_kinds("The base is expected to employ about 2,600 people [3]")
    assert "m" not in answer_kinds("The base is expected to employ about 2,600 people [3]")
    assert answer_kinds("The city has two universities.") == "c"
    assert "c" not in answer_kinds("2025年第三季度收入增长百分之六十。")
    assert "c" in answer_kinds("共设置三十一座风机，每年可发电约十八亿度。")
    assert "w" in answer_kinds("The past record was held by John Elway.")
    assert "w" not in answer_kinds("He is also the oldest quarterback ever to play at age 39.")


def test_which_team_or_what_name_asks_for_a_name_in_the_highlight_only():
    from qa.answer_types import sought_kind

    assert answer_type("What team was the winner of Super Bowl XXXIII?") == ""  # the confidence model's kinds
    assert sought_kind("What team was the winner of Super Bowl XXXIII?") == "w"
    assert sought_kind("第 33 届超级碗冠军是哪支球队？") == "w" and sought_kind("亨利三世册封的领袖叫什么名字？") == "w"
    assert sought_kind("埃尔维赢得第 33 届超级碗时多大？") == "n"  # answer_type's kind first
    assert sought_kind("What is Longjing tea?") == ""


def test_a_name_answers_who_only_when_the_question_does_not_give_it():
    from qa.answer_types import names_beyond

    terms = {"oldest": 1.0, "quarterback": 1.0, "super": 1.0, "bowl": 1.0, "~manning": 2.0}
    assert not names_beyond("He is also the oldest quarterback to play in a Super Bowl at age 39.", terms)
    assert not names_beyond("At 39, Peyton Manning is the oldest quarterback in a Super Bowl.", {**terms, "peyton": 1.0})
    assert names_beyond("The past record was held by John Elway, at age 38.", terms)


def test_when_asks_for_a_date_only_as_the_question_word():
    assert answer_type("When does the Northern Metropolis data centre tender close?") == "d"
    assert answer_type("By when does Harbour Bus want its fleet to be electric?") == "d"
    assert answer_type("How old was Manning when he played Super Bowl 50?") == "n"  # the clause sets the scene
    assert answer_type("How many companies moved into the park when it opened?") == "c"
    assert answer_type("What revenue range did Xinyuan guide for Q3 when it reported Q2 2025?") == ""


def test_a_citation_marker_is_no_number_and_a_named_month_or_day_is_a_date():
    assert answer_kinds("Zhongwei signed a deal with server maker Huaqin Digital [1]") == "w"
    assert "c" not in answer_kinds("It invested RMB 1.6 billion in the base [1]")
    assert "d" in answer_kinds("The tender closes in November.") and "n" not in answer_kinds("The tender closes in November.")
    assert "d" in answer_kinds("The plant opened on Wednesday.")


def test_an_amount_in_a_currency_code_is_money_not_a_count():
    kinds = answer_kinds("The facility will cost about SGD 1.3 billion.")
    assert "m" in kinds and "c" not in kinds
    assert "m" in answer_kinds("Fares rise to HKD 12 next year.") and "m" not in answer_kinds("Phase two adds 5,000 racks.")
