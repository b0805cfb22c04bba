"""Zone comparison: one cell per zone and aspect, each a short value with its citation, "not found" where
the corpus has nothing.

A cell is answered like a question restricted to that zone's documents (its own, plus country-wide laws of its
country, latest editions only): the aspect's terms in all four languages form the query, and the best evidence
sentence that states a figure of the right kind becomes the value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from regassist.answer import (
    ANSWERED_BY,
    GENERIC_CONCEPTS,
    asked_figures,
    bare_amounts,
    facts_of,
    localise_fact,
    spelled_duration,
)
from regassist.documents import Citation, Lang
from regassist.errors import RegassistError
from regassist.messages import say
from regassist.retrieval import QueryPlan
from regassist.store import Filters

if TYPE_CHECKING:
    from regassist.assistant import Assistant


@dataclass(frozen=True, slots=True)
class Aspect:
    key: str
    concepts: tuple[str, ...]  # glossary concepts whose terms make the query and label the row
    figure: str  # kind of figure that answers it: money, duration, count, or "percent"
    query: str  # an English phrasing, for the dense retriever


ASPECTS: dict[str, Aspect] = {
    a.key: a
    for a in (
        Aspect("profit_tax", ("profit_tax",), "percent", "corporate profit tax rate for zone residents"),
        Aspect("property_tax", ("property_tax",), "percent", "property tax rate or exemption for residents"),
        Aspect("land_tax", ("land_tax",), "percent", "land tax rate or exemption"),
        Aspect("vat", ("vat",), "percent", "VAT rate inside the zone"),
        Aspect("customs", ("customs_duty", "duty_exemption"), "percent", "customs duties on imported equipment"),
        Aspect("land", ("land_lease",), "money", "land lease rent price per hectare or square metre"),
        Aspect("office_rent", ("office_rent",), "money", "office rent per square metre per month"),
        Aspect("min_investment", ("minimum_investment",), "amount", "minimum investment required to become a resident"),
        Aspect("foreign_ownership", ("foreign_ownership",), "percent", "foreign ownership allowed"),
        Aspect("localisation", ("localisation_quota",), "percent", "quota of local employees"),
        Aspect("licence_term", ("operating_licence",), "duration", "operating licence term in years"),
        Aspect("licence_fee", ("licence_fee", "operating_licence"), "amount", "annual licence fee"),
        Aspect("tax_holiday", ("tax_exemption",), "duration", "duration of the tax exemption in years"),
    )
}
DEFAULT_ASPECTS = ("profit_tax", "property_tax", "customs", "land", "min_investment")
MAX_ASKED_CONCEPTS = 2  # a comparison question's own concepts that make its one row
# The kinds of fact that answer a row: those that answer the same kind of question (a rent: a price or a % of
# value; an investment threshold: an amount of money, never a percentage), and for a tax row a rate or the
# length of an exemption.
_FIGURE_KINDS = {
    **ANSWERED_BY,
    "percent": {"percent", "duration"},
    "any": {"percent", "money", "duration", "date", "area", "length", "number"},
}
_VS = re.compile(r"\b(vs\.?|versus|compare[ds]?|comparison|or|против|сравн\w*|или|karşılaştır\w*|ile|veya|yoksa|"
                 r"قارن|مقارنة|مقابل|أم|أو)\b", re.IGNORECASE)  # fmt: skip
# Turkish asks "A mı, B mi?" for a choice; one question particle alone is a yes/no question ("... var mı?").
_TR_CHOICE = re.compile(r"\b(?:mı|mi|mu|mü)\b.*\b(?:mı|mi|mu|mü)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Cell:
    zone: str
    aspect: str
    value: str  # in the comparison's language; "" when not found
    citation: Citation | None


@dataclass(frozen=True, slots=True)
class Comparison:
    zones: tuple[str, ...]
    aspects: tuple[str, ...]
    lang: Lang
    cells: tuple[Cell, ...]
    zone_labels: tuple[str, ...]
    aspect_labels: tuple[str, ...]

    def cell(self, zone: str, aspect: str) -> Cell:
        return next(c for c in self.cells if c.zone == zone and c.aspect == aspect)

    @property
    def rows(self) -> list[list[str]]:
        """Header row, then one row per aspect: label, then each zone's value (with its [n] marker)."""
        not_found = say("not_found_cell", self.lang)
        out = [["", *self.zone_labels]]
        for aspect, label in zip(self.aspects, self.aspect_labels, strict=True):
            row = [label]
            for zone in self.zones:
                c = self.cell(zone, aspect)
                row.append(f"{c.value} [{c.citation.n}]" if c.citation else not_found)
            out.append(row)
        return out

    @property
    def citations(self) -> list[Citation]:
        return [c.citation for c in self.cells if c.citation is not None]

    def to_text(self) -> str:
        lines = []
        for row in self.rows[1:]:
            for zone_label, value in zip(self.zone_labels, row[1:], strict=True):
                lines.append(f"{zone_label} — {row[0]}: {value}")
        return "\n".join(lines)

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["aspect", "zone", "value", "source", "page", "section", "quote"])
        for c in self.cells:
            cit = c.citation
            writer.writerow([c.aspect, c.zone, c.value, cit.source if cit else "", cit.page if cit else "",
                             cit.section if cit else "", cit.quote if cit else ""])  # fmt: skip
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "zones": list(self.zones),
            "aspects": list(self.aspects),
            "language": self.lang,
            "rows": self.rows,
            "cells": [
                {
                    "zone": c.zone,
                    "aspect": c.aspect,
                    "value": c.value,
                    "citation": c.citation.to_dict() if c.citation else None,
                }
                for c in self.cells
            ],
        }


def resolve_places(names: Sequence[str]) -> list[str]:
    """Zone keys or country codes from keys, codes or names in any language ('Алабуга', 'TR', 'ege_fz')."""
    from regassist.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    out: list[str] = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        try:
            place = gazetteer.get(name.lower())
            out.append(place.country.upper() if place.kind == "country" else place.key)
            continue
        except KeyError:
            pass
        zones, countries = gazetteer.zones_in(name), gazetteer.countries_in(name)
        if zones:
            out.append(zones[0])
        elif countries:
            out.append(countries[0])
        else:
            raise RegassistError(f"Unknown zone or country {name!r}. Use a zone key (alabuga, ege_fz, duqm ...), "
                                 "a country code (RU, TR, AE ...) or a name the gazetteer knows.")  # fmt: skip
    return list(dict.fromkeys(out))


def parse_comparison_question(question: str) -> tuple[list[str], list[str]] | None:
    """(places, aspects) when ``question`` compares two or more zones or countries, else None."""
    from regassist.gazetteer import default_gazetteer
    from regassist.glossary import default_glossary

    if not (_VS.search(question) or _TR_CHOICE.search(question)):
        return None
    gazetteer = default_gazetteer()
    zones = gazetteer.zones_in(question)
    places = list(zones)
    zone_countries = {gazetteer.get(z).country.upper() for z in zones}
    places += [c for c in gazetteer.countries_in(question) if c not in zone_countries]
    if len(places) < 2:
        return None
    concepts = {m.concept.key for m in default_glossary().find(question)}
    found = [a for a in ASPECTS.values() if set(a.concepts) & concepts]
    # One concept, several aspects (a licence's term or its fee): the kind of figure asked for decides.
    figures = set(asked_figures(question))
    wanted = {"money": {"money", "amount"}, "duration": {"duration"}}

    def fits(aspect: Aspect) -> bool:
        return any(aspect.figure in wanted.get(f, set()) for f in figures)

    chosen: list[Aspect] = []
    for shared in dict.fromkeys(frozenset(a.concepts) & concepts for a in found):
        group = [a for a in found if frozenset(a.concepts) & concepts == shared]
        pick = next((a for a in group if fits(a)), group[0])
        if pick not in chosen:
            chosen.append(pick)
    if not chosen:  # no row of the standard table: the question's own concepts make the rows
        own = [m.concept for m in default_glossary().find(question)]
        keys = [c.key for c in own if c.key not in GENERIC_CONCEPTS and c.aspect != "general"]
        keys = list(dict.fromkeys(keys))[:MAX_ASKED_CONCEPTS]
        return places, ["+".join(keys)] if keys else list(DEFAULT_ASPECTS)
    return places, [a.key for a in chosen]


def compare_zones(
    assistant: Assistant,
    zones: Sequence[str],
    aspects: Sequence[str] | None = None,
    lang: Lang = "en",
    question: str | None = None,
) -> Comparison:
    """The comparison table for ``zones`` (zone keys or country codes) and ``aspects`` (keys of ASPECTS).
    With the user's ``question`` ("where is a standard office cheaper for an IT start-up ..."), every cell's
    search is the question itself (within the cell's place) and its words join the aspect's in the sentence
    ranking, so cells answer what was asked rather than the aspect in general."""
    from regassist.gazetteer import default_gazetteer
    from regassist.glossary import default_glossary

    places = resolve_places(zones)
    if len(places) < 1:
        raise RegassistError("Name at least one zone to compare.")
    aspect_keys = list(aspects or DEFAULT_ASPECTS)
    glossary = default_glossary()
    unknown = [a for a in aspect_keys if a not in ASPECTS and not all(k in glossary for k in a.split("+"))]
    if unknown:
        raise RegassistError(
            f"Unknown aspect(s) {', '.join(unknown)}. Choose from: {', '.join(ASPECTS)}, or a glossary concept "
            "(regassist glossary)."
        )
    chosen = {key: aspect_of(key, question) for key in aspect_keys}
    gazetteer = default_gazetteer()
    cells: list[Cell] = []
    n = 0
    for place in places:
        filters = _place_filters(place)
        for key in aspect_keys:
            aspect = chosen[key]
            plan = _aspect_plan(assistant, aspect, lang, question)
            # The aspect's terms find its passages; the asker's own question, when there is one, finds passages
            # on what exactly was asked. The question also names the other places, which can pull the search
            # towards their topics ("... против турецкой свободной зоны" finds free-customs-zone passages), so
            # the two searches' best passages share the places that are ranked.
            hits = assistant.searcher.search(_aspect_text(aspect), filters=filters, lang="en", use_places=False)
            if question:
                asked = assistant.searcher.search(question, filters=filters, lang=lang, use_places=False)
                hits = _interleave(asked, hits)
            value, citation = "", None
            best = _best_evidence(assistant, plan, hits, aspect, place) if hits else None
            if best is not None:
                n += 1
                citation = assistant.answerer._cite(n, best)
                value = _value(best.text, best.hit.chunk.lang, lang)
                if aspect.figure in ("money", "amount") and not any(k == "money" for k, _ in facts_of(best.text)):
                    # a table cell: its amounts are bare numbers, the currency is in the header above it
                    amounts = bare_amounts(best.text, best.preceding() + best.text)
                    if amounts and not (best.hit.chunk.lang == lang and len(best.text) <= 160):
                        value = ", ".join(amounts)
            cells.append(Cell(place, key, value, citation))
    zone_labels = tuple(_place_label(gazetteer, p, lang) for p in places)
    aspect_labels = tuple(
        glossary.label(chosen[a].concepts[0], lang) if a in ASPECTS
        else " / ".join(glossary.label(c, lang) for c in chosen[a].concepts)
        for a in aspect_keys
    )  # fmt: skip
    return Comparison(tuple(places), tuple(aspect_keys), lang, tuple(cells), zone_labels, aspect_labels)


def aspect_of(key: str, question: str | None = None) -> Aspect:
    """A comparison row: one of ASPECTS, or glossary concepts ("withholding_tax", "dividends+withholding_tax"),
    answered by the kind of figure the question asks for (a tax by a rate, anything else by any figure)."""
    if key in ASPECTS:
        return ASPECTS[key]
    from regassist.glossary import default_glossary

    glossary = default_glossary()
    concepts = [glossary.get(k) for k in key.split("+")]
    asked = [k for k in asked_figures(question or "") if k in _FIGURE_KINDS]
    figure = asked[0] if asked else ("percent" if all(c.aspect == "tax" for c in concepts) else "any")
    return Aspect(key, tuple(c.key for c in concepts), figure, ", ".join(str(c.label["en"]) for c in concepts))


def _best_evidence(assistant: Assistant, plan: QueryPlan, hits: Sequence[Any], aspect: Aspect, place: str) -> Any:
    """The best sentence that names the aspect's concept (else, outside taxes, one of its aspect, such as
    land_plot for land lease) and states a figure of the right kind; the zone's own documents before
    country-wide ones, official texts before forum posts."""
    from regassist.gazetteer import default_gazetteer
    from regassist.glossary import default_glossary

    glossary, gazetteer = default_glossary(), default_gazetteer()
    wanted = {glossary.get(k) for k in aspect.concepts}
    wanted_aspects = {c.aspect for c in wanted} - {"tax", "customs", "general"}

    def states(ev: Any) -> bool:  # a figure of the aspect's kind
        return bool(
            {k for k, _ in facts_of(ev.text)} & _FIGURE_KINDS[aspect.figure]
            or (aspect.figure in ("money", "amount") and ev.states("money"))
            or (aspect.figure in ("percent", "duration") and spelled_duration(ev.text))  # "пять лет", not a date
        )

    # Only sentences with such a figure compete for the short-list of the ranking: a cell needs one. A sentence
    # that names other zones and not this one speaks of them ("KEZAD's fees are lower than DMCC's" in a DMCC
    # handbook is about KEZAD).
    with_figure = [
        ev
        for ev in assistant.answerer._rank_sentences(plan, hits, keep=states)
        if not (named := set(gazetteer.zones_in(ev.text))) or place in named or len(place) == 2
    ]
    # stable sort: keeps the score order within each group
    with_figure.sort(key=lambda e: (e.hit.doc.doc_type == "forum", e.hit.doc.zone != place))
    topics = {id(ev): {m.concept for m in glossary.find(f"{ev.hit.chunk.section}\n{ev.text}", ev.hit.chunk.lang)}
              for ev in with_figure}  # fmt: skip
    for matches in (lambda t: bool(t & wanted), lambda t: bool({c.aspect for c in t} & wanted_aspects)):
        for ev in with_figure:
            if matches(topics[id(ev)]):
                return ev
    return None


def _place_filters(place: str) -> Filters:
    """A zone's own documents plus the country-wide texts of its country; a country's documents."""
    from regassist.gazetteer import default_gazetteer

    if len(place) == 2 and place.isupper():
        return Filters(countries=(place,), latest_only=True)
    known = default_gazetteer().find_place(place)
    if known is None:  # a zone known only from document metadata
        return Filters(zones=(place,), latest_only=True)
    country = known.country.upper()
    return Filters(zones=(place,), countries=(country,), latest_only=True, zone_or_country_wide=True)


def _aspect_text(aspect: Aspect) -> str:
    """The aspect's query with the main term of each of its concepts in every language."""
    from regassist.glossary import default_glossary

    glossary = default_glossary()
    parts = [aspect.query]
    for key in aspect.concepts:
        concept = glossary.get(key)
        parts += [terms[0] for terms in concept.terms.values() if terms]
    return "; ".join(parts)


def _interleave(first: Sequence[Any], second: Sequence[Any], lead: int = 3) -> list[Any]:
    """The best ``lead`` hits of each list, then the rest of each, without repeating a passage."""
    out: list[Any] = []
    seen: set[str] = set()
    for h in [*first[:lead], *second[:lead], *first[lead:], *second[lead:]]:
        if h.chunk.chunk_id not in seen:
            seen.add(h.chunk.chunk_id)
            out.append(h)
    return out


def _aspect_plan(assistant: Assistant, aspect: Aspect, lang: Lang, question: str | None = None) -> QueryPlan:
    base = assistant.searcher.plan(_aspect_text(aspect), "en")
    if not question:
        return QueryPlan(aspect.query, lang, (), (), base.tokens)
    asked = assistant.searcher.plan(question, lang)
    tokens = dict(base.tokens)
    for token, weight in asked.tokens.items():
        tokens[token] = tokens.get(token, 0.0) + weight
    return QueryPlan(question, lang, (), (), tokens)


def _value(sentence: str, source_lang: str, lang: Lang) -> str:
    """The cell: the sentence itself in the reader's language, else its figures with local unit words."""
    if source_lang == lang and len(sentence) <= 160:
        return sentence.replace("\n", " ").rstrip(".;")
    facts = [localise_fact(kind, surface, lang) for kind, surface in facts_of(sentence) if kind != "number"]
    return ", ".join(dict.fromkeys(facts)) or say("see_quote", lang)  # never a sentence in another language


def _place_label(gazetteer: Any, place: str, lang: Lang) -> str:
    try:
        return str(gazetteer.get(place.lower() if len(place) == 2 else place).name(lang))
    except KeyError:
        return place
