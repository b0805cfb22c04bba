"""Ingestion: files -> Documents -> Chunks -> vectors -> the backend (registry rows and search indexes).

One file's change (its document, chunks and vectors) is one transaction of the backend (backend.py): the
embedded index updates FAISS in memory and writes its files once at the end of the batch, PostgreSQL
commits everything at once. Vectors are cached by content hash, so unchanged passages are never embedded
again. A bad file is reported and skipped; the batch goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from regassist.backend import Writer, open_backend
from regassist.chunking import chunk_document
from regassist.config import Settings
from regassist.documents import Chunk, DocInfo, Document, content_id
from regassist.embeddings import Embedder, load_embedder
from regassist.errors import RegassistError, _printable
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
    """Writes documents into an index (through ``backend.Backend``; the embedded folder or PostgreSQL)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        """Loaded on first need: a batch of unchanged files never loads the model."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    def _model_info(self) -> tuple[str, int]:
        return self.embedder.name, self.embedder.dim

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
        backend = open_backend(self.settings, create=True)
        try:
            with backend.writing(self._model_info) as writer:
                from tqdm.auto import tqdm

                for path in tqdm(files, desc="Ingesting", unit="file", disable=not show_progress):
                    result = self._ingest_one(backend.registry, writer, path, overrides)
                    results.append(result)
                    if result.status == "failed":
                        logger.warning("%s", result.error)
        finally:
            backend.close()
        return IngestReport(tuple(results), time.perf_counter() - started)

    def _ingest_one(
        self,
        registry: Registry,
        writer: Writer,
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
        cached = registry.cached_vectors((c.content_hash for c in chunks), self.embedder.name)
        todo = {c.content_hash: embed_text(c) for c in chunks if c.content_hash not in cached}
        vectors = dict(cached)
        if todo:
            embedded = self.embedder.embed_passages(list(todo.values()), show_progress=len(todo) > 64)
            vectors.update(zip(todo, embedded, strict=True))
        tokens = [" ".join(tokenize(embed_text(c), c.lang)) for c in chunks]
        writer.write_document(doc, chunks, tokens, vectors, previous)
        return _result(doc, "updated" if previous else "added", len(chunks), embedded=len(todo))

    def remove(self, refs: Iterable[str]) -> list[DocInfo]:
        """Delete documents (by id, id prefix or source path) and their chunks from the index."""
        removed: list[DocInfo] = []
        backend = open_backend(self.settings)  # fails clearly, and creates nothing, when there is no index
        try:
            with backend.writing(self._model_info) as writer:
                infos = [backend.registry.resolve_doc(r) for r in refs]
                for info in infos:
                    writer.remove_document(info.doc_id)
                    removed.append(info)
        finally:
            backend.close()
        return removed


def _failed(path: Path, error: str) -> FileResult:
    return FileResult(_printable(str(path)), "failed", error=_printable(error))


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
