"""Arabic visual-order repair (regassist.loaders.rtl) on PDFs printed by headless Chromium and ReportLab.

The fixtures in tests/fixtures/rtl are small HTML pages and the PDFs made from them by
``tests/fixtures/rtl/make_fixtures.py``. Each PDF is read the way the PDF loader reads it (pypdf,
``page.extract_text()`` page by page), repaired, and compared with the words of its HTML source: the
Arabic words must all be there, and in reading order (longest common subsequence and word pairs).
"""

from __future__ import annotations

import importlib.util
import itertools
import string
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from regassist.loaders.rtl import arabic_order_score, repair_rtl_text

pypdf = pytest.importorskip("pypdf")

FIXTURES = Path(__file__).parent / "fixtures" / "rtl"

# (pdf, html source, what made it)
ARABIC_PDFS = [
    ("ar_law_naskh.pdf", "ar_law_naskh.html"),  # Chromium, Noto Naskh Arabic: a run a piece
    ("ar_decree_sans.pdf", "ar_decree_sans.html"),  # Chromium, Noto Sans Arabic, list and table
    ("ar_default_font.pdf", "ar_default_font.html"),  # Chromium, no font: a word a piece, bold labels
    ("ar_regulation_bold.pdf", "ar_regulation_bold.html"),  # Chromium, Times: synthetic bold, email, table
    ("ar_company_justify.pdf", "ar_company_justify.html"),  # Chromium, justified, Kufi heading
    (
        "ar_reportlab_lines.pdf",
        "ar_reportlab.html",
    ),  # ReportLab + arabic-reshaper + python-bidi, a line a string
    ("ar_reportlab_words.pdf", "ar_reportlab.html"),  # the same, a word a string
]
CONTROL_PDFS = ["en_control.pdf", "ru_control.pdf"]

_PUNCT = string.punctuation + "،؛؟«»…"


def _load_generator():  # the fixture generator's block parser reads the HTML sources the same way
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_Blocks = _load_generator()._Blocks


def _source(name: str) -> str:
    parser = _Blocks()
    parser.feed((FIXTURES / name).read_text(encoding="utf-8"))
    return "\n".join(parser.blocks)


def _words(text: str) -> list[str]:
    """NFKC, split on whitespace, punctuation stripped from both ends of each word."""
    out = []
    for token in unicodedata.normalize("NFKC", text).split():
        word = token.strip(_PUNCT)
        if word:
            out.append(word)
    return out


def _arabic(words: list[str]) -> list[str]:
    return [w for w in words if any("\u0621" <= ch <= "\u064a" for ch in w)]


def _recall(src: list[str], got: list[str]) -> float:
    """Fraction of the source words found in the extracted text (as a multiset)."""
    have = Counter(got)
    found = 0
    for w in src:
        if have[w] > 0:
            have[w] -= 1
            found += 1
    return found / len(src)


def _lcs_fraction(src: list[str], got: list[str]) -> float:
    """Fraction of the source words found in the extracted text in the same order (longest common
    subsequence): a word read in the wrong place of its line does not count."""
    prev = [0] * (len(got) + 1)
    for a in src:
        cur = [0]
        for j, b in enumerate(got):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1] / len(src)


def _bigram_recall(src: list[str], got: list[str]) -> float:
    """Fraction of the source's pairs of neighbouring words found as neighbours in the extracted text."""
    have = Counter(itertools.pairwise(got))
    found = 0
    pairs = list(itertools.pairwise(src))
    for pair in pairs:
        if have[pair] > 0:
            have[pair] -= 1
            found += 1
    return found / len(pairs)


def _extract(pdf: str, mode: str = "plain") -> tuple[str, str]:
    """(raw pypdf text, repaired text) of a fixture, page by page as the PDF loader does it."""
    reader = pypdf.PdfReader(FIXTURES / pdf)
    raw = [page.extract_text(extraction_mode=mode) for page in reader.pages]
    return "\n".join(raw), "\n".join(repair_rtl_text(t)[0] for t in raw)


def _strict(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).split()


def _flat(text: str) -> str:
    """Lines joined by single spaces: a phrase may wrap onto the next line."""
    return " ".join(text.split())


# --- the Chromium and ReportLab fixtures -----------------------------------------------------------------


@pytest.mark.parametrize(("pdf", "src"), ARABIC_PDFS)
def test_arabic_words_come_out_in_logical_order(pdf: str, src: str) -> None:
    _, fixed = _extract(pdf)
    want = _arabic(_words(_source(src)))
    got = _arabic(_words(fixed))
    assert _recall(want, got) >= 0.97, pdf
    assert _lcs_fraction(want, got) >= 0.95, pdf
    assert _bigram_recall(want, got) >= 0.90, pdf


@pytest.mark.parametrize(("pdf", "src"), ARABIC_PDFS)
def test_all_words_including_numbers_and_latin(pdf: str, src: str) -> None:
    _, fixed = _extract(pdf)
    want, got = _words(_source(src)), _words(fixed)
    assert _recall(want, got) >= 0.95, pdf
    assert _lcs_fraction(want, got) >= 0.93, pdf


@pytest.mark.parametrize("pdf", ["ar_default_font.pdf", "ar_regulation_bold.pdf", "ar_reportlab_words.pdf"])
def test_word_order_was_broken_before_the_repair(pdf: str) -> None:
    """The premise: on these PDFs pypdf writes the words of each line in drawing (visual) order."""
    src = next(s for p, s in ARABIC_PDFS if p == pdf)
    raw, _ = _extract(pdf)
    assert _bigram_recall(_arabic(_words(_source(src))), _arabic(_words(raw))) < 0.2


@pytest.mark.parametrize("pdf", ["ar_law_naskh.pdf", "ar_default_font.pdf", "ar_regulation_bold.pdf"])
def test_layout_mode_visual_text_is_repaired(pdf: str) -> None:
    """``extraction_mode="layout"`` does not reverse anything: letters of every word come reversed."""
    src = next(s for p, s in ARABIC_PDFS if p == pdf)
    raw, fixed = _extract(pdf, "layout")
    want = _arabic(_words(_source(src)))
    assert _recall(want, _arabic(_words(raw))) < 0.3
    assert _recall(want, _arabic(_words(fixed))) >= 0.95
    assert _lcs_fraction(want, _arabic(_words(fixed))) >= 0.93


def test_numbers_latin_and_punctuation_naskh() -> None:
    _, extracted = _extract("ar_law_naskh.pdf")
    fixed = _flat(extracted)
    tokens = _strict(fixed)
    for token in ("2023/01/15", "5%", "(ECZA).", "500,000", "١٤٤٤/٠٦/٢٢", "٤٠٪", "20", "(1)"):
        assert token in tokens, token
    assert "منطقة Riyadh SEZ ومنطقة جازان." in fixed
    assert "المادة (3) الحوافز الضريبية" in fixed
    assert "بنسبة 5% لمدة لا تزيد على 20 سنة،" in fixed


def test_numbers_latin_and_punctuation_word_pieces() -> None:
    _, extracted = _extract("ar_default_font.pdf")
    fixed = _flat(extracted)
    for phrase in (
        "وزاري رقم ٣٥ لسنة ٢٠٢٣",  # Arabic-Indic digits that pypdf reversed
        "على المادة (15) من نظام الاستثمار،",
        "في 2023/09/04، يقرر ما يأتي:",
        "في منطقة Jazan SEZ إعفاء من رسوم العمالة بنسبة 50% خلال السنوات الثلاث",
        "حجم الاستثمار 12.5 مليون ريال على الأقل،",
        "(Invest Saudi).",
        "ثانيا: يشترط",
        "رابعا: يبلغ",
    ):
        assert phrase in fixed, phrase


def test_numbers_latin_and_punctuation_bold_and_table() -> None:
    _, extracted = _extract("ar_regulation_bold.pdf")
    fixed = _flat(extracted)
    for phrase in (
        "لائحة تنظيم أعمال الوساطة العقارية",  # synthetic bold: words drawn glyph by glyph
        "تهدف هذه اللائحة إلى تنظيم نشاط الوساطة العقارية",
        "عبر منصة إيجار (Ejar) أو البريد الإلكتروني info@rega.gov.sa",
        "من الساعة 8:00 إلى 16:00.",
        "عمولة لا تتجاوز 2.5% من قيمة الصفقة،",
        "بعد مضي ٩٠ يوما",
        "بالقرار رقم (٤٥٦).",
    ):
        assert phrase in fixed, phrase


def test_arabic_indic_digits_and_tables_in_decree() -> None:
    _, extracted = _extract("ar_decree_sans.pdf")
    fixed = _flat(extracted)
    tokens = _strict(fixed)
    for token in ("IFRS", "1,000,000", "25%", "٢٠٠٠", "(WTO)", "NEOM"):
        assert token in tokens, token
    assert "رقم 47 لسنة 2024، وبعد الاطلاع" in fixed


def test_no_presentation_forms_left() -> None:
    for pdf, _ in ARABIC_PDFS:
        raw, fixed = _extract(pdf)
        assert any("\ufb50" <= ch <= "\ufeff" for ch in raw), pdf  # pypdf gives presentation forms
        assert not any("\ufb50" <= ch <= "\ufefe" for ch in fixed), pdf


@pytest.mark.parametrize("pdf", CONTROL_PDFS)
def test_english_and_russian_pages_unchanged(pdf: str) -> None:
    for page in pypdf.PdfReader(FIXTURES / pdf).pages:
        text = page.extract_text()
        assert text.strip()
        assert repair_rtl_text(text) == (text, False)


def test_repair_is_idempotent_on_fixtures() -> None:
    for pdf, _ in ARABIC_PDFS:
        for page in pypdf.PdfReader(FIXTURES / pdf).pages:
            once, _ = repair_rtl_text(page.extract_text())
            assert repair_rtl_text(once) == (once, False), pdf


# --- strings --------------------------------------------------------------------------------------------

LOGICAL = [
    "المادة (1): يخضع الدخل لضريبة بنسبة 5% اعتبارا من 2023/01/15 وفقا لقرار هيئة ECZA رقم ٣٥.",
    "تلتزم الشركات المسجلة في منطقة Riyadh SEZ بتقديم تقرير سنوي خلال 90 يوما.",
    "قرار وزاري رقم ٣٥ لسنة ٢٠٢٣",
    "يعاقب بغرامة لا تزيد على 500,000 ريال كل من يخالف أحكام هذا النظام، وتضاعف الغرامة عند التكرار.",
    "الهيئة: هيئة المدن والمناطق الاقتصادية الخاصة (ECZA).",
    "ثانيا: يلغى القرار رقم 18 وتاريخ 1443/02/10 هـ.",
    "السعر 12.5 مليون ريال (شاملا الضريبة 15%) حتى 2024-12-31",
    "تسري أحكام هذا النظام على جميع الأنشطة التي تمارس داخل المنطقة،\n"
    "ولا تخل بما تقضي به الأنظمة الأخرى من أحكام تتعلق بالأمن والصحة العامة.",
    "أولا",
]


@pytest.mark.parametrize("text", LOGICAL)
def test_logical_arabic_is_left_unchanged(text: str) -> None:
    assert repair_rtl_text(text) == (text, False)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Article 5. Customs duties are waived where local value added is at least 40%.",
        "Статья 2. Резиденты ОЭЗ уплачивают налог по ставке 2% до 15.01.2033.",
        "Madde 3: Serbest bölgelerde gümrük vergisi alınmaz.",
    ],
)
def test_text_without_arabic_takes_the_fast_path(text: str) -> None:
    assert repair_rtl_text(text) == (text, False)


VISUAL_CASES = [
    "تخضع الأرباح المحققة داخل المنطقة لضريبة دخل بنسبة 5% لمدة لا تزيد على 20 سنة.",
    "تتولى هيئة السوق المالية (CMA) الإشراف على الشركات المدرجة في السوق الرئيسية.",
    "يعمل بهذا القانون اعتبارا من 2024/07/01 ويلغي القانون رقم 8 لسنة 2015 وتعديلاته.",
]


@pytest.mark.parametrize("logical", VISUAL_CASES)
def test_synthetically_reversed_line_is_repaired(logical: str) -> None:
    """A line in pure visual order, as the bidi algorithm lays it out (letters of each word reversed,
    numbers and Latin words left to right), comes back in logical order."""
    bidi = pytest.importorskip("bidi.algorithm")
    visual = bidi.get_display(logical, base_dir="R")
    assert visual != logical
    fixed, changed = repair_rtl_text(visual)
    assert changed
    assert fixed == logical


def test_line_reversed_by_hand_is_repaired() -> None:
    """Without python-bidi: reverse the characters, then put the digit and Latin runs back."""
    logical = "يلتزم المستثمر بتوظيف ما لا يقل عن 30 من العاملين في منطقة ECZA من المواطنين"
    visual = logical[::-1].replace("03", "30").replace("AZCE", "ECZA")
    fixed, changed = repair_rtl_text(visual)
    assert changed
    assert fixed == logical


def test_words_drawn_one_by_one_are_put_back_in_order() -> None:
    """pypdf on a PDF that draws each word apart: words intact, word order of each line reversed."""
    paragraph = [
        "يجوز للهيئة بعد التنسيق مع وزارة المالية تمديد هذه المدة عشر سنوات إضافية، على أن",
        "يلتزم المستثمر بتوظيف ما لا يقل عن ثلث العاملين من المواطنين في المنطقة التي",
        "يحددها مجلس الإدارة، ولا يجوز لأي شخص مزاولة أي نشاط في المنطقة إلا بعد",
        "الحصول على ترخيص من الهيئة وفقا للشروط التي تحددها اللائحة التنفيذية لهذا النظام.",
    ]
    drawn = "\n".join("  ".join(line.split()[::-1]) for line in paragraph)
    fixed, changed = repair_rtl_text(drawn)
    assert changed
    assert fixed.split("\n") == paragraph


def test_runs_drawn_as_one_piece_keep_their_words() -> None:
    """One piece a line: pypdf reverses the Arabic run, so only the order around numbers is wrong and the
    space next to the number sticks to the wrong side."""
    extracted = " يوما من تاريخ استكمال60 وتصدر الهيئة قرارها في طلب الترخيص خلال مدة لا تتجاوز"
    fixed, changed = repair_rtl_text(extracted)
    assert changed
    assert fixed == "وتصدر الهيئة قرارها في طلب الترخيص خلال مدة لا تتجاوز 60 يوما من تاريخ استكمال"


def test_presentation_forms_become_letters() -> None:
    extracted = "ﻧﻈﺎم اﻟﻤﻨﺎﻃﻖ الاﻗﺘﺼﺎدﻳﺔ اﻟﺨﺎﺻﺔ"
    fixed, changed = repair_rtl_text(extracted)
    assert changed
    assert fixed == "نظام المناطق الاقتصادية الخاصة" == unicodedata.normalize("NFKC", extracted)


def test_arabic_order_score() -> None:
    source = _source("ar_law_naskh.html")
    reversed_words = " ".join(w[::-1] for w in source.split())
    assert arabic_order_score(source) >= 0.6
    assert arabic_order_score(reversed_words) <= 0.15
    assert arabic_order_score("Special Economic Zones") == 0.0
    assert 0.0 <= arabic_order_score("ﻧﻈﺎم اﻟﻤﻨﺎﻃﻖ") <= 1.0


def test_garbage_is_bounded_in_time() -> None:
    import random
    import time

    rng = random.Random(0)
    forms = [chr(c) for c in range(0xFE70, 0xFEFC)]
    text = "\n".join(
        " ".join("".join(rng.choice(forms) for _ in range(rng.randint(3, 20))) for _ in range(12)) for _ in range(40)
    )
    started = time.monotonic()
    repair_rtl_text(text)
    assert time.monotonic() - started < 5.0
