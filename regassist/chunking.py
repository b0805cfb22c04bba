"""Document -> Chunks that follow legal structure, with page numbers, heading paths and exact offsets.

Sections start at headings (markup headings, and the legal patterns of the four languages: Раздел/Глава/
Статья, Part/Chapter/Article/Section, Kısım/Bölüm/Madde, الباب/الفصل/المادة). A section that fits the token
budget is one chunk; a longer one is split with overlap by langchain's RecursiveCharacterTextSplitter,
measured in the embedding model's tokens. Forum threads give one chunk per post. Every chunk satisfies
``document.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from regassist.documents import Chunk, Document
from regassist.langid import detect_lang
from regassist.textnorm import fold

logger = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]
PATH_SEP = " › "
MAX_HEADING_CHARS = 160

# (level, pattern) on the folded line. Levels: 1 part, 2 chapter, 4 article; markup h1..h6 use 1..6, so an
# <h3> under a "Глава" nests, and an article (4) under an <h3> nests too.
_NUM = r"(?:\d+(?:[.\-]\d+)*|[ivxlc]+|[a-z])"
_HEAD_END = r"(?:\s*[.:\-–—]|\s*\(|\s*$|\s+(?!(?:of|hereof|настоящ\w*|указан\w*|bu|işbu)\b)[^\W\d_]{2,})"
LEGAL_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^(раздел|part|kısım|kisim)\s+{_NUM}{_HEAD_END}")),
    (1, re.compile(r"^(\w+\s+)?(kısım|kisim)\s*$")),
    (1, re.compile(r"^(الباب|القسم)\s+\S+")),
    (2, re.compile(rf"^(глава|chapter|bölüm|bolum)\s+{_NUM}{_HEAD_END}")),
    (2, re.compile(r"^(\w+\s+)?(bölüm|bolum)\s*$")),
    (2, re.compile(r"^الفصل\s+\S+")),
    (4, re.compile(rf"^(статья|article|art\.|section|madde|§)\s*{_NUM}{_HEAD_END}")),
    (4, re.compile(r"^(ال)?ماده\s*(\(\s*\d+\s*\)|\d+|[^\W\d_]+)(\s*[:\-–—.)]|\s*$|\s+(?!(?:من|في)\s)[^\W\d_]+)")),
)
# Official layouts put the article number and its first paragraph on one line: "MADDE 1 – (1) Bu Kanunun ...".
# On a long line only this prefix counts as the heading.
_INLINE_ARTICLE = re.compile(r"^\s*(madde|статья|article|المادة|مادة)\s*\(?\d+(?:/\d+)?\)?\s*[–—\-.:]", re.IGNORECASE)
# Plain-text headings: "1. OVERVIEW", "TAX INCENTIVES" (upper case, short). Not for Arabic (no case).
_CAPS_HEADING = re.compile(r"^(\d+(\.\d+)*\.?\s+)?[^\W\d_][^\n]{2,80}$")
# Forum post headers in plain text/HTML exports: "user · 2025-03-01", "Posted by user on 12.03.2024", "Автор: user".
_POST_HEADER = re.compile(
    r"^(#+\s*)?(\S[^\n]{0,60}?\s[·|•—–-]\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.*|"
    r"(posted by|автор|yazan|gönderen|كتب|بواسطة)\s*:?\s*\S.*|(re|ответ|yanıt|رد)\s*:.*)$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Heading:
    start: int
    end: int
    level: int
    text: str


def approx_tokens(text: str) -> int:
    """Rough XLM-R token count when no tokenizer is loaded: about 1.4 tokens per word."""
    return max(1, int(len(text.split()) * 1.4 + text.count("\n") * 0.2))


def find_headings(doc: Document) -> list[Heading]:
    """Headings from markup plus legal/plain-text patterns at line starts, sorted by offset."""
    found: dict[int, Heading] = {}
    for n, (start, end, level) in enumerate(doc.extra.get("headings", ())):
        text = doc.text[start:end]
        if level == 1 and (fold(text) == fold(doc.title) or (n == 0 and start < 600)):
            continue  # the document's title heading: already the chunk context
        found[start] = Heading(start, end, legal_level(text) or level, text)
    is_forum = doc.doc_type == "forum"
    for match in re.finditer(r"[^\n]+", doc.text):
        start, line = match.start(), match.group().strip()
        if start in found or len(line) < 2:
            continue
        if len(line) > MAX_HEADING_CHARS:
            inline = _INLINE_ARTICLE.match(match.group())
            if inline:
                found[start] = Heading(start, start + inline.end(), 4, inline.group().strip(" –—-.:"))
            continue
        level = legal_level(line)
        if level is None and is_forum and _POST_HEADER.match(line):
            level = 3
        if level is None and doc.lang != "ar" and _is_caps_heading(line):
            level = 2
        if level is not None:
            found[start] = Heading(start, match.end(), level, line)
    return [found[k] for k in sorted(found)]


def legal_level(line: str) -> int | None:
    folded = fold(line.strip().lstrip("#").strip())
    for level, pattern in LEGAL_HEADINGS:
        if pattern.match(folded):
            return level
    return None


def _is_caps_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 4 or not _CAPS_HEADING.match(line):
        return False
    return sum(c.isupper() for c in letters) / len(letters) > 0.9 and not line.rstrip().endswith((",", ";"))


def chunk_document(
    doc: Document,
    *,
    count_tokens: TokenCounter = approx_tokens,
    max_tokens: int = 300,
    overlap_tokens: int = 40,
    min_tokens: int = 20,
) -> list[Chunk]:
    """Split ``doc`` into chunks along its structure (see module docstring)."""
    headings = find_headings(doc)
    bounds = [h.start for h in headings]
    if not bounds or bounds[0] > 0:
        bounds.insert(0, 0)
    bounds.append(len(doc.text))
    by_start = {h.start: h for h in headings}
    stack: list[Heading] = []
    spans: list[tuple[int, int, str]] = []
    pending: int | None = None  # start of a heading-only section waiting to join the next one
    for sec_start, sec_end in itertools.pairwise(bounds):
        heading = by_start.get(sec_start)
        if heading is not None:
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
        path = PATH_SEP.join(_short(h.text) for h in stack)
        body_start = heading.end if heading else sec_start
        body = doc.text[body_start:sec_end]
        start = sec_start if pending is None else pending
        if heading is not None and count_tokens(body) < min_tokens and sec_end < len(doc.text):
            next_heading = by_start.get(sec_end)
            if next_heading is not None and next_heading.level > heading.level:
                pending = start  # "Глава 2" directly followed by "Статья 5": keep it with the article
                continue
        pending = None
        spans.extend(_split_span(doc.text, start, sec_end, path, count_tokens, max_tokens, overlap_tokens))
    return _make_chunks(doc, spans)


def _split_span(
    text: str, start: int, end: int, path: str, count_tokens: TokenCounter, max_tokens: int, overlap: int
) -> list[tuple[int, int, str]]:
    start, end = _trim(text, start, end)
    if start >= end:
        return []
    piece = text[start:end]
    if count_tokens(piece) <= max_tokens:
        return [(start, end, path)]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=overlap,
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )
    out: list[tuple[int, int, str]] = []
    cursor = 0
    for part in splitter.create_documents([piece]):
        offset = part.metadata.get("start_index", -1)
        if offset < 0 or piece[offset : offset + len(part.page_content)] != part.page_content:
            offset = piece.find(part.page_content, max(0, cursor - len(part.page_content)))
        if offset < 0:  # cannot happen with a verbatim splitter; never emit an unlocatable chunk
            logger.warning("dropped a chunk that could not be located in its document")
            continue
        s, e = _trim(text, start + offset, start + offset + len(part.page_content))
        if s < e:
            out.append((s, e, path))
        cursor = offset + len(part.page_content)
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _short(heading: str) -> str:
    heading = heading.strip().lstrip("#").strip()
    return heading if len(heading) <= 90 else heading[:88].rsplit(" ", 1)[0] + "…"


def _make_chunks(doc: Document, spans: list[tuple[int, int, str]]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for ordinal, (start, end, path) in enumerate(spans):
        text = doc.text[start:end]
        lang = detect_lang(text, default=doc.lang) if len(text) >= 80 else doc.lang
        context = doc.title + (PATH_SEP + path if path else "")
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}:{ordinal}",
                doc_id=doc.doc_id,
                text=text,
                lang=lang,
                page=doc.page_of(start),
                page_end=doc.page_of(max(start, end - 1)),
                section=path,
                start=start,
                end=end,
                context=context,
            )
        )
    return chunks
