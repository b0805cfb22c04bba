"""The public API: open an index, ``search`` passages, ``ask`` questions for cited answers."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import lru_cache

import numpy as np

from regassist.answer import Answerer, page_lookup
from regassist.config import Settings
from regassist.documents import Answer, DocInfo, Hit, Lang
from regassist.embeddings import Embedder
from regassist.retrieval import Searcher
from regassist.store import Filters

EDITION_PASSAGES = 3  # passages of each edition a "what changed" answer draws on
PART_PASSAGES = 3  # passages searched for each part of a question that asks several things
TWINS = 2  # passages of another edition under the same heading added per retrieved passage


class Assistant:
    """Question answering over one index folder. Thread-safe for concurrent ``ask``/``search`` calls."""

    def __init__(
        self, settings: Settings | None = None, embedder: Embedder | None = None, chat_model: object | None = None
    ) -> None:
        self.settings = settings or Settings.load()
        self.searcher = Searcher(self.settings, embedder)
        self.answerer = Answerer(
            self._page_of,
            min_evidence=self.settings.min_evidence,
            max_sentences=self.settings.answer_sentences,
            corpus_places=self._corpus_places,
            embed_query=self.searcher.query_vector,
            embed_sentences=self.searcher.passage_vectors,
            editions_of=self.registry.editions,
            language_background=self._language_background,
            plan_query=self.searcher.plan,
        )
        from regassist.generate import GenerativeAnswerer, make_chat_model

        chat_model = chat_model if chat_model is not None else make_chat_model(self.settings)
        self.generator = GenerativeAnswerer(chat_model, self.answerer) if chat_model is not None else None

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        return self.searcher.registry

    def search(self, query: str, *, k: int | None = None, filters: Filters | None = None,
               lang: Lang | None = None) -> list[Hit]:  # fmt: skip
        """Top passages for ``query`` (see ``Searcher.search``)."""
        return self.searcher.search(query, k=k, filters=filters, lang=lang)

    def ask(self, question: str, *, filters: Filters | None = None, lang: Lang | None = None) -> Answer:
        """A short answer in the question's language (or ``lang``), every claim cited, or a refusal."""
        started = time.perf_counter()
        plan = self.searcher.plan(question, lang)
        answer = self._compare(question, lang or plan.lang) if filters is None or filters.is_empty else None
        if answer is None:
            from regassist.answer import asks_change, wants_latest_edition

            if wants_latest_edition(question):  # the edition in force, unless a date or a change is asked about
                filters = replace(filters or Filters(), latest_only=True)
            hits = self.searcher.search(question, filters=filters, lang=plan.lang)
            if asks_change(question):
                hits = self._with_every_edition(question, hits, filters, plan.lang)
            answerer = self.generator or self.answerer

            def search_part(part: str) -> list[Hit]:
                """One part of a question that asks several things, searched in the documents the question found."""
                docs = tuple(dict.fromkeys(h.doc.doc_id for h in hits))
                scoped = replace(filters or Filters(), doc_ids=docs)
                return self.searcher.search(part, k=PART_PASSAGES, filters=scoped, lang=plan.lang)

            answer = answerer.answer(question, plan, hits, lang or plan.lang, search_part)
        return replace(answer, latency_ms=(time.perf_counter() - started) * 1000)

    def _with_every_edition(self, question: str, hits: list[Hit], filters: Filters | None, lang: Lang) -> list[Hit]:
        """For "what changed" questions: the best passages of every edition of the series the hits come from.
        One edition's passages usually outrank the other's (they say nearly the same), so a plain search may
        return only one side of the comparison."""
        out = list(hits)
        for series in dict.fromkeys(h.doc.series for h in hits if h.doc.series):
            editions = self.registry.series_documents(series)
            if len(editions) < 2:
                continue
            for doc in editions:
                scoped = replace(filters or Filters(), doc_ids=(doc.doc_id,), latest_only=False)
                found = self.searcher.search(question, k=EDITION_PASSAGES, filters=scoped, lang=lang)
                seen = {h.chunk.chunk_id for h in out}
                out += [h for h in found if h.chunk.chunk_id not in seen]
            out += self._twins(out, editions)
        return out

    def _twins(self, hits: list[Hit], editions: list[DocInfo]) -> list[Hit]:
        """Passages of the series' editions under the same heading as a retrieved passage of another edition,
        nearest in relative position: where an edition reworded a provision, its other wording sits there,
        though the search may not rank it (the question's words can fit one wording better)."""
        chunks = {d.doc_id: self.registry.chunks_of(d.doc_id) for d in editions}
        length = {doc_id: max((c.end for c in cs), default=0) or 1 for doc_id, cs in chunks.items()}
        seen = {h.chunk.chunk_id for h in hits}
        out: list[Hit] = []
        for doc in editions:
            for h in hits:
                if h.doc.doc_id not in chunks or h.doc.doc_id == doc.doc_id:
                    continue
                where = h.chunk.start / length[h.doc.doc_id]
                same = [c for c in chunks[doc.doc_id] if c.section == h.chunk.section and c.chunk_id not in seen]
                for c in sorted(same, key=lambda c: abs(c.start / length[doc.doc_id] - where))[:TWINS]:
                    seen.add(c.chunk_id)
                    out.append(Hit(c, doc, score=0.0, rank=len(hits) + len(out)))
        return out

    def compare(self, zones: list[str], aspects: list[str] | None = None, lang: Lang = "en"):  # type: ignore[no-untyped-def]
        """The zone comparison table (see ``regassist.compare``)."""
        from regassist.compare import compare_zones

        return compare_zones(self, zones, aspects, lang)

    def _compare(self, question: str, lang: Lang) -> Answer | None:
        """A question that compares two or more zones ("profit tax in Alabuga vs Turkish free zones") is
        answered with the comparison table, one cited line per zone and aspect."""
        from regassist.compare import compare_zones, parse_comparison_question

        parsed = parse_comparison_question(question)
        if parsed is None:
            return None
        places, aspects = parsed
        table = compare_zones(self, places, aspects, lang, question=question)
        if not table.citations:
            return None
        return Answer(question, lang, table.to_text(), tuple(table.citations), refused=False, confidence=1.0)

    def _language_background(self, query: np.ndarray, lang: str) -> float:
        """The query's mean similarity to the index's passages in ``lang`` (0 for an empty index)."""
        try:
            return self.searcher.index.background(query, lang)
        except (KeyError, IndexError):
            return 0.0

    def _page_of(self, doc_id: str, offset: int) -> int:
        return _page_lookup(self.registry, doc_id, self.registry.generation)(offset)

    def _corpus_places(self) -> tuple[set[str], set[str]]:
        return _places(self.registry, self.registry.generation)


@lru_cache(maxsize=512)
def _page_lookup(registry, doc_id: str, generation: int):  # type: ignore[no-untyped-def]
    return page_lookup(registry.page_starts(doc_id))


@lru_cache(maxsize=8)
def _places(registry, generation: int) -> tuple[set[str], set[str]]:  # type: ignore[no-untyped-def]
    rows = registry.zones()
    return {r[0] for r in rows if r[0]}, {r[1] for r in rows if r[1]}
