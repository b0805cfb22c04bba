"""Zone comparison on the fixture corpus (real e5): cells with citations, "not found" where nothing is said."""

from __future__ import annotations

import pytest

from regassist.compare import parse_comparison_question, resolve_places
from regassist.errors import RegassistError


@pytest.fixture
def assistant(e5_assistant):
    return e5_assistant


def test_compare_countries(assistant):
    table = assistant.compare(["RU", "OM"], ["profit_tax", "office_rent"], "en")
    assert table.rows[0] == ["", "Russia", "Oman"]
    ru = table.cell("RU", "profit_tax")
    assert ru.citation is not None and "ru_zakon" in ru.citation.source
    om = table.cell("OM", "profit_tax")
    assert om.citation is not None and "fifteen" in om.citation.quote
    assert table.cell("RU", "office_rent").citation is None  # the fixtures never state an office rent
    assert "not found" in table.rows[2]
    for c in table.citations:
        text = assistant.registry.document(c.doc_id).text
        assert text[c.start : c.start + len(c.quote)] == c.quote
    csv_text = table.to_csv()
    assert csv_text.splitlines()[0] == "aspect,zone,value,source,page,section,quote"


def test_resolve_places_in_any_language():
    assert resolve_places(["Алабуга", "TR", "ege_fz", "الدقم"]) == ["alabuga", "TR", "ege_fz", "duqm"]
    with pytest.raises(RegassistError, match="Unknown zone or country"):
        resolve_places(["Atlantis"])


def test_comparison_questions_are_recognised():
    places, aspects = parse_comparison_question("profit tax in Alabuga vs Turkish free zones")  # type: ignore[misc]
    assert places == ["alabuga", "TR"]
    assert aspects == ["profit_tax"]
    assert parse_comparison_question("What is the profit tax in Alabuga?") is None
    # A Turkish yes/no question that names a zone and a nationality is not a comparison; "A mı, B mi?" is.
    assert parse_comparison_question("Alabuga özel ekonomik bölgesinde yatırımı olan bir Türk şirketi var mı?") is None
    choice = parse_comparison_question("Ofis hangisinde daha ucuz: Ege Serbest Bölgesi mi, Teknopark İstanbul mu?")
    assert choice is not None and choice[0] == ["ege_fz", "teknopark_istanbul"]
    # "A or B" with two places is a choice; the kind of figure asked decides between a licence's fee and term.
    assert parse_comparison_question("Which annual licence is cheaper for a trading company: DMCC or JAFZA?") == (
        ["dmcc", "jafza"],
        ["licence_fee"],
    )
    assert parse_comparison_question("How long is the operating licence in DMCC vs JAFZA?") == (
        ["dmcc", "jafza"],
        ["licence_term"],
    )
    assert parse_comparison_question("What is the profit tax or VAT in Alabuga?") is None


def test_a_comparison_of_something_outside_the_standard_rows_gets_its_own_row():
    """'Which loses less to withholding tax: a UAE free zone company or a Russian SEZ subsidiary?' asks about
    dividends withholding tax, not for the standard five-row table."""
    from regassist.compare import aspect_of

    places, aspects = parse_comparison_question(  # type: ignore[misc]
        "Which loses less to withholding tax on dividends: a UAE free zone company or a Russian SEZ subsidiary?"
    )
    assert places == ["AE", "RU"] and aspects == ["withholding_tax+dividends"]
    row = aspect_of(aspects[0])
    assert row.concepts == ("withholding_tax", "dividends") and row.figure == "percent"  # taxes: a rate
    assert aspect_of("logistics", "Which warehouse is cheaper per m²: Ege or JAFZA?").figure == "money"
    assert aspect_of("logistics").figure == "any"
    assert aspect_of("profit_tax").query.startswith("corporate profit tax")  # the standard rows stay
    _, standard = parse_comparison_question("Which is better for a factory: Alabuga or Duqm?")  # type: ignore[misc]
    assert standard[0] == "profit_tax"  # nothing specific asked: the standard table


def test_unknown_aspects_are_refused(assistant):
    with pytest.raises(RegassistError, match="Unknown aspect"):
        assistant.compare(["RU", "OM"], ["nonsense_aspect"], "en")


def test_a_table_cell_takes_its_currency_from_the_header():
    """'من 0.5 إلى 1 | heavy industry' under 'rial / m² / year' is 0.5–1 OMR, and the '5' of 'every 5 years' in
    the same row block is no amount."""
    from regassist.answer import bare_amounts

    header = "مقابل الانتفاع التقديري (ريال عُماني / م ² / سنة) نوع الاستخدام"
    rows = "من 0.5 إلى 1 صناعي ثقيل\nمن 1 إلى 1.5 صناعي خفيف\nتُراجع الهيئة المقابل كل 5 سنوات"
    assert bare_amounts(rows, header) == ["0.5–1 OMR", "1–1.5 OMR"]
    assert bare_amounts("İş merkezinde ofis | 11,00 | 40 m²", "Aylık kira (USD/m²)") == ["11,00 USD"]
    assert bare_amounts("Ofis | 11,00", "Aylık kira") == []  # no currency named: no amount
