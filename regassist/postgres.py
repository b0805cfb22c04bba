"""The PostgreSQL backend: the whole index in one database that several app processes share.

Selected by ``REGASSIST_STORE=postgresql://user:password@host:5432/db``. Everything lives in the schema
``regassist`` of that database (created on first ingest):

- the registry tables of store.py (documents, chunks, vectors, feedback, meta), written by the same SQL;
- ``chunks.embedding``: the passage vector in a pgvector column with one partial HNSW index (inner product)
  per language. The language debiasing (index.DenseIndex) subtracts a per-language constant, so the exact
  debiased top k is the merge of the per-language top k; one HNSW graph over the language-augmented vectors
  (what FAISS gets) would split into four weakly linked clusters and lose recall;
- ``postings(term, chunk_id, tf, dl)``: the BM25 tokens of every chunk, scored in SQL with the same
  formula as bm25s (Lucene variant, k1 1.2, b 0.75), so both backends rank alike;
- filters are SQL conditions (store.filters_where) inside the dense and lexical queries.

Every document change is one transaction holding a transaction-level advisory lock, so concurrent writers
from several processes serialise per document and readers never see half a document. Readers notice new
generations through ``meta.generation`` like the embedded index does.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from regassist.backend import ModelInfo, ViewCache, location
from regassist.config import Settings
from regassist.documents import LANGS, Chunk, DocInfo, Document
from regassist.errors import IndexStateError, MissingExtra, StoreUnavailable
from regassist.index import LANG_SLOT
from regassist.store import COMMON_DDL, SCHEMA_VERSION, Filters, Registry, filters_where

logger = logging.getLogger(__name__)

SCHEMA = "regassist"
WRITE_LOCK = 0x72656761  # pg_advisory_xact_lock key held by every write transaction ("rega")
BM25_K1, BM25_B = 1.2, 0.75  # as index.LexicalIndex (bm25s defaults, Lucene idf)
HNSW_EF_SEARCH = 200  # candidates examined per dense query; >= 4x Settings.candidates keeps recall ~exact

_DDL = f"""
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
SET LOCAL search_path TO {SCHEMA}, public;
{COMMON_DDL}
CREATE INDEX IF NOT EXISTS documents_country_zone ON documents(country, zone);
CREATE TABLE IF NOT EXISTS chunks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    tokens TEXT NOT NULL,
    ntok INTEGER NOT NULL,
    embedding vector
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT COLLATE "C" NOT NULL,  -- byte order: stems are compared, never sorted for people
    chunk_id BIGINT NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    tf INTEGER NOT NULL,
    dl INTEGER NOT NULL,
    PRIMARY KEY (term, chunk_id) INCLUDE (tf, dl)  -- BM25 reads posting lists from the index alone
);
CREATE INDEX IF NOT EXISTS postings_chunk ON postings(chunk_id);
CREATE TABLE IF NOT EXISTS vectors (
    content_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vec BYTEA NOT NULL,
    PRIMARY KEY (content_hash, model)
);
CREATE TABLE IF NOT EXISTS feedback (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created DOUBLE PRECISION NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL
);
INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}') ON CONFLICT DO NOTHING;
INSERT INTO meta VALUES ('generation', '0') ON CONFLICT DO NOTHING;
"""


class PgConnection:
    """A psycopg connection that speaks the registry's portable SQL: ``?`` placeholders, ``execute``
    returning a cursor, ``in_transaction`` like sqlite3 (autocommit; transactions are explicit BEGINs)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self._sql(sql), params or None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    @property
    def in_transaction(self) -> bool:
        from psycopg import pq

        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        return bool(self.raw.closed or self.raw.broken)

    def close(self) -> None:
        self.raw.close()


class PgRegistry(Registry):
    """The registry in PostgreSQL: store.Registry's queries on one connection per thread."""

    BEGIN_WRITE = "BEGIN"
    BEGIN_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise MissingExtra("The PostgreSQL backend (REGASSIST_STORE=postgresql://...)", "postgres") from None
        self.url = settings.store
        self.location = location(settings)
        self.index_dir = settings.index_dir  # uploads only; the index is in the database
        self.defer_ann = False  # bulk loads build the HNSW index once, at the end
        self._local = threading.local()
        exists = self.conn.execute("SELECT to_regclass(?)", (f"{SCHEMA}.meta",)).fetchone()[0] is not None
        if not exists and not create:
            raise IndexStateError(
                f"No regassist index in the database {self.location}. Build one first: "
                "REGASSIST_STORE=<that URL> regassist ingest corpus/  (or copy an embedded index: regassist migrate)"
            )
        if not exists:
            try:
                with self.transaction() as conn:
                    conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                    conn.raw.execute(_DDL)
            except Exception as err:
                if err.__class__.__module__.startswith("psycopg"):
                    raise StoreUnavailable(
                        f"Cannot create the regassist tables in {self.location}: {err}. The user needs CREATE "
                        "rights on the database and the pgvector extension must be available (CREATE EXTENSION vector)."
                    ) from None
                raise
        schema = self.get_meta("schema")
        if schema != str(SCHEMA_VERSION):
            raise IndexStateError(
                f"The index in {self.location} has schema {schema}, this regassist expects {SCHEMA_VERSION}."
            )

    @property
    def conn(self) -> PgConnection:  # type: ignore[override]
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.broken:  # a restarted server or a dropped connection: connect again
            import psycopg

            try:
                raw = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as err:
                raise StoreUnavailable(f"Cannot connect to PostgreSQL at {self.location}: {err}".strip()) from None
            raw.execute(f"SET search_path TO {SCHEMA}, public")
            with contextlib.suppress(psycopg.Error):  # pgvector >= 0.8: keep scanning until LIMIT rows pass filters
                raw.execute("SET hnsw.iterative_scan = relaxed_order")
            raw.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
            conn = PgConnection(raw)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writes (inside the caller's transaction) ---------------------------------------------------
    def _insert_chunks(
        self, conn: Any, chunks: Sequence[Chunk], tokens: Sequence[str], vectors: dict[str, np.ndarray]
    ) -> None:
        """COPY the chunks with their vectors, then their postings (term frequencies)."""
        if not chunks:
            return
        vecs = [vectors[c.content_hash] for c in chunks]
        columns = 'chunk_id, doc_id, text, lang, page, page_end, section, start, "end", context, content_hash, '
        with conn.raw.cursor() as cur:
            with cur.copy(f"COPY chunks ({columns} tokens, ntok, embedding) FROM STDIN") as copy:
                for c, t, v in zip(chunks, tokens, vecs, strict=True):
                    row = (c.chunk_id, c.doc_id, c.text, c.lang, c.page, c.page_end, c.section, c.start, c.end)
                    copy.write_row((*row, c.context, c.content_hash, t, len(t.split()), _vector_literal(v)))
            ids = dict(cur.execute("SELECT chunk_id, id FROM chunks WHERE doc_id = %s", (chunks[0].doc_id,)))
            with cur.copy("COPY postings (term, chunk_id, tf, dl) FROM STDIN") as copy:
                for c, t in zip(chunks, tokens, strict=True):
                    words = t.split()
                    for term, tf in Counter(words).items():
                        copy.write_row((term, ids[c.chunk_id], tf, len(words)))

    def ensure_model(self, model: str, dim: int) -> None:
        """Fix the vector column's dimension and build its HNSW index on the first write; refuse a model
        other than the one the index was built with."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            self.check_model(model)
            if self.get_meta("model") is None:
                conn.execute(f"ALTER TABLE chunks ALTER COLUMN embedding TYPE vector({int(dim)})")
                conn.execute("INSERT INTO meta VALUES ('model', ?), ('dim', ?)", (model, str(dim)))
                if not self.defer_ann:
                    self.build_ann_index()

    def build_ann_index(self) -> None:
        """The HNSW indexes on the vectors (inner product), one per language; a no-op when they exist."""
        self.conn.execute("SET maintenance_work_mem = '1GB'")
        for lang in LANGS:  # a fixed set of codes: safe to inline, and the planner needs the literal
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS chunks_hnsw_{lang} ON chunks USING hnsw (embedding vector_ip_ops) "
                f"WHERE lang = '{lang}'"
            )

    def drop_ann_index(self) -> None:
        for lang in LANGS:
            self.conn.execute(f"DROP INDEX IF EXISTS chunks_hnsw_{lang}")

    def check_model(self, model: str) -> None:
        built = self.get_meta("model")
        if built not in (None, model) and self.stats()["chunks"]:
            raise IndexStateError(
                f"The index in {self.location} was built with the embedding model {built!r}, not {model!r}. "
                "Use that model (REGASSIST_EMBEDDING_MODEL) or another database."
            )


class PgView:
    """One generation's search over the database: BM25 statistics and language centroids are read once."""

    def __init__(self, registry: PgRegistry, dim: int) -> None:
        self.registry = registry
        with registry.snapshot():
            self.generation = registry.generation
            n, avgdl = registry.conn.execute("SELECT count(*), coalesce(avg(ntok), 0) FROM chunks").fetchone()
            self._ntotal, self.avgdl = int(n), float(avgdl) or 1.0
            rows = registry.conn.execute(
                "SELECT lang, avg(embedding)::real[], count(*) FROM chunks GROUP BY lang"
            ).fetchall()
        self._df: dict[str, int] = {}  # posting-list length per term, for this generation
        self.centroids = np.zeros((len(LANGS), dim), dtype=np.float32)
        self.langs = tuple(lang for lang, _, n in rows if lang in LANG_SLOT and n)
        for lang, mean, _ in rows:
            if lang in LANG_SLOT and mean is not None:
                self.centroids[LANG_SLOT[lang]] = np.asarray(mean, dtype=np.float32)

    @property
    def ntotal(self) -> int:
        return self._ntotal

    def search_dense(
        self, query: np.ndarray, k: int, scope: tuple[Filters, ...], *, alpha: float
    ) -> list[tuple[int, float]]:
        where, params = filters_where(*scope)
        q = _vector_literal(query)
        parts, args = [], []
        for lang in self.langs:  # per-language top k through that language's HNSW index, merged below
            sql = "SELECT c.id, c.lang, c.embedding <#> ?::vector AS dist FROM chunks c"
            if where:
                sql += " JOIN documents d ON d.doc_id = c.doc_id"
            sql += " WHERE " + " AND ".join([f"c.lang = '{lang}'", *where])
            parts.append(f"({sql} ORDER BY c.embedding <#> ?::vector LIMIT ?)")
            args.extend([q, *params, q, k])
        if not parts:
            return []
        rows = self.registry.conn.execute(" UNION ALL ".join(parts), args).fetchall()
        offset = {lang: alpha * self.background(query, lang) for lang in self.langs}
        scored = [(int(i), -float(d) - offset[lang]) for i, lang, d in rows]
        return sorted(scored, key=lambda r: (-r[1], r[0]))[:k]  # ties by id, as FAISS

    def search_lexical(
        self, tokens: Mapping[str, float], k: int, scope: tuple[Filters, ...]
    ) -> list[tuple[int, float]]:
        if not tokens or not self._ntotal:
            return []
        # BM25 as bm25s computes it: Lucene idf over the whole index (from posting-list lengths, remembered for
        # this generation), filters only choose which chunks are ranked; the sum over postings runs in SQL in
        # float8 (numeric literals would make PostgreSQL compute in slow NUMERIC). Pruning by score bounds
        # (MaxScore) was tried and dropped: with glossary expansions a question has 30-50 terms, the bound of
        # the unread ones stays above the k-th score until nearly all lists are read (bench_backends.py).
        df = self._document_frequencies(list(tokens))
        terms = [t for t in tokens if df[t] and tokens[t] > 0]
        if not terms:
            return []
        weights = [float(tokens[t]) * math.log(1 + (self._ntotal - df[t] + 0.5) / (df[t] + 0.5)) for t in terms]
        where, params = filters_where(*scope)
        sql = (
            "SELECT p.chunk_id, sum(q.w * p.tf / (p.tf + ?::float8 * (1::float8 - ?::float8 + ?::float8 * p.dl "
            "/ ?::float8))) AS score FROM unnest(?::text[], ?::float8[]) AS q(term, w) "
            "JOIN postings p ON p.term = q.term"
        )
        if where:
            sql += " JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.doc_id = c.doc_id WHERE "
            sql += " AND ".join(where)
        sql += " GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT ?"
        args = (BM25_K1, BM25_B, BM25_B, self.avgdl, terms, weights)
        rows = self.registry.conn.execute(sql, (*args, *params, k)).fetchall()
        return [(int(i), float(s)) for i, s in rows if s > 0]

    def _document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Posting-list lengths (index-only counts), remembered for this generation."""
        missing = [t for t in terms if t not in self._df]
        if missing:
            rows = self.registry.conn.execute(
                "SELECT term, count(*) FROM postings WHERE term = ANY(?) GROUP BY term", (missing,)
            ).fetchall()
            found = {t: int(n) for t, n in rows}
            self._df.update({t: found.get(t, 0) for t in missing})
        return {t: self._df[t] for t in terms}

    def background(self, query: np.ndarray, lang: str) -> float:
        return float(self.centroids[LANG_SLOT[lang]] @ query)

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        if not ids:
            return {}
        rows = self.registry.conn.execute(
            "SELECT id, embedding::real[] FROM chunks WHERE id = ANY(?)",
            ([int(i) for i in ids],),
        ).fetchall()
        return {int(i): np.asarray(v, dtype=np.float32) for i, v in rows}


class PostgresBackend(ViewCache):
    """Backend over a PostgreSQL database with pgvector (see the module docstring)."""

    kind = "postgresql"

    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        super().__init__()
        self.settings = settings
        self.registry = PgRegistry(settings, create=create)
        self.location = self.registry.location

    def _load_view(self, model: str, dim: int) -> PgView:
        self.registry.check_model(model)
        return PgView(self.registry, dim)

    def scope(self, *filters: Filters) -> tuple[Filters, ...]:
        return tuple(f for f in filters if not f.is_empty)

    def scope_is_empty(self, scope: tuple[Filters, ...]) -> bool:
        where, params = filters_where(*scope)
        if not where:
            return False
        sql = "SELECT EXISTS (SELECT 1 FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE "
        return not self.registry.conn.execute(sql + " AND ".join(where) + ")", params).fetchone()[0]

    @contextlib.contextmanager
    def writing(self, model_info: ModelInfo) -> Iterator[PgWriter]:
        yield PgWriter(self.registry, model_info)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Filling an empty database (migrate): building the HNSW index once at the end is several times
        faster than inserting into it row by row. Readers meanwhile search exactly (a sequential scan)."""
        registry = self.registry
        empty = registry.stats()["chunks"] == 0
        if empty:
            registry.drop_ann_index()
            registry.defer_ann = True
        try:
            yield
        finally:
            registry.defer_ann = False
            if registry.get_meta("model") is not None:
                registry.build_ann_index()
            # set the visibility map now, so BM25's index-only scans need no heap visits from the start
            registry.conn.execute("VACUUM ANALYZE postings")
            registry.conn.execute("ANALYZE chunks")

    def close(self) -> None:
        self.registry.close()


class PgWriter:
    """One transaction per document under the write advisory lock (other processes' writes wait)."""

    def __init__(self, registry: PgRegistry, model_info: ModelInfo) -> None:
        self.registry = registry
        self.model_info = model_info
        self._model: str | None = None

    def _ensure_model(self) -> str:
        if self._model is None:
            model, dim = self.model_info()
            self.registry.ensure_model(model, dim)
            self._model = model
        return self._model

    def write_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        tokens: Sequence[str],
        vectors: Mapping[str, np.ndarray],
        previous: DocInfo | None,
    ) -> None:
        model, registry = self._ensure_model(), self.registry
        with registry.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            if registry.doc_info(doc.doc_id) is not None:
                return  # another process added the same bytes meanwhile
            previous = registry.doc_by_source(doc.source)  # again, under the lock: it may have changed
            if previous is not None:
                registry.delete_document(conn, previous.doc_id)
            registry.add_document(conn, doc, chunks, tokens, dict(vectors), model)
            registry.bump_generation(conn)

    def remove_document(self, doc_id: str) -> None:
        with self.registry.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            self.registry.delete_document(conn, doc_id)
            self.registry.bump_generation(conn)


def _vector_literal(vec: np.ndarray) -> str:
    """pgvector's text form; repr of the float32 values as doubles round-trips them exactly."""
    return "[" + ",".join(map(repr, np.asarray(vec, dtype=np.float32).tolist())) + "]"
