"""qa.use_bulk gives the default model's vectors, with less work, and a build through it the same index."""

import numpy as np
import pytest

from qa.builder import build_index
from qa.embedding import USEEmbedder
from qa.index_files import load_index
from qa.use_bulk import _SHORT, BulkEncoder, _row_sum, _shared_run

EN = ("Warsaw\nThe Vistula river flows through Warsaw, the capital of Poland. The city grew around a castle "
      "built by the dukes of Masovia in the fourteenth century, and became the seat of the royal court in 1596. "
      "Most of the old town was destroyed in 1944 and rebuilt after the war from paintings and drawings. "
      "Short one.")
ZH = ("长江\n长江是中国最长的河流，全长约六千三百公里，流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海。"
      "三峡大坝位于湖北省宜昌市境内的长江西陵峡段，是世界上规模最大的水电站之一。短句。")
GROUPS = [
    (EN, ["The Vistula river flows through Warsaw, the capital of Poland.",
          "The city grew around a castle built by the dukes of Masovia in the fourteenth century, and became "
          "the seat of the royal court in 1596.",
          "Most of the old town was destroyed in 1944 and rebuilt after the war from paintings and drawings.",
          "Short one."]),
    (ZH, ["长江是中国最长的河流，全长约六千三百公里，流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海。",
          "三峡大坝位于湖北省宜昌市境内的长江西陵峡段，是世界上规模最大的水电站之一。", "短句。"]),
    # A sentence that is the passage's own start (no title), one that is not in its passage at all,
    # and a passage that is not wanted (its sentences are then run whole).
    ("Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau.",
     ["Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho.",
      "An unrelated sentence about something else entirely, long enough to be looked for in the passage."]),
    (None, ["The Vistula river flows through Warsaw, the capital of Poland.", "x"]),
]


@pytest.fixture(scope="module")
def model():
    return USEEmbedder(workers=1)


def _texts(groups):
    return [t for p, ss in groups for t in ([p] if p is not None else []) + list(ss)]


def test_vectors_are_the_models_text_by_text(model):
    want = model._model._encode(_texts(GROUPS))
    got = BulkEncoder(model._model).encode_groups(GROUPS)
    assert got.shape == want.shape
    assert np.abs(got - want).max() < 2e-6


def test_long_sentences_are_read_from_their_passage(model):
    enc = BulkEncoder(model._model)
    passage = enc._tokens(EN)
    sentence = enc._tokens(GROUPS[0][1][1])
    assert len(sentence) >= _SHORT
    offset, first, last = _shared_run(passage, sentence, 0)
    assert last - first >= len(sentence) - 12  # all but its edges
    assert (sentence[first:last] == passage[first + offset:last + offset]).all()
    assert _shared_run(passage, enc._tokens("Short one."), 0) is None


def test_threads_and_repeats_give_the_same_bits(model):
    one = BulkEncoder(model._model, workers=1).encode_groups(GROUPS * 3)
    again = BulkEncoder(model._model, workers=1).encode_groups(GROUPS * 3)
    two = BulkEncoder(model._model, workers=2)
    try:
        threaded = two.encode_groups(GROUPS * 3)
    finally:
        two.close()
    assert np.array_equal(one, again)
    assert np.abs(one - threaded).max() < 2e-6


def test_a_build_through_it_equals_one_text_by_text(model, tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "en.md").write_text("# Warsaw\n\n" + EN.split("\n", 1)[1] + "\n", encoding="utf-8")
    (docs / "zh.md").write_text("# 长江\n\n" + ZH.split("\n", 1)[1] + "\n", encoding="utf-8")
    build_index([docs], tmp_path / "bulk", embedder=model)
    monkeypatch.setattr(USEEmbedder, "bulk", lambda self: None)
    build_index([docs], tmp_path / "plain", embedder=model)
    a, b = (load_index(tmp_path / name).store for name in ("bulk", "plain"))
    ids = np.arange(a.count)
    assert a.count == b.count > 0
    assert np.abs(a.vectors(ids) - b.vectors(ids)).max() < 2e-6
    sa, sb = a.sentence_vectors(ids), b.sentence_vectors(ids)
    assert sa.shape == sb.shape and len(sa) > a.count
    assert np.abs(sa - sb).max() <= 2 ** -13  # stored as float16: at most one step apart


def test_token_id_work_does_not_depend_on_what_came_first(model):
    """A build resumed after a crash must give the vectors an uninterrupted one gives."""
    whole, pieces = BulkEncoder(model._model), BulkEncoder(model._model)
    ids = np.concatenate([whole._tokens(t) for t in _texts(GROUPS)]).astype(np.int64)
    whole._learn(ids)
    for lo in range(0, len(ids), 7):
        pieces._learn(ids[lo:lo + 7][::-1])
    seen = np.unique(ids)
    assert np.array_equal(whole._x[whole._slot[seen]], pieces._x[pieces._slot[seen]])


@pytest.mark.parametrize("rows", [1, 2, 7, 8, 9, 15, 16, 17, 64, 127, 128, 129, 130, 136, 257, 300, 1031])
def test_row_sum_adds_as_reduceat(rows):
    """The features of a text are summed in numpy's order for np.add.reduceat (pairwise, column by
    column): the same bits, on values of mixed sign and size, and a column of -0.0 stays -0.0."""
    rng = np.random.default_rng(rows)
    a = (rng.standard_normal((rows, 1280)) * rng.uniform(0.01, 100, size=(rows, 1))).astype(np.float32)
    a[:, 7] = -0.0
    want = np.add.reduceat(a, [0], axis=0)[0]
    got = _row_sum(a)
    assert got.dtype == np.float32 and got.shape == want.shape
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    assert np.array_equal(a.sum(axis=0) == got, a.sum(axis=0) == want)  # (not a plain row-by-row sum's bits)
