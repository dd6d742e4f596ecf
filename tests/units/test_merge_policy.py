"""The merge policy of the local store's segments (qa.stores.segments): which segments merge."""

from pathlib import Path

from qa.stores import segments as policy
from qa.stores.segments import Layout


def layout(*sizes: tuple[int, int]) -> Layout:
    """Segments s-0, s-1, ... of (passages, deleted passages)."""
    records = [{"name": f"s-{i}", "passages": n, "documents": n, "deleted": [0] if gone else [],
                "deleted_passages": gone} for i, (n, gone) in enumerate(sizes)]
    return Layout(Path("."), records, {r["name"]: {0: {}} for r in records})


def test_up_to_the_limit_nothing_merges():
    assert layout(*[(100, 0)] * policy.MAX_SEGMENTS).to_merge() == []


def test_past_the_limit_the_smallest_merge_so_that_the_limit_remains():
    sizes = [(1000, 0)] * policy.MAX_SEGMENTS + [(5, 0)] + [(7, 0)] * 2
    chosen = layout(*sizes).to_merge()
    assert len(chosen) == len(sizes) - policy.MAX_SEGMENTS + 1
    assert set(chosen) >= {f"s-{policy.MAX_SEGMENTS}"}  # the smallest is among them
    assert all(int(n[2:]) >= policy.MAX_SEGMENTS or sizes[int(n[2:])][0] <= 1000 for n in chosen)


def test_a_segment_mostly_deleted_is_rewritten_even_alone():
    assert layout((100, 31), (100, 30)).to_merge() == ["s-0"]  # more than 30%: rewritten; 30%: kept


def test_deleted_segments_count_towards_the_merges_the_limit_needs():
    sizes = [(100, 50)] * 4 + [(100, 0)] * (policy.MAX_SEGMENTS - 3)  # one over the limit
    assert layout(*sizes).to_merge() == ["s-0", "s-1", "s-2", "s-3"]  # those 4 are enough, and no more


def test_optimize_merges_everything_unless_one_whole_segment():
    assert layout((10, 0), (20, 0)).to_merge(everything=True) == ["s-0", "s-1"]
    assert layout((10, 1)).to_merge(everything=True) == ["s-0"]
    assert layout((10, 0)).to_merge(everything=True) == []


def test_full_segments_of_a_flushed_build_never_merge_by_count():
    full = policy.FLUSH_PASSAGES
    sizes = [(full + 3, 0)] * (3 * policy.MAX_SEGMENTS) + [(40, 0)]  # a large build: 24 full segments
    assert layout(*sizes).to_merge() == []
    small = [(full, 0)] * 2 + [(10 + i, 0) for i in range(policy.MAX_SEGMENTS + 1)]  # 9 small ones: 2 merge
    assert layout(*small).to_merge() == ["s-2", "s-3"]


def test_optimize_of_a_large_index_merges_only_small_and_deleted_segments():
    full = policy.FLUSH_PASSAGES
    assert layout((full, 0), (full, 0), (5, 0)).to_merge(everything=True) == []  # one small one: done
    assert layout((full, 0), (full, 9), (5, 0), (6, 0)).to_merge(everything=True) == ["s-1", "s-2", "s-3"]


def test_only_plain_names_of_the_index_own_folders_are_taken():
    """One check for build and segment folder names (the manifest, the store and `qa info` read
    them): a name that leaves the index folder is never taken."""
    from qa.index_files import own_folder

    assert own_folder("s-20261201T1200-1-2", "s-") and own_folder("b-x", "b-")
    for bad in ("s-../x", "s-a/b", "s-a\\b", "b-x", None, 3, "../s-x"):
        assert not own_folder(bad, "s-"), bad
