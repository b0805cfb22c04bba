"""The approximate dense index (IVF above Settings.ann_threshold): recall against exact search, and
incremental deletions/additions without a rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from regassist.documents import LANGS
from regassist.index import build_dense

faiss = pytest.importorskip("faiss")

N, DIM, CLUSTERS, K = 20_000, 384, 200, 10


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Random but clustered unit vectors (like topics in a corpus), ids with gaps, four languages, and
    queries near the data (perturbed corpus vectors, as questions are near their passages)."""
    rng = np.random.default_rng(7)
    centers = _unit(rng.standard_normal((CLUSTERS, DIM)))
    labels = rng.integers(0, CLUSTERS, N)
    vectors = _unit(centers[labels] + 0.6 / np.sqrt(DIM) * rng.standard_normal((N, DIM)))  # cos to centre ~0.86
    ids = np.arange(N, dtype=np.int64) * 3 + 5  # chunk ids are not positions
    langs = [LANGS[i % len(LANGS)] for i in labels]
    queries = _unit(vectors[rng.choice(N, 200, replace=False)] + 0.05 * rng.standard_normal((200, DIM)))
    return ids, vectors, langs, queries


def _recall(exact: list[list[int]], approx: list[list[int]]) -> float:
    return float(np.mean([len(set(e) & set(a)) / len(e) for e, a in zip(exact, approx, strict=True)]))


@pytest.fixture(scope="module")
def indexes(data):
    ids, vectors, langs, _ = data
    flat = build_dense(ids, vectors, langs, DIM, ann_threshold=10**9)
    ivf = build_dense(ids, vectors, langs, DIM, ann_threshold=1_000)
    return flat, ivf


def test_kinds(indexes) -> None:
    flat, ivf = indexes
    assert flat.kind == "flat" and ivf.kind == "ivf"
    assert flat.ntotal == ivf.ntotal == N
    assert isinstance(faiss.downcast_index(ivf.index), faiss.IndexIVF)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_ivf_recall_at_10(data, indexes, alpha: float) -> None:
    _, _, _, queries = data
    flat, ivf = indexes
    exact = [[i for i, _ in flat.search(q, K, alpha=alpha)] for q in queries]
    approx = [[i for i, _ in ivf.search(q, K, alpha=alpha)] for q in queries]
    assert all(len(a) == K for a in approx)
    assert _recall(exact, approx) >= 0.95


def test_ivf_recall_with_a_filter(data, indexes) -> None:
    """Filtered searches (metadata, named places) pass an IDSelector; IVF must still find the allowed ids."""
    ids, _, _, queries = data
    flat, ivf = indexes
    allowed = ids[::4]  # a quarter of the corpus, spread over all clusters
    exact = [[i for i, _ in flat.search(q, K, allowed)] for q in queries]
    approx = [[i for i, _ in ivf.search(q, K, allowed)] for q in queries]
    assert set().union(*map(set, approx)) <= set(allowed.tolist())
    assert _recall(exact, approx) >= 0.95


def test_ivf_remove_and_add_without_rebuild(data) -> None:
    ids, vectors, langs, _ = data
    ivf = build_dense(ids, vectors, langs, DIM, ann_threshold=1_000)
    from regassist.index import augment

    gone = ids[:500]
    removed = ivf.index.remove_ids(np.ascontiguousarray(gone))
    assert removed == 500 and ivf.ntotal == N - 500
    gone_set = set(gone.tolist())
    for row in range(0, 500, 50):  # a removed vector's own query no longer finds it
        found = [i for i, _ in ivf.search(vectors[row], K)]
        assert found and not gone_set & set(found)

    new_ids = np.arange(10**6, 10**6 + 500, dtype=np.int64)  # ids are never reused: re-added chunks get new ones
    ivf.index.add_with_ids(augment(vectors[:500], langs[:500]), new_ids)
    assert ivf.ntotal == N
    for row in range(0, 500, 50):
        top_id, top_score = ivf.search(vectors[row], K)[0]
        assert top_id == new_ids[row] and top_score == pytest.approx(1.0, abs=1e-4)
    assert ivf.kind == "ivf"  # still the same trained index, not rebuilt


def test_ivf_survives_write_and_read(data, indexes, tmp_path) -> None:
    """nprobe travels with the file, so a loaded IVF index has the recall of the built one."""
    _, _, _, queries = data
    _, ivf = indexes
    path = tmp_path / "dense.faiss"
    faiss.write_index(ivf.index, str(path))
    loaded = faiss.read_index(str(path))
    assert faiss.extract_index_ivf(loaded).nprobe == faiss.extract_index_ivf(ivf.index).nprobe
    q = queries[0].reshape(1, -1)
    padded = np.concatenate([q, np.zeros((1, len(LANGS)), np.float32)], axis=1)
    assert np.array_equal(loaded.search(padded, K)[1], ivf.index.search(padded, K)[1])
