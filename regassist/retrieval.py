"""Hybrid retrieval: dense (FAISS) + lexical (BM25 with glossary expansion) fused by reciprocal rank,
with place awareness so that cross-lingual questions reach the zone they name.

Small multilingual embedders prefer passages in the query's own language. Two pieces of domain knowledge
correct that: the gazetteer recognises the zones and countries a question names (in any of the four
languages) and adds a dense search restricted to their documents; the glossary expands the lexical query
with the same terms in the other languages.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from regassist.backend import Scope, SearchView, open_backend
from regassist.config import Settings
from regassist.documents import LANGS, Hit, Lang
from regassist.embeddings import Embedder, load_embedder
from regassist.errors import IndexStateError
from regassist.langid import detect_lang
from regassist.lexical import tokenize
from regassist.store import Filters
from regassist.textnorm import fold

logger = logging.getLogger(__name__)

RRF_K = 60  # Cormack et al. 2009; a larger k flattens the rank curve
EXPANSION_WEIGHT = 0.5  # glossary and gazetteer terms count half as much as the asker's own words
NEAR_DUPLICATE = 0.9  # Jaccard of word sets above which two passages are the same passage
GENERIC_ZONE_WORDS = frozenset({"zone", "free", "special", "economic", "park", "industrial", "technopark", "city"})
REFERENCE_BOOST = 3.0  # lexical weight multiplier for short article-reference queries
VECTOR_CACHE_SIZE = 20_000  # query and sentence embeddings kept in memory (384 floats each: ~30 MB)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """How a question was understood: language, named places, weighted lexical tokens."""

    text: str
    lang: Lang
    countries: tuple[str, ...]
    zones: tuple[str, ...]
    tokens: dict[str, float]
    zone_names: tuple[str, ...] = ()  # folded names of the named zones, in all languages
    zone_countries: tuple[str, ...] = ()  # countries of the named zones


def fuse_rrf(ranked: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]) -> dict[int, float]:
    """Merge ranked (id, score) lists by reciprocal rank; an id found by several lists sums its shares."""
    scores: dict[int, float] = defaultdict(float)
    for hits, weight in zip(ranked, weights, strict=True):
        if weight <= 0:
            continue  # a switched-off retriever adds no candidates either
        for rank, (cid, _) in enumerate(hits):
            scores[cid] += weight / (RRF_K + rank + 1)
    return scores


class Searcher:
    """Read side of an index folder. Thread-safe; picks up new generations written by the indexer."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.backend = open_backend(settings)
        self.registry = self.backend.registry
        self._embedder = embedder
        self._lock = threading.RLock()
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def query_vector(self, text: str) -> np.ndarray:
        """The query embedding, remembered for the last few hundred questions."""
        vec = self._vectors.get(("q", text))
        if vec is None:
            vec = self.embedder.embed_query([text])[0]
            self._remember(("q", text), vec)
        return vec

    def passage_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Passage embeddings of short texts (answer sentences), remembered across questions."""
        missing = [t for t in dict.fromkeys(texts) if ("p", t) not in self._vectors]
        if missing:
            for text, vec in zip(missing, self.embedder.embed_passages(missing), strict=True):
                self._remember(("p", text), vec)
        return np.vstack([self._vectors[("p", t)] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def _remember(self, key: tuple[str, str], vec: np.ndarray) -> None:
        with self._lock:
            self._vectors[key] = vec
            while len(self._vectors) > VECTOR_CACHE_SIZE:
                self._vectors.popitem(last=False)

    def variant(self, **changes: object) -> Searcher:
        """A searcher over the same loaded index and model with other settings (baselines, experiments)."""
        other = copy.copy(self)
        other.settings = self.settings.with_(**changes)
        return other

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def index(self) -> SearchView:
        """The search structures of the current generation (reloaded when a writer has moved it on)."""
        return self.backend.view(self.embedder.name, self.embedder.dim)

    def plan(self, query: str, lang: Lang | None = None, *, expand: bool = True) -> QueryPlan:
        """Language, named places and weighted BM25 tokens of ``query``; ``expand`` adds the glossary's
        terms and the named places' names in the other languages."""
        from regassist.gazetteer import default_gazetteer
        from regassist.glossary import default_glossary

        qlang = lang or detect_lang(query)
        gazetteer = default_gazetteer()
        countries = tuple(gazetteer.countries_in(query))
        zones = tuple(gazetteer.zones_in(query))
        zone_names: set[str] = set()
        zone_countries: set[str] = set()
        for key in zones:
            place = gazetteer.get(key)
            zone_names |= {fold(n) for ns in place.names.values() for n in ns if len(n) >= 4}
            zone_countries.add(place.country.upper())
        # Zones of the indexed documents that the gazetteer does not know ("harbour", "sahil"): their keys are
        # names too, so a question that names one is about that zone's documents.
        query_words = fold(query).split()
        for key, (country, words) in self.corpus_zones().items():
            if words and all(any(w.startswith(n) and len(w) - len(n) <= 4 for w in query_words) for n in words):
                zones += (key,)
                zone_names |= set(words)
                if country:
                    zone_countries.add(country)
        tokens: dict[str, float] = {}
        for token in tokenize(query, qlang, query=True):
            tokens[token] = tokens.get(token, 0.0) + 1.0
        expansions = default_glossary().expand(query, qlang) if expand else {}
        for place_key in zones if expand else ():
            place = gazetteer.find_place(place_key)
            if place is None:
                continue  # a zone known only from the corpus: no names in other languages
            for other, names in place.names.items():
                if other != qlang:
                    expansions.setdefault(other, []).extend(names[:3])
        if expand:  # optional: machine-translated query where the user installed an Argos model for the pair
            from regassist.translate import installed_pairs, translate

            if installed_pairs():
                for other in LANGS:
                    translated = translate(query, qlang, other) if other != qlang else None
                    if translated:
                        expansions.setdefault(other, []).append(translated)
        for other, terms in expansions.items():
            for token in tokenize(" ".join(terms), other):  # type: ignore[arg-type]
                tokens.setdefault(token, EXPANSION_WEIGHT)
        return QueryPlan(
            query, qlang, countries, zones, tokens, tuple(sorted(zone_names)), tuple(sorted(zone_countries))
        )

    def corpus_zones(self) -> dict[str, tuple[str | None, tuple[str, ...]]]:
        """Zones of indexed documents unknown to the gazetteer: key -> (country, folded name words)."""
        generation = self.registry.generation
        cached = getattr(self, "_corpus_zones", None)
        if cached is not None and cached[0] == generation:
            return cached[1]  # type: ignore[no-any-return]
        from regassist.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        out: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        for key, country in self.registry.zones():
            if not key:
                continue
            try:
                gazetteer.get(key)
                continue
            except KeyError:
                pass
            words = tuple(w for w in re.split(r"[_\-\s]+", fold(key)) if len(w) >= 4 and w not in GENERIC_ZONE_WORDS)
            out[key] = (country, words)
        self._corpus_zones = (generation, out)
        return out

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        lang: Lang | None = None,
        use_places: bool = True,
        expand: bool = True,
    ) -> list[Hit]:
        """Top ``k`` passages for ``query``, best first, at most ``max_per_doc`` per document."""
        if not query.strip():
            return []
        k = k or self.settings.top_k
        filters = filters or Filters()
        index = self.index
        if index.ntotal == 0:
            raise IndexStateError(
                f"The index in {self.backend.location} is empty. Add documents: regassist ingest PATH"
            )
        plan = self.plan(query, lang, expand=expand)
        allowed = self.backend.scope(filters)
        n = self.settings.candidates
        qvec = self.query_vector(query)
        alpha = self.settings.language_debias
        dense = index.search_dense(qvec, n, allowed, alpha=alpha)
        lexical = index.search_lexical(plan.tokens, n, allowed)
        lists = [dense, lexical]
        # A short query that cites an article ("Madde 6", "статья 10") wants that text: lexical leads.
        is_reference = any(t.startswith("§") for t in plan.tokens) and len(plan.tokens) <= 6
        bm25_weight = self.settings.bm25_weight * (REFERENCE_BOOST if is_reference else 1.0)
        weights = [self.settings.dense_weight, bm25_weight]
        if use_places and (plan.zones or plan.countries):
            place = self._place_scope(plan, filters)
            if place is not None:
                lists.append(index.search_dense(qvec, n, place, alpha=alpha))
                weights.append(self.settings.dense_weight * (1.0 + self.settings.place_boost))
                lists.append(index.search_lexical(plan.tokens, n, place))
                weights.append(bm25_weight)
        fused = fuse_rrf(lists, weights)
        dense_found = {cid for i, hits in enumerate(lists) if i % 2 == 0 and weights[i] > 0 for cid, _ in hits}
        lexical_found = {cid for i, hits in enumerate(lists) if i % 2 == 1 and weights[i] > 0 for cid, _ in hits}
        dense_scores = {cid: s for i, hits in enumerate(lists) if i % 2 == 0 for cid, s in hits}
        lexical_scores = {cid: s for i, hits in enumerate(lists) if i % 2 == 1 for cid, s in hits}
        order = sorted(fused, key=lambda cid: (fused[cid], dense_scores.get(cid, 0.0)), reverse=True)
        window = order[: max(k * 6, 30)]
        rows = self.registry.chunks_by_ids(window)
        stored = index.vectors([cid for cid in window if cid not in dense_scores])  # lexical-only hits
        hits: list[Hit] = []
        for cid in order:
            if cid not in rows:
                continue  # beyond the window, or removed since the index was loaded
            chunk, doc = rows[cid]
            in_dense, in_lexical = cid in dense_found, cid in lexical_found
            if cid in dense_scores:  # back from the debiased score to the plain cosine, for display and checks
                cosine = dense_scores[cid] + alpha * index.background(qvec, chunk.lang)
            else:
                cosine = float(stored[cid] @ qvec) if cid in stored else 0.0
            hits.append(
                Hit(
                    chunk=chunk,
                    doc=doc,
                    score=fused[cid],
                    via="hybrid" if in_dense and in_lexical else ("dense" if in_dense else "bm25"),
                    dense=float(cosine),
                    lexical=float(lexical_scores.get(cid, 0.0)),
                )
            )
        if self.settings.reranker_model:
            hits = self._rerank(query, hits)
        hits = _diversify(hits, k, self.settings.max_per_doc)
        return [replace(h, rank=i + 1) for i, h in enumerate(hits)]

    def _place_scope(self, plan: QueryPlan, filters: Filters) -> Scope | None:
        """The chunks of the places the question names (its zones; their countries when no document is
        about those zones) within ``filters``; None when there are none."""
        backend = self.backend
        place = Filters(zones=plan.zones) if plan.zones else Filters(countries=plan.countries)
        scope = backend.scope(place, filters)
        no_zone_docs = plan.zones and plan.countries and backend.scope_is_empty(scope)
        if no_zone_docs and backend.scope_is_empty(backend.scope(place)):  # not just filtered out: use the countries
            scope = backend.scope(Filters(countries=plan.countries), filters)
        return None if backend.scope_is_empty(scope) else scope

    def _rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Reorder the top candidates with a local cross-encoder (only when one is configured)."""
        top = hits[: self.settings.rerank_top]
        if not top:
            return hits
        scores = _cross_encoder(self.settings.reranker_model).predict([(query, h.chunk.text) for h in top])
        order = sorted(range(len(top)), key=lambda i: float(scores[i]), reverse=True)
        return [replace(top[i], score=float(scores[i])) for i in order] + hits[len(top) :]

    def timed_search(self, query: str, **kwargs: object) -> tuple[list[Hit], float]:
        started = time.perf_counter()
        hits = self.search(query, **kwargs)  # type: ignore[arg-type]
        return hits, (time.perf_counter() - started) * 1000


@functools.lru_cache(maxsize=2)
def _cross_encoder(path: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from sentence_transformers import CrossEncoder

    from regassist.errors import ModelNotAvailable

    if not Path(path).expanduser().is_dir():
        raise ModelNotAvailable(
            f"reranker_model {path!r} is not a local folder. Point REGASSIST_RERANKER_MODEL at a CrossEncoder "
            "folder on disk, or leave it empty; models are never downloaded."
        )
    return CrossEncoder(str(Path(path).expanduser()), device="cpu", local_files_only=True)


def _diversify(hits: list[Hit], k: int, max_per_doc: int) -> list[Hit]:
    """Drop near-duplicate passages and cap passages per document; fill up with the rest if short."""
    kept: list[Hit] = []
    seen_words: list[set[str]] = []
    per_doc: dict[str, int] = defaultdict(int)
    overflow: list[Hit] = []
    for hit in hits:
        words = set(fold(hit.chunk.text).split())
        if any(_jaccard(words, other) >= NEAR_DUPLICATE for other in seen_words):
            continue
        if per_doc[hit.doc.doc_id] >= max_per_doc:
            overflow.append(hit)
            continue
        kept.append(hit)
        seen_words.append(words)
        per_doc[hit.doc.doc_id] += 1
        if len(kept) == k:
            return kept
    return (kept + overflow)[:k]


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
