"""The data that flows through the pipeline: Document, Chunk, Hit, Citation, Answer.

Frozen dataclasses with no I/O. Text is kept exactly as displayed; folding for matching lives in
``textnorm`` and never touches these fields, so a quote cut from ``Document.text`` is verbatim.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, get_args

Lang = Literal["ru", "en", "ar", "tr"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DocType = Literal["law", "handbook", "forum", "guide", "memo"]
DOC_TYPES: tuple[DocType, ...] = get_args(DocType)
Via = Literal["dense", "bm25", "hybrid"]

PAGE_SEPARATOR = "\n\n"  # between pages in Document.text; never part of a chunk's page span


def content_id(data: bytes) -> str:
    """Stable id from content: the first 16 hex digits of SHA-256 (64 bits, collision-safe at corpus scale)."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Document:
    """One source file after loading and normalisation.

    ``text`` is the display text of all pages joined by ``PAGE_SEPARATOR``; ``page_starts[i]`` is the
    offset where page ``i + 1`` begins, so any offset maps back to a 1-based page number.
    """

    doc_id: str  # content hash of the source bytes
    source: str  # the path the document was ingested from
    title: str
    lang: Lang
    doc_type: DocType
    text: str
    page_starts: tuple[int, ...] = (0,)
    country: str | None = None  # ISO 3166-1 alpha-2, e.g. "RU", "TR", "AE"
    zone: str | None = None  # gazetteer key, e.g. "alabuga"
    edition: str | None = None  # effective date, ISO "YYYY-MM-DD" (or "YYYY")
    series: str | None = None  # groups editions of one document
    sha256: str = ""
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def n_pages(self) -> int:
        return len(self.page_starts)

    def page_of(self, offset: int) -> int:
        """1-based page that holds character ``offset``."""
        return max(1, bisect_right(self.page_starts, offset))

    def page_text(self, page: int) -> str:
        """Display text of one 1-based page."""
        if not 1 <= page <= self.n_pages:
            raise IndexError(f"page {page} out of range 1..{self.n_pages}")
        start = self.page_starts[page - 1]
        end = self.page_starts[page] - len(PAGE_SEPARATOR) if page < self.n_pages else len(self.text)
        return self.text[start:end]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["page_starts"] = list(self.page_starts)
        d["warnings"] = list(self.warnings)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(
            **{
                **d,
                "page_starts": tuple(d.get("page_starts", (0,))),
                "warnings": tuple(d.get("warnings", ())),
            }
        )


@dataclass(frozen=True, slots=True)
class Chunk:
    """A citable span of one document: ``document.text[start:end] == text``."""

    chunk_id: str  # f"{doc_id}:{ordinal}"
    doc_id: str
    text: str  # verbatim span of Document.text
    lang: Lang
    page: int  # 1-based page where the chunk starts
    page_end: int  # 1-based page where it ends
    section: str  # heading path, e.g. "Глава 2 › Статья 10"; "" when none
    start: int
    end: int
    context: str = ""  # title / thread title / heading path prepended for embedding and BM25

    @property
    def ordinal(self) -> int:
        return int(self.chunk_id.rsplit(":", 1)[1])

    @property
    def content_hash(self) -> str:
        """Hash of what gets embedded, so an unchanged chunk is never embedded twice."""
        return hashlib.sha256(f"{self.context}\n{self.text}".encode()).hexdigest()[:24]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(**d)


@dataclass(frozen=True, slots=True)
class DocInfo:
    """Metadata of an indexed document, without its text (what retrieval and citations need)."""

    doc_id: str
    source: str
    title: str
    lang: Lang
    doc_type: DocType
    country: str | None
    zone: str | None
    edition: str | None
    series: str | None
    n_pages: int


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    doc: DocInfo
    score: float
    via: Via = "hybrid"
    rank: int = 0
    dense: float = 0.0  # cosine of query and chunk (0 when the chunk was found only lexically)
    lexical: float = 0.0  # BM25 score, 0 when found only by the dense retriever

    def with_score(self, score: float, via: Via | None = None) -> Hit:
        return replace(self, score=score, via=via or self.via)


@dataclass(frozen=True, slots=True)
class Citation:
    n: int
    doc_id: str
    source: str
    title: str
    page: int
    section: str
    quote: str  # verbatim span of the document's display text
    score: float
    lang: Lang
    start: int = 0  # offset of the quote in Document.text
    edition: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    lang: Lang
    text: str
    citations: tuple[Citation, ...]
    refused: bool
    latency_ms: float = 0.0
    notes: tuple[str, ...] = ()
    confidence: float = 0.0  # score of the best evidence sentence; refusals below settings.min_evidence

    @property
    def is_grounded(self) -> bool:
        return not self.refused and bool(self.citations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.lang,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "latency_ms": round(self.latency_ms, 1),
        }
