"""The derived search indexes of an index folder: FAISS (dense) and bm25s (lexical), plus manifest.json.

Layout of ``index/``::

    registry.sqlite          documents, chunks, cached vectors (the source of truth, see store.py)
    dense-<gen>.faiss        vectors keyed by chunk id (IndexIDMap2 over flat IP, or IVF when large)
    bm25-<gen>/              bm25s index + ids.npy (position -> chunk id)
    manifest.json            {"generation": gen, "model": ..., ...}, replaced last and atomically
    .lock                    held by the one writer

Files are never edited in place: a new generation is written beside the old one and ``manifest.json`` is
switched with ``os.replace``; only then are older generations deleted. A reader that finds the manifest
behind the registry (a crash between the two) rebuilds the indexes in memory from cached vectors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regassist.documents import LANGS
from regassist.errors import IndexLockedError, IndexStateError
from regassist.store import Registry

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: language-augmented dense vectors + centroids
LANG_SLOT = {lang: i for i, lang in enumerate(LANGS)}
IVF_NPROBE = 24


def augment(vectors: np.ndarray, langs: Sequence[str]) -> np.ndarray:
    """Rows [v, onehot(lang)]: with ``debiased_query`` the inner product becomes q·v - alpha * q·centroid(lang)."""
    out = np.zeros((len(vectors), vectors.shape[1] + len(LANGS)), dtype=np.float32)
    out[:, : vectors.shape[1]] = vectors
    for row, lang in enumerate(langs):
        out[row, vectors.shape[1] + LANG_SLOT[lang]] = 1.0
    return out


def debiased_query(query: np.ndarray, centroids: np.ndarray, alpha: float) -> np.ndarray:
    """[q, -alpha * centroids·q]: against ``augment``ed rows the inner product is q·v - alpha * q·centroid(lang)."""
    return np.concatenate([query, -alpha * (centroids @ query)]).astype(np.float32)


def language_centroids(vectors: np.ndarray, langs: Sequence[str], dim: int) -> np.ndarray:
    """Mean passage vector per language (zeros for an absent language), shape (len(LANGS), dim)."""
    centroids = np.zeros((len(LANGS), dim), dtype=np.float32)
    langs_arr = np.asarray(langs)
    for lang, slot in LANG_SLOT.items():
        mask = langs_arr == lang
        if mask.any():
            centroids[slot] = vectors[mask].mean(axis=0)
    return centroids


@dataclass
class DenseIndex:
    """FAISS over language-augmented vectors (see ``augment``); ids are chunk ids.

    Small multilingual embedders score passages in the query's own language higher, relevant or not. The
    mean similarity of a query to all passages of a language (q·centroid) measures that pull; subtracting it
    ranks passages by how much more similar they are than the language's background. The subtraction is
    folded into the inner product, so FAISS stays exact and approximate indexes work unchanged."""

    index: Any  # faiss.Index with external ids = chunk ids, dimension dim + len(LANGS)
    kind: str  # "flat" | "ivf"
    centroids: np.ndarray  # (len(LANGS), dim)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.centroids.shape[1])

    def background(self, query: np.ndarray, lang: str) -> float:
        """q·centroid(lang): what the debiased score subtracts (times alpha) for a passage in ``lang``."""
        return float(self.centroids[LANG_SLOT[lang]] @ query)

    def vector(self, chunk_id: int) -> np.ndarray | None:
        try:
            return np.asarray(self.index.reconstruct(int(chunk_id)))[: self.dim]
        except RuntimeError:  # IVF without a direct map
            return None

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, *, alpha: float = 0.0
    ) -> list[tuple[int, float]]:
        """(chunk id, q·v - alpha·q·centroid(lang)) best first; alpha 0 gives plain cosine."""
        import faiss

        if self.ntotal == 0 or k <= 0:
            return []
        query = debiased_query(query, self.centroids, alpha)
        k = min(k, self.ntotal)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (
                faiss.SearchParametersIVF(sel=sel, nprobe=IVF_NPROBE)
                if self.kind == "ivf"
                else faiss.SearchParameters(sel=sel)
            )
        # One query: OpenMP threads cost more than they bring on 2 cores under load (bench/bench_scale.py:
        # flat 100k p50 84 -> 35 ms at load 6); building and training keep all threads.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(
                np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params
            )
        finally:
            faiss.omp_set_num_threads(threads)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return sorted(found, key=lambda r: (-r[1], r[0]))  # ties by id: the same order on every backend


def build_dense(ids: np.ndarray, vectors: np.ndarray, langs: Sequence[str], dim: int, ann_threshold: int) -> DenseIndex:
    """Exact inner-product search below ``ann_threshold`` vectors; IVF-Flat above (sqrt-scaled lists)."""
    import faiss

    n = len(ids)
    centroids = language_centroids(vectors, langs, dim) if n else np.zeros((len(LANGS), dim), np.float32)
    vectors = augment(vectors, langs) if n else np.zeros((0, dim + len(LANGS)), np.float32)
    dim = dim + len(LANGS)
    if n < ann_threshold:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        kind = "flat"
    else:
        nlist = int(4 * math.sqrt(n))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).choice(n, size=min(n, nlist * 40), replace=False)]
        index.train(sample)
        index.nprobe = IVF_NPROBE
        # a hashtable direct map keeps reconstruct() working on IVF after removals (cosine of lexical-only hits)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        kind = "ivf"
    if n:
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return DenseIndex(index, kind, centroids)


class LexicalIndex:
    """bm25s over pre-tokenised chunks, with per-token weights for expanded queries."""

    def __init__(self, retriever: Any, ids: np.ndarray) -> None:
        self.retriever = retriever
        self.ids = ids
        self.vocab: dict[str, int] = retriever.vocab_dict if retriever is not None else {}

    @classmethod
    def build(cls, ids: np.ndarray, tokens: Sequence[Sequence[str]]) -> LexicalIndex:
        import bm25s

        if len(ids) == 0:
            return cls(None, ids)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index([list(t) for t in tokens], show_progress=False)
        return cls(retriever, ids)

    def search(
        self, weighted_tokens: dict[str, float], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if self.retriever is None or not weighted_tokens:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for token, weight in weighted_tokens.items():
            if token in self.vocab:
                scores += weight * self.retriever.get_scores([token])
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            # self.ids is sorted (registry id order): locate the allowed ids without a Python loop
            allowed = np.asarray(allowed, dtype=np.int64)
            positions = np.searchsorted(self.ids, allowed)
            found = positions < len(self.ids)
            found[found] = self.ids[positions[found]] == allowed[found]
            mask[positions[found]] = True
            scores[~mask] = 0.0
        nonzero = int(np.count_nonzero(scores))
        if nonzero == 0:
            return []
        k = min(k, nonzero)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.ids[p]), float(scores[p])) for p in top]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True)
        np.save(path / "ids.npy", self.ids)
        if self.retriever is not None:
            self.retriever.save(str(path))

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        import bm25s

        ids = np.load(path / "ids.npy")
        retriever = bm25s.BM25.load(str(path), mmap=False) if len(ids) else None
        return cls(retriever, ids)


@dataclass
class SearchIndex:
    """Dense + lexical indexes of one generation of the registry: the embedded backend's ``SearchView``,
    whose scope is an array of allowed chunk ids (None = all)."""

    generation: int
    model: str
    dense: DenseIndex
    lexical: LexicalIndex

    @property
    def ntotal(self) -> int:
        return self.dense.ntotal

    def search_dense(
        self, query: np.ndarray, k: int, scope: np.ndarray | None, *, alpha: float
    ) -> list[tuple[int, float]]:
        return self.dense.search(query, k, scope, alpha=alpha)

    def search_lexical(self, tokens: Mapping[str, float], k: int, scope: np.ndarray | None) -> list[tuple[int, float]]:
        return self.lexical.search(dict(tokens), k, scope)

    def background(self, query: np.ndarray, lang: str) -> float:
        return self.dense.background(query, lang)

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        found = {int(i): self.dense.vector(int(i)) for i in ids}
        return {i: v for i, v in found.items() if v is not None}


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except ValueError:
        return None


def centroids_from_registry(registry: Registry, model: str, dim: int) -> np.ndarray:
    """Language centroids of all chunk vectors, streamed from the registry (memory stays flat)."""
    sums = np.zeros((len(LANGS), dim), dtype=np.float64)
    counts = np.zeros(len(LANGS), dtype=np.int64)
    for _, vecs, langs in registry.iter_chunk_vectors(model):
        slots = np.array([LANG_SLOT[lang] for lang in langs])
        np.add.at(sums, slots, vecs)
        counts += np.bincount(slots, minlength=len(LANGS))
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


def build_from_registry(registry: Registry, model: str, dim: int, ann_threshold: int) -> SearchIndex:
    """Both indexes from the registry's cached vectors and tokens (no embedding), read from one snapshot of
    the registry so that a writer committing meanwhile cannot make them disagree."""
    with registry.snapshot():
        generation = registry.generation
        parts = list(registry.iter_chunk_vectors(model))
        all_ids = registry.all_chunk_ids()
        lex_ids, tokens = registry.chunk_ids_and_tokens()
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    vecs = np.vstack([p[1] for p in parts]) if parts else np.zeros((0, dim), dtype=np.float32)
    langs = [lang for p in parts for lang in p[2]]
    if len(ids) != len(all_ids):
        raise IndexStateError(
            f"{len(all_ids) - len(ids)} chunk(s) have no vector for model {model}. "
            "Run regassist ingest again to embed them."
        )
    dense = build_dense(ids, vecs, langs, dim, ann_threshold)
    return SearchIndex(generation, model, dense, LexicalIndex.build(lex_ids, tokens))


def load_index(registry: Registry, model: str, dim: int, ann_threshold: int) -> SearchIndex:
    """The on-disk indexes when they match the registry's generation and model; else rebuilt in memory."""
    import faiss

    manifest = read_manifest(registry.index_dir)
    generation = registry.generation
    if manifest and manifest.get("model") not in (None, model) and registry.stats()["chunks"]:
        raise IndexStateError(
            f"The index in {registry.index_dir} was built with the embedding model {manifest.get('model')!r}, "
            f"not {model!r}. Use that model (REGASSIST_EMBEDDING_MODEL) or rebuild into a new --index folder."
        )
    if manifest and manifest.get("generation") == generation and manifest.get("format") == FORMAT_VERSION:
        try:
            dense_index = faiss.read_index(str(registry.index_dir / manifest["dense"]))
            centroids = np.load(registry.index_dir / manifest["centroids"])
            lexical = LexicalIndex.load(registry.index_dir / manifest["bm25"])
            return SearchIndex(generation, model, DenseIndex(dense_index, manifest["kind"], centroids), lexical)
        except Exception as err:  # noqa: BLE001 - deliberate: one failure must not stop the caller
            logger.warning("Index files in %s are damaged (%s); rebuilding from the registry", registry.index_dir, err)
    elif manifest is not None or generation:
        logger.info("Index files are behind the registry (generation %s); rebuilding in memory", generation)
    return build_from_registry(registry, model, dim, ann_threshold)


def write_index(index_dir: Path, search_index: SearchIndex, extra: dict[str, Any] | None = None) -> None:
    """Persist a generation: new files beside the old, manifest switched atomically, old files removed."""
    import faiss

    gen = search_index.generation
    dense_name, bm25_name, centroids_name = f"dense-{gen}.faiss", f"bm25-{gen}", f"dense-{gen}.centroids.npy"
    tmp_dense = index_dir / f".{dense_name}.tmp"
    faiss.write_index(search_index.dense.index, str(tmp_dense))
    _fsync_file(tmp_dense)
    os.replace(tmp_dense, index_dir / dense_name)
    tmp_centroids = index_dir / f".{centroids_name}.tmp"
    with open(tmp_centroids, "wb") as fh:
        np.save(fh, search_index.dense.centroids)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp_centroids, index_dir / centroids_name)
    tmp_bm25 = index_dir / f".{bm25_name}.tmp"
    shutil.rmtree(tmp_bm25, ignore_errors=True)
    search_index.lexical.save(tmp_bm25)
    shutil.rmtree(index_dir / bm25_name, ignore_errors=True)
    os.replace(tmp_bm25, index_dir / bm25_name)
    manifest = {
        "format": FORMAT_VERSION,
        "generation": gen,
        "model": search_index.model,
        "kind": search_index.dense.kind,
        "n_chunks": search_index.dense.ntotal,
        "dense": dense_name,
        "centroids": centroids_name,
        "bm25": bm25_name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(extra or {}),
    }
    tmp = index_dir / f".{MANIFEST}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MANIFEST)
    _fsync_dir(index_dir)
    remove_stale_files(index_dir, manifest)


def remove_stale_files(index_dir: Path, manifest: dict[str, Any] | None = None) -> list[str]:
    """Delete other generations' files and leftover ``*.tmp`` files; returns their names. Only for the writer
    (the lock holder). Reliability fix (issue 8): this was the tail of ``write_index``; a writer killed after
    switching the manifest but before this cleanup left the old generation behind for good, because the next
    ingestion had nothing to write and never came here. ``Indexer.ingest`` now also calls it then."""
    manifest = manifest if manifest is not None else read_manifest(index_dir)
    if manifest is None:
        return []
    current = {manifest.get("dense"), manifest.get("bm25"), manifest.get("centroids")}
    removed: list[str] = []
    for old in index_dir.iterdir():
        stale_generation = old.name.startswith(("dense-", "bm25-")) and old.name not in current
        if stale_generation or (old.name.startswith(".") and old.name.endswith(".tmp")):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
            removed.append(old.name)
    return removed


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive lock for the one process that may change an index folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"Another regassist process is changing the index in {index_dir}. Wait for it to finish and try again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
