from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest

from regassist.chunking import PATH_SEP, approx_tokens, chunk_document, find_headings, legal_level
from regassist.config import Settings
from regassist.documents import Chunk, Document
from regassist.loaders import iter_sources, load_path

DOCS = Path(__file__).parent / "fixtures" / "docs"


def mk(text: str, lang: str = "ru", doc_type: str = "law", title: str = "T", **kw) -> Document:
    return Document(doc_id="d" * 16, source="mem", title=title, lang=lang, doc_type=doc_type, text=text, **kw)  # type: ignore[arg-type]


def assert_invariants(doc: Document, chunks: list[Chunk]) -> None:
    """Offsets are exact, pages follow offsets, ids are ordinal, and every non-blank character is covered."""
    assert chunks, "a document with text must give at least one chunk"
    covered = bytearray(len(doc.text))
    for n, c in enumerate(chunks):
        assert c.chunk_id == f"{doc.doc_id}:{n}" and c.ordinal == n and c.doc_id == doc.doc_id
        assert 0 <= c.start < c.end <= len(doc.text)
        assert doc.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()
        assert c.page == doc.page_of(c.start)
        assert c.page_end == doc.page_of(c.end - 1) >= c.page
        assert c.context.startswith(doc.title)
        if c.section:
            assert c.context == doc.title + PATH_SEP + c.section
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered text: {doc.text[missing[0] : missing[0] + 40]!r}"


# -- articles in four languages ---------------------------------------------------------------------

LAWS = {
    "ru": (
        "Глава 1. Общие положения\n"
        "Статья 1. Предмет регулирования\n"
        "Настоящий учебный текст описывает порядок создания зоны и права резидентов.\n"
        "Статья 2. Основные понятия\n"
        "Резидент — организация, заключившая соглашение об осуществлении деятельности.\n"
        "Глава 2. Льготы\n"
        "Статья 5. Налог на прибыль\n"
        "Резидент платит налог на прибыль по ставке два процента.\n"
        "В соответствии со статьей 5 льгота утрачивается при нарушении соглашения.",
        ["Глава 1. Общие положения › Статья 1. Предмет регулирования",
         "Глава 1. Общие положения › Статья 2. Основные понятия",
         "Глава 2. Льготы › Статья 5. Налог на прибыль"],
    ),
    "en": (
        "CHAPTER 1 - GENERAL PROVISIONS\n"
        "Article 1 - Scope\n"
        "These rules describe how the zone is run.\n"
        "Article 2 - Definitions\n"
        "A licensed enterprise holds a valid licence.\n"
        "CHAPTER 2 - INCENTIVES\n"
        "Article 5 - Corporate tax\n"
        "No corporate income tax is due for fifteen years.\n"
        "Article 5 of this Law applies to branches as well.",
        ["CHAPTER 1 - GENERAL PROVISIONS › Article 1 - Scope",
         "CHAPTER 1 - GENERAL PROVISIONS › Article 2 - Definitions",
         "CHAPTER 2 - INCENTIVES › Article 5 - Corporate tax"],
    ),
    "tr": (
        "BİRİNCİ BÖLÜM\n"
        "Genel Hükümler\n"
        "Madde 1 – Amaç\n"
        "Bu örnek metin serbest bölge kurallarını özetler.\n"
        "Madde 2 – Tanımlar\n"
        "Kullanıcı, faaliyet ruhsatı almış kişidir.\n"
        "İKİNCİ BÖLÜM\n"
        "Teşvikler\n"
        "Madde 5 – Vergi istisnası\n"
        "Kazançlar kurumlar vergisinden istisnadır.\n"
        "Bu Kanunun 5 inci maddesi uyarınca istisna yalnızca imalat kazancına uygulanır.",
        ["BİRİNCİ BÖLÜM › Madde 1 – Amaç",
         "BİRİNCİ BÖLÜM › Madde 2 – Tanımlar",
         "İKİNCİ BÖLÜM › Madde 5 – Vergi istisnası"],
    ),
    "ar": (
        "الفصل الأول: أحكام عامة\n"
        "المادة (1): التعريفات\n"
        "يقصد بالمنطقة الحرة منطقة تخضع لإشراف الهيئة.\n"
        "المادة (2): النطاق\n"
        "تسري أحكام هذا النظام على جميع الشركات المرخصة.\n"
        "الفصل الثاني: الحوافز\n"
        "المادة (5): الإعفاء الضريبي\n"
        "تعفى الشركات المرخصة من ضريبة الدخل.\n"
        "وفقاً للمادة (5) يسقط الإعفاء عند مخالفة الترخيص.",
        ["الفصل الأول: أحكام عامة › المادة (1): التعريفات",
         "الفصل الأول: أحكام عامة › المادة (2): النطاق",
         "الفصل الثاني: الحوافز › المادة (5): الإعفاء الضريبي"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(LAWS))
def test_each_article_is_its_own_chunk_with_section_path(lang):
    text, sections = LAWS[lang]
    doc = mk(text, lang)
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == sections
    lines = text.split("\n")
    # the chapter heading opens the chunk of its first article: no heading-only chunk
    assert chunks[0].text.startswith(lines[0] + "\n")
    assert chunks[1].text.startswith(sections[1].split(PATH_SEP)[-1])
    chapter2 = sections[2].split(PATH_SEP)[0]
    assert chunks[2].text.startswith(chapter2 + "\n")
    assert chunks[2].text.endswith(lines[-1])  # the cross-reference line stays inside article 5
    for c in chunks:
        assert c.lang == lang
        assert approx_tokens(c.text) > 3
    assert_invariants(doc, chunks)


def test_part_chapter_article_chain_is_one_chunk():
    doc = mk("Раздел I. Общие\nГлава 1. Основы\nСтатья 1. Предмет\nТекст статьи о предмете регулирования.")
    chunks = chunk_document(doc)
    assert len(chunks) == 1
    assert chunks[0].section == "Раздел I. Общие › Глава 1. Основы › Статья 1. Предмет"
    assert chunks[0].text == doc.text


@pytest.mark.parametrize(
    "line",
    [
        "в соответствии со статьей 5 резидент утрачивает льготу",
        "Article 5 of this Law applies to branches of foreign companies.",
        "Статья 5 настоящего Федерального закона применяется также к филиалам.",
        "Bu Kanunun 5 inci maddesi uyarınca istisna uygulanır.",
        "İşbu madde 5 uyarınca ruhsat iptal edilir.",
        "Section 3 of the Act sets the fee.",
        "Chapter 2 of the Code sets out the procedure.",
        "المادة (5) من هذا النظام تطبق على الفروع أيضاً.",
    ],
    ids=[
        "ru-in-accordance",
        "en-of-this-law",
        "ru-of-this-law",
        "tr-bu-kanunun",
        "tr-isbu",
        "en-section-of",
        "en-chapter-of",
        "ar-of-this-law",
    ],
)
def test_cross_references_are_not_headings(line):
    assert legal_level(line) is None


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("Статья 5. Ставка налога", 4),
        ("Статья 10.1. Особенности", 4),
        ("Глава 2. Льготы", 2),
        ("Раздел II. Налоги", 1),
        ("Article 5", 4),
        ("ARTICLE 5 – TAX", 4),
        ("CHAPTER II", 2),
        ("Madde 6 – Gümrük vergisi", 4),
        ("MADDE 6- Gümrük", 4),
        ("İKİNCİ BÖLÜM", 2),
        ("BÖLÜM 2 – Teşvikler", 2),
        ("المادة (1): التعريفات", 4),
        ("المادة الأولى", 4),
        ("الفصل الأول", 2),
        ("الباب الثاني", 1),
        ("## Статья 7. Заголовок в разметке", 4),
    ],
)
def test_legal_headings(line, level):
    assert legal_level(line) == level


def test_cross_reference_line_stays_in_its_article_in_fixture():
    doc = load_path(DOCS / "en_regulations.txt", Settings())
    chunks = chunk_document(doc)
    holder = [c for c in chunks if "Article 5 of this Law applies" in c.text]
    assert len(holder) == 1
    assert holder[0].section == "CHAPTER 2 - INCENTIVES › Article 6 - Customs duties"
    assert not any(c.section.endswith("applies to branches of foreign companies as well.") for c in chunks)


def test_russian_fixture_sections():
    doc = load_path(DOCS / "ru_zakon.md", Settings())
    chunks = chunk_document(doc)
    by_section = {c.section: c for c in chunks}
    art5 = by_section["Глава 2. Льготы резидентов › Статья 5. Ставка налога на прибыль"]
    assert art5.text.startswith("Глава 2. Льготы резидентов\n\nСтатья 5. Ставка налога на прибыль\n\n")
    assert "Статья 6" not in art5.text
    art10 = by_section["Глава 3. Таможня и контроль › Статья 10. Свободная таможенная зона"]
    assert "В соответствии со статьей 5 резидент" in art10.text
    assert art10.context == doc.title + PATH_SEP + art10.section
    assert [c.section for c in chunks][1:] == [
        "Глава 1. Общие положения › Статья 1. Предмет регулирования",
        "Глава 1. Общие положения › Статья 2. Основные понятия",
        "Глава 2. Льготы резидентов › Статья 5. Ставка налога на прибыль",
        "Глава 2. Льготы резидентов › Статья 6. Налог на имущество",
        "Глава 3. Таможня и контроль › Статья 10. Свободная таможенная зона",
        "Глава 3. Таможня и контроль › Статья 11. Проверки",
    ]
    # the document title (h1) is not a section heading
    assert all("учебный пример" not in c.section for c in chunks)


def test_turkish_official_layout_article_on_one_line():
    # The layout of the official Turkish legislation site: the article's caption on its own line, then
    # "MADDE n – (1) ..." with the whole first paragraph on the same (long) line.
    paragraphs = [
        "Bu Kanunun amacı, ihracata yönelik yatırım ve üretimi teşvik etmek, yabancı sermaye ve teknoloji "
        "girişini hızlandırmak ve ekonominin girdi ihtiyacını ucuz ve düzenli bir şekilde temin etmektir.",
        "Bu Kanun, serbest bölgelerin yer ve sınırlarının belirlenmesi, kurulması, yönetilmesi ve işletilmesi "
        "ile bu bölgelerde yürütülecek faaliyetlere ilişkin esasları kapsar.",
        "Bu Kanunda geçen bölge, serbest bölgeyi; kullanıcı ise bölgede faaliyette bulunmak üzere faaliyet "
        "ruhsatı alan gerçek veya tüzel kişileri ifade eder.",
    ]
    text = "BİRİNCİ BÖLÜM\nAmaç, Kapsam ve Tanımlar\n" + "\n".join(
        f"{caption}\nMADDE {n} – (1) {para}"
        for n, (caption, para) in enumerate(zip(["Amaç", "Kapsam", "Tanımlar"], paragraphs), start=1)
    )
    doc = mk(text, "tr")
    chunks = chunk_document(doc)
    for n in (1, 2, 3):
        holders = [c for c in chunks if f"MADDE {n} –" in c.text]
        assert len(holders) == 1, f"MADDE {n} spread over {len(holders)} chunks"
        assert f"MADDE {n}" in holders[0].section
        assert sum(f"MADDE {m} –" in holders[0].text for m in (1, 2, 3)) == 1
    assert_invariants(doc, chunks)


# -- markup headings ----------------------------------------------------------------------------------


def test_markup_headings_nest():
    body = "An investor reserves a name, files the business plan and signs a lease before the licence is issued."
    text = f"Guide\n\nIntro text of the guide.\n\nSetting up\n\n{body}\n\nLicences\n\nWhich licence to take."
    headings = [(text.index(h), text.index(h) + len(h), level) for h, level in
                [("Guide", 1), ("Setting up", 2), ("Licences", 3)]]  # fmt: skip
    doc = mk(text, "en", "guide", title="Guide", extra={"headings": headings})
    assert [h.text for h in find_headings(doc)] == ["Setting up", "Licences"]
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["", "Setting up", "Setting up › Licences"]
    assert_invariants(doc, chunks)


# -- forum posts --------------------------------------------------------------------------------------


def test_forum_posts_one_chunk_each():
    text = (
        "Тема: регистрация резидента\n"
        "### anna_k · 2024-01-01\nПодскажите, сколько заняла регистрация?\n"
        "### ivan_p · 2024-01-03\nОколо двух месяцев.\n"
        "### anna_k · 2024-01-05\nСпасибо!"
    )
    doc = mk(text, "ru", "forum")
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["", "anna_k · 2024-01-01", "ivan_p · 2024-01-03", "anna_k · 2024-01-05"]
    assert [c.text for c in chunks[1:]] == [
        "### anna_k · 2024-01-01\nПодскажите, сколько заняла регистрация?",
        "### ivan_p · 2024-01-03\nОколо двух месяцев.",
        "### anna_k · 2024-01-05\nСпасибо!",
    ]
    assert_invariants(doc, chunks)


def test_forum_post_header_variants():
    text = (
        "Posted by trader_ali on 12.03.2024\nIs the customs warehouse open at night?\n"
        "Автор: ivan_p\nДа, склад работает круглосуточно.\n"
        "Re: night shifts\nThanks, that helps."
    )
    chunks = chunk_document(mk(text, "en", "forum"))
    assert [c.text.split("\n")[0] for c in chunks] == ["Posted by trader_ali on 12.03.2024", "Автор: ivan_p",
                                                        "Re: night shifts"]  # fmt: skip


def test_post_headers_only_in_forums():
    text = (
        "### anna_k · 2024-01-01\nПодскажите, сколько заняла регистрация?\n### ivan_p · 2024-01-03\nОколо двух месяцев."
    )
    assert len(chunk_document(mk(text, "ru", "guide"))) == 1


def test_forum_fixture():
    doc = load_path(DOCS / "forum_thread.md", Settings())
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["", "anna_k · 2024-01-01", "ivan_p · 2024-01-03", "anna_k · 2024-01-05"]
    assert chunks[2].text == (
        "ivan_p · 2024-01-03\n\nУ нас регистрация заняла около двух месяцев: сначала экспертный совет, "
        "потом подписание соглашения."
    )


# -- long text ----------------------------------------------------------------------------------------


def _long_text(n_sentences: int = 300, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocab = ["резидент", "зона", "налог", "ставка", "соглашение", "компания", "товар", "склад", "аренда", "земля",
             "управляющая", "льгота", "проверка", "отчёт", "пошлина", "инфраструктура"]  # fmt: skip
    sentences = [" ".join(rng.choice(vocab) for _ in range(rng.randint(6, 14))).capitalize() + "."
                 for _ in range(n_sentences)]  # fmt: skip
    return " ".join(sentences)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(100, 20), (300, 40)])
def test_long_unstructured_text_is_split_with_overlap(max_tokens, overlap):
    doc = mk(_long_text())
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=overlap)
    assert len(chunks) >= approx_tokens(doc.text) // max_tokens
    assert all(approx_tokens(c.text) <= max_tokens for c in chunks)
    assert all(c.section == "" for c in chunks)
    overlaps = [a.end - b.start for a, b in pairwise(chunks)]
    assert all(o > 0 for o in overlaps), "consecutive chunks of one section overlap"
    assert all(b.start > a.start for a, b in pairwise(chunks))
    assert_invariants(doc, chunks)


def test_tiny_budget_still_respected():
    doc = mk(_long_text(60, seed=1))
    chunks = chunk_document(doc, max_tokens=16, overlap_tokens=4)
    assert all(approx_tokens(c.text) <= 16 for c in chunks)
    assert_invariants(doc, chunks)


def test_long_article_keeps_its_section_in_every_piece():
    body = _long_text(80, seed=3)
    doc = mk("Глава 1. Основы\nСтатья 1. Длинная статья\n" + body + "\nСтатья 2. Короткая\nКороткий текст статьи.")
    chunks = chunk_document(doc, max_tokens=60, overlap_tokens=10)
    long_parts = [c for c in chunks if c.section == "Глава 1. Основы › Статья 1. Длинная статья"]
    assert len(long_parts) > 5
    assert long_parts[0].text.startswith("Глава 1. Основы\nСтатья 1. Длинная статья")
    assert chunks[-1].section == "Глава 1. Основы › Статья 2. Короткая"
    assert chunks[-1].text == "Статья 2. Короткая\nКороткий текст статьи."
    assert_invariants(doc, chunks)


def test_custom_token_counter_is_used():
    doc = mk(_long_text(40))
    by_chars = chunk_document(doc, count_tokens=len, max_tokens=200, overlap_tokens=20)
    assert all(len(c.text) <= 200 for c in by_chars)
    assert_invariants(doc, by_chars)


# -- pages --------------------------------------------------------------------------------------------


def test_pages_follow_offsets():
    pages = ["Статья 1. Первая\nТекст первой статьи на первой странице.",
             "Продолжение первой статьи на второй странице.\nСтатья 2. Вторая\nТекст второй статьи.",
             "Статья 3. Третья\nТекст третьей статьи."]  # fmt: skip
    text = "\n\n".join(pages)
    starts = (0, len(pages[0]) + 2, len(pages[0]) + len(pages[1]) + 4)
    doc = mk(text, page_starts=starts)
    chunks = chunk_document(doc)
    assert [(c.section, c.page, c.page_end) for c in chunks] == [
        ("Статья 1. Первая", 1, 2),
        ("Статья 2. Вторая", 2, 2),
        ("Статья 3. Третья", 3, 3),
    ]
    assert_invariants(doc, chunks)


def test_pdf_fixture_page_two():
    doc = load_path(DOCS / "ru_handbook.pdf", Settings())
    chunks = chunk_document(doc)
    holder = [c for c in chunks if "видеонаблюдением" in c.text]
    assert len(holder) == 1 and holder[0].page == 2 and holder[0].page_end == 2
    assert holder[0].section.endswith("Раздел 3. Таможенный склад")
    first = [c for c in chunks if "тридцати дней" in c.text]
    assert len(first) == 1 and first[0].page == 1


# -- every fixture ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", iter_sources([DOCS]), ids=lambda p: p.name)
@pytest.mark.parametrize(("max_tokens", "overlap"), [(300, 40), (24, 6)])
def test_invariants_on_every_fixture(path, max_tokens, overlap):
    doc = load_path(path, Settings())
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=overlap, min_tokens=5)
    assert_invariants(doc, chunks)
    for c in chunks:
        assert Chunk.from_dict(c.to_dict()) == c


def test_empty_and_blank_documents_give_no_chunks():
    assert chunk_document(mk("")) == []
    assert chunk_document(mk("  \n\n \t")) == []
