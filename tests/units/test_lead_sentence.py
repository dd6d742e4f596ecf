"""Which sentence is a document's lead (qa.highlight.read_topic): the first that says something, not a
headline, a byline or a label above it."""

from qa.headings import not_an_answer
from qa.highlight import read_topic
from qa.records import Passage
from qa.segment import split_sentences


def passage(text: str) -> Passage:
    spans = [list(s) for s in split_sentences(text)]
    return Passage(doc=0, start=0, end=len(text), line_start=1, line_end=text.count("\n") + 1, langs=["en"],
                   sentences=spans, text=text)


def test_a_byline_is_not_the_lead_even_with_commas():
    text = ("By Grace Cheung, August 14, 2025\n\nHong Kong's government opened a tender for two data centre "
            "sites in the Northern Metropolis. The tender closes in November.")
    lead, words = read_topic("Hong Kong invites bids for data centre sites", passage(text))
    assert lead == 1 and "tender" in words  # the byline above it names the topic, as a title does
    assert not_an_answer("By Grace Cheung, August 14, 2025", alone=True)


def test_a_headline_with_clauses_still_reads_as_prose():
    assert not not_an_answer("鹏飞无人机二季度交付创新高，航线增至45条", alone=True)
    assert not not_an_answer("Byron Bay, a surf town, grew by a third", alone=True)
