"""Decoding files whatever their encoding, reading them with limits, and reading document metadata.

Every offset qa stores is a character offset into the text returned by :func:`read_text` for the
file, so a citation can always be checked by slicing that text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import Skipped, discover, display_path, display_paths, file_kind, safe_name  # noqa: F401 (re-exported)
from .errors import DocumentError


@dataclass
class Document:
    """One document: a file, or one record of a file that holds several (the seed export format).

    ``text`` is the decoded text of the whole file (or, for PDF, Word, HTML and JSON, the text
    extracted from it); ``start``/``end`` bound this document's body. Citations index into ``text``.
    """

    path: str
    text: str
    sha256: str
    start: int = 0
    end: int | None = None
    title: str | None = None
    source: str | None = None
    date: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # The same text with markup blanked out (same length): what is segmented, tokenized and embedded
    # (Markdown). None when that is ``text`` itself.
    clean: str | None = None
    # (start, end) of each page in ``text`` (PDF); passages never cross a page.
    pages: list[tuple[int, int]] | None = None

    def __post_init__(self) -> None:
        if self.end is None:
            self.end = len(self.text)


# ---------------------------------------------------------------------------------------------
# Decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Chinese legacy encodings in the order we trust them when a detector is unsure: GB18030 is a
# superset of GBK and GB2312.
_CJK_FALLBACKS = ("gb18030", "big5")


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(sample) // 50)


def decode(data: bytes, notes: list[str] | None = None) -> str:
    """Decode file bytes: BOMs first, then UTF-8, then detection. Raise DocumentError.

    No good byte is lost: UTF-8 with a few damaged bytes (a stray Latin-1 byte, a cut-off character)
    stays UTF-8, each damaged byte becomes U+FFFD, and a line saying how many and where is added
    to ``notes``. A file in a legacy encoding is decoded whole in that encoding.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                raise DocumentError(f"starts with a {codec} byte-order mark but does not decode: {e}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        raise DocumentError("binary file (not text)")
    damaged = _damaged_utf8(data)
    if damaged is not None:
        if notes is not None:
            where = ", ".join(str(b) for b in damaged[:5]) + (", ..." if len(damaged) > 5 else "")
            notes.append(f"{len(damaged)} damaged byte(s) that are not UTF-8 (at byte {where}) shown as "
                         "\ufffd; the rest of the file is indexed")
        return data.decode("utf-8", "replace")
    candidates: list[tuple[float, str]] = []
    for codec in _CJK_FALLBACKS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        # The encoding that yields common Han characters, not rare ones, is the right one.
        candidates.append((_common_han_score(text), text))
    if candidates:
        score, text = max(candidates, key=lambda c: c[0])
        if score > 0.5:
            return text
    western = _western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("undecodable bytes: not UTF-8 and no known encoding fits; convert it to UTF-8")
    return str(best)


def _damaged_utf8(data: bytes) -> list[int] | None:
    """Byte offsets of the bytes that break UTF-8, when the file is UTF-8 with a few of them: it has
    well-formed multi-byte characters and they hold at least twice as many bytes as are bad (a
    Latin-1 or GBK file has almost no well-formed UTF-8 sequence). Else None."""
    bad: list[int] = []
    pos = 0
    while True:
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as e:
            bad.extend(range(pos + e.start, pos + e.end))
            pos += e.end
            if len(bad) > 10_000:
                return None
    non_ascii = sum(1 for b in data if b >= 0x80)
    good_multibyte = non_ascii - len(bad)
    if good_multibyte < 2 * len(bad):
        return None
    return bad


def _western(data: bytes) -> str | None:
    """The text in Windows-1252 (a superset of Latin-1) when that reads as a Western European
    language: a few accented Latin letters among plain ones (a Cyrillic or Greek single-byte file
    read this way is almost all accented letters)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    import unicodedata

    letters = [c for c in text if c.isalpha()]
    accented = [c for c in letters if ord(c) > 127]
    if not letters or len(accented) * 4 > len(letters):
        return None
    if any("LATIN" not in unicodedata.name(c, "") for c in accented):
        return None
    return text


def _common_han_score(text: str) -> float:
    """Share of Han characters in text that fall in the CJK range of common characters.

    GBK bytes read as Big5 (and the reverse) decode to rare characters and private-use codes far
    more often than to common ones, so the share tells the two encodings apart.
    """
    from .segment import HAN

    han = re.findall(f"[{HAN}]", text)
    if not han:
        return 0.0
    return sum(1 for c in han if c in _COMMON) / len(han)


# The most frequent Chinese characters, simplified forms then traditional forms of the ones that
# differ. Decoding a GBK file as Big5 (or the reverse) yields almost none of them.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
    "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
    "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
    "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门"
    "即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
    "带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段"
    "研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳"
    "便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京"
    "识适属圆包火住调满县局照参红细引听该铁价严龙飞湾智慧韩"
    "國會這為們來時說經發現還對開過關與學長麼點動個後業當從進實體機產種頭無間問題電話區應該將樣歲傳報雖聽讓觀見"
    "議論語調處變華張網際資訊團隊運車東醫術藝戰爭歷史總統記錄權條義務價設計畫領導農業務員標準備達辦織類計劃環境"
    "經濟參與政黨軍隊區域國際關係韓強臺灣"
)


# ---------------------------------------------------------------------------------------------
# Reading files

MAX_FILE_BYTES = 256 * 2**20  # a larger file is skipped, with the reason, before anything is read


def read_bytes(path: str | os.PathLike, limit: int | None = None) -> tuple[bytes, str]:
    """(bytes, sha256) of a regular file of at most ``limit`` bytes (default MAX_FILE_BYTES).

    Raise DocumentError for anything else: a FIFO, a device or a socket is never read (opening is
    non-blocking, so a FIFO cannot hang the build), nor is a file over the limit.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise DocumentError(f"cannot read: {e.strerror or e}") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"{file_kind(info.st_mode)}, not a regular file: only files are read")
        if info.st_size > limit:
            raise DocumentError(f"too large ({info.st_size / 2**20:.0f} MB; files over {limit / 2**20:.0f} MB "
                                "are not read): split it")
        os.set_blocking(fd, True)
        parts, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
            size += len(chunk)
            if size > limit:  # grew while being read
                raise DocumentError(f"too large (over {limit / 2**20:.0f} MB): split it")
    except OSError as e:
        raise DocumentError(f"cannot read: {e.strerror or e}") from e
    finally:
        os.close(fd)
    data = b"".join(parts)
    return data, hashlib.sha256(data).hexdigest()


def read_text(path: str | os.PathLike) -> tuple[str, str]:
    """(decoded text, sha256 of the bytes) of a file. Raise DocumentError when it cannot be read."""
    data, sha = read_bytes(path)
    return decode(data), sha


# ---------------------------------------------------------------------------------------------
# Metadata: the "Search documents" export format

_SOURCE_DATE_RE = re.compile(
    r"^(?P<source>.*?)\s*[·•]\s*(?P<date>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)\s*$")
_MARKER = "Search documents"


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the line break."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        spans.append((pos, pos + len(line.rstrip("\r\n"))))
        pos += len(line)
    return spans


def parse_export(path: str, text: str, sha: str) -> list[Document] | None:
    """Documents of a "Search documents" export (topic, marker, title, source·date, body), or None.

    A file may hold several such records one after another; each becomes its own document.
    """
    lines = _lines(text)
    heads = []
    for i, (s, e) in enumerate(lines):
        if text[s:e].strip() == _MARKER and i + 2 < len(lines):
            ts, te = lines[i + 2]
            if _SOURCE_DATE_RE.match(text[ts:te].strip()):
                heads.append(i)
    if not heads:
        return None
    docs = []
    for n, i in enumerate(heads):
        title_s, title_e = lines[i + 1]
        sd = _SOURCE_DATE_RE.match(text[lines[i + 2][0]:lines[i + 2][1]].strip())
        assert sd is not None
        body_start = lines[i + 3][0] if i + 3 < len(lines) else len(text)
        # The next record's topic line sits just above its marker.
        body_end = lines[heads[n + 1] - 1][0] if n + 1 < len(heads) else len(text)
        topic_line = lines[i - 1] if i > 0 else None
        meta = {"topic": text[topic_line[0]:topic_line[1]].strip()} if topic_line else {}
        docs.append(Document(
            path=path if len(heads) == 1 else f"{path}#{n + 1}", text=text, sha256=sha,
            start=body_start, end=max(body_start, body_end),
            title=text[title_s:title_e].strip() or None, source=sd.group("source") or None,
            date=sd.group("date"), meta=meta))
    return docs


def load_file(path: Path, options=None) -> list[Document]:
    """The documents in one file, parsed by its suffix (qa.formats). Raise DocumentError when it
    cannot be read or decoded."""
    return load_file_report(path, options).documents


def load_file_report(path: Path, options=None, shown: str | None = None):
    """Like load_file, but a ``formats.Loaded``: the documents and the parts that could not be used."""
    from .formats import FormatOptions, load

    data, sha = read_bytes(path)
    return load(path, shown or display_path(path), data, sha, options or FormatOptions())
