"""End to end with the real default model and real FAISS, on the bilingual fixture corpus."""

import json
from pathlib import Path

import pytest

from qa import QA
from qa.documents import read_text
from qa.errors import (IndexCorruptError, IndexMissingError, IndexVersionError, InputError, ModelMismatchError,
                       Remedy)

from ..helpers import top_file


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_chinese_question_finds_english_document(built, mode):
    qa, _ = built
    assert top_file(qa, "冰岛火山爆发对欧洲航空旅行有什么影响？", mode=mode) == "volcano_en.md"


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_english_question_finds_chinese_document(built, mode):
    qa, _ = built
    assert top_file(qa, "How is Longjing green tea from Hangzhou processed?", mode=mode) == "longjing_zh.txt"


def test_same_language_questions(built):
    qa, _ = built
    assert top_file(qa, "长城被列入世界文化遗产是哪一年？") == "greatwall_gbk.txt"
    assert top_file(qa, "How long does a football match last?") == "football_en.txt"
    assert top_file(qa, "How long does a football match last?", mode="lexical") == "football_en.txt"
    assert top_file(qa, "固态电池什么时候量产？") == "battery_export.txt"


def test_every_citation_slices_the_original_file(built, corpus):
    qa, _ = built
    seen = 0
    for p in qa.index.passages:
        doc = qa.index.documents[p.doc]
        text, _ = read_text(corpus / Path(doc["path"].split("#")[0]).name)
        assert text[p.start:p.end] == p.text
        lines = text.split("\n")
        assert "\n".join(lines[p.line_start - 1:p.line_end]).find(p.text) >= 0
        seen += 1
    assert seen == len(qa.index.passages) > 14


def test_hits_carry_citation_highlight_and_metadata(built, corpus):
    qa, _ = built
    hit = qa.ask("When will solid-state batteries reach mass production?", k=1).hits[0]
    c = hit.citation
    assert c.title == "固态电池有望在2027年实现量产" and c.source == "Caixin Global" and c.date.startswith("2025-03-02")
    text, _ = read_text(corpus / "battery_export.txt")
    assert text[hit.highlight.char_start:hit.highlight.char_end] == hit.highlight.text
    assert c.char_start <= hit.highlight.char_start < hit.highlight.char_end <= c.char_end
    assert "2027" in hit.highlight.text
    d = hit.to_dict()
    assert d["citation"]["path"].endswith("battery_export.txt") and d["highlight"]["text"] == hit.highlight.text
    json.dumps(d)


def test_save_and_load_give_identical_hits(built, embedder):
    qa, index_dir = built
    again = QA.open(index_dir, embedder=embedder)
    for q in ("冰岛火山", "Longjing tea", "高铁 里程"):
        assert [h.to_dict() for h in qa.ask(q).hits] == [h.to_dict() for h in again.ask(q).hits]


def test_k_and_errors(built):
    qa, _ = built
    assert len(qa.ask("tea", k=2).hits) == 2
    with pytest.raises(InputError):
        qa.ask("   ")
    with pytest.raises(InputError):
        qa.ask("tea", k=0)
    with pytest.raises(InputError):
        qa.ask("tea", mode="fuzzy")


def _copy_index(index_dir, tmp_path):
    import shutil

    dst = tmp_path / "copy"
    shutil.copytree(index_dir, dst)
    return dst


@pytest.mark.parametrize("fmt, message, remedy", [
    (99, "newer qa", Remedy.UPGRADE),  # a newer qa's index: upgrade
    (1, r"old index format 1", Remedy.REBUILD),  # before passages were typed rows and the store was recorded
    (3, r"old index format 3", Remedy.REBUILD),  # one build folder, before the local store's segments
    (4, r"old index format 4", Remedy.REBUILD),  # segments, before sentence keys in a fixed order and answer kinds
    (5, r"old index format 5", Remedy.REBUILD),  # documents and files in the manifest, parsed whole on open
])
def test_another_index_format_is_refused_with_its_remedy(built, tmp_path, fmt, message, remedy):
    _, index_dir = built
    dst = _copy_index(index_dir, tmp_path)
    m = json.loads((dst / "manifest.json").read_text())
    m["format"] = fmt
    (dst / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexVersionError, match=message) as e:
        QA.open(dst)
    assert e.value.remedy is remedy


def test_corrupt_files_are_refused_with_a_repair_hint(built, tmp_path):
    _, index_dir = built
    dst = _copy_index(index_dir, tmp_path)
    m = json.loads((dst / "manifest.json").read_text())
    (dst / m["store"]["segments"][0]["name"] / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="vectors.faiss") as e:
        QA.open(dst)
    assert e.value.remedy is Remedy.REBUILD and Remedy.REBUILD.advice in str(e.value)
    (dst / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="unreadable") as e:
        QA.open(dst)
    assert e.value.remedy is Remedy.REBUILD
    with pytest.raises(IndexMissingError, match="no index at") as e:
        QA.open(tmp_path / "nothing-here")
    assert e.value.remedy is Remedy.BUILD


def test_other_model_is_refused(built):
    _, index_dir = built
    with pytest.raises(ModelMismatchError, match="use-multilingual"):
        QA.open(index_dir, model="st:some-other-model")


def test_rebuild_reuses_unchanged_files_and_sees_changes(corpus, embedder, tmp_path):
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(corpus, docs)
    index_dir = tmp_path / "index"
    first = QA.build([docs], index_dir, embedder=embedder).last_build
    assert first.embedded > 0 and len(first.added) == 7
    again = QA.build([docs], index_dir, embedder=embedder).last_build
    assert again.embedded == 0 and len(again.unchanged) == 7
    (docs / "football_en.txt").write_text("Cricket is played with a bat and ball.\n", encoding="utf-8")
    (docs / "rail_zh.txt").unlink()
    third = QA.build([docs], index_dir, embedder=embedder)
    r = third.last_build
    assert (len(r.changed), len(r.removed), len(r.unchanged)) == (1, 1, 5)
    assert 0 < r.embedded <= 3
    assert top_file(third, "What is cricket played with?") == "football_en.txt"
    assert all("rail_zh" not in d["path"] for d in third.index.documents)
    full = QA.build([docs], index_dir, embedder=embedder, full=True).last_build
    assert full.embedded > r.embedded
