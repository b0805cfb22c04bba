from __future__ import annotations

import pytest

from regassist.textnorm import casefold, clean_display, fold, script_lang, words

# -- clean_display ----------------------------------------------------------------------------------


def test_clean_display_joins_end_of_line_hyphenation():
    assert clean_display("льготы для инвести-\nций в зоне") == "льготы для инвестиций в зоне"
    assert clean_display("tax incen-\ntives") == "tax incentives"


def test_clean_display_keeps_numeric_ranges_and_capitalised_continuations():
    assert clean_display("срок 10-\n15 дней") == "срок 10-\n15 дней"
    assert clean_display("Ras Al-\nKhaimah") == "Ras Al-\nKhaimah"
    assert clean_display("Северо-\nЗапад") == "Северо-\nЗапад"


@pytest.mark.parametrize("text", ["Ankara-\nİzmir", "Kuzey-\nŞırnak"])
def test_clean_display_keeps_hyphen_before_turkish_capital(text):
    # The next line starts with a capital letter, as in "Ras Al-\nKhaimah": a compound, not a broken word.
    assert clean_display(text) == text


def test_clean_display_drops_soft_hyphen_and_invisible_marks():
    assert clean_display("нало\u00adговый") == "налоговый"
    assert clean_display("zero\u200bwidth") == "zerowidth"
    assert clean_display("\ufeffBOM at start") == "BOM at start"
    assert clean_display("\u202bمنطقة\u202c حرة") == "منطقة حرة"


def test_clean_display_maps_arabic_presentation_forms():
    assert clean_display("\ufefb") == "\u0644\u0627"  # lam-alef ligature -> lam + alef
    assert clean_display("\ufef7") == "\u0644\u0623"  # lam-alef with hamza above
    assert clean_display("\ufe8d\ufedf\ufee4\ufea0\ufee0\ufeb2") == "المجلس"
    assert clean_display("ﬁnance") == "finance"


def test_clean_display_normalises_spaces_and_line_ends():
    assert clean_display("a\r\nb\rc   d\u00a0e\t\tf") == "a\nb\nc d e f"
    assert clean_display("one\n\n\n\n\ntwo") == "one\n\ntwo"
    assert clean_display("  line  \n  next  ") == "line\nnext"
    assert clean_display("") == ""
    assert clean_display(" \n\t ") == ""


def test_clean_display_keeps_text_otherwise():
    text = "Статья 5. Ставка налога — 2 %; المادة (8): الإعفاء; Madde 6 – İstisna"
    assert clean_display(text) == text


# -- fold ---------------------------------------------------------------------------------------------


def test_fold_turkish_dotted_and_dotless_i():
    assert fold("İSTANBUL", "tr") == fold("istanbul", "tr") == "istanbul"
    assert fold("IŞIK", "tr") == "ışık"
    assert fold("ILICA", "tr") == "ılıca"
    assert casefold("İ", "tr") == "i"
    # Outside Turkish, a stray dotted capital still becomes a plain i (no combining dot left behind).
    assert fold("İSTANBUL") == "istanbul"
    assert "\u0307" not in fold("İSTANBUL", "en")


def test_fold_arabic_marks_tatweel_and_letter_variants():
    plain = "الماده"
    assert fold("الْمَادَّةُ") == plain
    assert fold("المادة") == plain
    assert fold("المــــادة") == plain  # tatweel
    assert fold("أ") == fold("إ") == fold("آ") == fold("ٱ") == "ا"
    assert fold("مستشفى") == "مستشفي"
    assert fold("منطقة") == "منطقه"
    assert fold("الإعفاء") == fold("الاعفاء")


def test_fold_arabic_indic_digits():
    assert fold("٢٠٢٤") == "2024"
    assert fold("۲۰۲۴") == "2024"
    assert fold("المادة ١٠") == "الماده 10"


def test_fold_cyrillic_yo_and_case():
    assert fold("Ёлка") == "елка"
    assert fold("ЁЖИК учёт") == "ежик учет"
    assert fold("ОСОБАЯ Экономическая ЗОНА") == "особая экономическая зона"


def test_fold_compatibility_forms_and_invisibles():
    assert fold("ＯＥＺ") == "oez"
    assert fold("\ufefb") == "لا"
    assert fold("нало\u00adговый") == "налоговый"


def test_fold_does_not_touch_arabic_folding_for_latin_text():
    assert fold("Straße", "en") == "strasse"
    assert fold("Çeşme Öğrenci Ünye", "tr") == "çeşme öğrenci ünye"


# -- words / script_lang -----------------------------------------------------------------------------


def test_words_tokens():
    assert words("10% ОЭЗ, статья 5-я") == ["10", "оэз", "статья", "5", "я"]
    assert words("İstanbul'da SERBEST bölge", "tr") == ["istanbul", "da", "serbest", "bölge"]
    assert words("المادةُ (٥): الإعفاء") == ["الماده", "5", "الاعفاء"]
    assert words("Article 12 — tax-free") == ["article", "12", "tax", "free"]
    assert words("   ") == []


def test_script_lang():
    assert script_lang("Особая экономическая зона") == "ru"
    assert script_lang("المنطقة الاقتصادية الخاصة") == "ar"
    assert script_lang("Serbest bölge şirketleri") == "tr"
    assert script_lang("Free zone companies") is None
    assert script_lang("12345") is None
