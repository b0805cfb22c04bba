"""Copy an embedded index into PostgreSQL (``regassist migrate --to URL``), without embedding anything again.

Documents, chunks, BM25 tokens and cached vectors are read from ``registry.sqlite`` and written through the
PostgreSQL backend's writer, one transaction per document. Documents already in the target are skipped, so
an interrupted migration is resumed by running it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from regassist.backend import is_postgres_url
from regassist.config import Settings
from regassist.embedded import EmbeddedBackend
from regassist.errors import ConfigError, IndexStateError


@dataclass(frozen=True, slots=True)
class MigrateReport:
    copied: int
    skipped: int
    chunks: int
    elapsed_s: float
    target: str


def migrate(settings: Settings, url: str, *, show_progress: bool = False) -> MigrateReport:
    """Copy the embedded index in ``settings.index_dir`` into the PostgreSQL database at ``url``."""
    from regassist.postgres import PostgresBackend

    if not is_postgres_url(url):
        raise ConfigError(f"--to expects a postgresql:// URL, not {url!r}.")
    started = time.perf_counter()
    source = EmbeddedBackend(settings.with_(store=""))
    target = PostgresBackend(settings.with_(store=url), create=True)
    try:
        models = source.registry.models()
        if len(models) != 1:
            raise IndexStateError(
                f"The index in {source.location} holds vectors of {len(models)} models "
                f"({', '.join(models) or 'none'}); migrate needs exactly one."
            )
        model = models[0]
        infos = source.registry.documents()
        dim = 0
        copied = skipped = n_chunks = 0
        from tqdm.auto import tqdm

        with target.bulk_load(), target.writing(lambda: (model, dim)) as writer:
            for info in tqdm(infos, desc="Migrating", unit="doc", disable=not show_progress):
                if target.registry.doc_info(info.doc_id) is not None:
                    skipped += 1
                    continue
                doc = source.registry.document(info.doc_id)
                chunks = source.registry.chunks_of(info.doc_id)
                tokens = source.registry.chunk_tokens(info.doc_id)
                vectors = source.registry.cached_vectors((c.content_hash for c in chunks), model)
                missing = {c.content_hash for c in chunks} - set(vectors)
                if missing:
                    raise IndexStateError(
                        f"{len(missing)} chunk(s) of {info.source} have no vector for {model}; "
                        "run regassist ingest on the embedded index first."
                    )
                dim = dim or len(next(iter(vectors.values())))
                previous = target.registry.doc_by_source(info.source)
                writer.write_document(doc, chunks, [tokens[c.chunk_id] for c in chunks], vectors, previous)
                copied += 1
                n_chunks += len(chunks)
    finally:
        source.close()
        target.close()
    return MigrateReport(copied, skipped, n_chunks, time.perf_counter() - started, target.location)
