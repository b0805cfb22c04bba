from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from regassist.config import Settings
from regassist.errors import IndexStateError
from regassist.index import read_manifest
from regassist.ingest import Indexer
from regassist.loaders import load_path
from regassist.store import Filters, Registry

N_DOCS = 7  # files in tests/fixtures/docs


def registry_of(settings: Settings) -> Registry:
    return Registry(settings.index_dir)


def disk_ids(settings: Settings) -> tuple[list[int], list[int], dict]:
    """(FAISS ids, BM25 ids) as written in the index folder's current generation, and the manifest."""
    import faiss

    manifest = read_manifest(settings.index_dir)
    assert manifest is not None, "no manifest.json in the index folder"
    index = faiss.read_index(str(settings.index_dir / manifest["dense"]))
    dense = sorted(int(i) for i in faiss.vector_to_array(index.id_map))
    assert index.ntotal == len(dense)
    bm25 = sorted(int(i) for i in np.load(settings.index_dir / manifest["bm25"] / "ids.npy"))
    return dense, bm25, manifest


def assert_consistent(settings: Settings) -> dict:
    """Manifest generation == registry generation; ids in FAISS == ids in the registry == ids in BM25."""
    registry = registry_of(settings)
    try:
        dense, bm25, manifest = disk_ids(settings)
        reg_ids = sorted(int(i) for i in registry.all_chunk_ids())
        assert manifest["generation"] == registry.generation
        assert dense == reg_ids == bm25
        assert manifest["n_chunks"] == len(reg_ids) == registry.stats()["chunks"]
        # every chunk's document exists
        doc_ids = {d.doc_id for d in registry.documents()}
        chunk_docs = {r[0] for r in registry.conn.execute("SELECT DISTINCT doc_id FROM chunks")}
        assert chunk_docs <= doc_ids
        # no stale generations left behind
        leftovers = sorted(p.name for p in settings.index_dir.iterdir()
                           if p.name.startswith(("dense-", "bm25-", ".")) and p.name != ".lock")  # fmt: skip
        assert leftovers == sorted([manifest["dense"], manifest["bm25"], manifest["centroids"]])
        return {"generation": registry.generation, "ids": reg_ids, "manifest": manifest}
    finally:
        registry.close()


def by_name(report) -> dict[str, object]:
    return {Path(r.path).name: r for r in report.results}


# -- first ingest -------------------------------------------------------------------------------------


def test_ingest_folder_counts(ingested):
    settings, embedder, _corpus, report = ingested
    assert report.count("added") == N_DOCS == len(report.results)
    assert report.n_failed == 0
    state = assert_consistent(settings)
    registry = registry_of(settings)
    try:
        stats = registry.stats()
        assert stats["documents"] == N_DOCS
        assert stats["chunks"] == sum(r.chunks for r in report.results) == len(state["ids"])
        assert stats["languages"] == {"ru": 3, "en": 2, "tr": 1, "ar": 1}
        assert stats["pages"] == 8  # one page each, two for the PDF
        for r in report.results:
            assert r.chunks == registry.n_chunks_of(r.doc_id) > 0
            assert r.embedded == r.chunks  # nothing was cached yet
        assert embedder.n_embedded == sum(r.embedded for r in report.results)
        assert state["manifest"]["model"] == embedder.name
        assert state["manifest"]["dim"] == embedder.dim
        # the registry keeps the display text verbatim
        for info in registry.documents():
            stored = registry.document(info.doc_id)
            loaded = load_path(Path(info.source), settings)
            assert (stored.text, stored.page_starts, stored.title) == (loaded.text, loaded.page_starts, loaded.title)
            for c in registry.chunks_of(info.doc_id):
                assert stored.text[c.start : c.end] == c.text
                assert c.page == stored.page_of(c.start)
    finally:
        registry.close()


def test_reingest_is_a_no_op(ingested):
    settings, embedder, corpus, _ = ingested
    before = assert_consistent(settings)
    mtimes = {p.name: p.stat().st_mtime_ns for p in settings.index_dir.iterdir() if p.name != ".lock"}
    embedder.reset()
    report = Indexer(settings, embedder=embedder).ingest([corpus])
    assert [r.status for r in report.results] == ["unchanged"] * N_DOCS
    assert sum(r.embedded for r in report.results) == 0
    assert embedder.n_embedded == 0
    after = assert_consistent(settings)
    assert after["generation"] == before["generation"]
    assert after["ids"] == before["ids"]
    assert {p.name: p.stat().st_mtime_ns for p in settings.index_dir.iterdir() if p.name != ".lock"} == mtimes


def test_modified_file_is_updated_and_only_its_changed_chunk_embedded(ingested):
    settings, embedder, corpus, first = ingested
    path = corpus / "ru_zakon.md"
    old_id = by_name(first)["ru_zakon.md"].doc_id
    registry = registry_of(settings)
    rows = registry.conn.execute("SELECT id FROM chunks WHERE doc_id = ?", (old_id,))
    old_chunk_ids = sorted(int(r[0]) for r in rows)
    registry.close()
    before = assert_consistent(settings)

    old_phrase = "освобождается от налога на имущество на десять лет с месяца постановки на учёт"
    new_phrase = "освобождается от налога на имущество на пять лет, если вложено не менее ста миллионов рублей"
    path.write_text(path.read_text(encoding="utf-8").replace(old_phrase, new_phrase), encoding="utf-8")
    embedder.reset()
    report = Indexer(settings, embedder=embedder).ingest([corpus])
    results = by_name(report)
    assert results["ru_zakon.md"].status == "updated"
    assert all(r.status == "unchanged" for n, r in results.items() if n != "ru_zakon.md")
    assert results["ru_zakon.md"].embedded == 1  # only article 6 changed
    assert embedder.n_embedded == 1
    assert any(new_phrase in t for t in embedder.passage_calls[0])

    after = assert_consistent(settings)
    assert after["generation"] > before["generation"]
    assert not set(old_chunk_ids) & set(after["ids"])  # gone from registry, FAISS and BM25
    registry = registry_of(settings)
    try:
        assert registry.doc_info(old_id) is None
        new_id = results["ru_zakon.md"].doc_id
        assert new_id != old_id
        assert registry.doc_by_source(str(path)).doc_id == new_id
        assert registry.stats()["documents"] == N_DOCS
        assert registry.n_chunks_of(new_id) == 7
    finally:
        registry.close()


def test_modified_file_old_text_not_searchable(ingested):
    from regassist.retrieval import Searcher

    settings, embedder, corpus, first = ingested
    old_id = by_name(first)["ru_zakon.md"].doc_id
    searcher = Searcher(settings, embedder=embedder)  # opened before the change: must pick up the new generation
    query = "освобождается от налога на имущество на десять лет с месяца постановки на учёт"
    assert any(h.doc.doc_id == old_id for h in searcher.search(query, k=5))
    path = corpus / "ru_zakon.md"
    path.write_text(path.read_text(encoding="utf-8").replace("на десять лет с месяца постановки на учёт",
                                                            "на семь лет"), encoding="utf-8")  # fmt: skip
    Indexer(settings, embedder=embedder).ingest([corpus])
    hits = searcher.search(query, k=8)
    assert hits
    assert all(h.doc.doc_id != old_id for h in hits)
    assert not any("на десять лет с месяца" in h.chunk.text for h in hits)
    assert any("на семь лет" in h.chunk.text for h in hits)
    # the dense index alone must not hold the old vectors either
    index = searcher.index
    registry_ids = set(int(i) for i in searcher.registry.all_chunk_ids())
    qvec = embedder.embed_query([query])[0]
    assert {cid for cid, _ in index.dense.search(qvec, 1000)} == registry_ids
    searcher.registry.close()


def test_remove_document(ingested):
    from regassist.retrieval import Searcher

    settings, embedder, _corpus, first = ingested
    victim = by_name(first)["tr_kanun.txt"]
    registry = registry_of(settings)
    victim_ids = {int(r[0]) for r in registry.conn.execute("SELECT id FROM chunks WHERE doc_id = ?", (victim.doc_id,))}
    registry.close()
    assert victim_ids
    removed = Indexer(settings, embedder=embedder).remove([victim.doc_id[:8]])  # by id prefix
    assert [d.doc_id for d in removed] == [victim.doc_id]
    state = assert_consistent(settings)
    assert not victim_ids & set(state["ids"])
    registry = registry_of(settings)
    try:
        assert registry.doc_info(victim.doc_id) is None
        assert registry.stats()["documents"] == N_DOCS - 1
        assert registry.allowed_ids(Filters(doc_ids=(victim.doc_id,))).size == 0
    finally:
        registry.close()
    searcher = Searcher(settings, embedder=embedder)
    hits = searcher.search("Madde 6 Gümrük vergisi istisnası serbest bölge", k=8)
    assert all(h.doc.doc_id != victim.doc_id for h in hits)
    searcher.registry.close()


def test_remove_by_source_path_and_unknown_ref(ingested):
    from regassist.errors import NotFound

    settings, embedder, corpus, _first = ingested
    removed = Indexer(settings, embedder=embedder).remove([str(corpus / "en_guide.html")])
    assert [Path(d.source).name for d in removed] == ["en_guide.html"]
    assert_consistent(settings)
    with pytest.raises(NotFound, match="regassist docs"):
        Indexer(settings, embedder=embedder).remove(["no-such-document"])
    assert_consistent(settings)


def test_duplicate_content_under_two_names(ingested):
    settings, embedder, corpus, first = ingested
    shutil.copy(corpus / "ar_nizam.txt", corpus / "ar_nizam_copy.txt")
    embedder.reset()
    before = assert_consistent(settings)
    report = Indexer(settings, embedder=embedder).ingest([corpus])
    dup = by_name(report)["ar_nizam_copy.txt"]
    assert dup.status == "duplicate"
    assert dup.doc_id == by_name(first)["ar_nizam.txt"].doc_id
    assert any("ar_nizam.txt" in w for w in dup.warnings)
    assert embedder.n_embedded == 0
    after = assert_consistent(settings)
    assert after["generation"] == before["generation"]


def test_duplicates_within_one_batch(tmp_path, settings, fake_embedder):
    folder = tmp_path / "twins"
    folder.mkdir()
    text = "Free zone companies may hold accounts in any currency and repatriate profits without limits."
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text, encoding="utf-8")
    report = Indexer(settings, embedder=fake_embedder).ingest([folder])
    assert [r.status for r in report.results] == ["added", "duplicate"]
    assert_consistent(settings)


def test_failed_files_do_not_stop_the_batch(tmp_path, settings, fake_embedder, corpus_dir):
    (corpus_dir / "empty.txt").write_bytes(b"")
    (corpus_dir / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (corpus_dir / "fake.pdf").write_text("not a pdf at all", encoding="utf-8")
    report = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])
    results = by_name(report)
    assert {n for n, r in results.items() if r.status == "failed"} == {"empty.txt", "scan.txt", "fake.pdf"}
    assert report.count("added") == N_DOCS
    for name in ("empty.txt", "scan.txt", "fake.pdf"):
        assert results[name].error.startswith(f"Cannot read {name}: ")
        assert results[name].doc_id == ""
    assert_consistent(settings)
    registry = registry_of(settings)
    try:
        assert registry.stats()["documents"] == N_DOCS
        assert all(Path(d.source).name not in results or results[Path(d.source).name].status == "added"
                   for d in registry.documents())  # fmt: skip
    finally:
        registry.close()


def test_failed_file_leaves_registry_unchanged(ingested):
    settings, embedder, corpus, first = ingested
    before = assert_consistent(settings)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    # a file that was indexed and now is damaged: its indexed version stays as it was
    original = by_name(first)["en_regulations.txt"]
    (corpus / "en_regulations.txt").write_bytes(b"")
    report = Indexer(settings, embedder=embedder).ingest([corpus])
    results = by_name(report)
    assert results["broken.txt"].status == "failed"
    assert results["en_regulations.txt"].status == "failed"
    assert report.count("unchanged") == N_DOCS - 1
    after = assert_consistent(settings)
    assert after["generation"] == before["generation"]
    assert after["ids"] == before["ids"]
    registry = registry_of(settings)
    try:
        assert registry.doc_info(original.doc_id) is not None
    finally:
        registry.close()


def test_same_folder_by_relative_and_absolute_path(tmp_path, settings, fake_embedder, corpus_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = Indexer(settings, embedder=fake_embedder).ingest([Path("docs")])
    assert first.count("added") == N_DOCS
    path = corpus_dir / "ru_zakon.md"
    path.write_text(path.read_text(encoding="utf-8").replace("на десять лет", "на восемь лет"), encoding="utf-8")
    second = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir.resolve()])
    statuses = {Path(r.path).name: r.status for r in second.results}
    assert statuses.pop("ru_zakon.md") == "updated"
    assert set(statuses.values()) == {"unchanged"}
    registry = registry_of(settings)
    try:
        assert registry.stats()["documents"] == N_DOCS  # no stale copy of the old version
    finally:
        registry.close()


# -- crash safety --------------------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def test_embedder_crash_mid_batch(settings, fake_embedder, corpus_dir, monkeypatch):
    from regassist.retrieval import Searcher

    first = Indexer(settings, embedder=fake_embedder).ingest(
        [corpus_dir / "en_regulations.txt", corpus_dir / "tr_kanun.txt"]
    )
    assert first.count("added") == 2
    committed = {r.doc_id for r in first.results}

    real = fake_embedder.embed_passages
    calls = {"n": 0}

    def flaky(texts, *, show_progress=False):
        calls["n"] += 1
        if calls["n"] == 3:  # files in order: ar_nizam (1), en_guide (2), forum_thread (3) -> crash
            raise Boom("the embedder died")
        return real(texts, show_progress=show_progress)

    monkeypatch.setattr(fake_embedder, "embed_passages", flaky)
    try:
        report = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])
    except Boom:
        report = None
    if report is not None:  # an implementation may also record the failure and go on
        assert by_name(report)["forum_thread.md"].status == "failed"
    monkeypatch.setattr(fake_embedder, "embed_passages", real)

    registry = registry_of(settings)
    try:
        docs = {d.doc_id for d in registry.documents()}
        assert committed <= docs
        names = {Path(d.source).name for d in registry.documents()}
        assert {"ar_nizam.txt", "en_guide.html", "en_regulations.txt", "tr_kanun.txt"} <= names
        assert "forum_thread.md" not in names
        for doc_id in docs:  # every committed document is whole: chunks with vectors
            chunks = registry.chunks_of(doc_id)
            assert chunks
            hashes = [c.content_hash for c in chunks]
            assert len(registry.cached_vectors(hashes, fake_embedder.name)) == len(set(hashes))
    finally:
        registry.close()

    searcher = Searcher(settings, embedder=fake_embedder)
    hits = searcher.search("foreign nationals workforce work permits", k=3)
    assert hits and hits[0].doc.doc_id in docs
    assert hits[0].chunk.section.endswith("Article 7 - Foreign employees")
    assert searcher.index.dense.ntotal == searcher.registry.stats()["chunks"]
    searcher.registry.close()

    again = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])
    statuses = {Path(r.path).name: r.status for r in again.results}
    expected_added = {"ru_zakon.md", "ru_handbook.pdf", "forum_thread.md"}
    if report is None:
        assert statuses == {n: ("added" if n in expected_added else "unchanged") for n in statuses}
    assert again.n_failed == 0
    state = assert_consistent(settings)
    registry = registry_of(settings)
    try:
        assert registry.stats()["documents"] == N_DOCS
        assert len(state["ids"]) == registry.stats()["chunks"]
    finally:
        registry.close()


def test_reader_rebuilds_when_manifest_is_behind(ingested):
    """A crash between the registry commit and the manifest switch: readers still see the registry's state."""
    from regassist.retrieval import Searcher

    settings, embedder, corpus, _first = ingested
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["generation"] -= 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    searcher = Searcher(settings, embedder=embedder)
    assert searcher.index.generation == searcher.registry.generation
    assert searcher.index.dense.ntotal == searcher.registry.stats()["chunks"]
    assert searcher.search("Article 7 foreign employees work permits", k=3)
    searcher.registry.close()
    # the next ingest repairs the folder without embedding anything
    embedder.reset()
    report = Indexer(settings, embedder=embedder).ingest([corpus])
    assert report.count("unchanged") == N_DOCS and embedder.n_embedded == 0
    assert_consistent(settings)


def test_damaged_index_files_are_rebuilt(ingested):
    from regassist.retrieval import Searcher

    settings, embedder, _corpus, _ = ingested
    manifest = read_manifest(settings.index_dir)
    (settings.index_dir / manifest["dense"]).write_bytes(b"garbage")
    searcher = Searcher(settings, embedder=embedder)
    assert searcher.index.dense.ntotal == searcher.registry.stats()["chunks"]
    assert searcher.search("corporate income tax fifteen years", k=3)
    searcher.registry.close()


def test_index_of_another_model_refuses_to_open(ingested):
    from regassist.retrieval import Searcher

    settings, embedder, _corpus, _ = ingested

    class Other(type(embedder)):  # type: ignore[misc]
        name = "another-model"

    searcher = Searcher(settings, embedder=Other())
    with pytest.raises(IndexStateError, match="fake-hash-256"):
        searcher.search("tax")
    searcher.registry.close()


def test_second_writer_is_refused(settings, fake_embedder, corpus_dir):
    from regassist.errors import IndexLockedError
    from regassist.index import writer_lock

    with writer_lock(settings.index_dir), pytest.raises(IndexLockedError, match="Another regassist process"):
        Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])
    report = Indexer(settings, embedder=fake_embedder).ingest([corpus_dir])  # the lock is free again
    assert report.count("added") == N_DOCS


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexStateError, match="regassist ingest"):
        Registry(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_registry_opens_fresh_and_existing(tmp_path):
    Registry(tmp_path / "idx", create=True).close()
    registry = Registry(tmp_path / "idx")
    assert registry.generation == 0
    assert registry.stats()["documents"] == 0
    registry.close()


# -- retrieval over the ingested corpus (fake embedder) ---------------------------------------------------

BROAD = "зона налог tax zone vergi bölge المنطقة ضريبة"


def names(hits) -> list[str]:
    return [Path(h.doc.source).name for h in hits]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(countries=("RU",)), {"ru_zakon.md", "forum_thread.md", "ru_handbook.pdf"}),
        (Filters.build(countries="om,sa"), {"en_regulations.txt", "en_guide.html", "ar_nizam.txt"}),
        (Filters(zones=("harbour",)), {"en_regulations.txt", "en_guide.html"}),
        (Filters(doc_types=("forum",)), {"forum_thread.md"}),
        (Filters(doc_types=("law",), countries=("RU",)), {"ru_zakon.md"}),
        (Filters(langs=("ar", "tr")), {"ar_nizam.txt", "tr_kanun.txt"}),
        (Filters(langs=("ru",), doc_types=("handbook",)), {"ru_handbook.pdf"}),
    ],
    ids=["country", "countries", "zone", "doc_type", "type+country", "langs", "lang+type"],
)
def test_filters_only_return_matching_docs(searcher, filters, expected):
    hits = searcher.search(BROAD, k=8, filters=filters)
    assert hits
    assert set(names(hits)) <= expected
    for h in hits:
        if filters.countries:
            assert h.doc.country in filters.countries
        if filters.zones:
            assert h.doc.zone in filters.zones
        if filters.doc_types:
            assert h.doc.doc_type in filters.doc_types
        if filters.langs:
            assert h.doc.lang in filters.langs


def test_filter_by_doc_ids(searcher, ingested):
    report = ingested[3]
    wanted = {by_name(report)["tr_kanun.txt"].doc_id, by_name(report)["en_guide.html"].doc_id}
    hits = searcher.search(BROAD, k=8, filters=Filters(doc_ids=tuple(wanted)))
    assert hits and {h.doc.doc_id for h in hits} <= wanted


def test_filter_matching_nothing_gives_no_hits(searcher):
    assert searcher.search(BROAD, filters=Filters(countries=("EG",))) == []
    assert searcher.search(BROAD, filters=Filters(doc_types=("memo",))) == []


@pytest.mark.parametrize(("max_per_doc", "k"), [(1, 5), (2, 8), (3, 8)])
def test_max_per_doc(ingested, max_per_doc, k):
    from regassist.retrieval import Searcher

    settings, embedder, _, _ = ingested
    searcher = Searcher(settings.with_(max_per_doc=max_per_doc), embedder=embedder)
    hits = searcher.search(BROAD, k=k)
    assert len(hits) == k
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.doc.doc_id] = counts.get(h.doc.doc_id, 0) + 1
    assert max(counts.values()) <= max_per_doc
    searcher.registry.close()


def test_hits_are_ranked(searcher):
    hits = searcher.search("corporate income tax exemption years", k=6)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk.chunk_id for h in hits}) == len(hits)
    for h in hits:
        assert h.chunk.doc_id == h.doc.doc_id
        assert -1.0 <= h.dense <= 1.0001


def test_blank_query_gives_no_hits(searcher):
    assert searcher.search("   ") == []


@pytest.mark.parametrize(
    ("query", "source", "section_end"),
    [
        ("Madde 6", "tr_kanun.txt", "Madde 6 – Gümrük vergisi istisnası"),
        ("статья 10", "ru_zakon.md", "Статья 10. Свободная таможенная зона"),
        ("ст. 10", "ru_zakon.md", "Статья 10. Свободная таможенная зона"),
        ("Article 7", "en_regulations.txt", "Article 7 - Foreign employees"),
        ("المادة 8", "ar_nizam.txt", "المادة (8): الإعفاء الضريبي"),
    ],
    ids=["tr", "ru", "ru-abbrev", "en", "ar"],
)
def test_article_reference_found_by_bm25(searcher, query, source, section_end):
    hits = searcher.search(query, k=5)
    top = hits[0]
    assert Path(top.doc.source).name == source
    assert top.chunk.section.endswith(section_end)
    assert top.via in ("bm25", "hybrid") and top.lexical > 0
    assert top.lexical == max(h.lexical for h in hits)


# -- retrieval with the real multilingual embedder -----------------------------------------------------


@pytest.fixture(scope="module")
def e5_searcher(e5, tmp_path_factory):
    from regassist.retrieval import Searcher

    root = tmp_path_factory.mktemp("e5")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache")
    docs = root / "docs"
    shutil.copytree(Path(__file__).parent / "fixtures" / "docs", docs)
    report = Indexer(settings, embedder=e5).ingest([docs])
    assert report.n_failed == 0
    searcher = Searcher(settings, embedder=e5)
    yield searcher
    searcher.registry.close()


@pytest.mark.parametrize(
    "query",
    [
        "Какую долю работников могут составлять иностранцы и кто выдаёт им разрешения на работу?",
        "Yabancı çalışan oranı en fazla ne kadar olabilir?",
    ],
    ids=["ru", "tr"],
)
def test_cross_lingual_query_finds_english_passage(e5_searcher, query):
    hits = e5_searcher.search(query, k=5)
    top3 = [(Path(h.doc.source).name, h.chunk.section) for h in hits[:3]]
    assert ("en_regulations.txt", "CHAPTER 2 - INCENTIVES › Article 7 - Foreign employees") in top3, top3
