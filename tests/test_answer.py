"""Answers with the real e5 embedder on the fixture corpus: grounded, verbatim, in the asker's language,
refusing when the sources do not say, never quoting a passage that tries to instruct the assistant."""

from __future__ import annotations

import pytest

from regassist.answer import asked_figure, facts_of, localise_fact, question_parts, sentence_spans, states_figure
from regassist.langid import detect_lang


@pytest.fixture
def assistant(e5_assistant):
    return e5_assistant


def _doc_text(assistant, doc_id: str) -> str:
    return assistant.registry.document(doc_id).text


def _assert_verbatim(assistant, answer) -> None:
    for c in answer.citations:
        text = _doc_text(assistant, c.doc_id)
        assert text[c.start : c.start + len(c.quote)] == c.quote
        assert assistant.registry.document(c.doc_id).page_of(c.start) == c.page


def test_same_language_answer_is_cited_verbatim(assistant):
    answer = assistant.ask("How long is the corporate tax exemption in the Harbour Free Zone?")
    assert not answer.refused, answer.text
    assert answer.lang == "en"
    assert any(c.source.endswith("en_regulations.txt") for c in answer.citations)
    assert "fifteen years" in answer.text
    assert "[1]" in answer.text
    _assert_verbatim(assistant, answer)


def test_answer_in_russian_from_russian_law(assistant):
    answer = assistant.ask("Какая ставка налога на прибыль для резидентов зоны «Северная»?")
    assert not answer.refused, answer.text
    assert detect_lang(answer.text) == "ru"
    assert any("ru_zakon" in c.source for c in answer.citations)
    assert "два процента" in answer.text
    top = answer.citations[0]
    assert "Статья 5" in top.section
    _assert_verbatim(assistant, answer)


def test_cross_lingual_answer_stays_in_the_askers_language(assistant):
    answer = assistant.ask("Сколько лет действует освобождение от налога на прибыль в свободной зоне Harbour?")
    assert not answer.refused, answer.text
    assert detect_lang(answer.text) == "ru"
    assert "английском" in answer.text  # says which language the source is in
    assert any(c.lang == "en" for c in answer.citations)
    _assert_verbatim(assistant, answer)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Какие налоговые льготы в СЭЗ «Навои» в Узбекистане?", "ru"),
        ("What tax breaks do Astana Hub participants get in Kazakhstan?", "en"),
        ("ما الحوافز الضريبية في منطقة العقبة الاقتصادية الخاصة في الأردن؟", "ar"),
    ],
)
def test_refuses_places_the_corpus_does_not_cover(assistant, question, lang):
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.citations == ()
    assert detect_lang(answer.text) == lang


def test_refuses_when_no_source_states_the_asked_figure(assistant):
    answer = assistant.ask("How much does office rent cost per square metre in the Harbour Free Zone?")
    assert answer.refused, answer.text


def test_a_question_that_asks_two_things_gets_both_answers(assistant):
    answer = assistant.ask(
        "How long is the corporate tax exemption in the Harbour Free Zone, and what share of the workforce may be "
        "foreign nationals?"
    )
    assert not answer.refused, answer.text
    assert "fifteen years" in answer.text and "eighty percent" in answer.text, answer.text
    _assert_verbatim(assistant, answer)


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("How big is the zone, how many sites does it have and how many residents?", 3),
        ("If our company goes over the de minimis limit, how long do we lose the status?", 0),
        ("What are the profit tax and property tax rates in Alabuga?", 0),
        ("На какой срок создаётся особая экономическая зона и можно ли этот срок потом продлить?", 2),
        ("Какие льготы по налогу на прибыль, имуществу и земле есть в Алабуге?", 0),
        ("Teknoparkta KDV istisnası donanım satışını da kapsıyor mu, istisna ne zamana kadar?", 2),
        ("JAFZA ne zaman kuruldu ve içinde kaç şirket var?", 2),
        ("كم مساحة منطقة إيجه الحرة في إزمير وكم عدد العاملين فيها؟", 2),
        ("هل يحصل المقيمون على خصم في الإيجار؟ وما أقل مدة لعقد الإيجار؟", 2),
        # A call for experiences asks nothing of its own: the figure asked before it is still required.
        ("Mersin'de YMM raporu kaça mal oluyor? Deneyimi olan var mı?", 0),
        ("How long did the operating licence take? Anyone with experience?", 0),
    ],
)
def test_question_parts(question, parts):
    found = question_parts(question)
    assert len(found) == parts, found
    assert all(p in question for p in found)


def test_questions_that_ask_for_experiences_are_recognised_in_four_languages():
    """Forum posts are the right source for them: they lose their ranking handicap."""
    from regassist.answer import _EXPERIENCE_Q

    questions = (
        "للي فتحوا فعلاً في المناطق الاقتصادية: كم أخذ الترخيص؟",
        "Кто-нибудь выкупал землю?",
        "Mersin'de şirket kuranlar anlatabilir mi?",
        "For those who set up in Tuzla: how long?",
    )
    for question in questions:
        assert _EXPERIENCE_Q.search(question), question
    assert not _EXPERIENCE_Q.search("What is the VAT rate in the Duqm zone?")


def test_injected_instructions_are_never_evidence(assistant):
    answer = assistant.ask("Is the corporate tax in the Harbour Free Zone 0% forever?")
    for c in answer.citations:
        assert "Ignore previous instructions" not in c.quote
        assert "promo_bot" not in c.section
    assert "forever" not in answer.text.lower() or answer.refused


def test_sentence_spans_are_verbatim_and_headings_stand_alone():
    text = "Статья 5. Ставка\nРезидент платит 2 % в течение 10 лет; далее — общая ставка. Ст. 6 не применяется."
    spans = sentence_spans(text, ["Статья 5. Ставка"])
    pieces = [text[s:e] for s, e in spans]
    assert pieces[0] == "Статья 5. Ставка"
    assert "Резидент платит 2 % в течение 10 лет;" in pieces
    assert all(text[s:e] == p for (s, e), p in zip(spans, pieces, strict=True))


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "Duties are waived on imports (Arts. 22–23) into the Zone. Next.",
            "Duties are waived on imports (Arts. 22–23) into the Zone.",
        ),
        ("Personel sınırlıdır (bkz. Geçici Madde 2). Diğer.", "Personel sınırlıdır (bkz. Geçici Madde 2)."),
        ("Согласно подп. 3 п. 1 ст. 5 ставка 0%. Далее.", "Согласно подп. 3 п. 1 ст. 5 ставка 0%."),
        ("Аренда 2 тыс. руб. в месяц. Далее.", "Аренда 2 тыс. руб. в месяц."),
        (
            "Vergi istisnası (Md. 12) uygulanır, örn. gümrük vergisi. Diğer.",
            "Vergi istisnası (Md. 12) uygulanır, örn. gümrük vergisi.",
        ),
    ],
)
def test_legal_abbreviations_do_not_end_sentences(text, first):
    s, e = sentence_spans(text)[0]
    assert text[s:e] == first


@pytest.mark.parametrize(
    ("kind", "surface", "lang", "expected"),
    [
        ("duration", "٢٠ سنة", "en", "20 years"),
        ("duration", "5 лет", "tr", "5 yıl"),
        ("percent", "yüzde 25", "ru", "25%"),
        ("money", "120 million roubles", "ru", "120 млн RUB"),
        ("money", "AED 5 million", "en", "5 million AED"),
        ("area", "461 km²", "ar", "461 كم²"),  # square kilometres, not square metres
        ("area", "220 hektar", "ru", "220 га"),
        ("area", "2,2 milyon m²", "en", "2,2 million m²"),  # the scale is kept
        ("area", "460.6 كيلومتر مربع", "ru", "460.6 км²"),
        ("money", "350 إلى 500 درهم", "tr", "350–500 AED"),  # a range in words: no Arabic word in the answer
        ("money", "750 до 900 руб", "en", "750–900 RUB"),
    ],
)
def test_facts_are_localised(kind, surface, lang, expected):
    assert localise_fact(kind, surface, lang) == expected


def test_asked_figures_and_evidence_that_states_them():
    assert asked_figure("How many companies are licensed in KEZAD?") == "count"
    assert asked_figure("Сколько стоит аренда земли в Алабуге?") == "money"
    assert asked_figure("Lisans kaç yıl geçerli?") == "duration"
    assert asked_figure("ما هي الحوافز؟") is None
    assert states_figure("DMCC hosts more than 24,000 member companies.", "count")
    assert not states_figure("The zone was created in 2005 under Decree 784.", "count")
    assert states_figure("Arsa kirası | yıllık 10,00", "money", "USD/m2 tarifesi")
    assert [k for k, _ in facts_of("5 % в течение 10 лет")] == ["percent", "duration"]
    # "How big" asks for an area (a sentence with only a date or a price does not answer it); "how far" a distance.
    for question in ("How big is the Technopolis Moscow SEZ?", "ما مساحة المنطقة؟", "Какова площадь зоны?",
                     "Ege Serbest Bölgesi ne kadar büyük?"):  # fmt: skip
        assert asked_figure(question) == "area", question
    assert asked_figure("Какие площадки есть в зоне?") is None  # "площадка" is a site, not an area
    assert asked_figure("Is there a free trade area agreement?") is None
    assert asked_figure("How far is the zone from the port?") == "distance"
    assert states_figure("Зона состоит из пяти площадок общей площадью около 230 га.", "area")
    assert not states_figure("Зона создана 21 декабря 2005 года на 49 лет.", "area")
    assert states_figure("The main site is about 450 km south of Moscow.", "distance")
    assert asked_figure("Сколько там ещё свободных участков под строительство?") == "count"
    assert states_figure("By 2025 there were about 58 SEZs in more than 40 regions.", "count")  # zones, regions
    assert asked_figure("كم تعرفة المياه للمصانع؟") == "money"
    assert facts_of("من 350 إلى 500 درهم للمتر المربع") == [("money", "350 إلى 500 درهم")]


def test_currency_codes_are_words_and_number_words_need_a_unit_of_time():
    from regassist.answer import spelled_duration

    # "çitli" (fenced) holds no Turkish lira: a bare table cell next to it is no price.
    assert not states_figure("Açık stok sahası (çitli) | 1,80 | 500 m²", "money", "Açık stok sahası (çitli) | 1,80")
    row = "İş merkezinde ofis | 11,00 | 40 m²"
    assert states_figure(row, "money", f"Aylık kira (USD/m²)\n{row}")
    assert states_figure("Kira | 5,00", "money", "Kira (TL/m²) | 5,00")
    assert states_figure("الإيجار 5", "money", "بالدولار")
    # "bir" is also the Turkish article: a number word is a duration only with a unit of time.
    assert not spelled_duration("Bölgede faaliyet gösterecek bir şirket kurulur.")
    assert not states_figure("Bölgede bir şirket kurulur.", "duration")
    for text in ("The exemption lasts five years.", "for the following four tax periods", "льгота на три года",
                 "muafiyet beş yıl sürer", "لمدة سنتين"):  # fmt: skip
        assert spelled_duration(text) and states_figure(text, "duration"), text


def test_a_price_per_unit_is_not_answered_by_a_price_per_another_unit():
    from regassist.answer import _same_units

    q = "How much is the land lease per square metre?"
    assert _same_units(q, "Land is leased at USD 5–8 per m² per year.")
    assert not _same_units(q, "Electricity costs about USD 0.05 per kWh.")
    assert _same_units(q, "The lease runs for up to 50 years.")  # names no unit: other checks decide
    assert _same_units("Сколько стоит аренда земли за гектар?", "Ставка — 45 000 руб. за 1 га в год")
    assert not _same_units("كم سعر إيجار المتر المربع؟", "تبلغ نحو 0.05 دولار للكيلوواط ساعة")
    assert not _same_units("Doğalgazın m³ fiyatı ne kadar?", "Elektrik 0,105 USD/kWh")  # per m³, not per kWh


def test_a_small_number_that_counts_something_is_a_fact_but_a_list_marker_is_not():
    from regassist.answer import key_facts

    assert key_facts("a flexi-desk usually supports up to 3 residence visas;") == [("number", "3")]
    assert key_facts("3. The zone authority replies in writing") == []
    assert key_facts("See Article 5 of the Law") == []


def test_sentences_of_one_passage_merge_only_in_reading_order():
    """Two sentences of one passage become one quote only when the second follows the first; the other way
    round (a part of a question answered from earlier in the passage) they stay two quotes, never an empty one."""
    from regassist.answer import Evidence, _merge_adjacent, split_sentences

    hit = _edition_hit("g", "2025-01-01", "Land rent is USD 10 per m² a year. The smallest plot is 5,000 m².")
    (first, a), (second, b) = split_sentences(hit)
    merged = _merge_adjacent([Evidence(hit, first, a, 1.0), Evidence(hit, second, b, 1.0)])
    assert [e.text for e in merged] == [hit.chunk.text]
    reverse = _merge_adjacent([Evidence(hit, second, b, 1.0), Evidence(hit, first, a, 1.0)])
    assert [e.text for e in reverse] == [second, first]


def test_a_list_item_is_quoted_with_its_lead_in_and_a_lead_in_with_its_items():
    """'5% of its total revenue' alone hides the other limit; 'the following benefits:' alone says nothing."""
    from regassist.answer import Evidence, _whole_list, _without_repeats, split_sentences

    hit = _edition_hit("h", "2025-01-01", (
        "A QFZP may earn some other revenue. It must not exceed the lower of:\n\nAED 5 million; or\n\n"
        "5% of its total revenue for the tax period.\n\nResidents receive the following benefits:\n\n"
        "no customs duty on imports;\n\nno VAT on sales inside the zone.\n\nA long closing paragraph that is "
        "not an item of any list, since it says something else entirely and says it at some length, well over "
        "the length of a list item in this handbook, so that it ends the list."))  # fmt: skip
    sentences = {text: Evidence(hit, text, start, 1.0) for text, start in split_sentences(hit)}
    item = _whole_list(sentences["5% of its total revenue for the tax period."])
    assert item.text.startswith("It must not exceed the lower of:") and "AED 5 million; or" in item.text
    assert item.text.endswith("for the tax period.") and "benefits" not in item.text
    lead = _whole_list(sentences["Residents receive the following benefits:"])
    assert lead.text.endswith("no VAT on sales inside the zone.") and "closing" not in lead.text
    for ev in (item, lead):  # one verbatim span of the passage
        assert hit.chunk.text[ev.start - hit.chunk.start :].startswith(ev.text)
    plain = sentences["A QFZP may earn some other revenue."]
    assert _whole_list(plain) is plain
    # The item quoted on its own and again within its list is quoted once, in the first one's place.
    again = _without_repeats([sentences["5% of its total revenue for the tax period."], plain, item])
    assert [e.text for e in again] == [item.text, plain.text]


def test_a_country_wide_text_speaks_of_the_zone_it_last_named():
    """In a memo on all Russian zones, 'The zone covers more than 4,000 hectares' after a paragraph on Alabuga
    is about Alabuga: it is no answer to a question on Lipetsk."""
    from regassist.answer import Evidence, _nearest_zones, split_sentences
    from regassist.gazetteer import default_gazetteer

    hit = _edition_hit("memo", "2025-01-01", (
        "Lipetsk SEZ was created in 2005 and hosts foreign manufacturers.\n\n"
        "Alabuga (industrial-production SEZ) lies in Tatarstan.\n\n"
        "The zone covers more than 4,000 hectares and is among the largest."))  # fmt: skip
    last = next(Evidence(hit, t, s, 1.0) for t, s in split_sentences(hit) if t.startswith("The zone covers"))
    assert _nearest_zones(last, default_gazetteer()) == {"alabuga"}
    first = next(Evidence(hit, t, s, 1.0) for t, s in split_sentences(hit) if t.startswith("Lipetsk"))
    assert _nearest_zones(first, default_gazetteer()) == set()  # nothing before it (its own words decide)


def test_a_restated_fact_is_labelled_with_the_zone_its_sentence_speaks_of():
    """A handbook on DMCC and KEZAD (its document zone: DMCC) speaks of KEZAD in its KEZAD section."""
    from dataclasses import replace

    from regassist.answer import Answerer, Evidence, split_sentences

    hit = _edition_hit("h", "2025-01-01", (
        "DMCC companies pay 0% on qualifying income.\n\nKEZAD is the Abu Dhabi zone group.\n\n"
        "An onshore company there pays the standard 9% above AED 375,000."))  # fmt: skip
    hit = replace(hit, doc=replace(hit.doc, zone="dmcc"))
    ev = {t: Evidence(hit, t, s, 1.0) for t, s in split_sentences(hit)}
    assert Answerer._place_label(ev["An onshore company there pays the standard 9% above AED 375,000."], "en") == (
        "KEZAD — "
    )
    assert Answerer._place_label(ev["DMCC companies pay 0% on qualifying income."], "en") == "DMCC — "


def test_answer_prose_reflows_pdf_line_breaks_but_keeps_rows_apart():
    from regassist.answer import reflow

    assert reflow("Цена выкупа составляет 15 %\nкадастровой стоимости участка;") == (
        "Цена выкупа составляет 15 % кадастровой стоимости участка;"
    )
    assert reflow("- It must sign an agreement.") == "It must sign an agreement."
    assert reflow("a | b | c\n\nd | e | f") == "a | b | c\nd | e | f"


@pytest.mark.parametrize(
    ("text", "in_arabic"),
    [
        ("Federal Law No. 292-FZ of 4 August 2023 introduced an experiment", "4 أغسطس 2023"),
        ("по состоянию на 1 марта 2025 г.", "1 مارس 2025"),
        ("06 Şubat 2004 tarihinden itibaren", "06 فبراير 2004"),
        ("signed on August 4, 2023.", "4 أغسطس 2023"),
    ],
)
def test_dates_with_month_names_are_facts_restated_with_the_askers_month_name(text, in_arabic):
    dates = [(k, v) for k, v in facts_of(text) if k == "date"]
    assert len(dates) == 1
    assert localise_fact("date", dates[0][1], "ar") == in_arabic
    assert localise_fact("date", "16 أبريل 2021", "ru") == "16 апреля 2021"


def test_an_as_of_date_is_no_fact_and_dates_follow_other_figures():
    from regassist.answer import key_facts

    assert key_facts("Показатель Значение по состоянию на 1 января 2025 г. 152 резидента") == [("number", "152")]
    assert key_facts("Since 4 August 2023 the rate is 5%") == [("percent", "5%"), ("date", "4 August 2023")]
    assert key_facts("Since 4 August 2023 the rate is 5%", ("duration",))[0] == ("date", "4 August 2023")


def test_a_percentage_question_is_not_a_price_question():
    assert asked_figure("Какой процент оманцев нужно держать в штате компании?") is None
    assert asked_figure("Какая цена аренды офиса?") == "money"


def test_premise_check():
    from regassist.answer import contradicts_premise

    assert contradicts_premise("Since VAT is 0% forever in Alabuga, ...", ["НДС 20 % по общему режиму"])
    assert not contradicts_premise("Is VAT 20% there?", ["НДС 20 % по общему режиму"])
    assert not contradicts_premise("What is the VAT rate?", ["НДС 20 %"])


def test_figures_are_labelled_with_the_nearest_concept():
    from regassist.answer import labelled_facts

    text = "Ставка налога на прибыль — 2 % в течение 10 лет, налог на имущество — 0 %, земельный налог 0 %."
    groups = dict(labelled_facts(text, "ru", "en"))
    assert groups["Profit tax"] == ["2%", "10 years"]
    assert groups["Property tax"] == ["0%"]
    assert groups["Land tax"] == ["0%"]


def test_a_far_concept_labels_nothing_and_the_asked_concept_labels_the_asked_figure():
    from regassist.answer import labelled_facts

    far = (
        "Аренда офисов возможна на общих основаниях, переговорные комнаты, склады и парковочные места "
        "предоставляются по запросу; в прошлом году выставка длилась 45 дней."
    )
    assert dict(labelled_facts(far, "ru", "en")) == {"": ["45 days"]}
    # The sentence speaks of the asked land plot; a duration that only "term" (generic) stands next to is its.
    text = "Земельные участки предоставляются резидентам; срок — 49 лет."
    assert dict(labelled_facts(text, "ru", "en", ("duration",))) == {"Term": ["49 years"]}
    topical = dict(labelled_facts(text, "ru", "en", ("duration",), frozenset({"land_plot"})))
    assert topical == {"Land plot": ["49 years"]}
    # A figure with its own specific concept close by keeps it.
    text = "Земельные участки сдаются резидентам; налог на имущество — 2 %."
    assert dict(labelled_facts(text, "ru", "en", ("money",), frozenset({"land_plot"}))) == {"Property tax": ["2%"]}


def test_law_numbers_are_identifiers_unless_the_question_asks_for_the_law():
    from regassist.answer import asked_kinds, key_facts

    text = "The zone was created by Government Resolution No. 782 of 21 December 2005."
    assert facts_of("They come under Law No. 4691 and the Ministry of Industry") == []
    assert facts_of("4691 sayılı Kanun kapsamında 300 firma") == [("number", "300")]
    asks = asked_kinds("When was the zone created and by which resolution?")
    assert "law" in asks
    assert ("number", "782") in key_facts(text, asks)


def test_a_named_year_against_now_asks_for_the_change():
    from regassist.answer import asks_change

    assert asks_change("What's the electricity tariff now, and what was it in the 2023 handbook?")
    assert asks_change("كم كان إيجار الأرض في طبعة 2023، وكم أصبح الآن؟")
    assert not asks_change("Какая сейчас ставка аренды земли в Алабуге?")
    assert not asks_change("What did the 2023 handbook say about rent?")
    # "current" against a named year, or "the latest guide" against "the previous edition", ask for both editions
    assert asks_change("Alabuga'da ortalama maaş güncel rehbere göre ne kadar, 2023 baskısında ne kadardı?")
    assert asks_change("كم الإيجار حسب أحدث دليل، وكم كان في طبعة الدليل السابقة؟")
    assert asks_change("What was the rent in the previous edition of the guide?")
    assert not asks_change("What is the current rent in Alabuga?")


def _edition_text(year: int, rent: str, extra: str) -> str:
    body = [
        "UNOFFICIAL SUMMARY WRITTEN FOR REGASSIST TESTS.",
        f"Harbour Free Zone investor handbook, {year} edition",
        "Section 1 - Land",
        f"Land is leased to licensed enterprises for the term of their licence. The land rent is {rent} per hectare "
        "per year, paid every quarter.",
    ]
    # The later edition speaks of land and of 2023 in several other passages, which outrank its rent passage
    # for a question that names 2023 (at most three passages per document make the results).
    if year > 2023:
        body += [
            "Section 1a - Land reserve\n\nIn 2023 the zone added 40 hectares of land per year to its land reserve.",
            "Section 1b - Land plots\n\nLand plots of 1 to 10 hectares per investor have been on offer since 2023.",
            "Section 1c - Land survey\n\nEvery land plot and hectare was measured in the 2023 land survey.",
        ]
    for i in range(1, 9):
        body += [f"Section {i + 1} - Procedure {i}", f"Step {i} of the licence procedure takes about {i + 1} weeks. "
                 f"The zone authority checks the file and replies in writing. {extra}"]  # fmt: skip
    return "\n\n".join(body)


def test_what_changed_answer_draws_on_both_editions(e5, tmp_path):
    from regassist.assistant import Assistant
    from regassist.config import Settings
    from regassist.ingest import Indexer

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "handbook_2023.txt").write_text(_edition_text(2023, "USD 4,000", "Forms are filed on paper."), "utf-8")
    (docs / "handbook_2025.txt").write_text(_edition_text(2025, "USD 5,500", "Forms are filed online."), "utf-8")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    Indexer(settings, embedder=e5).ingest([docs])
    assistant = Assistant(settings, embedder=e5)
    editions = {d.edition for d in assistant.registry.documents()}
    assert len(editions) == 2 and len({d.series for d in assistant.registry.documents()}) == 1

    question = "What was the land rent per hectare in the 2023 handbook, and how much is it now?"
    # Results that hold only one edition are completed with the best passages of the other.
    only_old = [h for h in assistant.search(question) if h.doc.edition.startswith("2023")]
    completed = assistant._with_every_edition(question, only_old, None, "en")
    assert any(h.doc.edition.startswith("2025") and "5,500" in h.chunk.text for h in completed)
    # The other edition's passage under the same heading comes along, searched for or not.
    rent_2023 = [h for h in only_old if "4,000" in h.chunk.text]
    twins = assistant._twins(rent_2023, assistant.registry.series_documents(rent_2023[0].doc.series))
    assert [h.doc.edition[:4] for h in twins] == ["2025"] and "5,500" in twins[0].chunk.text, twins

    answer = assistant.ask(question)
    assert not answer.refused, answer.text
    assert {c.edition for c in answer.citations} == editions, answer.citations
    assert "4,000" in answer.text and "5,500" in answer.text, answer.text
    _assert_verbatim(assistant, answer)


def test_a_corrected_premise_quotes_the_provision_whole():
    """'Profit tax is 0% forever, confirm': the provision that corrects it continues in the next sentence (the
    regional part, its rates and terms); the continuation comes with it and takes no other sentence's place."""
    from regassist.answer import Answerer, Evidence, split_sentences, states_premise

    hit = _edition_hit("guide", "2025-03-01", (
        "Profit tax for residents: the federal part is 0%. The regional part is 5% for the first 5 years, then "
        "10% for the next 5 years. Property tax is 0% for 10 years. Land tax is 0% for 5 years after purchase. "
        "Transport tax is waived for 10 years."))  # fmt: skip
    sentences = split_sentences(hit)
    pool = [Evidence(hit, s, start, 5.0 - 0.2 * i) for i, (s, start) in enumerate(sentences) if i != 1]
    answerer = Answerer(lambda doc_id, offset: 1, min_evidence=0.0, max_sentences=3)
    question = "Just confirm: profit tax there is 0% forever."
    assert states_premise(question) and not states_premise("What is the profit tax there?")
    quoted = " ".join(e.text for e in answerer._choose(pool, True, "ru", premise=True))
    assert "10% for the next 5 years" in quoted and "Property tax" in quoted and "Land tax" in quoted, quoted
    plain = " ".join(e.text for e in answerer._choose(pool, True, "ru"))
    assert "10% for the next 5 years" in plain and "Land tax" not in plain, plain  # a "how much" answer: 3 places


def _edition_hit(doc_id: str, edition: str, text: str):
    from regassist.documents import Chunk, DocInfo, Hit

    doc = DocInfo(doc_id, f"{doc_id}.pdf", "Guide", "ru", "handbook", "RU", None, edition, "guide", 1)
    return Hit(Chunk(f"{doc_id}:0", doc_id, text, "ru", 1, 1, "Раздел 3. Налоги", 0, len(text)), doc, 1.0)


def test_changed_pairs_align_the_reworded_provisions_of_two_editions():
    """'What changed' quotes, from each edition, the wording of the same provision, and only provisions whose
    figures or words differ: the edition's own 'as of' date is no change, an unchanged rule is no change."""
    from regassist.answer import Evidence, changed_pairs, split_sentences

    stamp = "Путеводитель резидента, издание {y} года, по состоянию на 1 {m} {y} г."
    same = "Транспортный налог не уплачивается в течение 10 лет с месяца регистрации транспортного средства."
    old = _edition_hit("g23", "2023-01-01", "\n".join([
        stamp.format(y=2023, m="января"), same,
        "Налог на прибыль для резидента: региональная часть — 2 % в течение первых 5 лет, затем 7 % ещё 5 лет.",
        "Налог на имущество организаций не уплачивается в течение 10 лет с месяца постановки на учёт."]))  # fmt: skip
    new = _edition_hit("g25", "2025-03-01", "\n".join([
        stamp.format(y=2025, m="марта"), same,
        "Налог на прибыль для резидента: региональная часть — 5 % в течение первых 5 лет, затем 10 % ещё 5 лет.",
        "Налог на имущество организаций не уплачивается в течение первых 5 лет, затем ставка 1,1 %."]))  # fmt: skip

    def ranked(hit):  # every sentence "on point", in document order, scores falling
        return [Evidence(hit, s, start, 5.0 - i) for i, (s, start) in enumerate(split_sentences(hit))]

    pairs = changed_pairs(ranked(old), ranked(new), [old], [new], years=("2023", "2025"), kinds=("money",))
    assert len(pairs) == 2, pairs
    (before, after), (before2, after2) = pairs
    assert "2 %" in before.text and "5 %" in after.text  # one provision, old wording then new
    assert before.hit.doc.edition < after.hit.doc.edition
    assert "имущество" in before2.text and "1,1 %" in after2.text
    quoted = {e.text for pair in pairs for e in pair}
    assert not any("издание" in t or t == same for t in quoted)  # the stamp and the unchanged rule are no change
    for any_kind in changed_pairs(ranked(old), ranked(new), [old], [new], years=("2023", "2025")):
        assert not any("издание" in e.text for e in any_kind), any_kind
    # Nothing reworded: no pairs (the answer then falls back to each edition's best sentence).
    assert changed_pairs(ranked(old), ranked(old), [old], [old], years=("2023",)) == []


def test_each_part_of_a_question_is_also_searched_on_its_own(e5, tmp_path):
    """'How many residents ..., and how big is it?': the question's search favours its strongest part; the
    other part's passage, missing from the question's passages, is found by searching that part alone."""
    from regassist.assistant import Assistant
    from regassist.config import Settings
    from regassist.ingest import Indexer

    docs = tmp_path / "docs"
    docs.mkdir()
    sections = ["UNOFFICIAL SUMMARY WRITTEN FOR REGASSIST TESTS.\n\nHarbour Free Zone fact sheet"]
    filler = "Resident companies file a yearly report to the zone authority. " * 8  # one passage per section
    sections += [f"Residents {i}\n\nIn {2016 + i} the Harbour Free Zone had {40 + 9 * i} resident companies; residents "
                 f"came from {3 + i} countries. {filler}" for i in range(6)]  # fmt: skip
    sections.append("Site\n\nThe zone covers about 310 hectares on the north shore of the bay.")
    (docs / "factsheet.md").write_text("\n\n".join(sections), "utf-8")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    Indexer(settings, embedder=e5).ingest([docs])
    assistant = Assistant(settings, embedder=e5)

    question = "How many resident companies does the Harbour Free Zone have, and how big is the zone?"
    plan = assistant.searcher.plan(question)
    hits = [h for h in assistant.search(question) if "310" not in h.chunk.text]  # the question's search missed it
    without = assistant.answerer.answer(question, plan, hits, "en")
    assert "310" not in without.text, without.text

    def search_part(part):
        return assistant.search(part)

    answer = assistant.answerer.answer(question, plan, hits, "en", search_part)
    assert "310 hectares" in answer.text and "resident" in answer.text, answer.text
    _assert_verbatim(assistant, answer)


def test_refusals_for_a_zone_only_mentioned_and_for_a_sibling_utility(e5, tmp_path):
    """Unanswerable questions that look answerable: a zone the corpus only lists in passing (a country-wide
    rule is no answer about it), and a gas price under a 'Water and gas' heading that only gives water."""
    import json

    from regassist.assistant import Assistant
    from regassist.config import Settings
    from regassist.ingest import Indexer

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "memo.md").write_text(
        "UNOFFICIAL SUMMARY WRITTEN FOR REGASSIST TESTS.\n\n# Russian zones\n\nMature zones include Alabuga, "
        "Lipetsk and Titanium Valley.\n\n## Land\n\nIn industrial zones land is leased to residents for the "
        "term of their agreement. Rent is set by the managing company and often stays below 2% of the cadastral "
        "value of the plot per year.", "utf-8")  # fmt: skip
    (docs / "memo.md.meta.json").write_text(json.dumps({"country": "RU", "lang": "en"}), "utf-8")
    (docs / "ege.md").write_text(
        "UNOFFICIAL SUMMARY WRITTEN FOR REGASSIST TESTS.\n\n# Aegean Free Zone utilities\n\n## Water and gas\n\n"
        "Water: 1.40 USD/m³ for industrial users.\n\nWastewater treatment: 0.70 USD/m³.\n\n## Electricity\n\n"
        "Industrial users pay about 0.105 USD/kWh.", "utf-8")  # fmt: skip
    (docs / "ege.md.meta.json").write_text(json.dumps({"country": "TR", "zone": "ege_fz", "lang": "en"}), "utf-8")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    Indexer(settings, embedder=e5).ingest([docs])
    assistant = Assistant(settings, embedder=e5)

    titanium = assistant.ask("What is the land rent per hectare in Titanium Valley?")
    assert titanium.refused, titanium.text
    gas = assistant.ask("What does natural gas cost per m³ in the Aegean Free Zone?")
    assert gas.refused, gas.text
    water = assistant.ask("What does water cost per m³ in the Aegean Free Zone?")  # the same page answers this
    assert not water.refused and "1.40" in water.text, water.text


def test_a_question_in_a_forum_post_is_never_evidence():
    from regassist.answer import sentence_candidates
    from regassist.documents import Chunk, DocInfo, Hit
    from regassist.retrieval import QueryPlan

    text = (
        "Кстати, вопрос к резидентам: землю потом реально выкупить или это только на бумаге?\n\n"
        "Мы выкупили участок 3 га в 2023 году, обошлось примерно в 4 млн руб."
    )
    chunk = Chunk("f:0", "f", text, "ru", 1, 1, "", 0, len(text))
    doc = DocInfo("f", "forum.md", "Форум", "ru", "forum", "RU", "alabuga", None, None, 1)
    plan = QueryPlan("Землю реально выкупить?", "ru", (), (), {"земл": 1.0, "выкуп": 1.0})
    found = [c.evidence.text for c in sentence_candidates(plan, [Hit(chunk, doc, 1.0)])]
    assert found == ["Мы выкупили участок 3 га в 2023 году, обошлось примерно в 4 млн руб."]


def test_term_overlap_is_scaled_per_evidence_language():
    from regassist.answer import Candidate, Evidence, _per_language_overlap
    from regassist.documents import Chunk, DocInfo, Hit

    def cand(lang: str, overlap: float) -> Candidate:
        text = "x" * 30
        chunk = Chunk(f"{lang}:0", lang, text, lang, 1, 1, "", 0, len(text))
        doc = DocInfo(lang, f"{lang}.txt", lang, lang, "law", None, None, None, None, 1)
        return Candidate(Evidence(Hit(chunk, doc, 1.0), text, 0, 0.0), overlap, 0.0, 1.0, False, False)

    scaled = _per_language_overlap(
        [cand("ru", 2.0), cand("ru", 1.0), cand("en", 0.5), cand("en", 0.25), cand("tr", 0.0)]
    )
    assert [c.overlap for c in scaled] == [2.0, 1.0, 2.0, 1.0, 0.0]


def test_a_table_row_dump_is_restated_by_its_first_figures_only():
    from regassist.answer import MAX_FACTS_PER_LINE, labelled_facts

    text = "; ".join(f"налог {i} — {i} %" for i in range(1, 10))
    values = [v for _, vs in labelled_facts(text, "ru", "en") for v in vs]
    assert values == [f"{i}%" for i in range(1, MAX_FACTS_PER_LINE + 1)]


@pytest.mark.parametrize("question", ["?", "и и и", "x x x x", "؟؟", "how? what? when?", "Nasıl? Ne?", "كم؟"])
def test_a_question_without_a_word_to_look_for_is_refused(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused and answer.citations == (), answer.text
