from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path

import pytest

from regassist.documents import LANGS
from regassist.errors import ConfigError
from regassist.gazetteer import Gazetteer, Place, default_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def keys(gaz: Gazetteer, text: str) -> list[str]:
    return [m.place.key for m in gaz.find(text)]


# --------------------------------------------------------------------------------------------------
# Names in four languages


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Duqm", "duqm"),
        ("Дукм", "duqm"),
        ("الدقم", "duqm"),
        ("Dukm", "duqm"),
        ("SEZAD", "duqm"),
        ("Alabuga", "alabuga"),
        ("Алабуга", "alabuga"),
        ("ألابوغا", "alabuga"),
        ("Jebel Ali Free Zone", "jafza"),
        ("المنطقة الحرة لجبل علي", "jafza"),
        ("Suez Canal Economic Zone", "sczone"),
        ("المنطقة الاقتصادية لقناة السويس", "sczone"),
        ("Ain Sokhna", "sczone"),
        ("East Port Said", "sczone"),
        ("King Abdullah Economic City", "kaec"),
        ("مدينة الملك عبدالله الاقتصادية", "kaec"),
        ("Ege Serbest Bölgesi", "ege_fz"),
        ("ESBAŞ", "ege_fz"),
        ("Технополис «Москва»", "moscow_technopolis"),
        ("технопарк «Идея»", "idea_technopark"),
        ("Елабуга", "yelabuga"),
        ("Saudi Arabia", "sa"),
        ("Саудовская Аравия", "sa"),
        ("المملكة العربية السعودية", "sa"),
        ("Suudi Arabistan", "sa"),
    ],
)
def test_names_in_all_languages_resolve_to_one_key(gaz: Gazetteer, text: str, key: str) -> None:
    matches = gaz.find(text)
    assert [m.place.key for m in matches] == [key]
    assert matches[0].surface == text.rstrip("»")


@pytest.mark.parametrize(
    ("text", "key", "surface"),
    [
        ("Завод в Алабуге открылся", "alabuga", "Алабуге"),
        ("Alabuga'da üretim", "alabuga", "Alabuga"),
        ("Alabuga'daki fabrika", "alabuga", "Alabuga"),
        ("İzmir'deki şirketler", "izmir", "İzmir"),
        ("порт в Дукме", "duqm", "Дукме"),
        ("резиденты Иннополиса", "innopolis", "Иннополиса"),
        ("офис в Дубае", "dubai", "Дубае"),
        ("компании из Турции", "tr", "Турции"),
        ("турецкий инвестор", "tr", "турецкий"),
        ("российских компаний", "ru", "российских"),
        ("в Египте", "eg", "Египте"),
        ("Türkiye'deki serbest bölgeler", "tr", "Türkiye"),
        ("ege serbest bölgesinde", "ege_fz", "ege serbest bölgesinde"),
        ("an Omani investor", "om", "Omani"),
    ],
)
def test_inflected_forms(gaz: Gazetteer, text: str, key: str, surface: str) -> None:
    matches = gaz.find(text)
    assert [(m.place.key, m.surface) for m in matches] == [(key, surface)]


def test_turkish_capitals(gaz: Gazetteer) -> None:
    text = "İSTANBUL SERBEST BÖLGESİ VE İZMİR"
    matches = gaz.find(text)
    assert [(m.place.key, m.surface) for m in matches] == [
        ("istanbul_fz", "İSTANBUL SERBEST BÖLGESİ"),
        ("izmir", "İZMİR"),
    ]


@pytest.mark.parametrize(
    ("text", "key", "surface"),
    [
        ("وَالدُّقْمِ", "duqm", "الدُّقْمِ"),
        ("في الدُّقم", "duqm", "الدُّقم"),
        ("بالدقم", "duqm", "الدقم"),
        ("وبالدقم", "duqm", "الدقم"),
        ("للدقم", "duqm", "للدقم"),
        ("والإمارات", "ae", "الإمارات"),
        ("بمصر", "eg", "مصر"),
        ("ألابوغا", "alabuga", "ألابوغا"),
        ("وألابوغا", "alabuga", "ألابوغا"),
    ],
)
def test_arabic_diacritics_and_prefixes(gaz: Gazetteer, text: str, key: str, surface: str) -> None:
    matches = gaz.find(text)
    assert [(m.place.key, m.surface) for m in matches] == [(key, surface)]


def test_offsets_point_at_original_surface(gaz: Gazetteer) -> None:
    text = (
        "Сравнение: ОЭЗ «Алабуга» (Татарстан), ﻻ Jebel Ali Free Zone, وَالدُّقْمِ و\u0640المنطقة الحرة بصلالة, "
        "İSTANBUL SERBEST BÖLGESİ, Alabuga'daki ve ﬁnally Дукме."
    )
    matches = gaz.find(text)
    assert [m.place.key for m in matches] == [
        "alabuga",
        "tatarstan",
        "jafza",
        "duqm",
        "salalah_fz",
        "istanbul_fz",
        "alabuga",
        "duqm",
    ]
    for m in matches:
        assert text[m.start : m.end] == m.surface
    assert matches[0].surface == "ОЭЗ «Алабуга"
    assert matches[-1].surface == "Дукме"
    assert matches[3].surface == "الدُّقْمِ"
    assert matches[4].surface == "المنطقة الحرة بصلالة"


def test_acronyms_need_capitals_and_word_boundaries(gaz: Gazetteer) -> None:
    assert keys(gaz, "DMCC") == ["dmcc"]
    assert keys(gaz, "DMCC'de lisans") == ["dmcc"]
    assert keys(gaz, "dmcc") == []
    assert keys(gaz, "xdmccx and admcc") == []
    assert keys(gaz, "XDMCCX") == []
    assert keys(gaz, "UAE") == ["ae"]
    assert keys(gaz, "ae") == []
    assert keys(gaz, "РФ") == ["ru"]
    assert keys(gaz, "рф") == []


def test_exact_names_take_no_suffix(gaz: Gazetteer) -> None:
    assert keys(gaz, "Kazan") == ["kazan"]
    assert keys(gaz, "kazanç ve kazanmak") == []
    assert keys(gaz, "ул. Петербургская") == []
    assert keys(gaz, "в Петербурге") == ["sankt_petersburg"]


def test_leftmost_longest(gaz: Gazetteer) -> None:
    assert keys(gaz, "Technopolis Moscow") == ["moscow_technopolis"]
    assert keys(gaz, "Moscow") == ["moscow"]
    assert keys(gaz, "İstanbul Serbest Bölgesi") == ["istanbul_fz"]
    assert keys(gaz, "İstanbul") == ["istanbul"]
    assert keys(gaz, "Teknopark İstanbul") == ["teknopark_istanbul"]
    assert keys(gaz, "Ras Al Khaimah Economic Zone and Ras Al-Khaimah") == ["rakez", "ras_al_khaimah"]
    assert keys(gaz, "Riyadh Special Economic Zone, Riyadh") == ["riyadh_sez", "riyadh"]


def test_countries_and_zones_in_order(gaz: Gazetteer) -> None:
    text = "A Russian company compares Duqm with JAFZA and Alabuga; Duqm again."
    assert gaz.countries_in(text) == ["RU", "OM", "AE"]
    assert gaz.zones_in(text) == ["duqm", "jafza", "alabuga"]
    assert gaz.countries_in("Налог на прибыль в Дукме") == ["OM"]
    assert gaz.zones_in("Налог на прибыль в Дукме") == ["duqm"]
    assert gaz.countries_in("nothing here") == []


def test_tag_short_document(gaz: Gazetteer) -> None:
    title = "SEZAD investor guide"
    text = "Companies in Duqm pay no customs duty. Unlike DMCC in Dubai, the zone offers land leases."
    assert gaz.tag(title, text) == ("OM", "duqm")
    # Title mentions count five times: two text mentions of DMCC do not beat one title mention of Duqm.
    assert gaz.tag("Duqm", "DMCC. DMCC.") == ("OM", "duqm")
    assert gaz.tag("Налоговые льготы", "Резиденты ОЭЗ «Алабуга» в Татарстане; Алабуга даёт льготы.") == (
        "RU",
        "alabuga",
    )


def test_tag_without_zone(gaz: Gazetteer) -> None:
    assert gaz.tag("Serbest Bölgeler Kanunu", "Türkiye'de serbest bölgeler. Türkiye, Türkiye.") == (
        "TR",
        None,
    )
    assert gaz.tag("", "nothing to see") == (None, None)
    # A national text naming one zone in passing is not about that zone.
    text = "Российская Федерация. " * 15 + "Например, Алабуга."
    assert gaz.tag("Закон об ОЭЗ", text) == ("RU", None)
    # A document comparing many zones is about none of them.
    assert gaz.tag("Comparison", "Duqm, JAFZA, DMCC, Alabuga, SCZone.") == ("AE", None)


def test_get_places_and_display_names(gaz: Gazetteer) -> None:
    duqm = gaz.get("duqm")
    assert (duqm.kind, duqm.country, duqm.parent) == ("zone", "OM", "om")
    assert gaz.get("om").name("ru") == "Оман"
    assert [gaz.get(c.lower()).country for c in ("RU", "TR", "AE", "EG", "SA", "OM")] == [
        "RU",
        "TR",
        "AE",
        "EG",
        "SA",
        "OM",
    ]
    assert duqm.name("ru") == "Дукм"
    assert duqm.name("ar") == "الدقم"
    place = Place("x", "zone", "OM", None, {"en": ("Xzone",)})
    assert place.name("tr") == "Xzone"
    with pytest.raises(KeyError):
        gaz.get("no_such_place")
    assert {p.kind for p in gaz.places("zone")} == {"zone"}
    assert default_gazetteer() is gaz


def test_find_on_long_text(gaz: Gazetteer) -> None:
    rng = random.Random(7)
    vocab = [
        "резидент",
        "особой",
        "экономической",
        "зоны",
        "Алабуга",
        "налог",
        "на",
        "прибыль",
        "в",
        "Дукме",
        "free",
        "zone",
        "company",
        "in",
        "Dubai",
        "JAFZA",
        "serbest",
        "bölge",
        "İzmir'deki",
        "Ege",
        "Serbest",
        "Bölgesi",
        "المنطقة",
        "الحرة",
        "بصلالة",
        "والدقم",
        "ضريبة",
        "الدخل",
        "the",
        "of",
    ]
    text = " ".join(rng.choice(vocab) for _ in range(5000))
    matches = gaz.find(text)
    assert len(matches) > 100
    assert all(text[m.start : m.end] == m.surface for m in matches)
    assert all(a.end <= b.start for a, b in pairwise(matches))
    assert gaz.tag("", text)[0] is not None


# --------------------------------------------------------------------------------------------------
# Data


def test_every_place_has_names_in_all_languages(gaz: Gazetteer) -> None:
    for place in gaz.places():
        for lang in LANGS:
            assert place.names.get(lang), f"{place.key} has no {lang} name"


def test_required_places_present(gaz: Gazetteer) -> None:
    countries = {p.country for p in gaz.places("country")}
    assert {
        "RU",
        "TR",
        "AE",
        "EG",
        "SA",
        "OM",
        "KZ",
        "UZ",
        "QA",
        "BH",
        "KW",
        "JO",
        "MA",
        "AZ",
        "MY",
        "ID",
        "PK",
    } <= (countries)
    zones = {p.key for p in gaz.places("zone")}
    assert len(zones) >= 40
    assert {
        "alabuga",
        "innopolis",
        "idea_technopark",
        "moscow_technopolis",
        "lipetsk",
        "titanium_valley",
        "kaluga",
        "sankt_petersburg",
        "dubna",
        "tolyatti",
        "ege_fz",
        "mersin_fz",
        "istanbul_fz",
        "antalya_fz",
        "trabzon_fz",
        "kocaeli_fz",
        "teknopark_istanbul",
        "odtu_teknokent",
        "bilkent_cyberpark",
        "itu_ari_teknokent",
        "jafza",
        "dmcc",
        "kezad",
        "dubai_silicon_oasis",
        "difc",
        "adgm",
        "rakez",
        "sharjah_saif",
        "sczone",
        "riyadh_sez",
        "jazan_sez",
        "ras_al_khair_sez",
        "kaec",
        "cloud_computing_sez",
        "duqm",
        "salalah_fz",
        "sohar_fz",
        "al_mazunah_fz",
    } <= zones
    assert {p.key for p in gaz.places("authority")} >= {"gafi", "ecza", "opaz"}
    assert "tatarstan" in gaz


def test_data_is_consistent(gaz: Gazetteer) -> None:
    assert gaz.ambiguous_names() == []
    by_key = {p.key: p for p in gaz.places()}
    for place in gaz.places():
        if place.parent is not None:
            assert by_key[place.parent].country == place.country
    # Every name finds its own place.
    for place in gaz.places():
        for names in place.names.values():
            for name in names:
                assert [m.place.key for m in gaz.find(name)] == [place.key], name


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "gaz.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def good_places() -> list[dict[str, object]]:
    return [
        {"key": "om", "kind": "country", "country": "OM", "parent": None, "names": {"en": ["Oman"]}},
        {
            "key": "duqm",
            "kind": "zone",
            "country": "OM",
            "parent": "om",
            "names": {"en": ["Duqm"], "ru": ["Дукм"]},
        },
    ]


def test_load_custom_file(tmp_path: Path) -> None:
    gaz = Gazetteer.load(write(tmp_path, {"_comment": "x", "places": good_places()}))
    assert [m.place.key for m in gaz.find("Дукме, Oman")] == ["duqm", "om"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ps: ps[1].update(kind="park"), "'duqm'"),
        (lambda ps: ps[1].update(country="Oman"), "two-letter"),
        (lambda ps: ps[1].update(parent="nowhere"), "nowhere"),
        (lambda ps: ps[1].update(names={"en": []}), "names['en']"),
        (lambda ps: ps[1].update(names={"xx": ["Duqm"]}), "'xx'"),
        (lambda ps: ps[1].update(names={"ru": ["Дукм"]}), "English name"),
        (lambda ps: ps[1].update(key="Duqm Zone"), "key"),
        (lambda ps: ps[1].update(country="AE"), "'AE' has no country entry"),
        (lambda ps: ps[0].update(key="oman"), "lower-case code 'om'"),
        (lambda ps: ps.append(dict(ps[1])), "used twice"),
        (lambda ps: ps[1].update(exact=["Salalah"]), "exact"),
        (lambda ps: ps[1].update(color="red"), "unknown field"),
        (lambda ps: ps.append("duqm"), "places[2]"),
    ],
)
def test_malformed_entry_raises_config_error(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    places = good_places()
    mutate(places)
    path = write(tmp_path, {"places": places})
    with pytest.raises(ConfigError) as err:
        Gazetteer.load(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_malformed_file_raises_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"places": [', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Gazetteer.load(bad)
    with pytest.raises(ConfigError, match='"places" list'):
        Gazetteer.load(write(tmp_path, {"zones": []}))
    with pytest.raises(ConfigError, match="Cannot read"):
        Gazetteer.load(tmp_path / "missing.json")
