"""Multilingual glossary of zone and tax terms: concept -> surface forms in ru/en/ar/tr.

Used to expand a lexical (BM25) query into the other languages ("налог на прибыль" -> "profit tax",
"ضريبة الدخل", "kurumlar vergisi") and to label answers in the asker's language.

Terms match on folded text (see ``regassist.gazetteer.match_text``) word by word with stem tolerance:
a text word matches a term word when their Snowball stems (PyStemmer: russian, english, turkish) are
equal, or when one carries a short inflectional ending the stemmer missed ("прибыли" ~ "прибыль",
"bölgelerinde" ~ "bölgesi", "gümrüğü" ~ "gümrük"). Arabic words are compared by a light stem (Larkey's
light10: the article and attached و ف ب ل ك are removed, then common suffixes such as ة/ه, ية, ات, ين,
ون) because the Snowball Arabic stemmer is unstable on folded text (teh marbuta folded to heh).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from regassist.documents import LANGS, Lang
from regassist.errors import ConfigError
from regassist.gazetteer import (
    Phrase,
    PhraseMatcher,
    Token,
    WordSpec,
    arabic_variants,
    is_caps_acronym,
    match_text,
    read_data_file,
    unaccent,
)

log = logging.getLogger(__name__)

ASPECTS: tuple[str, ...] = (
    "tax",
    "customs",
    "land",
    "labour",
    "residency",
    "licensing",
    "investment",
    "infrastructure",
    "general",
)
_KEY_RE = re.compile(r"^[a-z0-9_]+$")
_WORD_RE = re.compile(r"[^\W_]")
_STEMMER_NAMES = {"ru": "russian", "en": "english", "tr": "turkish"}
_MAX_SUFFIX = {"ru": 4, "en": 2, "tr": 5}  # letters a word may carry beyond the term word's stem
_MIN_TOLERANT_STEM = 5  # shorter stems only match through stemmer equality ("порт" is not "портал")
_TR_SOFT = {"k": "g", "p": "b", "t": "d"}  # Turkish final consonant softening, folded: gümrük -> gümrüğü
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    aspect: str  # one of ASPECTS
    label: dict[str, str] = field(compare=False)  # display label per language
    terms: dict[str, tuple[str, ...]] = field(compare=False)  # surface forms per language


@dataclass(frozen=True, slots=True)
class TermMatch:
    concept: Concept
    lang: str  # language of the term that matched
    start: int  # offsets in the original text
    end: int
    surface: str


# --------------------------------------------------------------------------------------------------
# Stemming


@cache
def _stemmer(lang: str) -> Any | None:
    try:
        import Stemmer
    except ImportError:
        log.warning("PyStemmer is not installed; glossary terms match by prefix tolerance only")
        return None
    return Stemmer.Stemmer(_STEMMER_NAMES[lang])


@lru_cache(maxsize=65536)
def _stem(lang: str, word: str) -> str:
    """Snowball stem of a folded word (accents kept for the stemmer), then fully folded."""
    stemmer = _stemmer(lang)
    return unaccent(stemmer.stemWord(word) if stemmer is not None else word)


def ar_key(word: str) -> str:
    """Light stem of a folded Arabic word: article/prefix and one pass of common suffixes removed."""
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
    return word


def _forms(word: str, first: bool) -> list[tuple[str, int]]:
    if "\u0600" <= word[0] <= "\u08ff":  # Arabic script (presentation forms are folded away)
        return [(ar_key(v), skip) for v, skip in arabic_variants(word)]
    return [(word, 0)]


def _word_ok(spec: WordSpec, form: str, tok: Token) -> bool:
    if spec.lang == "ar":
        return form == spec.key
    if form == spec.text:
        return True
    if spec.exact or spec.lang is None:
        return False
    stem = _stem(spec.lang, tok.light)
    if stem == spec.key:
        return True
    if len(spec.text) <= 3:
        return False
    extra = _MAX_SUFFIX[spec.lang]
    for base in (spec.key, *spec.alts):
        if len(base) >= _MIN_TOLERANT_STEM and form.startswith(base) and len(form) - len(base) <= extra:
            return True
    # The stemmer cut the text word shorter than the term word: "прибыли" -> "приб" vs "прибыль".
    return len(stem) >= max(4, len(spec.key) - 2) and spec.text.startswith(stem) and len(spec.text) - len(stem) <= extra


def _term_specs(term: str, lang: str) -> tuple[WordSpec, ...]:
    mt = match_text(term, "tr" if lang == "tr" else None)
    specs: list[WordSpec] = []
    for tok in mt.tokens:
        if tok.script == "arabic":
            specs.append(WordSpec(tok.text, ar_key(tok.text), len(tok.text), True, False, "ar"))
            continue
        case_sensitive = len(tok.text) <= 2 and is_caps_acronym(term[tok.start : tok.end])
        if tok.script not in ("latin", "cyrillic"):
            specs.append(WordSpec(tok.text, tok.text, len(tok.text), True, case_sensitive))
            continue
        slang = "ru" if tok.script == "cyrillic" else (lang if lang in ("en", "tr") else "en")
        key = _stem(slang, tok.light)
        exact = case_sensitive or len(tok.text) <= 2 or len(key) < 3 or not tok.text.startswith(key[:3])
        alts: tuple[str, ...] = ()
        if slang == "tr" and len(key) >= _MIN_TOLERANT_STEM and key[-1] in _TR_SOFT:
            alts = (key[:-1] + _TR_SOFT[key[-1]],)
        specs.append(WordSpec(tok.text, key, len(tok.text) + _MAX_SUFFIX[slang], exact, case_sensitive, slang, alts))
    return tuple(specs)


# --------------------------------------------------------------------------------------------------
# Glossary


class Glossary:
    """Concepts with labels and terms in ru/en/ar/tr, and a matcher over all terms."""

    def __init__(self, concepts: Sequence[Concept]) -> None:
        self._concepts: dict[str, Concept] = {}
        for concept in concepts:
            if concept.key in self._concepts:
                raise ConfigError(f"Glossary: concept key {concept.key!r} is defined twice.")
            self._concepts[concept.key] = concept
        self._matcher: PhraseMatcher[tuple[Concept, str]] = PhraseMatcher(_forms, _word_ok)
        self._signatures: dict[tuple[str, str], tuple[str, ...]] = {}  # (lang, term) -> stems
        self._ambiguous: list[tuple[str, str, str]] = []
        owner: dict[tuple[str, ...], str] = {}
        added: set[tuple[str, str, tuple[str, ...]]] = set()
        for concept in concepts:
            for lang, terms in concept.terms.items():
                for term in terms:
                    specs = _term_specs(term, lang)
                    if not specs:
                        continue
                    sig = tuple(f"{s.key}{'!' if s.case_sensitive else ''}" for s in specs)
                    self._signatures[(lang, term)] = sig
                    other = owner.setdefault(sig, concept.key)
                    if other != concept.key:
                        self._ambiguous.append((term, other, concept.key))
                        log.warning("Glossary term %r is listed for %r and %r", term, other, concept.key)
                        continue
                    words = tuple(s.text for s in specs)
                    if (concept.key, lang, words) in added:
                        continue  # the same words listed twice (e.g. "kâr payı" and "kar payı")
                    added.add((concept.key, lang, words))
                    self._matcher.add(Phrase(specs, (concept, lang), len(" ".join(s.text for s in specs))))

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """Read a glossary JSON file (default: the packaged ``regassist/data/glossary.json``)."""
        data, where = read_data_file(path, "glossary.json")
        return cls(_parse_concepts(data, where))

    def ambiguous_terms(self) -> list[tuple[str, str, str]]:
        """(term, kept concept, ignored concept) for terms listed under two concepts; empty for clean data."""
        return list(self._ambiguous)

    def get(self, key: str) -> Concept:
        try:
            return self._concepts[key]
        except KeyError:
            raise KeyError(f"no concept {key!r} in the glossary") from None

    def __contains__(self, key: object) -> bool:
        return key in self._concepts

    def concepts(self, aspect: str | None = None) -> list[Concept]:
        return [c for c in self._concepts.values() if aspect is None or c.aspect == aspect]

    def label(self, key: str, lang: Lang) -> str:
        """The concept's label in ``lang`` (English when a label is missing)."""
        concept = self.get(key)
        return concept.label.get(lang) or concept.label["en"]

    def find(self, text: str, lang: Lang | None = None) -> list[TermMatch]:
        """Concept mentions in any of the four languages, left to right, non-overlapping, longest first.

        ``lang`` is the language of ``text`` when known: it selects Turkish case folding and, when the
        same words are a term in two languages, which language a match reports.
        """
        if not text:
            return []
        mt = match_text(text, lang)

        def prefer(phrase: Phrase[tuple[Concept, str]]) -> int:
            return int(phrase.payload[1] == lang)

        hits = self._matcher.scan(mt, prefer)
        return [TermMatch(*h.phrase.payload, h.start, h.end, text[h.start : h.end]) for h in hits]

    def concepts_in(self, text: str, lang: Lang | None = None) -> list[str]:
        """Keys of the concepts mentioned, in order of first mention."""
        return list(dict.fromkeys(m.concept.key for m in self.find(text, lang)))

    def expand(self, text: str, lang: Lang) -> dict[str, list[str]]:
        """For each language other than ``lang``, the terms of the concepts mentioned in ``text``.

        Concepts come in order of first mention, terms in data order; a term with the same stems as one
        already listed (an inflected form) is left out.
        """
        keys = self.concepts_in(text, lang)
        out: dict[str, list[str]] = {}
        for other in LANGS:
            if other == lang:
                continue
            seen: set[tuple[str, ...]] = set()
            terms: list[str] = []
            for key in keys:
                for term in self._concepts[key].terms.get(other, ()):
                    sig = self._signatures.get((other, term), (term,))
                    if sig not in seen:
                        seen.add(sig)
                        terms.append(term)
            out[other] = terms
        return out


def _parse_concepts(data: Any, where: str) -> list[Concept]:
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        raise ConfigError(f'{where}: expected an object with a "concepts" list.')
    concepts: list[Concept] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["concepts"]):
        label = f"{where}: concepts[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{label} must be an object, got {type(entry).__name__}.")
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ConfigError(f'{label}: "key" must be lower-case letters, digits and _ (got {key!r}).')
        label = f"{where}: concept {key!r} (concepts[{i}])"
        if key in seen:
            raise ConfigError(f"{label}: the key is used twice.")
        seen.add(key)
        unknown = set(entry) - {"key", "aspect", "label", "terms", "_comment"}
        if unknown:
            raise ConfigError(f"{label}: unknown field(s) {sorted(unknown)}.")
        aspect = entry.get("aspect")
        if aspect not in ASPECTS:
            raise ConfigError(f'{label}: "aspect" must be one of {", ".join(ASPECTS)} (got {aspect!r}).')
        labels = entry.get("label")
        if not isinstance(labels, dict) or set(labels) != set(LANGS):
            raise ConfigError(f'{label}: "label" must give a label for each of {", ".join(LANGS)}.')
        for lang, text in labels.items():
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{label}: label[{lang!r}] must be a non-empty string.")
        terms = entry.get("terms")
        if not isinstance(terms, dict) or not terms:
            raise ConfigError(f'{label}: "terms" must be an object such as {{"en": ["profit tax"]}}.')
        parsed: dict[str, tuple[str, ...]] = {}
        for lang, values in terms.items():
            if lang not in LANGS:
                raise ConfigError(f"{label}: terms language {lang!r} is not one of {', '.join(LANGS)}.")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and _WORD_RE.search(v) for v in values)
            ):
                raise ConfigError(f"{label}: terms[{lang!r}] must be a non-empty list of non-empty strings.")
            parsed[lang] = tuple(v.strip() for v in values)
        concepts.append(Concept(key, aspect, {k: v.strip() for k, v in labels.items()}, parsed))
    return concepts


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The packaged glossary, loaded once."""
    return Glossary.load()
