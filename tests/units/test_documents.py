import codecs

import pytest

from qa.documents import decode, discover, load_file, read_text
from qa.errors import DocumentError, InputError

from ..conftest import DATA

ZH = "韩国的目标是到2030年成为全球人工智能领域的前三强国家。"
TW = "韓國的目標是到2030年成為全球人工智慧領域的前三強國家。"


@pytest.mark.parametrize("text,encoding", [
    (ZH, "utf-8"), (ZH, "gbk"), (ZH, "gb18030"), (TW, "big5"), (ZH[:8], "gbk"), (TW[:8], "big5"),
    ("Hello 你好", "gbk"),
])
def test_decodes_chinese_encodings(text, encoding):
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_byte_order_marks(bom, codec):
    assert decode(bom + ZH.encode(codec)) == ZH


def test_binary_is_refused():
    with pytest.raises(DocumentError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_export_format_gives_metadata():
    (doc,) = load_file(DATA / "battery_export.txt")
    assert doc.title == "固态电池有望在2027年实现量产"
    assert doc.source == "Caixin Global" and doc.date == "2025-03-02 08:15"
    assert doc.meta == {"topic": "固态电池技术"}
    assert doc.text[doc.start:doc.end].startswith("Core Insights - Several carmakers")


def test_export_file_with_several_records(tmp_path):
    one = (DATA / "battery_export.txt").read_text(encoding="utf-8")
    two = one.replace("固态电池有望在2027年实现量产", "第二篇").replace("2025-03-02", "2025-04-01")
    (tmp_path / "two.txt").write_text(one.rstrip("\n") + "\n" + two, encoding="utf-8")
    docs = load_file(tmp_path / "two.txt")
    assert [d.title for d in docs] == ["固态电池有望在2027年实现量产", "第二篇"]
    assert [d.date[:10] for d in docs] == ["2025-03-02", "2025-04-01"]
    assert docs[0].end <= docs[1].start
    assert "第二篇" not in docs[0].text[docs[0].start:docs[0].end]


def test_markdown_title_and_gbk_file():
    (md,) = load_file(DATA / "python_mixed.md")
    assert md.title == "Python 入门 / Getting started with Python"
    text, _ = read_text(DATA / "greatwall_gbk.txt")
    assert text.startswith("长城是中国古代的军事防御工程")


def test_discover_walks_folders_and_refuses_missing_paths(tmp_path):
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    files, skipped = discover([tmp_path])
    assert [f.name for f in files] == ["a.txt"] and skipped == []
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "missing"])
