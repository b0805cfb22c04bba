"""The plain LangChain baseline (regassist.baselines) on the fixture corpus with the fake embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("langchain_community")
pytest.importorskip("faiss")

from regassist.baselines import (
    build_langchain_baseline,
    corpus_files,
    corpus_key,
    langchain_system,
    load_documents,
    make_embeddings,
)


def test_loads_every_format(corpus_dir: Path) -> None:
    files = corpus_files([corpus_dir])
    names = {f.name for f in files}
    assert {"ru_handbook.pdf", "en_guide.html", "en_regulations.txt", "forum_thread.md", "tr_kanun.txt"} <= names
    assert not any(n.endswith(".json") for n in names)
    docs = load_documents(files)
    by_source = {Path(d.metadata["source"]).name for d in docs if d.page_content.strip()}
    assert by_source == names
    html = " ".join(d.page_content for d in docs if d.metadata["source"].endswith(".html"))
    assert "<" not in html  # markup stripped (BeautifulSoup), or at worst read as text when bs4 is missing


def test_embeddings_adapter_uses_passage_and_query(fake_embedder) -> None:
    emb = make_embeddings(fake_embedder)
    docs = emb.embed_documents(["free zone rent", "customs duty"])
    q = emb.embed_query("rent")
    assert len(docs) == 2 and len(q) == fake_embedder.dim
    assert fake_embedder.passage_calls == [["free zone rent", "customs duty"]]
    assert fake_embedder.query_calls == [["rent"]]
    assert np.isclose(np.linalg.norm(q), 1.0)


def test_ranked_distinct_sources_and_cache(corpus_dir: Path, fake_embedder, tmp_path: Path) -> None:
    cache = tmp_path / "out"
    search = build_langchain_baseline([corpus_dir], fake_embedder, cache_dir=cache)
    embedded = fake_embedder.n_embedded
    assert embedded > 0
    ranked = search("Madde 6 serbest bölge")
    assert ranked and len(ranked) == len(set(ranked)) and len(ranked) <= 10
    assert all(Path(s).exists() for s in ranked)
    assert Path(ranked[0]).name == "tr_kanun.txt"
    assert len(list(cache.glob("langchain-*"))) == 1

    fake_embedder.reset()
    again = build_langchain_baseline([corpus_dir], fake_embedder, cache_dir=cache)  # from the cache: no embedding
    assert fake_embedder.n_embedded == 0
    assert again("Madde 6 serbest bölge") == ranked

    key = corpus_key(corpus_files([corpus_dir]), fake_embedder.name)
    (corpus_dir / "forum_thread.md").write_text("A new post about harbour rents.\n", encoding="utf-8")
    assert corpus_key(corpus_files([corpus_dir]), fake_embedder.name) != key  # a changed file rebuilds
    build_langchain_baseline([corpus_dir], fake_embedder, cache_dir=cache)
    assert fake_embedder.n_embedded > 0


def test_eval_system_over_an_index(searcher, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # cache goes to ./bench/out; sources in the registry are absolute here
    system = langchain_system(searcher)
    assert system is not None
    hits = system("serbest bölge kira")
    assert hits and all(Path(h.doc.source).is_file() for h in hits)
    assert (tmp_path / "bench" / "out").is_dir()
