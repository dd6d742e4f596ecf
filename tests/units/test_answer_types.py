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
