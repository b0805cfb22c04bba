from __future__ import annotations

from langchain_core.retrievers import BaseRetriever

from regassist.langchain_retriever import RegassistRetriever


def test_retriever_returns_documents_with_citation_metadata(searcher):
    retriever = RegassistRetriever(searcher=searcher, k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Madde 6 gümrük vergisi")
    assert 1 <= len(docs) <= 3
    top = docs[0]
    assert top.metadata["source"].endswith("tr_kanun.txt")
    assert {"doc_id", "chunk_id", "page", "section", "lang", "score"} <= set(top.metadata)
    assert top.page_content in searcher.registry.document(top.metadata["doc_id"]).text
