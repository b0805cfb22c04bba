"""A LangChain retriever over regassist, so its hybrid multilingual search plugs into existing chains.

from regassist.langchain_retriever import RegassistRetriever
retriever = RegassistRetriever.from_index("index", k=5)
docs = retriever.invoke("Какая ставка налога на прибыль в ОЭЗ Алабуга?")
docs[0].metadata["source"], docs[0].metadata["page"], docs[0].metadata["section"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document as LCDocument
    from langchain_core.retrievers import BaseRetriever
except ImportError as err:  # pragma: no cover - langchain-core is a dependency
    from regassist.errors import MissingExtra

    raise MissingExtra("The LangChain retriever", "langchain") from err

from regassist.config import Settings
from regassist.store import Filters


class RegassistRetriever(BaseRetriever):
    """Hybrid (dense + BM25, cross-lingual) search as LangChain Documents with citation metadata."""

    searcher: Any  # regassist.retrieval.Searcher
    k: int = 8
    filters: Filters | None = None

    model_config: ClassVar[dict[str, Any]] = {"arbitrary_types_allowed": True}

    @classmethod
    def from_index(cls, index_dir: str | Path = "index", **kwargs: Any) -> RegassistRetriever:
        from regassist.retrieval import Searcher

        return cls(searcher=Searcher(Settings.load(index_dir=index_dir)), **kwargs)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.searcher.search(query, k=self.k, filters=self.filters)
        return [
            LCDocument(
                page_content=h.chunk.text,
                metadata={
                    "doc_id": h.doc.doc_id,
                    "chunk_id": h.chunk.chunk_id,
                    "source": h.doc.source,
                    "title": h.doc.title,
                    "page": h.chunk.page,
                    "section": h.chunk.section,
                    "lang": h.chunk.lang,
                    "country": h.doc.country,
                    "zone": h.doc.zone,
                    "edition": h.doc.edition,
                    "score": h.score,
                    "rank": h.rank,
                },
            )
            for h in hits
        ]
