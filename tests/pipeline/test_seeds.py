"""The bundled seed document answers the README's questions, in both languages."""

import pytest

from qa import QA

from ..conftest import ROOT


@pytest.fixture(scope="module")
def seeds_qa(embedder, tmp_path_factory):
    return QA.build([ROOT / "seeds"], tmp_path_factory.mktemp("seeds") / "index", embedder=embedder)


@pytest.mark.parametrize("question", ["韩国人工智能发展的目标是什么？",
                                      "What does South Korea aim to achieve in AI by 2030?"])
def test_seed_is_cited(seeds_qa, question):
    hit = seeds_qa.ask(question, k=1).hits[0]
    assert hit.citation.path.endswith("000_4ac3b683ada84da1.txt")
    assert hit.citation.title == "吕本富:韩国AI发展可向中国借力"
    assert hit.citation.source == "Huan Qiu Wang Zi Xun" and hit.citation.date == "2025-11-14 23:09"
    assert "2030" in hit.text
