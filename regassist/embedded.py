"""The embedded backend (the default): an index folder on one machine, no server.

``registry.sqlite`` is the source of truth (store.py); the FAISS and bm25s files beside it are derived and
stamped with the registry's generation (index.py). A writer holds the folder's lock for a batch, commits one
SQLite transaction per document, keeps an in-memory copy of the dense index in step (FAISS remove/add) and
writes a new generation of the files once, at the end of the batch.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from regassist.backend import ModelInfo, ViewCache, location
from regassist.config import Settings
from regassist.documents import Chunk, DocInfo, Document
from regassist.index import (
    FORMAT_VERSION,
    LexicalIndex,
    SearchIndex,
    augment,
    build_from_registry,
    centroids_from_registry,
    load_index,
    read_manifest,
    remove_stale_files,
    write_index,
    writer_lock,
)
from regassist.store import Filters, Registry

logger = logging.getLogger(__name__)


class EmbeddedBackend(ViewCache):
    """FAISS + bm25s files and a SQLite registry in ``settings.index_dir``."""

    kind = "embedded"

    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        super().__init__()
        self.settings = settings
        self.registry = Registry(settings.index_dir, create=create)
        self.location = location(settings)

    def _load_view(self, model: str, dim: int) -> SearchIndex:
        return load_index(self.registry, model, dim, self.settings.ann_threshold)

    def scope(self, *filters: Filters) -> np.ndarray | None:
        return self.registry.allowed_ids(*filters)

    def scope_is_empty(self, scope: np.ndarray | None) -> bool:
        return scope is not None and len(scope) == 0

    @contextlib.contextmanager
    def writing(self, model_info: ModelInfo) -> Iterator[EmbeddedWriter]:
        """Hold the folder's lock; on success, write the new generation of the index files."""
        with writer_lock(self.settings.index_dir):
            writer = EmbeddedWriter(self.registry, self.settings, model_info)
            yield writer
            writer.finish()

    def close(self) -> None:
        self.registry.close()


class EmbeddedWriter:
    """Registry transactions plus the in-memory dense index they change (written by ``finish``)."""

    def __init__(self, registry: Registry, settings: Settings, model_info: ModelInfo) -> None:
        self.registry = registry
        self.settings = settings
        self.model_info = model_info
        self.changed = False
        self._index: SearchIndex | None = None

    @property
    def index(self) -> SearchIndex:
        """The search index being updated, loaded on first need (that is, with the model)."""
        if self._index is None:
            model, dim = self.model_info()
            self._index = load_index(self.registry, model, dim, self.settings.ann_threshold)
        return self._index

    def write_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        tokens: Sequence[str],
        vectors: Mapping[str, np.ndarray],
        previous: DocInfo | None,
    ) -> None:
        index, registry = self.index, self.registry
        old_ids = registry.chunk_ids_of(previous.doc_id) if previous else np.zeros(0, dtype=np.int64)
        with registry.transaction() as conn:
            if previous is not None:
                registry.delete_document(conn, previous.doc_id)
            registry.add_document(conn, doc, chunks, tokens, dict(vectors), index.model)
            registry.bump_generation(conn)
        # The registry is committed; bring the in-memory dense index along (written by finish).
        if len(old_ids):
            index.dense.index.remove_ids(old_ids)
        new_ids = registry.chunk_ids_of(doc.doc_id)
        rows = registry.chunks_by_ids(new_ids)
        vecs = np.vstack([vectors[rows[int(i)][0].content_hash] for i in new_ids]).astype(np.float32)
        index.dense.index.add_with_ids(augment(vecs, [rows[int(i)][0].lang for i in new_ids]), new_ids)
        index.generation = registry.generation
        self.changed = True

    def remove_document(self, doc_id: str) -> None:
        index, registry = self.index, self.registry
        ids = registry.chunk_ids_of(doc_id)
        with registry.transaction() as conn:
            registry.delete_document(conn, doc_id)
            registry.bump_generation(conn)
        index.dense.index.remove_ids(ids)
        index.generation = registry.generation
        self.changed = True

    def finish(self) -> None:
        """Persist the index files when something changed or they are behind the registry; otherwise only
        delete what a writer killed during its cleanup left behind (see index.remove_stale_files)."""
        registry = self.registry
        manifest = read_manifest(registry.index_dir) or {}
        current = manifest.get("generation") == registry.generation and manifest.get("format") == FORMAT_VERSION
        if current and not self.changed:
            remove_stale_files(registry.index_dir)
            return
        index = self.index
        model, dim = self.model_info()
        ids, tokens = registry.chunk_ids_and_tokens()
        if index.dense.ntotal != len(ids):  # never write a vector index that disagrees with the registry
            logger.warning("dense index out of step with the registry; rebuilding it from cached vectors")
            index = build_from_registry(registry, model, dim, self.settings.ann_threshold)
        else:
            index.lexical = LexicalIndex.build(ids, tokens)
            index.dense.centroids = centroids_from_registry(registry, model, dim)
        index.generation = registry.generation
        write_index(registry.index_dir, index, {"dim": dim})
