"""Extractive answers: pick the sentences that answer, cite them verbatim, answer in the asker's language.

No language model is needed. When the evidence is in the asker's language the answer is made of its
sentences; otherwise the answer states the key facts (numbers, rates, durations, dates) with glossary labels
in the asker's language and says which language the source is in, the verbatim quote staying in the
citation. When the evidence does not support an answer, it says so and lists the closest documents.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from regassist.documents import Answer, Citation, Hit, Lang
from regassist.lexical import tokenize
from regassist.messages import lang_name, say, unit
from regassist.retrieval import QueryPlan
from regassist.textnorm import fold

# Sentence ends: . ! ? ؟ ; and line breaks; a full stop after a digit or a one-letter abbreviation is kept.
_SENTENCE = re.compile(r"[^\n.!?؟;]+(?:(?<=\d)\.\d+[^\n.!?؟;]*|(?<=\b\w)\.[^\n.!?؟;]*)*[.!?؟;]*", re.U)
_QUANTITY_Q = re.compile(
    r"\b(how much|how many|how long|what rate|what percentage|rate|сколько|какой размер|какая ставка|ставк\w*|"
    r"размер\w*|срок\w*|ne kadar|kaç|oran\w*|süre\w*|كم|نسبة|مدة|معدل)\b",
    re.I,
)
_CHANGE_Q = re.compile(
    r"(изменил|изменени|что нового|отлича|chang|differ|what is new|değiş|fark|yenilik|تغير|تغيّر|الفرق|اختلاف|الجديد)",
    re.I,
)
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_NUMBER = r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?"
_FACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("percent", re.compile(rf"{_NUMBER}\s?[%٪]")),
    ("money", re.compile(
        rf"(?:(?:USD|US\$|\$|AED|SAR|OMR|EGP|EUR|€|TL|TRY)\s?{_NUMBER}(?:\s?(?:million|млн|milyon|مليون))?|"
        rf"{_NUMBER}\s?(?:million|billion|млн\.?|млрд\.?|milyon|milyar|مليون|مليار)?\s?"
        r"(?:руб\w*|₽|rubles?|roubles?|USD|US\$|\$|AED|SAR|OMR|EGP|EUR|€|TL|TRY|лир\w*|dolar\w*|درهم|ريال|دولار|جنيه))",
        re.I,
    )),
    ("duration", re.compile(
        rf"{_NUMBER}\s?(?:лет|года?|years?|yıl\w*|سنة|سنوات|عامًا|عاما|أعوام|месяц\w*|months?|ay\b|شهر\w*|"
        r"дн\w*|days?|gün\w*|يوم\w*)",
        re.I,
    )),
    ("area", re.compile(rf"{_NUMBER}\s?(?:га\b|гектар\w*|ha\b|hectares?|هكتار\w*|m²|м²|m2|кв\.\s?м|metrekare|متر مربع)", re.I)),
    ("date", re.compile(r"\b\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")),
)  # fmt: skip
_UNIT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(лет|года?|years?|yıl\w*|سنة|سنوات|عامًا|عاما|أعوام)$", re.I), "year"),
    (re.compile(r"(месяц\w*|months?|ay|شهر\w*)$", re.I), "month"),
    (re.compile(r"(дн\w*|days?|gün\w*|يوم\w*)$", re.I), "day"),
    (re.compile(r"(га|гектар\w*|ha|hectares?|هكتار\w*)$", re.I), "hectare"),
    (re.compile(r"(m²|м²|m2|кв\.\s?м|metrekare|متر مربع)$", re.I), "sqm"),
)
_MIN_SENTENCE_CHARS = 25


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of a retrieved passage, located in its document."""

    hit: Hit
    text: str
    start: int  # offset in Document.text
    score: float


def split_sentences(hit: Hit) -> list[tuple[str, int]]:
    """(sentence, offset in the document) for each sentence of the hit's chunk, verbatim."""
    out: list[tuple[str, int]] = []
    for m in _SENTENCE.finditer(hit.chunk.text):
        text = m.group()
        stripped = text.strip()
        if len(stripped) < _MIN_SENTENCE_CHARS:
            continue
        offset = hit.chunk.start + m.start() + (len(text) - len(text.lstrip()))
        out.append((stripped, offset))
    return out


def facts_of(text: str) -> list[tuple[str, str]]:
    """(kind, surface) of the numbers with units in ``text``, in order, without overlaps."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _FACTS:
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), kind))
    return [(kind, text[s:e].strip()) for s, e, kind in sorted(spans)]


def localise_fact(kind: str, surface: str, lang: Lang) -> str:
    """A fact with its unit word in ``lang``: '5 лет' -> '5 years'; digits and % stay as they are."""
    from regassist.textnorm import fold as _fold

    text = _fold(surface).replace("٪", "%") if kind != "money" else surface
    if kind in ("duration", "area"):
        number = re.match(_NUMBER, _fold(surface))
        rest = _fold(surface)[number.end() :].strip() if number else ""
        for pattern, key in _UNIT_WORDS:
            if pattern.search(rest):
                return f"{number.group() if number else ''} {unit(key, lang)}".strip()
    return text


class Answerer:
    """Hits -> Answer. ``page_of(doc_id, offset)`` maps a quote to its page."""

    def __init__(
        self,
        page_of: Callable[[str, int], int],
        *,
        min_evidence: float,
        max_sentences: int = 3,
        corpus_places: Callable[[], tuple[set[str], set[str]]] | None = None,
    ) -> None:
        self.page_of = page_of
        self.min_evidence = min_evidence
        self.max_sentences = max_sentences
        self.corpus_places = corpus_places

    def answer(self, question: str, plan: QueryPlan, hits: Sequence[Hit], lang: Lang) -> Answer:
        missing_place = self._missing_place(plan, hits, lang)
        if missing_place:
            return Answer(question, lang, say("refused_place", lang, place=missing_place), (), refused=True)
        if not hits:
            return Answer(question, lang, say("refused", lang, docs=say("no_docs", lang)), (), refused=True)
        hits, edition_note = self._pick_editions(question, list(hits), lang)
        evidence = self._rank_sentences(plan, hits)
        if not evidence or not self._supported(hits, evidence):
            return self._refusal(question, hits, lang)
        if _CHANGE_Q.search(question):
            changed = self._edition_change(plan, hits, lang)
            if changed is not None:
                text, citations = changed
                return Answer(question, lang, text, tuple(citations), refused=False)
        chosen = self._choose(evidence)
        citations: list[Citation] = []
        lines: list[str] = []
        for ev in chosen:
            n = len(citations) + 1
            citations.append(self._cite(n, ev))
            lines.append(self._render(ev, n, lang))
        text = _join(lines, lang)
        if edition_note:
            text = f"{text}\n\n{edition_note}"
        return Answer(question, lang, text, tuple(citations), refused=False)

    # -- support and refusal ----------------------------------------------------------------------
    def _missing_place(self, plan: QueryPlan, hits: Sequence[Hit], lang: Lang) -> str | None:
        """Name of a zone or country the question asks about that no document covers."""
        if self.corpus_places is None or not (plan.zones or plan.countries):
            return None
        from regassist.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        zones, countries = self.corpus_places()
        for key in plan.zones:
            place = gazetteer.get(key)
            if key in zones:
                continue
            names = {fold(n) for ns in place.names.values() for n in ns}
            mentioned = any(any(n in fold(h.chunk.context + " " + h.chunk.text) for n in names) for h in hits)
            if not mentioned and place.country not in countries:
                return place.name(lang)
        for code in plan.countries:
            if code not in countries and not any(gazetteer.get(z).country == code for z in plan.zones if z in zones):
                try:
                    return gazetteer.get(code.lower()).name(lang)
                except KeyError:
                    return code
        return None

    def _supported(self, hits: Sequence[Hit], evidence: Sequence[Evidence]) -> bool:
        best = max(h.dense for h in hits[:3])
        return best >= self.min_evidence or evidence[0].score >= 1.5

    def _refusal(self, question: str, hits: Sequence[Hit], lang: Lang) -> Answer:
        titles: list[str] = []
        for h in hits:
            if h.doc.title not in titles:
                titles.append(h.doc.title)
        docs = "; ".join(f"«{t}»" for t in titles[:3]) or say("no_docs", lang)
        return Answer(question, lang, say("refused", lang, docs=docs), (), refused=True)

    # -- editions ---------------------------------------------------------------------------------
    def _pick_editions(self, question: str, hits: list[Hit], lang: Lang) -> tuple[list[Hit], str]:
        """Keep the edition in force (latest, or the one whose year the question names) per series."""
        if _CHANGE_Q.search(question):
            return hits, ""
        by_series: dict[str, set[str]] = {}
        for h in hits:
            if h.doc.series and h.doc.edition:
                by_series.setdefault(h.doc.series, set()).add(h.doc.edition)
        asked_years = {m.group() for m in _YEAR.finditer(question)}
        keep_edition: dict[str, str] = {}
        note = ""
        for series, editions in by_series.items():
            if len(editions) < 2:
                continue
            named = [e for e in editions if e[:4] in asked_years]
            keep_edition[series] = max(named) if named else max(editions)
            if not named:
                older = max(e for e in editions if e != keep_edition[series])
                note = say("edition_used", lang, edition=keep_edition[series], older=older)
        kept = [h for h in hits if not h.doc.series or keep_edition.get(h.doc.series, h.doc.edition) == h.doc.edition]
        return kept, note

    def _edition_change(self, plan: QueryPlan, hits: Sequence[Hit], lang: Lang) -> tuple[str, list[Citation]] | None:
        """'What changed': the best fact-bearing sentence of the oldest and newest edition of one series."""
        series_hits: dict[str, list[Hit]] = {}
        for h in hits:
            if h.doc.series and h.doc.edition:
                series_hits.setdefault(h.doc.series, []).append(h)
        for group in series_hits.values():
            editions = sorted({h.doc.edition for h in group if h.doc.edition})
            if len(editions) < 2:
                continue
            old = self._rank_sentences(plan, [h for h in group if h.doc.edition == editions[0]])
            new = self._rank_sentences(plan, [h for h in group if h.doc.edition == editions[-1]])
            old = [e for e in old if facts_of(e.text)]
            new = [e for e in new if facts_of(e.text)]
            if not old or not new:
                continue
            c_old, c_new = self._cite(1, old[0]), self._cite(2, new[0])
            text = say(
                "edition_changed",
                lang,
                old=editions[0],
                new=editions[-1],
                old_fact=self._fact_text(old[0], lang),
                new_fact=self._fact_text(new[0], lang),
                n_old=1,
                n_new=2,
            )
            return text, [c_old, c_new]
        return None

    # -- sentence selection -----------------------------------------------------------------------
    def _rank_sentences(self, plan: QueryPlan, hits: Sequence[Hit]) -> list[Evidence]:
        wants_number = bool(_QUANTITY_Q.search(plan.text))
        out: list[Evidence] = []
        for rank, hit in enumerate(hits[:6]):
            prior = 1.0 / (1 + rank) ** 0.5
            for text, start in split_sentences(hit):
                tokens = set(tokenize(text, hit.chunk.lang, query=True))
                overlap = sum(w for t, w in plan.tokens.items() if t in tokens)
                if overlap == 0:
                    continue
                score = overlap / math.sqrt(max(len(tokens), 4)) * 3 + prior
                if wants_number and facts_of(text):
                    score += 0.5
                out.append(Evidence(hit, text, start, score))
        out.sort(key=lambda e: e.score, reverse=True)
        return out

    def _choose(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        best = evidence[0].score
        chosen: list[Evidence] = []
        for ev in evidence:
            if len(chosen) == self.max_sentences or ev.score < best * 0.6:
                break
            if any(ev.start == c.start for c in chosen):
                continue
            chosen.append(ev)
        return sorted(chosen, key=lambda e: (e.hit.rank, e.start))

    # -- rendering --------------------------------------------------------------------------------
    def _render(self, ev: Evidence, n: int, lang: Lang) -> str:
        if ev.hit.chunk.lang == lang:
            return f"{ev.text} [{n}]"
        return f"{self._fact_text(ev, lang)} [{n}]"

    def _fact_text(self, ev: Evidence, lang: Lang) -> str:
        """The key facts of an evidence sentence, labelled in ``lang`` (no text in other languages)."""
        if ev.hit.chunk.lang == lang:
            return ev.text.rstrip(".;")
        from regassist.glossary import default_glossary

        concepts = []
        for match in default_glossary().find(ev.text, ev.hit.chunk.lang):
            if match.concept.key not in [c.key for c in concepts]:
                concepts.append(match.concept)
        label = ", ".join(c.label[lang] for c in concepts[:2]) or say("facts", lang)
        facts = [localise_fact(kind, surface, lang) for kind, surface in facts_of(ev.text)]
        place = self._place_label(ev.hit, lang)
        body = f"{label}: {', '.join(dict.fromkeys(facts))}" if facts else label
        note = say("source_lang", lang, language=lang_name(ev.hit.chunk.lang, lang))
        return f"{place}{body}. {note}"

    @staticmethod
    def _place_label(hit: Hit, lang: Lang) -> str:
        if not hit.doc.zone:
            return ""
        from regassist.gazetteer import default_gazetteer

        try:
            return default_gazetteer().get(hit.doc.zone).name(lang) + " — "
        except KeyError:
            return ""

    def _cite(self, n: int, ev: Evidence) -> Citation:
        hit = ev.hit
        return Citation(
            n=n,
            doc_id=hit.doc.doc_id,
            source=hit.doc.source,
            title=hit.doc.title,
            page=self.page_of(hit.doc.doc_id, ev.start),
            section=hit.chunk.section,
            quote=ev.text,
            score=round(hit.score, 6),
            lang=hit.chunk.lang,
            start=ev.start,
            edition=hit.doc.edition,
        )


def _join(lines: Sequence[str], lang: Lang) -> str:
    return " ".join(lines) if len(lines) < 3 else "\n".join(f"• {line}" for line in lines)


def page_lookup(page_starts_json: str) -> Callable[[int], int]:
    starts = json.loads(page_starts_json)
    return lambda offset: max(1, bisect_right(starts, offset))
