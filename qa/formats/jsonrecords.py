"""JSON and JSON Lines: one document per record that has a text field (names configurable).

Each record's ``Document.text`` is the value of its text field, so a citation's offsets index into
that field. Records are cited as ``file.jsonl#LINE`` or ``file.json#N`` (1-based).
"""

from __future__ import annotations

import json

from ..discovery import NO_TEXT_FIELD
from ..documents import Document, decode
from ..errors import DocumentError
from . import FormatOptions, Loaded


def _first(record: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _records(shown: str, sha: str, items: list[tuple[str, object]], options: FormatOptions) -> Loaded:
    docs, problems = [], []
    for where, record in items:
        if not isinstance(record, dict):
            problems.append((where, "not a JSON object"))
            continue
        text = record.get(next((n for n in options.json_text_fields if isinstance(record.get(n), str)), ""))
        if not isinstance(text, str) or not text.strip():
            problems.append((where, f"{NO_TEXT_FIELD} (looked for {', '.join(options.json_text_fields)})"))
            continue
        docs.append(Document(path=where, text=text, sha256=sha,
                             title=_first(record, options.json_title_fields),
                             date=_first(record, options.json_date_fields),
                             source=_first(record, options.json_source_fields), meta={"format": "json"}))
    if not docs:
        reasons = sorted({r for _, r in problems}) or ["no records"]
        raise DocumentError("no usable record: " + "; ".join(reasons))
    return Loaded(docs, problems)


def load_json(shown: str, data: bytes, sha: str, options: FormatOptions, notes: list[str]) -> Loaded:
    try:
        value = json.loads(decode(data, notes))
    except json.JSONDecodeError as e:
        raise DocumentError(f"invalid JSON ({e}); for one record a line, name the file .jsonl") from e
    if isinstance(value, dict):
        # A single record, or an object holding the list of records (e.g. {"data": [...]}).
        lists = [v for v in value.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if _first(value, options.json_text_fields) is not None or not lists:
            return _records(shown, sha, [(shown, value)], options)
        value = lists[0]
    if not isinstance(value, list):
        raise DocumentError("JSON that is neither a record nor a list of records")
    return _records(shown, sha, [(f"{shown}#{i}", r) for i, r in enumerate(value, start=1)], options)


def load_jsonl(shown: str, data: bytes, sha: str, options: FormatOptions, notes: list[str]) -> Loaded:
    items: list[tuple[str, object]] = []
    bad: list[tuple[str, str]] = []
    for n, line in enumerate(decode(data, notes).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"{shown}#{n}", json.loads(line)))
        except json.JSONDecodeError as e:
            bad.append((f"{shown}#{n}", f"invalid JSON ({e.msg})"))
    if not items:
        raise DocumentError("no JSON record in the file" + (f" ({bad[0][1]})" if bad else ""))
    loaded = _records(shown, sha, items, options)
    loaded.problems[:0] = bad
    return loaded
