"""What the build stores of each passage for the highlight (qa.highlight.analyse, kept in
analysis.jsonl) is read back by every later question: an index built by a qa whose analysis differs
from the reader's gives wrong highlights without any error. So a change to what ``analyse`` computes
must come with a new index format, which makes older indexes ask for a rebuild. This test holds a
fingerprint of ``analyse`` over the test documents for the current FORMAT_VERSION: it fails when the
analysis changes and the format does not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa.chunks import chunk_document
from qa.documents import load_file
from qa.highlight import analyse
from qa.index_files import FORMAT_VERSION
from qa.records import Passage
from qa.segment import languages

DATA = Path(__file__).resolve().parent.parent / "data"

# FORMAT_VERSION -> sha256 of analyse() over tests/data (in file order). When analyse changes on
# purpose: bump FORMAT_VERSION in qa/index_files.py and add the new fingerprint here (the failure
# message prints it); never edit an existing line.
FINGERPRINTS = {
    5: "10cacffaa8309d5fd1fc8e5f70aea144f14c182b463c57cf3bb2fa0dc46ce83d",
    6: "10cacffaa8309d5fd1fc8e5f70aea144f14c182b463c57cf3bb2fa0dc46ce83d",
    7: "10cacffaa8309d5fd1fc8e5f70aea144f14c182b463c57cf3bb2fa0dc46ce83d",
    8: "5f6ba9ee0fee4279b76b05e56d31064a49089ebf426974c0b44587c4d375cce6",
    9: "5f6ba9ee0fee4279b76b05e56d31064a49089ebf426974c0b44587c4d375cce6",
    10: "5f6ba9ee0fee4279b76b05e56d31064a49089ebf426974c0b44587c4d375cce6",
    11: "5f6ba9ee0fee4279b76b05e56d31064a49089ebf426974c0b44587c4d375cce6",
}


def _analysis_of_test_documents() -> list:
    out = []
    for path in sorted(DATA.iterdir()):
        for doc in load_file(path):
            chunks = chunk_document(doc)
            title_langs = languages(doc.title) if doc.title else []
            passages = [Passage(doc=0, start=c.start, end=c.end, line_start=c.line_start, line_end=c.line_end,
                                langs=c.langs + [l for l in title_langs if l not in c.langs],
                                sentences=[list(s) for s in c.sentences], text=doc.text[c.start:c.end])
                        for c in chunks]
            out.append([path.name, analyse(passages, doc.title)])
    return out


def test_analysis_changes_only_with_a_new_index_format():
    found = _analysis_of_test_documents()
    assert sum(len(p[0]) for _, a in found for p in a) > 30, "the test documents should give many sentences"
    digest = hashlib.sha256(json.dumps(found, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    assert FORMAT_VERSION in FINGERPRINTS, (
        f"index format {FORMAT_VERSION} has no fingerprint: add {FORMAT_VERSION}: {digest!r} to FINGERPRINTS")
    assert digest == FINGERPRINTS[FORMAT_VERSION], (
        "qa.highlight.analyse computes something else than what format "
        f"{FORMAT_VERSION}'s indexes hold: bump FORMAT_VERSION in qa/index_files.py and add "
        f"{FORMAT_VERSION + 1}: {digest!r} here")
