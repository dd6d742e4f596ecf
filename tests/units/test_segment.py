from qa.segment import detect_language, languages, split_sentences, tokenize


def sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_chinese_sentences_keep_closing_quotes():
    text = "他说：“今天下雨了。”我们回家吧！真的吗？好的；走吧"
    assert sentences(text) == ["他说：“今天下雨了。”", "我们回家吧！", "真的吗？", "好的；走吧"]


def test_english_sentences_keep_abbreviations_and_decimals():
    text = "Dr. Smith paid 3.5 dollars in the U.S. yesterday. Was it cheap? Yes! J. K. Rowling agreed."
    assert sentences(text) == [
        "Dr. Smith paid 3.5 dollars in the U.S. yesterday.", "Was it cheap?", "Yes!", "J. K. Rowling agreed."]


def test_line_breaks_end_sentences_but_hard_wrapped_prose_is_joined():
    text = "Title line\nThe first sentence runs\nover two lines. Second one.\n\n第二段。"
    assert sentences(text) == ["Title line", "The first sentence runs\nover two lines.", "Second one.", "第二段。"]


def test_flattened_bullets_and_citation_markers_split():
    text = "Core Insights - South Korea aims high [1] - The country has a plan [1]"
    assert sentences(text) == ["Core Insights", "South Korea aims high [1]", "The country has a plan [1]"]


def test_spans_are_offsets_into_the_text():
    text = "  前言。  Hello world. 你好！"
    for s, e in split_sentences(text):
        assert text[s:e].strip() == text[s:e] and text[s:e]


def test_over_long_sentence_is_cut():
    text = "word " * 300
    spans = split_sentences(text, max_chars=100)
    assert len(spans) > 10 and all(e - s <= 100 for s, e in spans)


def test_language_by_script():
    assert detect_language("韩国人工智能发展的目标是什么？") == "zh"
    assert detect_language("What does South Korea aim to achieve?") == "en"
    assert detect_language("吕本富:韩国AI发展可向中国借力") == "zh"
    assert detect_language("2030 —") == "other"
    assert languages("Python 是一种解释型的高级编程语言, made by Guido van Rossum") == ["zh", "en"]


def test_tokens_golden():
    # Pins jieba's segmentation (search mode), the English stemmer and the shared keys of names and
    # quantities (qa.names, qa.quantities): a change here changes the index.
    assert tokenize("韩国人工智能发展的目标是什么？") == ["韩国", "人工", "智能", "人工智能", "发展", "目标", "~hanguo"]
    assert tokenize("The volcanoes were erupting in 2010") == ["volcano", "erupt", "2010", "=y2010"]
    assert tokenize("ＡＩ技术") == ["技术", "ai"]


def test_chinese_tags_tag_each_chinese_run_and_nothing_else():
    from qa.segment import chinese_tags

    tags = chinese_tags("Hanoi 越南北宁省, 2025")
    assert ("越南", "ns") in tags and all(w not in ("Hanoi", "2025") for w, _ in tags)
    assert chinese_tags("no Chinese here") == []


def test_each_word_of_a_question_counts_once_however_jieba_splits_it():
    from qa.segment import word_weights

    tokens = [t for t in tokenize("鹏飞无人机要给阿联酋供应多少架货运无人机？", question=True) if t[0] != "~"]
    weights = word_weights(tokens)
    # 无人机 comes with its sub-words 无人 and 人机, twice: the three share 2 (the English "drone" it
    # translates to counts 1 a time); a word without sub-words keeps 1.
    assert {t: round(weights[t], 3) for t in ("无人", "人机", "无人机")} == {"无人": 0.667, "人机": 0.667, "无人机": 0.667}
    assert weights["鹏飞"] == 1.0 and weights["货运"] == 1.0
    assert abs(sum(weights.values()) - len([t for t in tokens if t not in ("无人", "人机", "阿联")])) < 1e-9
    # A one-character word inside a longer one is a word of its own (2025年 / 上半年), and English
    # stems inside others are no sub-words ("ai" / "chain").
    assert word_weights(["年", "上半", "半年", "上半年"])["年"] == 1.0
    assert word_weights(["ai", "chain", "ai"]) == {"ai": 2.0, "chain": 1.0}
    # English terms the dictionary renders as one word (a name: Hong Kong, 香港) share its weight.
    assert word_weights(["hong", "kong", "lab"], [("hong", "kong")]) == {"hong": 0.5, "kong": 0.5, "lab": 1.0}


def test_a_titles_name_keys_come_out_once_each():
    from qa.passage_tokens import title_name_keys, without_one_each

    assert "~ouyangming" in title_name_keys("专访天衡机器人董事长欧阳明远：人形机器人先进工厂")
    assert title_name_keys("Revenue rose in the third quarter") == []
    assert without_one_each(["a", "~x", "b", "~x", "~y"], ["~x", "~y", "~z"]) == ["a", "b", "~x"]
