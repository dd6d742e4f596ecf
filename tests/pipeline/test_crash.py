"""Crash safety with real processes: SIGKILL mid-build, two builds at once, readers during a rebuild."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QA
from qa.index_files import read_manifest

from ..conftest import DATA, subprocess_env
from ..helpers import top_file

# A build that stops (and waits for ``gate`` to exist) at a chosen point: "embed" (after the first
# batch of texts went through the model), "publish" (build folder written, manifest not yet swapped),
# "segment-write" (the new segment's files written, not yet flushed), "merge-write" (the same, for the segment
# a merge writes; the merge policy is set to merge every update) or "flush-write" (the same, for the second of
# the segments a build writes as it goes; it writes one every 20 passages).
BUILDER = r"""
import json, sys, time
from pathlib import Path
import qa.builder as b
docs, index, gate, where = sys.argv[1:5]
def wait(tag):
    print(tag, flush=True)
    while not Path(gate).exists():
        time.sleep(0.05)
if where == "publish":
    import qa.segmented as segmented
    real = b.publish
    def publish(*a, **k):
        wait("publish")
        real(*a, **k)
    b.publish = segmented.publish = publish  # a whole build, and an update by segments
if where in ("segment-write", "merge-write", "flush-write"):  # stopped inside a segment write
    import qa.stores.faiss_segment as fs
    import qa.stores.segments as policy
    if where == "merge-write":
        policy.MAX_SEGMENTS = 1  # the new segment is merged at once with the old one
    if where == "flush-write":
        policy.FLUSH_PASSAGES = 20  # the new files are written as several segments
    real_sync, synced = fs.fsync_tree, []
    def sync(folder):
        synced.append(folder)
        if len(synced) == (1 if where == "segment-write" else 2):
            wait(where)
        real_sync(folder)
    fs.fsync_tree = sync
stopped = []
def progress(stage, done, total):
    if stage == where and not stopped:
        stopped.append(stage)
        wait(stage)
r = b.build_index([docs], index, progress=progress)
print(json.dumps({"embedded": r.embedded}), file=sys.stderr, flush=True)
print("done", len(r.added), flush=True)
"""
OLD_Q, OLD_FILE = "冰岛火山爆发对欧洲航空旅行有什么影响？", "volcano_en.md"
NEW_Q = "Which river did the zorvath traders cross at dawn?"


def add_new_files(docs: Path, n: int = 60) -> None:
    """Enough new distinct text for more than one embedding batch, and one findable fact."""
    rng = random.Random(6)
    words = ("amber basalt canyon delta ember fjord glacier harbor island jungle kelp lagoon meadow "
             "nectar orchard prairie quarry reef savanna tundra upland valley willow yarrow").split()
    for i in range(n):
        sentences = [" ".join(rng.choice(words) for _ in range(9)).capitalize() + "." for _ in range(4)]
        (docs / f"new{i:03d}.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    (docs / "new_fact.txt").write_text("The zorvath traders crossed the Kesh river at dawn with salt.\n",
                                       encoding="utf-8")


@pytest.fixture
def live(tmp_path, embedder):
    """A built index of tests/data, and its folder with new files added since."""
    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    index = tmp_path / "index"
    QA.build([docs], index, embedder=embedder)
    add_new_files(docs)
    return docs, index, tmp_path / "gate"


def start(docs: Path, index: Path, gate: Path, where: str) -> subprocess.Popen:
    env = subprocess_env()
    proc = subprocess.Popen([sys.executable, "-c", BUILDER, str(docs), str(index), str(gate), where],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline().strip()
    assert line == where, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def qa_index(docs: Path, index: Path) -> subprocess.CompletedProcess:
    env = subprocess_env()
    return subprocess.run([sys.executable, "-m", "qa.cli", "index", str(docs), "--index", str(index), "--json"],
                          capture_output=True, text=True, env=env, timeout=600)


def builds(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("b-"))


def segment_folders(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("s-"))


def named_segments(index: Path) -> list[str]:
    return sorted(s["name"] for s in read_manifest(index).store["segments"])


@pytest.mark.parametrize("where", ["segment-write", "merge-write", "flush-write"])
def test_sigkill_during_a_segment_write_or_a_merge_keeps_the_old_index_and_the_next_build_finishes(
        live, embedder, where):
    docs, index, gate = live
    before = read_manifest(index)
    proc = start(docs, index, gate, where)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert read_manifest(index).build == before.build and named_segments(index) == [
        s["name"] for s in before.store["segments"]] and len(before.store["segments"]) == 1
    assert len(segment_folders(index)) == (2 if where == "segment-write" else 3)  # what the kill left (half-)written
    qa = QA.open(index, embedder=embedder)
    assert top_file(qa, OLD_Q) == OLD_FILE
    assert all("new" not in d["path"] for d in qa.index.documents)
    gate.touch()  # the next build (with the same merge policy) runs through
    done = subprocess.run([sys.executable, "-c", BUILDER, str(docs), str(index), str(gate), where],
                          capture_output=True, text=True, env=subprocess_env(), timeout=600)
    assert done.returncode == 0 and done.stdout.split("\n")[-2] == "done 61", done.stderr
    assert segment_folders(index) == named_segments(index)  # the leftovers are removed
    if where == "flush-write":  # the old segment and the 61 new files in segments of 20+ passages
        segments = read_manifest(index).store["segments"]
        assert len(segments) >= 4 and all(s["passages"] >= 20 for s in segments[1:-1])
        # The two segments written before the kill are not embedded again (their vectors are in the cache).
        later = sum(s["passages"] + s["sentences"] for s in segments[3:])
        said = next(json.loads(ln) for ln in done.stderr.splitlines() if ln.startswith('{"embedded"'))
        assert 0 < said["embedded"] <= later
    else:
        assert len(named_segments(index)) == (2 if where == "segment-write" else 1)  # the merge is done
    qa = QA.open(index, embedder=embedder)
    assert top_file(qa, NEW_Q) == "new_fact.txt" and top_file(qa, OLD_Q) == OLD_FILE


def test_sigkill_mid_build_keeps_the_old_index_and_the_next_build_completes(live, embedder):
    docs, index, gate = live
    before = read_manifest(index).build
    for where in ("embed", "publish"):
        proc = start(docs, index, gate, where)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        # The old index is intact and answers; nothing of the killed build is visible.
        assert read_manifest(index).build == before
        qa = QA.open(index, embedder=embedder)
        assert top_file(qa, OLD_Q) == OLD_FILE
        assert all("new" not in d["path"] for d in qa.index.documents)
    assert len(builds(index)) == 2  # the folder the second kill left half-published
    done = qa_index(docs, index)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 61
    assert builds(index) == [read_manifest(index).build]  # the leftover is cleaned up
    assert segment_folders(index) == named_segments(index)
    qa = QA.open(index, embedder=embedder)
    assert top_file(qa, NEW_Q) == "new_fact.txt" and top_file(qa, OLD_Q) == OLD_FILE


def test_second_build_is_refused_and_readers_keep_the_old_index(live, embedder):
    docs, index, gate = live
    reader = QA.open(index, embedder=embedder)
    before = read_manifest(index).build
    proc = start(docs, index, gate, "embed")
    try:
        second = qa_index(docs, index)
        assert second.returncode == 1
        assert second.stderr.startswith("qa: error:") and "is being built by pid" in second.stderr
        assert "wait for it to finish" in second.stderr and "Traceback" not in second.stderr
        assert read_manifest(index).build == before  # the refused run wrote nothing
        # A reader opened during the rebuild sees the old index, whole.
        during = QA.open(index, embedder=embedder)
        assert top_file(during, OLD_Q) == OLD_FILE
        assert all("new" not in d["path"] for d in during.index.documents)
    finally:
        gate.touch()
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and out.strip() == "done 61", err
    after = read_manifest(index).build
    assert after != before and builds(index) == [after]
    # Readers opened before keep answering from the old index, though its folder is gone.
    for qa in (reader, during):
        assert top_file(qa, OLD_Q) == OLD_FILE
        assert top_file(qa, NEW_Q) != "new_fact.txt"
    assert top_file(QA.open(index, embedder=embedder), NEW_Q) == "new_fact.txt"


def test_sigkill_during_embedding_keeps_the_vectors_computed_and_the_next_build_reuses_them(live, embedder):
    import numpy as np

    from qa.embed_cache import WORK

    docs, index, gate = live
    twin = index.parent / "twin"
    shutil.copytree(index, twin)  # the same index, to be updated without a crash
    proc = start(docs, index, gate, "embed")  # stopped after the first batch came back from the model
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    kept = list((index / WORK).glob("embeddings-*.bin"))
    assert len(kept) == 1
    cached = kept[0].stat().st_size // (16 + 4 * embedder.dim)
    assert cached > 0
    resumed, clean = qa_index(docs, index), qa_index(docs, twin)
    assert resumed.returncode == 0 and clean.returncode == 0, resumed.stderr + clean.stderr
    assert json.loads(resumed.stdout)["embedded"] == json.loads(clean.stdout)["embedded"] - cached
    assert not (index / WORK).exists()  # published: the index holds the vectors now
    a, b = QA.open(index, embedder=embedder).index, QA.open(twin, embedder=embedder).index
    ids = np.arange(a.store.count)
    assert np.array_equal(a.store.vectors(ids), b.store.vectors(ids))  # the kept vectors are the model's
    assert np.array_equal(a.store.sentence_vectors(ids), b.store.sentence_vectors(ids))


def test_publishing_flushes_the_manifest_rename_to_disk(tmp_path, embedder, monkeypatch):
    """A power cut right after a build must not bring back the old manifest: the index folder, where
    the rename happened, is synced after it (a real build; os.replace and os.fsync only recorded)."""
    import stat

    from qa import index_files

    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    events: list[tuple] = []
    real_replace, real_fsync = os.replace, os.fsync
    monkeypatch.setattr(index_files.os, "replace",
                        lambda a, b: (events.append(("replace", Path(b).name)), real_replace(a, b))[1])
    monkeypatch.setattr(index_files.os, "fsync", lambda fd: (
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file",
                       os.fstat(fd).st_ino)), real_fsync(fd))[1])
    QA.build([docs], tmp_path / "index", embedder=embedder)
    renamed = events.index(("replace", "manifest.json"))
    assert ("fsync", "folder", (tmp_path / "index").stat().st_ino) in events[renamed + 1:]
    assert any(e[:2] == ("fsync", "file") for e in events[:renamed])  # the manifest's bytes, before it
