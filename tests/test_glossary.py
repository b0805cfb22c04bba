from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path

import pytest

from regassist.documents import LANGS
from regassist.errors import ConfigError
from regassist.glossary import ASPECTS, Glossary, default_glossary


@pytest.fixture(scope="module")
def glo() -> Glossary:
    return default_glossary()


def found(glo: Glossary, text: str, lang: str | None = None) -> list[tuple[str, str]]:
    return [(m.concept.key, m.surface) for m in glo.find(text, lang)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang", "key", "surface"),
    [
        ("налог на прибыль", "ru", "profit_tax", "налог на прибыль"),
        ("ставка налога на прибыль", "ru", "profit_tax", "налога на прибыль"),
        ("по налогу на прибыль организаций", "ru", "profit_tax", "налогу на прибыль организаций"),
        ("о налоге на прибыль", "ru", "profit_tax", "налоге на прибыль"),
        ("в особой экономической зоне", "ru", "special_economic_zone", "особой экономической зоне"),
        ("corporate income tax", "en", "profit_tax", "corporate income tax"),
        ("Corporate Tax Law", "en", "profit_tax", "Corporate Tax"),
        ("customs duties", "en", "customs_duty", "customs duties"),
        ("ضريبة الدخل", "ar", "profit_tax", "ضريبة الدخل"),
        ("وبالضريبة على الدخل", "ar", "profit_tax", "بالضريبة على الدخل"),
        ("الضَّرِيبَة عَلَى الدَّخْل", "ar", "profit_tax", "الضَّرِيبَة عَلَى الدَّخْل"),
        ("للمنطقة الحرة", "ar", "free_zone", "للمنطقة الحرة"),
        ("والإعفاءات الضريبية", "ar", "tax_exemption", "والإعفاءات الضريبية"),
        ("بالرسوم الجمركية", "ar", "customs_duty", "بالرسوم الجمركية"),
        ("kurumlar vergisinden muaf", "tr", "profit_tax", "kurumlar vergisinden"),
        ("KURUMLAR VERGİSİ", "tr", "profit_tax", "KURUMLAR VERGİSİ"),
        ("serbest bölgelerinde", "tr", "free_zone", "serbest bölgelerinde"),
        ("gümrüğü", "tr", "customs_clearance", "gümrüğü"),
        ("gumruk vergisi", "tr", "customs_duty", "gumruk vergisi"),
        ("faaliyet ruhsatının iptali", "tr", "status_termination", "faaliyet ruhsatının iptali"),
    ],
)
def test_terms_match_with_inflection(glo: Glossary, text: str, lang: str, key: str, surface: str) -> None:
    assert found(glo, text, lang) == [(key, surface)]


def test_genitive_profit_tax_without_lang(glo: Glossary) -> None:
    matches = glo.find("Ставка налога на прибыль для резидентов")
    assert [(m.concept.key, m.lang) for m in matches] == [("profit_tax", "ru"), ("resident", "ru")]
    assert matches[0].surface == "налога на прибыль"


def test_longest_term_wins(glo: Glossary) -> None:
    assert found(glo, "personal income tax") == [("income_tax_personal", "personal income tax")]
    assert found(glo, "income tax") == [("profit_tax", "income tax")]
    assert found(glo, "ضريبة الدخل على الأفراد") == [("income_tax_personal", "ضريبة الدخل على الأفراد")]
    assert found(glo, "free customs zone") == [("free_customs_zone", "free customs zone")]
    assert found(glo, "licensee") == [("resident", "licensee")]
    assert found(glo, "licensing") == [("operating_licence", "licensing")]


def test_offsets_point_at_original_surface(glo: Glossary) -> None:
    text = "Резиденты ОЭЗ платят НДС; ﬁrms in the free zone pay no corporate tax, وَالإِعْفَاءات الضَّرِيبِيَّة, KDV istisnası."
    matches = glo.find(text)
    assert [m.concept.key for m in matches] == [
        "resident",
        "special_economic_zone",
        "vat",
        "free_zone",
        "profit_tax",
        "tax_exemption",
        "vat",
        "tax_exemption",
    ]
    for m in matches:
        assert text[m.start : m.end] == m.surface


def test_short_capital_terms_need_capitals(glo: Glossary) -> None:
    assert found(glo, "разработка ПО") == [("software", "ПО")]
    assert found(glo, "по закону") == []
    assert found(glo, "IT company") == [("software", "IT")]
    assert found(glo, "it is") == []


def test_expand_to_other_languages(glo: Glossary) -> None:
    out = glo.expand("налог на прибыль в Дукме", "ru")
    assert set(out) == {"en", "ar", "tr"}
    assert out["en"] == [
        "profit tax",
        "corporate income tax",
        "corporate tax",
        "income tax",
        "CIT",
        "tax on profits",
    ]
    assert out["ar"][:2] == ["ضريبة الدخل", "الضريبة على الدخل"]
    assert out["tr"] == ["kurumlar vergisi", "kurum kazancı"]


def test_expand_keeps_concept_order_and_drops_duplicates(glo: Glossary) -> None:
    out = glo.expand("VAT and customs duty exemption for residents; VAT again", "en")
    ru = out["ru"]
    assert ru[:2] == ["НДС", "налог на добавленную стоимость"]
    assert ru.index("таможенная пошлина") < ru.index("резидент")
    # "налога на прибыль" and "налог на прибыль" stem alike: only the first is kept.
    ru_profit = glo.expand("profit tax", "en")["ru"]
    assert ru_profit == ["налог на прибыль", "налог на прибыль организаций", "корпоративный налог"]
    for terms in out.values():
        assert len(terms) == len(set(terms))
    assert glo.expand("nothing relevant", "en") == {"ru": [], "ar": [], "tr": []}


def test_labels(glo: Glossary) -> None:
    assert glo.label("profit_tax", "ru") == "Налог на прибыль"
    assert glo.label("profit_tax", "en") == "Profit tax"
    assert glo.label("profit_tax", "ar") == "ضريبة الدخل"
    assert glo.label("profit_tax", "tr") == "Kurumlar vergisi"
    with pytest.raises(KeyError):
        glo.label("no_such_concept", "en")


def test_every_concept_is_complete(glo: Glossary) -> None:
    concepts = glo.concepts()
    assert len(concepts) >= 45
    for c in concepts:
        assert c.aspect in ASPECTS
        for lang in LANGS:
            assert c.label[lang].strip(), (c.key, lang)
            assert c.terms.get(lang), (c.key, lang)
    assert glo.ambiguous_terms() == []


def test_required_concepts(glo: Glossary) -> None:
    keys = {c.key for c in glo.concepts()}
    assert {
        "special_economic_zone",
        "free_zone",
        "technopark",
        "industrial_park",
        "resident",
        "profit_tax",
        "property_tax",
        "land_tax",
        "vat",
        "customs_duty",
        "free_customs_zone",
        "withholding_tax",
        "insurance_contributions",
        "income_tax_personal",
        "tax_exemption",
        "land_lease",
        "land_purchase",
        "office_rent",
        "minimum_investment",
        "investment_agreement",
        "operating_licence",
        "golden_licence",
        "foreign_ownership",
        "visa",
        "work_permit",
        "localisation_quota",
        "employees",
        "export",
        "import",
        "rnd",
        "software",
        "incubation",
        "duration",
        "application",
        "managing_company",
        "utilities",
        "logistics",
        "dividends",
        "repatriation",
        "stamp_duty",
        "transport_tax",
        "depreciation",
    } <= keys
    assert {c.aspect for c in glo.concepts()} == set(ASPECTS)
    assert all(c.aspect == "tax" for c in glo.concepts("tax"))
    assert glo.get("vat").terms["tr"][0] == "KDV"


def test_labels_and_terms_find_their_concept(glo: Glossary) -> None:
    for c in glo.concepts():
        for lang in LANGS:
            for term in (c.label[lang], *c.terms[lang]):
                matches = glo.find(term, lang)  # type: ignore[arg-type]
                assert [m.concept.key for m in matches] == [c.key], (c.key, lang, term)
                assert matches[0].lang == lang or term in c.terms.get(matches[0].lang, ())


def test_find_on_long_text(glo: Glossary) -> None:
    rng = random.Random(3)
    vocab = [
        "резидент",
        "особой",
        "экономической",
        "зоны",
        "налога",
        "на",
        "прибыль",
        "льготы",
        "free",
        "zone",
        "company",
        "corporate",
        "tax",
        "VAT",
        "serbest",
        "bölge",
        "kurumlar",
        "vergisi",
        "gümrük",
        "المنطقة",
        "الحرة",
        "بالضريبة",
        "على",
        "الدخل",
        "الرسوم",
        "الجمركية",
        "the",
        "of",
        "и",
    ]
    text = " ".join(rng.choice(vocab) for _ in range(5000))
    matches = glo.find(text)
    assert len(matches) > 100
    assert all(text[m.start : m.end] == m.surface for m in matches)
    assert all(a.end <= b.start for a, b in pairwise(matches))
    assert default_glossary() is glo


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def good_concepts() -> list[dict[str, object]]:
    return [
        {
            "key": "profit_tax",
            "aspect": "tax",
            "label": {
                "ru": "Налог на прибыль",
                "en": "Profit tax",
                "ar": "ضريبة الدخل",
                "tr": "Kurumlar vergisi",
            },
            "terms": {"ru": ["налог на прибыль"], "en": ["profit tax"]},
        }
    ]


def test_load_custom_file(tmp_path: Path) -> None:
    glo = Glossary.load(write(tmp_path, {"_comment": "x", "concepts": good_concepts()}))
    assert [m.concept.key for m in glo.find("налогов на прибыль")] == ["profit_tax"]
    assert glo.expand("profit tax", "en") == {"ru": ["налог на прибыль"], "ar": [], "tr": []}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda cs: cs[0].update(aspect="money"), "'profit_tax'"),
        (lambda cs: cs[0]["label"].pop("tr"), "label"),
        (lambda cs: cs[0]["label"].update(ar=""), "label['ar']"),
        (lambda cs: cs[0].update(terms={"en": "profit tax"}), "terms['en']"),
        (lambda cs: cs[0].update(terms={"de": ["Gewinnsteuer"]}), "'de'"),
        (lambda cs: cs[0].update(terms={}), "terms"),
        (lambda cs: cs[0].update(key="Profit Tax"), "key"),
        (lambda cs: cs.append(dict(cs[0])), "used twice"),
        (lambda cs: cs[0].update(labels={}), "unknown field"),
        (lambda cs: cs.append(["profit_tax"]), "concepts[1]"),
    ],
)
def test_malformed_entry_raises_config_error(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    concepts = good_concepts()
    mutate(concepts)
    path = write(tmp_path, {"concepts": concepts})
    with pytest.raises(ConfigError) as err:
        Glossary.load(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_malformed_file_raises_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Glossary.load(bad)
    with pytest.raises(ConfigError, match='"concepts" list'):
        Glossary.load(write(tmp_path, {"terms": []}))


def test_power_gas_and_water_are_concepts_of_their_own():
    """A question on the gas price is not answered by the water tariff: utilities split into their kinds."""
    from regassist.glossary import default_glossary

    g = default_glossary()
    assert {m.concept.key for m in g.find("Kullanma suyu: 1,40 USD/m³", "tr")} == {"water"}
    assert {m.concept.key for m in g.find("doğalgazın m³ fiyatı", "tr")} == {"natural_gas"}
    assert {m.concept.key for m in g.find("Электроэнергия 6,10 руб./кВт·ч", "ru")} == {"electricity"}
    assert "water" not in {m.concept.key for m in g.find("Başvurular sunulur.", "tr")}  # "su" is a word, not a prefix
