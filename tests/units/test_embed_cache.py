"""The build's work file of vectors: read back exactly, in any order, across instances and torn tails."""

import numpy as np

from qa.embed_cache import EmbeddingCache, text_key


def test_vectors_come_back_in_the_order_asked_across_instances_and_a_torn_tail(tmp_path):
    path = tmp_path / ".work" / "embeddings.bin"
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((9000, 8)).astype(np.float32)  # more than one read of records
    keys = [text_key(f"text {i}") for i in range(len(vecs))]
    writer = EmbeddingCache(path, 8)
    reader = EmbeddingCache(path, 8)
    writer.append(keys[:5000], vecs[:5000])
    writer.append(keys[5000:], vecs[5000:])
    assert len(reader) == 0
    reader.refresh()  # takes in what the other instance appended
    assert len(reader) == len(keys)
    ask = [int(i) for i in rng.integers(0, len(keys), 3000)] + [7, 7, 8, 9, 8999]
    assert np.array_equal(reader.vectors([keys[i] for i in ask]), vecs[ask])
    with open(path, "ab") as f:
        f.write(b"\0" * 10)  # a crash in the middle of a record
    again = EmbeddingCache(path, 8)
    assert len(again) == len(keys) and np.array_equal(again.vectors(keys[-2:]), vecs[-2:])
    again.append([text_key("new")], np.ones((1, 8), np.float32))  # the torn record is cut off first
    assert np.array_equal(EmbeddingCache(path, 8).vectors([text_key("new"), keys[0]]),
                          np.stack([np.ones(8, np.float32), vecs[0]]))
