"""Property-based tests (hypothesis): invariants that must hold for any text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regassist.chunking import approx_tokens, chunk_document
from regassist.documents import PAGE_SEPARATOR, Chunk, Document
from regassist.textnorm import clean_display, fold, words

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Letters of the four languages plus the characters that make structure: newlines, spaces, digits, marks.
ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
    + list("çğıöşüÇĞİÖŞÜ")
    + list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىئؤ")
    + ["\u064e", "\u064f", "\u0650", "\u0651", "\u0640"]
    + list("0123456789٠١٢٣٤٥٦٧٨٩")
    + list(" \n\n\n\t.,:;-–—()§#·|")
    + ["\u00ad", "\u200b", "\ufefb", "\u00a0", "\r"]
)
TEXT = st.text(alphabet=ALPHABET, max_size=600)
LANG = st.sampled_from([None, "ru", "en", "ar", "tr"])

# Lines that look like the structure of our corpora, so chunking meets headings, posts and long runs.
LINES = st.sampled_from(
    [
        "Глава 1. Общие положения", "Статья 5. Ставка налога", "Статья 10", "CHAPTER 2 - INCENTIVES",
        "Article 7 - Foreign employees", "Article 5 of this Law applies.", "İKİNCİ BÖLÜM", "Madde 6 – Gümrük",
        "الفصل الأول: أحكام عامة", "المادة (8): الإعفاء الضريبي", "### anna_k · 2024-01-01", "TAX INCENTIVES",
        "", "",
    ]
)  # fmt: skip
STRUCTURED = st.lists(st.one_of(LINES, st.text(alphabet=ALPHABET, min_size=1, max_size=200)), max_size=40).map(
    "\n".join
)


def make_doc(text: str, pages: int, lang: str, doc_type: str) -> Document:
    """A Document as the loaders build it: cleaned pages joined by the page separator."""
    cleaned = clean_display(text)
    parts = [cleaned] if pages == 1 else [clean_display(p) for p in _split(cleaned, pages)]
    starts, offset = [], 0
    for part in parts:
        starts.append(offset)
        offset += len(part) + len(PAGE_SEPARATOR)
    return Document(
        doc_id="0123456789abcdef", source="prop", title="Prop", lang=lang, doc_type=doc_type,  # type: ignore[arg-type]
        text=PAGE_SEPARATOR.join(parts), page_starts=tuple(starts),
    )  # fmt: skip


def _split(text: str, n: int) -> list[str]:
    size = max(1, len(text) // n)
    return [text[i * size : (i + 1) * size] if i < n - 1 else text[i * size :] for i in range(n)]


# -- textnorm -----------------------------------------------------------------------------------------


@PROPS
@given(TEXT, LANG)
def test_fold_is_idempotent(text, lang):
    once = fold(text, lang)
    assert fold(once, lang) == once


@PROPS
@given(st.text(max_size=300), LANG)
def test_fold_is_idempotent_on_any_unicode(text, lang):
    once = fold(text, lang)
    assert fold(once, lang) == once


@PROPS
@given(st.text(max_size=400))
def test_clean_display_never_raises_and_is_clean(text):
    out = clean_display(text)
    assert isinstance(out, str)
    assert out == out.strip()
    assert "\r" not in out and "\u00ad" not in out and "\n\n\n" not in out and "  " not in out


@PROPS
@given(TEXT)
def test_clean_display_on_corpus_alphabet(text):
    out = clean_display(text)
    assert "\ufefb" not in out and "\u200b" not in out  # presentation forms mapped, zero-width dropped


@PROPS
@given(TEXT, LANG)
def test_words_are_folded_tokens(text, lang):
    tokens = words(text, lang)
    assert all(t and t == fold(t, lang) and " " not in t for t in tokens)


# -- chunking -----------------------------------------------------------------------------------------


def _check(doc: Document, chunks: list[Chunk], max_tokens: int) -> None:
    covered = bytearray(len(doc.text))
    for n, c in enumerate(chunks):
        assert c.ordinal == n
        assert 0 <= c.start < c.end <= len(doc.text)
        assert doc.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()
        assert c.page == doc.page_of(c.start)
        assert c.page_end == doc.page_of(c.end - 1)
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        assert Chunk.from_dict(c.to_dict()) == c
    assert all(covered[i] for i, ch in enumerate(doc.text) if not ch.isspace())
    if not doc.text.strip():
        assert chunks == []


@PROPS
@given(
    TEXT,
    st.integers(1, 3),
    st.sampled_from(["ru", "en", "ar", "tr"]),
    st.sampled_from(["law", "forum", "guide"]),
    st.sampled_from([(300, 40), (24, 6), (16, 4)]),
)
def test_chunk_document_on_arbitrary_text(text, pages, lang, doc_type, budget):
    doc = make_doc(text, pages, lang, doc_type)
    max_tokens, overlap = budget
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=overlap, min_tokens=5)
    _check(doc, chunks, max_tokens)
    assert all(approx_tokens(c.text) <= max_tokens for c in chunks)


@PROPS
@given(
    STRUCTURED,
    st.integers(1, 4),
    st.sampled_from(["ru", "en", "ar", "tr"]),
    st.sampled_from(["law", "forum"]),
)
def test_chunk_document_on_structured_text(text, pages, lang, doc_type):
    doc = make_doc(text, pages, lang, doc_type)
    chunks = chunk_document(doc, max_tokens=40, overlap_tokens=8, min_tokens=10)
    _check(doc, chunks, 40)
    assert all(approx_tokens(c.text) <= 40 for c in chunks)


@PROPS
@given(
    st.builds(
        Chunk,
        chunk_id=st.tuples(st.text("0123456789abcdef", min_size=16, max_size=16), st.integers(0, 10_000)).map(
            lambda t: f"{t[0]}:{t[1]}"
        ),
        doc_id=st.text("0123456789abcdef", min_size=16, max_size=16),
        text=st.text(max_size=200),
        lang=st.sampled_from(["ru", "en", "ar", "tr"]),
        page=st.integers(1, 2000),
        page_end=st.integers(1, 2000),
        section=st.text(max_size=80),
        start=st.integers(0, 10**7),
        end=st.integers(0, 10**7),
        context=st.text(max_size=80),
    )
)
def test_chunk_dict_round_trip(chunk):
    again = Chunk.from_dict(chunk.to_dict())
    assert again == chunk
    assert again.content_hash == chunk.content_hash
    assert again.ordinal == chunk.ordinal
