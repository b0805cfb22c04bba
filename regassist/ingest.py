"""Ingestion: files -> Documents -> Chunks -> vectors -> registry rows -> search indexes.

One file's change (its document, chunks and new vectors) is one SQLite transaction; the search indexes are
updated incrementally (FAISS remove/add, BM25 rebuilt from stored tokens) and written once at the end, as
a new generation. A bad file is reported and skipped; the batch goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from regassist.chunking import chunk_document
from regassist.config import Settings
from regassist.documents import Chunk, DocInfo, Document, content_id
from regassist.embeddings import Embedder, load_embedder
from regassist.errors import RegassistError, _printable
from regassist.index import LexicalIndex, SearchIndex, augment, load_index, remove_stale_files, write_index, writer_lock
from regassist.lexical import tokenize
from regassist.loaders import canonical_source, file_metadata, iter_sources, load_bytes, metadata_hash, read_source
from regassist.store import Registry

logger = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "duplicate", "failed", "removed"]


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    status: Status
    doc_id: str = ""
    title: str = ""
    lang: str = ""
    pages: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks that needed a new vector (the rest came from the cache)
    warnings: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class IngestReport:
    results: tuple[FileResult, ...]
    elapsed_s: float
    totals: dict[str, int] = field(default_factory=dict)

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def n_failed(self) -> int:
        return self.count("failed")


def embed_text(chunk: Chunk) -> str:
    """What the embedder and BM25 see: the heading context, then the verbatim chunk text."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


class Indexer:
    """The one writer of an index folder (holds its lock while working)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._loaded: SearchIndex | None = None

    @property
    def embedder(self) -> Embedder:
        """Loaded on first need: a batch of unchanged files never loads the model."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    def ingest(
        self,
        paths: Iterable[Path],
        overrides: Mapping[str, Any] | None = None,
        *,
        show_progress: bool = False,
    ) -> IngestReport:
        """Add new files, replace changed ones, skip unchanged ones; returns one result per file."""
        started = time.perf_counter()
        files = iter_sources(paths)
        results: list[FileResult] = []
        with writer_lock(self.settings.index_dir):
            registry = Registry(self.settings.index_dir, create=True)
            try:
                self._loaded = None  # the search index is loaded (with the model) only when a file needs work
                changed = False
                from tqdm.auto import tqdm

                for path in tqdm(files, desc="Ingesting", unit="file", disable=not show_progress):
                    result = self._ingest_one(registry, path, overrides)
                    results.append(result)
                    changed |= result.status in ("added", "updated")
                    if result.status == "failed":
                        logger.warning("%s", result.error)
                if changed or not _manifest_current(registry):
                    self._persist(registry, self._index(registry))
                else:  # files a writer killed during its cleanup left behind (see index.remove_stale_files)
                    remove_stale_files(registry.index_dir)
            finally:
                registry.close()
        return IngestReport(tuple(results), time.perf_counter() - started)

    def _index(self, registry: Registry) -> SearchIndex:
        """The search index being updated, loaded on first use in this run."""
        if self._loaded is None:
            self._loaded = load_index(registry, self.embedder.name, self.embedder.dim, self.settings.ann_threshold)
        return self._loaded

    def _ingest_one(
        self,
        registry: Registry,
        path: Path,
        overrides: Mapping[str, Any] | None,
    ) -> FileResult:
        try:
            data = read_source(path, self.settings)
            meta = file_metadata(path, overrides)
            doc_id, source = content_id(data), canonical_source(path)
            existing = registry.doc_info(doc_id)
            # Unchanged bytes and metadata: nothing to do, not even parsing (re-ingesting a folder is cheap).
            if existing is not None and existing.source == source and registry.meta_hash(doc_id) == metadata_hash(meta):
                return FileResult(source, "unchanged", doc_id, existing.title, existing.lang, existing.n_pages,
                                  registry.n_chunks_of(doc_id))  # fmt: skip
            if existing is not None and existing.source != source:
                return FileResult(source, "duplicate", doc_id, existing.title, existing.lang, existing.n_pages, 0,
                                  warnings=(f"same content as {existing.source} (doc {doc_id})",))  # fmt: skip
            doc = load_bytes(data, path, self.settings, meta)
        except RegassistError as err:
            return _failed(path, str(err))
        except Exception as err:
            logger.debug("unexpected error loading %s", path, exc_info=True)
            return _failed(path, f"Cannot read {path.name}: {err.__class__.__name__}: {err}")
        index = self._index(registry)
        previous = registry.doc_by_source(doc.source)
        chunks = chunk_document(
            doc,
            count_tokens=self.embedder.count_tokens,
            max_tokens=self.settings.chunk_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
            min_tokens=self.settings.min_chunk_tokens,
        )
        if not chunks:
            return _failed(path, f"Cannot read {path.name}: no text to index.")
        model = self.embedder.name
        cached = registry.cached_vectors((c.content_hash for c in chunks), model)
        todo = {c.content_hash: embed_text(c) for c in chunks if c.content_hash not in cached}
        new_vectors: dict[str, np.ndarray] = {}
        if todo:
            vectors = self.embedder.embed_passages(list(todo.values()), show_progress=len(todo) > 64)
            new_vectors = dict(zip(todo, vectors, strict=True))
        tokens = [" ".join(tokenize(embed_text(c), c.lang)) for c in chunks]
        old_ids = _chunk_ids(registry, previous.doc_id) if previous else np.zeros(0, dtype=np.int64)
        with registry.transaction() as conn:
            if previous is not None:
                registry.delete_document(conn, previous.doc_id)
            registry.add_document(conn, doc, chunks, tokens, new_vectors, model)
            registry.bump_generation(conn)
        # The registry is committed; bring the in-memory dense index along (written at the end).
        if len(old_ids):
            index.dense.index.remove_ids(old_ids)
        new_ids = _chunk_ids(registry, doc.doc_id)
        all_vectors = {**cached, **new_vectors}
        rows = registry.chunks_by_ids(new_ids)
        vecs = np.vstack([all_vectors[rows[int(i)][0].content_hash] for i in new_ids]).astype(np.float32)
        langs = [rows[int(i)][0].lang for i in new_ids]
        index.dense.index.add_with_ids(augment(vecs, langs), new_ids)
        index.generation = registry.generation
        return _result(doc, "updated" if previous else "added", len(chunks), embedded=len(todo))

    def remove(self, refs: Iterable[str]) -> list[DocInfo]:
        """Delete documents (by id, id prefix or source path) and their chunks from the index."""
        removed: list[DocInfo] = []
        Registry(self.settings.index_dir).close()  # fails clearly, and creates nothing, when there is no index
        with writer_lock(self.settings.index_dir):
            registry = Registry(self.settings.index_dir)
            try:
                infos = [registry.resolve_doc(r) for r in refs]
                index = load_index(registry, self.embedder.name, self.embedder.dim, self.settings.ann_threshold)
                for info in infos:
                    ids = _chunk_ids(registry, info.doc_id)
                    with registry.transaction() as conn:
                        registry.delete_document(conn, info.doc_id)
                        registry.bump_generation(conn)
                    index.dense.index.remove_ids(ids)
                    index.generation = registry.generation
                    removed.append(info)
                self._persist(registry, index)
            finally:
                registry.close()
        return removed

    def _persist(self, registry: Registry, index: SearchIndex) -> None:
        ids, tokens = registry.chunk_ids_and_tokens()
        if index.dense.ntotal != len(ids):  # never write a vector index that disagrees with the registry
            from regassist.index import build_from_registry

            logger.warning("dense index out of step with the registry; rebuilding it from cached vectors")
            index = build_from_registry(registry, self.embedder.name, self.embedder.dim, self.settings.ann_threshold)
        else:
            from regassist.index import centroids_from_registry

            index.lexical = LexicalIndex.build(ids, tokens)
            index.dense.centroids = centroids_from_registry(registry, self.embedder.name, self.embedder.dim)
        index.generation = registry.generation
        write_index(registry.index_dir, index, {"dim": self.embedder.dim})


def _failed(path: Path, error: str) -> FileResult:
    return FileResult(_printable(str(path)), "failed", error=_printable(error))


def _manifest_current(registry: Registry) -> bool:
    from regassist.index import FORMAT_VERSION, read_manifest

    manifest = read_manifest(registry.index_dir) or {}
    return manifest.get("generation") == registry.generation and manifest.get("format") == FORMAT_VERSION


def _chunk_ids(registry: Registry, doc_id: str) -> np.ndarray:
    rows = registry.conn.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY id", (doc_id,)).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


def _result(
    doc: Document, status: Status, n_chunks: int, *, embedded: int = 0, warnings: tuple[str, ...] = ()
) -> FileResult:
    return FileResult(
        path=doc.source,
        status=status,
        doc_id=doc.doc_id,
        title=doc.title,
        lang=doc.lang,
        pages=doc.n_pages,
        chunks=n_chunks,
        embedded=embedded,
        warnings=doc.warnings + warnings,
    )
