"""The registry: documents, chunks and cached vectors in SQLite, the source of truth of an index folder.

Every change of one document (its row, its chunks, their vectors) is one transaction, so a crash leaves
either the old or the new state. The dense and lexical indexes (``index.py``) are derived from these
tables and stamped with the registry's ``generation``; a mismatch is repaired from here without
re-embedding anything.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from regassist.documents import Chunk, DocInfo, Document
from regassist.errors import IndexStateError, NotFound

SCHEMA_VERSION = 1
DB_NAME = "registry.sqlite"

# Shared with postgres.py: the same text is valid SQLite and PostgreSQL (DOUBLE PRECISION has REAL affinity).
COMMON_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    lang TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    country TEXT,
    zone TEXT,
    edition TEXT,
    series TEXT,
    n_pages INTEGER NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    warnings TEXT NOT NULL,
    extra TEXT NOT NULL,
    added_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE INDEX IF NOT EXISTS documents_series ON documents(series, edition);
"""

_SCHEMA = (
    COMMON_DDL
    + """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the vector id in FAISS; never reused
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    page INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    section TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    context TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    tokens TEXT NOT NULL                   -- folded, stemmed BM25 tokens, space-separated
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS vectors (
    content_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (content_hash, model)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL
);
"""
)

DOC_COLUMNS = "doc_id, source, title, lang, doc_type, country, zone, edition, series, n_pages"
CHUNK_COLUMNS = 'c.id, c.chunk_id, c.doc_id, c.text, c.lang, c.page, c.page_end, c.section, c.start, c."end", c.context'


@dataclass(frozen=True, slots=True)
class Filters:
    """Metadata filters; every set field must match. Values inside one field are alternatives."""

    countries: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    edition_from: str | None = None  # ISO date prefix, inclusive
    edition_to: str | None = None
    latest_only: bool = False  # one edition per series: the latest
    zone_or_country_wide: bool = False  # zones match, or documents of no zone in the given countries

    @property
    def is_empty(self) -> bool:
        return not (
            self.countries
            or self.zones
            or self.doc_types
            or self.langs
            or self.doc_ids
            or self.edition_from
            or self.edition_to
            or self.latest_only
        )

    @classmethod
    def build(cls, **values: Any) -> Filters:
        """From loose values: None/'' are unset, strings may be comma-separated lists."""
        out: dict[str, Any] = {}
        for key, value in values.items():
            if value in (None, "", (), []):
                continue
            if key in ("edition_from", "edition_to", "latest_only"):
                out[key] = value
                continue
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [str(v).strip() for v in items if str(v).strip()]
            if key == "countries":
                items = [v.upper() for v in items]
            out[key] = tuple(items)
        return cls(**out)


def filters_where(*filters: Filters) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``documents d`` (portable between SQLite and PostgreSQL, ``?`` placeholders) that
    every one of ``filters`` holds; empty when none is set."""
    where: list[str] = []
    params: list[Any] = []
    for f in filters:
        if f.is_empty:
            continue
        if f.zone_or_country_wide and f.zones and f.countries:
            zq, cq = ",".join("?" * len(f.zones)), ",".join("?" * len(f.countries))
            where.append(f"(d.zone IN ({zq}) OR (d.zone IS NULL AND d.country IN ({cq})))")
            params.extend([*f.zones, *f.countries])
            f = replace(f, zones=(), countries=())
        for column, values in (
            ("d.country", f.countries),
            ("d.zone", f.zones),
            ("d.doc_type", f.doc_types),
            ("d.lang", f.langs),
            ("d.doc_id", f.doc_ids),
        ):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if f.edition_from:
            where.append("d.edition >= ?")
            params.append(f.edition_from)
        if f.edition_to:  # inclusive of the whole prefix: "2024" keeps "2024-12-31"
            where.append("d.edition <= ?")
            params.append(f.edition_to + "z")
        if f.latest_only:
            where.append(
                "(d.series IS NULL OR d.edition IS NULL OR d.edition = (SELECT max(e.edition) FROM documents e "
                "WHERE e.series = d.series))"
            )
    return where, params


class Registry:
    """The registry in SQLite (the embedded default). One connection per thread; writes happen inside
    ``transaction()``. The SQL here is kept portable: ``postgres.PgRegistry`` runs the same queries on
    PostgreSQL and overrides only connections, schema and the chunk writes."""

    BEGIN_WRITE = "BEGIN IMMEDIATE"  # take the write lock up front: no deadlock between two writers
    BEGIN_SNAPSHOT = "BEGIN"  # deferred: the first read fixes the WAL snapshot until COMMIT

    def __init__(self, index_dir: Path, *, create: bool = False) -> None:
        self.index_dir = index_dir
        self.path = index_dir / DB_NAME
        if not self.path.exists() and not create:
            raise IndexStateError(
                f"No index in {index_dir}. Build one first: regassist ingest corpus/ --index {index_dir}"
            )
        index_dir.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.conn.executescript(_SCHEMA)  # idempotent; executescript manages its own transaction
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        schema = self.get_meta("schema")
        if schema != str(SCHEMA_VERSION):
            raise IndexStateError(
                f"The index in {index_dir} has schema {schema}, this regassist expects {SCHEMA_VERSION}. "
                "Rebuild it: move the folder away and run regassist ingest again."
            )

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def transaction(self) -> _Transaction:
        return _Transaction(self.conn, self.BEGIN_WRITE)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one committed state of the registry (a WAL read transaction), however many
        statements they take. Reliability fix (issue 8): a reader rebuilding the indexes while the writer
        committed read vectors, ids and tokens of different states ("-8 chunk(s) have no vector")."""
        conn = self.conn
        if conn.in_transaction:  # already inside one (the writer's own transaction)
            yield
            return
        conn.execute(self.BEGIN_SNAPSHOT)
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation", "0") or 0)

    @staticmethod
    def bump_generation(conn: Any) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # -- documents --------------------------------------------------------------------------------
    def doc_by_source(self, source: str) -> DocInfo | None:
        row = self.conn.execute(f"SELECT {DOC_COLUMNS} FROM documents WHERE source = ?", (source,)).fetchone()
        return _doc_info(row) if row else None

    def doc_info(self, doc_id: str) -> DocInfo | None:
        row = self.conn.execute(f"SELECT {DOC_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _doc_info(row) if row else None

    def resolve_doc(self, ref: str) -> DocInfo:
        """A document by id, id prefix (at least 6 characters) or source path."""
        info = self.doc_info(ref) or self.doc_by_source(ref)
        if info is None and len(ref) >= 6:
            rows = self.conn.execute(
                f"SELECT {DOC_COLUMNS} FROM documents WHERE doc_id LIKE ?", (ref + "%",)
            ).fetchall()
            if len(rows) == 1:
                info = _doc_info(rows[0])
        if info is None:
            rows = self.conn.execute(
                f"SELECT {DOC_COLUMNS} FROM documents WHERE source LIKE ?", ("%" + ref,)
            ).fetchall()
            if len(rows) == 1:
                info = _doc_info(rows[0])
        if info is None:
            raise NotFound(f"No document {ref!r} in the index. List them with: regassist docs")
        return info

    def document(self, doc_id: str) -> Document:
        row = self.conn.execute(
            "SELECT doc_id, source, title, lang, doc_type, text, page_starts, country, zone, edition, series, "
            "warnings, extra FROM documents WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"No document {doc_id!r} in the index.")
        return Document(
            doc_id=row[0],
            source=row[1],
            title=row[2],
            lang=row[3],
            doc_type=row[4],
            text=row[5],
            page_starts=tuple(json.loads(row[6])),
            country=row[7],
            zone=row[8],
            edition=row[9],
            series=row[10],
            sha256=row[0],
            warnings=tuple(json.loads(row[11])),
            extra=json.loads(row[12]),
        )

    def page_starts(self, doc_id: str) -> tuple[int, ...]:
        row = self.conn.execute("SELECT page_starts FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return tuple(json.loads(row[0])) if row else (0,)

    def zones(self) -> list[tuple[str | None, str | None]]:
        """Distinct (zone, country) pairs of the indexed documents."""
        return [tuple(r) for r in self.conn.execute("SELECT DISTINCT zone, country FROM documents").fetchall()]

    def documents(self) -> list[DocInfo]:
        rows = self.conn.execute(f"SELECT {DOC_COLUMNS} FROM documents ORDER BY source").fetchall()
        return [_doc_info(r) for r in rows]

    def series_documents(self, series: str) -> list[DocInfo]:
        """The documents (editions) of one series, oldest edition first."""
        rows = self.conn.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE series = ? ORDER BY edition, source", (series,)
        ).fetchall()
        return [_doc_info(r) for r in rows]

    def editions(self, series: str) -> list[str]:
        """Effective dates of the documents of one series, oldest first."""
        rows = self.conn.execute(
            "SELECT DISTINCT edition FROM documents WHERE series = ? AND edition IS NOT NULL ORDER BY edition",
            (series,),
        )
        return [r[0] for r in rows.fetchall()]

    def meta_hash(self, doc_id: str) -> str | None:
        found = self.conn.execute("SELECT extra FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return json.loads(found[0]).get("meta_hash") if found else None

    def n_chunks_of(self, doc_id: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM chunks WHERE doc_id = ?", (doc_id,)).fetchone()[0])

    def add_document(
        self,
        conn: Any,
        doc: Document,
        chunks: Sequence[Chunk],
        tokens: Sequence[str],
        vectors: dict[str, np.ndarray],
        model: str,
    ) -> None:
        """Insert one document with its chunks and their vectors by content hash (inside the caller's
        transaction); vectors already cached stay as they are."""
        extra = {k: v for k, v in doc.extra.items() if k != "headings"}
        extra["headings"] = doc.extra.get("headings", [])
        conn.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.doc_id,
                doc.source,
                doc.title,
                doc.lang,
                doc.doc_type,
                doc.country,
                doc.zone,
                doc.edition,
                doc.series,
                doc.n_pages,
                doc.text,
                json.dumps(list(doc.page_starts)),
                json.dumps(list(doc.warnings), ensure_ascii=False),
                json.dumps(extra, ensure_ascii=False, default=str),
                time.time(),
            ),
        )
        self._insert_chunks(conn, chunks, tokens, vectors)
        conn.executemany(
            "INSERT INTO vectors VALUES (?,?,?) ON CONFLICT DO NOTHING",
            [(h, model, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
        )

    def _insert_chunks(
        self, conn: Any, chunks: Sequence[Chunk], tokens: Sequence[str], vectors: dict[str, np.ndarray]
    ) -> None:
        conn.executemany(
            'INSERT INTO chunks (chunk_id, doc_id, text, lang, page, page_end, section, start, "end", context, '
            "content_hash, tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.chunk_id,
                    c.doc_id,
                    c.text,
                    c.lang,
                    c.page,
                    c.page_end,
                    c.section,
                    c.start,
                    c.end,
                    c.context,
                    c.content_hash,
                    t,
                )
                for c, t in zip(chunks, tokens, strict=True)
            ],
        )

    @staticmethod
    def delete_document(conn: Any, doc_id: str) -> None:
        conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    # -- vectors ----------------------------------------------------------------------------------
    def cached_vectors(self, hashes: Iterable[str], model: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = list(dict.fromkeys(hashes))
        for i in range(0, len(hashes), 500):
            batch = hashes[i : i + 500]
            rows = self.conn.execute(
                f"SELECT content_hash, vec FROM vectors WHERE model = ? AND content_hash IN "
                f"({','.join('?' * len(batch))})",
                (model, *batch),
            ).fetchall()
            out.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        return out

    def iter_chunk_vectors(self, model: str, batch: int = 20_000) -> Iterator[tuple[np.ndarray, np.ndarray, list[str]]]:
        """(ids, vectors, languages) of every chunk, in id order, for rebuilding the dense index."""
        last = -1
        while True:
            rows = self.conn.execute(
                "SELECT c.id, v.vec, c.lang FROM chunks c JOIN vectors v ON v.content_hash = c.content_hash "
                "AND v.model = ? WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (model, last, batch),
            ).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            yield ids, vecs, [r[2] for r in rows]
            last = int(ids[-1])

    def prune_vectors(self, conn: Any) -> None:
        """Drop cached vectors no chunk uses any more."""
        conn.execute("DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM chunks)")

    # -- chunks -----------------------------------------------------------------------------------
    def chunk_ids_and_tokens(self) -> tuple[np.ndarray, list[list[str]]]:
        rows = self.conn.execute("SELECT id, tokens FROM chunks ORDER BY id").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64), [r[1].split() for r in rows]

    def all_chunk_ids(self) -> np.ndarray:
        rows = self.conn.execute("SELECT id FROM chunks ORDER BY id").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, tuple[Chunk, DocInfo]]:
        out: dict[int, tuple[Chunk, DocInfo]] = {}
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            rows = self.conn.execute(
                f"SELECT {CHUNK_COLUMNS}, "
                + ", ".join(f"d.{c.strip()}" for c in DOC_COLUMNS.split(","))
                + " FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
                + f" WHERE c.id IN ({','.join('?' * len(batch))})",
                batch,
            ).fetchall()
            for r in rows:
                out[r[0]] = (_chunk(r), _doc_info(r[11:]))
        return out

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        rows = self.conn.execute(
            f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.doc_id = ? ORDER BY c.start", (doc_id,)
        ).fetchall()
        return [_chunk(r) for r in rows]

    def chunk_tokens(self, doc_id: str) -> dict[str, str]:
        """chunk_id -> stored BM25 tokens (space-separated) of one document's chunks."""
        rows = self.conn.execute("SELECT chunk_id, tokens FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        return {r[0]: r[1] for r in rows}

    def models(self) -> list[str]:
        """Embedding models with cached vectors."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT model FROM vectors").fetchall()]

    def chunk(self, chunk_id: str) -> tuple[Chunk, DocInfo]:
        row = self.conn.execute("SELECT id FROM chunks WHERE chunk_id = ?", (chunk_id,)).fetchone()
        if row is None:
            raise NotFound(f"No chunk {chunk_id!r} in the index.")
        return self.chunks_by_ids([row[0]])[row[0]]

    def allowed_ids(self, *filters: Filters) -> np.ndarray | None:
        """Chunk ids passing every one of ``filters`` (None when none is set, meaning all)."""
        where, params = filters_where(*filters)
        if not where:
            return None
        sql = "SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE " + " AND ".join(where)
        return np.array([r[0] for r in self.conn.execute(sql, params)], dtype=np.int64)

    def chunk_ids_of(self, doc_id: str) -> np.ndarray:
        rows = self.conn.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY id", (doc_id,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def stats(self) -> dict[str, Any]:
        c = self.conn
        return {
            "documents": c.execute("SELECT count(*) FROM documents").fetchone()[0],
            "chunks": c.execute("SELECT count(*) FROM chunks").fetchone()[0],
            "pages": c.execute("SELECT coalesce(sum(n_pages), 0) FROM documents").fetchone()[0],
            "languages": dict(c.execute("SELECT lang, count(*) FROM documents GROUP BY lang").fetchall()),
            "generation": self.generation,
        }

    # -- feedback ---------------------------------------------------------------------------------
    def add_feedback(self, question: str, answer: str, rating: int, comment: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feedback (created, question, answer, rating, comment) VALUES (?,?,?,?,?)",
                (time.time(), question, answer, int(rating), comment[:2000]),
            )


class _Transaction:
    """``BEGIN ...`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, conn: Any, begin: str) -> None:
        self.conn = conn
        self.begin = begin

    def __enter__(self) -> Any:
        self.conn.execute(self.begin)
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _doc_info(row: Sequence[Any]) -> DocInfo:
    return DocInfo(*row[:10])


def _chunk(r: Sequence[Any]) -> Chunk:
    return Chunk(
        chunk_id=r[1],
        doc_id=r[2],
        text=r[3],
        lang=r[4],
        page=r[5],
        page_end=r[6],
        section=r[7],
        start=r[8],
        end=r[9],
        context=r[10],
    )
