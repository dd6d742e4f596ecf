"""Which passage of a document answers first, and which sentence is highlighted (real model, FAISS).

tests/answer_data holds two documents of several passages each whose subject is named in nearly
every sentence: passage scores alone cannot tell which passage answers."""

from pathlib import Path

import pytest

from qa import QA

from ..conftest import TESTS

DATA = TESTS / "answer_data"


@pytest.fixture(scope="module")
def answers(embedder, tmp_path_factory):
    qa = QA.build([DATA], tmp_path_factory.mktemp("answer-index"), embedder=embedder)
    assert len(qa.index.passages) >= 5, "the documents must span several passages each"
    return qa


def first(qa, question):
    return qa.ask(question, k=3).hits[0]


@pytest.mark.parametrize("question,file,answer", [
    ("How big is the Qinglan Lake nature reserve?", "qinglan_lake_zh.txt", "三百四十平方公里"),
    ("青岚湖自然保护区有多大？", "qinglan_lake_zh.txt", "三百四十平方公里"),
    ("青岚湖冬天的冰有多厚？", "qinglan_lake_zh.txt", "半米"),
    ("Who rebuilt the arches that the flood destroyed?", "marrowby_bridge_en.md", "Elias Gorne"),
    ("What is the toll house used for now?", "marrowby_bridge_en.md", "museum"),
])
def test_the_passage_that_answers_comes_first(answers, question, file, answer):
    hit = first(answers, question)
    assert Path(hit.citation.path).name == file
    assert answer in hit.text and answer in hit.highlight.text


@pytest.mark.parametrize("question,lead", [
    ("什么是青岚湖？", "青岚湖是云岭省西部的一座高原淡水湖"),
    ("What is Marrowby Bridge?", "Marrowby Bridge is a stone arch bridge"),
])
def test_a_question_about_the_topic_itself_gets_the_lead_sentence(answers, question, lead):
    # Not the Markdown heading that repeats the title: it names the topic and says nothing of it.
    assert first(answers, question).highlight.text.startswith(lead)


@pytest.mark.parametrize("question,answer", [
    ("轮渡多久一班？", "every 20 minutes"),
    ("自行车能上船吗？", ("Bicycles are allowed", "Riders pay one extra yuan for the bike")),
    ("How much does a single ferry ticket cost?", "4元"),
    ("When is the ferry suspended because of the weather?", "风力达到七级"),
])
def test_a_mixed_document_answers_in_either_language(answers, question, answer):
    """The answer is the sentence under the heading, in the other language, not the heading that
    repeats the question in the question's own language."""
    hit = first(answers, question)
    assert Path(hit.citation.path).name == "ferry_faq_mixed.md"
    either = answer if isinstance(answer, tuple) else (answer,)  # both sentences of the bicycle answer
    assert any(a in hit.highlight.text for a in either) and not hit.highlight.text.startswith("#")


@pytest.mark.parametrize("question", [
    "How big is the Qinglan Lake nature reserve?", "青岚湖自然保护区有多大？", "What is Marrowby Bridge?",
    "Who rebuilt the arches that the flood destroyed?", "湖区游客数量增加带来了什么问题？",
])
def test_documents_keep_the_rank_of_their_best_passage(answers, question):
    """Choosing a document's answering passage reorders passages within it, never the documents, and
    only among its three best candidates."""
    from qa.reorder import PER_DOCUMENT

    scored = answers.searcher.score(question)
    doc_of = [answers.index.passages[int(p)].doc for p in scored.ids]
    by_score = list(dict.fromkeys(doc_of))
    hits = answers.ask(question, k=3).hits
    shown = list(dict.fromkeys(answers.index.passages[h.passage_id].doc for h in hits))
    assert shown == by_score[:len(shown)]
    for h in hits:
        doc = answers.index.passages[h.passage_id].doc
        best_of_doc = [int(p) for p, d in zip(scored.ids, doc_of) if d == doc][:PER_DOCUMENT]
        assert h.passage_id in best_of_doc


def test_search_goes_on_without_a_writable_cache(embedder, tmp_path, monkeypatch):
    """No dictionary can be compiled (the cache folder is a file): questions over two-language
    documents still get answers, without lexical evidence across languages, instead of an error."""
    from qa.bridge import load_bridge

    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    load_bridge.cache_clear()
    try:
        qa = QA.build([DATA / "ferry_faq_mixed.md"], tmp_path / "index", embedder=embedder)
        for question in ("轮渡多久一班？", "How much does a single ferry ticket cost?"):
            assert Path(first(qa, question).citation.path).name == "ferry_faq_mixed.md"
    finally:
        load_bridge.cache_clear()


def test_chinese_text_holds_the_numbers_and_names_written_into_it():
    from qa.highlight import needles, searchable

    words = searchable("全年出货较2023年增长40%，芯岳的HBM3E明年量产")
    for term in ("2023", "40", "hbm3e", "芯岳"):
        assert any(n in words for n in needles(term)), term


def test_the_stored_analysis_is_what_the_highlight_works_out(answers, monkeypatch):
    """The build stores what the highlight reads of each passage whatever the question (its
    sentences' words, languages, answer flags, quantities and shared keys; its document's topic):
    read back from the index it is what the highlight works out from the text itself."""
    from qa.highlight import SentenceChooser

    index = answers.index
    n, documents = index.store.count, range(len(index.documents))
    assert all(a is not None for a in index.store.analysis())
    stored = SentenceChooser(index)
    read = ([stored.sentences(p) for p in range(n)], [stored.keys(p) for p in range(n)],
            [stored.topic(d) for d in documents])
    assert any(k.startswith("=") for keyed in read[1] for s in keyed for k in s.split()), "no key was exercised"
    monkeypatch.setattr(index.store, "analysis", lambda ids=None: [None] * (n if ids is None else len(ids)))
    worked_out = SentenceChooser(index)
    assert read == ([worked_out.sentences(p) for p in range(n)], [worked_out.keys(p) for p in range(n)],
                    [worked_out.topic(d) for d in documents])


def test_a_name_the_dictionary_does_not_translate_is_held_by_its_sound(answers):
    """A Chinese question's name with no translation (a transliteration: 特拉维勒斯) counts as held by
    the English sentence holding a name of the same sound skeleton (Travellers), as much as a word
    of its weight; without the sound it is held by none."""
    import numpy as np

    from qa.answer_finder import Weights
    from qa.translit import english_skeleton

    index, chooser = answers.index, answers.searcher.chooser
    pid = next(p for p in range(index.store.count) if "Travellers crossed" in index.store.passage(p).text)
    passage = index.store.passage(pid)
    q = np.zeros(index.store.sentence_vectors([pid]).shape[1], dtype=np.float32)
    weights = Weights({"渡口": 1.0})
    weights.sounds = {"特拉维勒斯": ({english_skeleton("Travellers")}, 1.0)}
    overlap = chooser.parts(pid, q, lambda lang: weights, "", "zh")["overlap"]
    holding = [j for j in range(len(passage.sentences)) if "Travellers" in passage.sentence_text(j)]
    assert np.flatnonzero(overlap).tolist() == holding and overlap[holding[0]] == 0.5
    weights.sounds = {}
    assert not chooser.parts(pid, q, lambda lang: weights, "", "zh")["overlap"].any()


def test_the_documents_topics_kept_between_questions_are_bounded(built, monkeypatch):
    """A long-running process (`qa serve`, `qa mcp`) keeps what the documents it touched are about,
    and the sounds of their topic's names, for the last SENTENCE_CACHE documents only; what a
    document's entry says does not depend on what was dropped."""
    import qa.highlight as highlight

    qa, _ = built
    documents = range(len(qa.index.documents))
    unbounded = highlight.SentenceChooser(qa.index)
    expected = [(unbounded.topic(d), unbounded.topic_sounds(d)) for d in documents]
    monkeypatch.setattr(highlight, "SENTENCE_CACHE", 2)
    chooser = highlight.SentenceChooser(qa.index)
    for _ in range(2):
        assert [(chooser.topic(d), chooser.topic_sounds(d)) for d in documents] == expected
        assert len(chooser._topics) <= 2 and len(chooser._topic_sounds) <= 2
    assert len(expected) > 2
