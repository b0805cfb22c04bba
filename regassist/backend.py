"""Where an index lives. One protocol, two implementations, picked by ``Settings.store``:

- ``embedded.EmbeddedBackend`` (default, ``store = ""``): an index folder with the SQLite registry and the
  FAISS + bm25s files derived from it. One machine, no server.
- ``postgres.PostgresBackend`` (``store = "postgresql://..."``): the registry tables, pgvector (HNSW) for
  dense search and a posting table scored with BM25 for the lexical side, all in one database that several
  app processes share.

The pipeline talks only to this protocol: ingestion writes through a ``Writer`` (one transaction per
document), retrieval reads through a ``SearchView`` of the current generation, filters become a backend
``Scope`` (chunk ids in memory for the embedded index, SQL conditions for PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from regassist.config import Settings
from regassist.documents import Chunk, DocInfo, Document
from regassist.store import Filters, Registry

# (model name, vector dimension) of the embedder, asked only when a write or a search needs it: a batch of
# unchanged files never loads the model.
ModelInfo = Callable[[], tuple[str, int]]
Scope = Any  # opaque to the caller: made by Backend.scope, consumed by SearchView


class SearchView(Protocol):
    """Dense and lexical search over one generation of the registry."""

    generation: int

    @property
    def ntotal(self) -> int: ...

    def search_dense(self, query: np.ndarray, k: int, scope: Scope, *, alpha: float) -> list[tuple[int, float]]:
        """(chunk id, q·v - alpha·q·centroid(lang of v)) best first (see index.DenseIndex)."""
        ...

    def search_lexical(self, tokens: Mapping[str, float], k: int, scope: Scope) -> list[tuple[int, float]]:
        """(chunk id, weighted BM25 score) best first, only chunks with a positive score."""
        ...

    def background(self, query: np.ndarray, lang: str) -> float:
        """q·centroid(lang), what the debiased dense score subtracts (times alpha)."""
        ...

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored passage vectors (without the language slots) of the chunks that have one."""
        ...


class Writer(Protocol):
    """Changes to an index. Each call is one transaction: readers see the old or the new document."""

    def write_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        tokens: Sequence[str],
        vectors: Mapping[str, np.ndarray],
        previous: DocInfo | None,
    ) -> None:
        """Insert ``doc`` with its chunks, replacing ``previous`` (the document from the same source)."""
        ...

    def remove_document(self, doc_id: str) -> None: ...


class Backend(Protocol):
    registry: Registry
    kind: str  # "embedded" | "postgresql"
    location: str  # folder or URL (without password), for messages

    @property
    def generation(self) -> int: ...

    def view(self, model: str, dim: int) -> SearchView:
        """The search structures of the current generation (cached until a writer moves it on)."""
        ...

    def scope(self, *filters: Filters) -> Scope:
        """The chunks passing every one of ``filters``."""
        ...

    def scope_is_empty(self, scope: Scope) -> bool: ...

    def writing(self, model_info: ModelInfo) -> AbstractContextManager[Writer]:
        """A writer for a batch of changes; the embedded index persists its files at the end."""
        ...

    def close(self) -> None: ...


class ViewCache:
    """The one ``SearchView`` of the registry's current generation, rebuilt (once, under a lock) when a writer
    has moved the generation on. Backends provide ``registry`` and ``_load_view``."""

    registry: Registry

    def __init__(self) -> None:
        self._view: Any = None
        self._view_lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self.registry.generation

    def view(self, model: str, dim: int) -> Any:
        generation = self.registry.generation
        if self._view is None or self._view.generation != generation:
            with self._view_lock:
                if self._view is None or self._view.generation != generation:
                    self._view = self._load_view(model, dim)
        return self._view

    def _load_view(self, model: str, dim: int) -> Any:
        raise NotImplementedError


def open_backend(settings: Settings, *, create: bool = False) -> Backend:
    """The backend ``settings.store`` names: "" = the embedded index in ``settings.index_dir``.
    Without ``create``, a missing index is an ``IndexStateError`` that says how to build one."""
    if is_postgres_url(settings.store):
        from regassist.postgres import PostgresBackend

        return PostgresBackend(settings, create=create)
    from regassist.embedded import EmbeddedBackend

    return EmbeddedBackend(settings, create=create)


def is_postgres_url(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def location(settings: Settings) -> str:
    """Where ``settings`` put the index, for messages: the folder, or the database URL without its password."""
    if not is_postgres_url(settings.store):
        return str(settings.index_dir)
    parts = urlsplit(settings.store)
    if not parts.password:
        return settings.store
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))
