"""Concurrency: readers see the old or the new index while a writer works, never a broken one; a second
writer (another process) is refused with a clear message while the first holds the lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest
from fakes import ROOT, FakeEmbedder, child_env, make_corpus, mutate_corpus, spawn_ingest, wait_ready

from regassist.config import Settings
from regassist.errors import IndexLockedError
from regassist.ingest import Indexer
from regassist.loaders import iter_sources, load_path
from regassist.retrieval import Searcher
from regassist.store import Registry

QUERIES = ["customs duty", "налог на прибыль", "gümrük vergisi", "الرسوم الجمركية", "work permits rule 3",
           "Article 2 land lease", "электроэнергию", "audit"]  # fmt: skip
LOCKED = "Another regassist process is changing the index in"


def _texts_of(folder: Path, settings: Settings) -> dict[str, str]:
    """doc_id -> text of every document version in ``folder``."""
    return {doc.doc_id: doc.text for doc in (load_path(p, settings) for p in iter_sources([folder]))}


def test_readers_during_ingest_update_and_remove_see_whole_indexes(tmp_path):
    """Two reader threads -- one shared Searcher (as the web app holds), one new Searcher per query (as a new
    process) -- search in a loop while the writer adds, updates and removes documents. No reader may fail, and
    every hit must be a chunk of a document version that was ingested, quoting it verbatim."""
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    embedder = FakeEmbedder()
    docs = make_corpus(tmp_path / "docs", 30, seed=3)
    version_a = tmp_path / "a"
    shutil.copytree(docs, version_a)
    version_b = tmp_path / "b"
    shutil.copytree(docs, version_b)
    mutate_corpus(version_b, seed=3, n_new=4)
    texts = _texts_of(version_a, settings) | _texts_of(version_b, settings)
    first_half = sorted(iter_sources([docs]))[:15]
    assert Indexer(settings, embedder=embedder).ingest(first_half).count("added") == 15

    stop = threading.Event()
    errors: list[str] = []
    searches = {"shared": 0, "fresh": 0}

    def check(hits, who: str) -> None:  # type: ignore[no-untyped-def]
        seen = set()
        for hit in hits:
            assert hit.chunk.chunk_id not in seen, f"{who}: duplicate hit {hit.chunk.chunk_id}"
            seen.add(hit.chunk.chunk_id)
            text = texts.get(hit.doc.doc_id)
            assert text is not None, f"{who}: hit from unknown document {hit.doc.doc_id}"
            assert text[hit.chunk.start : hit.chunk.end] == hit.chunk.text, f"{who}: {hit.chunk.chunk_id} misquotes"

    def reader(who: str) -> None:
        shared = Searcher(settings, embedder=embedder) if who == "shared" else None
        n = 0
        while not stop.is_set():
            searcher = shared or Searcher(settings, embedder=embedder)
            query = QUERIES[n % len(QUERIES)]
            try:
                hits = searcher.search(query, k=8)
                assert hits, f"{who}: no hits for {query!r}"
                check(hits, who)
            except Exception:  # every failure is reported  # noqa: BLE001 - reports the failure instead of stopping
                errors.append(f"{who} search {n} ({query!r}):\n{traceback.format_exc()}")
                if len(errors) > 5:
                    return
            finally:
                if shared is None:
                    searcher.registry.close()
            n += 1
            searches[who] = n
        if shared is not None:
            shared.registry.close()

    threads = [threading.Thread(target=reader, args=(who,), daemon=True) for who in searches]
    for t in threads:
        t.start()
    try:
        indexer = Indexer(settings, embedder=embedder)
        for _ in range(2):
            _use(docs, version_a)
            indexer.ingest([docs])  # the other half added (then: the B versions reverted)
            _use(docs, version_b)
            indexer.ingest([docs])  # a third updated, four new
            registry = Registry(settings.index_dir)
            sources = [d.source for d in registry.documents()][::6]
            registry.close()
            assert len(indexer.remove(sources)) == len(sources)
            indexer.ingest([docs])  # the removed ones come back
    finally:
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, "\n".join(errors)
    assert min(searches.values()) >= 5, searches  # the readers really ran alongside the writer


def _use(target: Path, version: Path) -> None:
    """Make ``target`` hold the files of ``version`` (same names, so sources stay the same)."""
    for p in target.iterdir():
        if p.is_file():
            p.unlink()
    for p in version.iterdir():
        shutil.copy2(p, target / p.name)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from regassist.cli import main; sys.argv[0] = 'regassist'; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env=child_env(), cwd=ROOT)  # fmt: skip


def test_second_writer_process_is_refused_with_a_clear_message(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    docs = make_corpus(tmp_path / "docs", 12, seed=5)
    other = make_corpus(tmp_path / "other", 2, seed=6)
    # process A: an ingestion slowed to ~0.25 s per document, so it holds the lock for a few seconds
    proc = spawn_ingest(settings.index_dir, [docs], REGASSIST_TEST_EMBED_DELAY="0.25")
    try:
        wait_ready(proc)
        deadline = time.monotonic() + 30
        while not (settings.index_dir / "registry.sqlite").exists() or Registry(settings.index_dir).generation < 1:
            assert time.monotonic() < deadline and proc.poll() is None, "process A never committed a document"
            time.sleep(0.05)
        # B: this process
        with pytest.raises(IndexLockedError) as info:
            Indexer(settings, embedder=FakeEmbedder()).ingest([other])
        message = str(info.value)
        assert message.startswith(LOCKED) and str(settings.index_dir) in message and "\n" not in message
        assert "Wait for it to finish" in message
        with pytest.raises(IndexLockedError):
            Indexer(settings, embedder=FakeEmbedder()).remove([iter_sources([docs])[0].name])
        # C: the command line, in a third process, while A still runs
        for command in (["ingest", str(other)], ["remove", "doc00"]):
            done = _cli(*command, "--index", str(settings.index_dir))
            assert proc.poll() is None, "process A ended before the check; slow it down"
            assert done.returncode == 1, (command, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: " + LOCKED), (command, done.stderr)
        # readers are not locked out
        searcher = Searcher(settings, embedder=FakeEmbedder())
        assert searcher.search("customs duty", k=3)
        searcher.registry.close()
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "DONE" in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # A is done and its lock released: B's turn
    report = Indexer(settings, embedder=FakeEmbedder()).ingest([docs, other])
    assert report.count("unchanged") == 12 and report.count("added") == 2
