"""Countries, zones, parks, authorities and cities, and where a text mentions them.

The gazetteer tags documents with (country, zone) at ingestion and recognises places in questions, so
retrieval can boost or filter by place whatever the language of the question: "Дукм", "Duqm", "الدقم"
and "Dukm" all resolve to the key ``duqm``.

Matching runs on a folded copy of the text (``textnorm.fold`` per character, then Latin accents dropped
and Turkish dotless ı merged with i), token by token, with a map back to the original offsets, so
``text[m.start:m.end] == m.surface`` always holds. A name matches at a word start; it may end at a word
boundary or, for Russian and Turkish inflection, carry up to four more letters ("Алабуге",
"bölgesinde"); Russian names lose their final vowel first ("Алабуга" -> "Алабуг..."). Arabic words may
carry the attached prefixes و ف ب ل ك (and "لل" for "ل" + "ال"). Acronyms written in capitals in the data
("UAE", "DMCC") only match capitals in the text.

The matching machinery (``match_text``, ``PhraseMatcher``) is shared with ``regassist.glossary``.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import compress
from pathlib import Path
from typing import Any, Generic, TypeVar

from regassist.documents import LANGS, Lang
from regassist.errors import ConfigError
from regassist.textnorm import fold

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("country", "region", "city", "zone", "authority")
MAX_SUFFIX = 4  # letters an inflected Russian/Turkish name may carry after the name (or its stem)
TITLE_WEIGHT = 5  # a mention in a title counts this many times in tag()
ZONE_SHARE = 0.5  # tag(): the zone must have this share of all zone mentions ...
ZONE_VS_COUNTRY = 0.1  # ... and, unless named in the title, this share of its country's mentions
_MAX_GAP = 4  # non-word characters allowed between two words of a name ("ОЭЗ «Алабуга»")
_MIN_TOLERANT = 4  # words shorter than this must match exactly
_KEY_RE = re.compile(r"^[a-z0-9_]+$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_TOKEN_RE = re.compile(r"[^\W_]+")
_RU_VOWELS = frozenset("аеиоуыэюяйь")
_RU_ENDINGS2 = frozenset({"ия", "ие", "ий", "ья", "ье", "ая", "ое", "ые", "ый", "ой", "яя"})
_AR_CONJ = "وف"
_AR_PREP = "بلك"

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# Folding with an offset map


class _CharFolder(dict[int, str]):
    """Code point -> folded string, filled lazily: ``str.translate`` calls ``__missing__`` once per new
    character, so folding a long text costs one C-level pass. Characters whose folded form is not exactly
    one character (dropped marks, ligatures) are remembered: a text containing one needs an offset map."""

    def __init__(self, lang: Lang | None) -> None:
        super().__init__()
        self.lang = lang
        self.irregular: set[str] = set()
        self.lengths = _LengthCode(self)

    def __missing__(self, key: int) -> str:
        ch = chr(key)
        out = "".join(c for c in fold(ch, self.lang) if unicodedata.category(c) != "Mn")
        self[key] = out
        if len(out) != 1:
            self.irregular.add(ch)
        return out

    def is_regular(self, text: str) -> bool:
        return not any(ch in text for ch in self.irregular)


class _LengthCode(dict[int, str]):
    """Code point -> chr(length of its folded form), to build the offset map with C-level calls."""

    def __init__(self, folder: _CharFolder) -> None:
        super().__init__()
        self.folder = folder

    def __missing__(self, key: int) -> str:
        value = chr(min(len(self.folder[key]), 255))
        self[key] = value
        return value


class _Unaccent(dict[int, str]):
    """One character to one character: Latin letters lose their accents (ö->o, ş->s), ı->i."""

    def __missing__(self, key: int) -> str:
        ch = chr(key)
        out = ch
        if ch == "ı":
            out = "i"
        elif key < 0x0250 and not ch.isascii():
            base = unicodedata.normalize("NFD", ch)[0]
            if base.isascii() and base.isalpha():
                out = base
        self[key] = out
        return out


_FOLDERS: dict[str | None, _CharFolder] = {None: _CharFolder(None), "tr": _CharFolder("tr")}
_UNACCENT = _Unaccent()


def unaccent(text: str) -> str:
    """Drop Latin accents and merge ı with i, character for character (the last step of matching folds)."""
    return text.translate(_UNACCENT)


def _script(ch: str) -> str:
    o = ord(ch)
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF or 0xFB50 <= o <= 0xFEFF:
        return "arabic"
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic"
    if ch.isdigit():
        return "digit"
    if o < 0x0250:
        return "latin"
    return "other"


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: its matching forms and where it is in the original."""

    text: str  # fully folded: case, Arabic letters, Latin accents, ı->i
    light: str  # folded but with Latin accents kept (what a stemmer wants)
    fstart: int  # offsets in the folded text
    fend: int
    start: int  # offsets in the original text
    end: int
    script: str  # "latin" | "cyrillic" | "arabic" | "digit" | "other"


@dataclass(frozen=True, slots=True)
class MatchText:
    """A text prepared for matching: folded forms, words, and the map back to original offsets.

    ``Token`` objects are built on demand (``token(i)``): most words of a long text are rejected by a
    dictionary lookup on ``words[i]`` alone.
    """

    original: str
    folded: str  # fully folded, see Token.text
    light: str  # folded with Latin accents kept, see Token.light
    words: list[str]  # the words of ``folded``
    spans: list[tuple[int, int]]  # their offsets in ``folded``
    positions: tuple[int, ...] | None  # folded index -> original index; None when they coincide
    _tokens: dict[int, Token] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def orig(self, fpos: int) -> int:
        """Original offset of the character at folded offset ``fpos``."""
        return fpos if self.positions is None else self.positions[fpos]

    def token(self, i: int) -> Token:
        tok = self._tokens.get(i)
        if tok is None:
            fs, fe = self.spans[i]
            if self.positions is None:
                start, end = fs, fe
            else:
                start, end = self.positions[fs], self.positions[fe - 1] + 1
                # Keep marks that fold to nothing (Arabic vowel signs, tatweel) with the word before them.
                text = self.original
                limit = self.positions[fe] if fe < len(self.positions) else len(text)
                while end < limit and unicodedata.category(text[end]) in ("Mn", "Lm"):
                    end += 1
            word = self.words[i]
            tok = self._tokens[i] = Token(word, self.light[fs:fe], fs, fe, start, end, _script(word[0]))
        return tok

    @property
    def tokens(self) -> list[Token]:
        return [self.token(i) for i in range(len(self.words))]


def match_text(text: str, lang: Lang | None = None) -> MatchText:
    """Fold ``text`` for matching, keeping a map from folded to original offsets.

    Folding is done character by character (so the map is exact) with the same rules as
    ``textnorm.fold``; ``lang="tr"`` only changes how a capital I is lower-cased, which the later ı->i
    merge makes irrelevant for the fully folded form.
    """
    folder = _FOLDERS["tr" if lang == "tr" else None]
    light = text.translate(folder)
    positions: list[int] | None = None
    if len(light) != len(text) or not folder.is_regular(text):
        codes = text.translate(folder.lengths).encode("latin-1")
        if max(codes) <= 1:  # characters are only kept or dropped
            positions = list(compress(range(len(text)), codes))
        else:
            positions = [i for i, n in enumerate(codes) for _ in range(n)]
    folded = light.translate(_UNACCENT)
    spans = [m.span() for m in _TOKEN_RE.finditer(folded)]
    words = [folded[a:b] for a, b in spans]
    return MatchText(text, folded, light, words, spans, None if positions is None else tuple(positions))


def arabic_variants(word: str) -> list[tuple[str, int]]:
    """The word and the word without attached prefixes: (form, letters removed at the start).

    و/ف (and, so) may precede ب/ل/ك (in, for, like); "لل" is ل + ال with the alef dropped, so
    "للدقم" also yields "الدقم" (reported with the whole word). At least three letters must remain.
    """
    out = [(word, 0)]
    heads = [(word, 0)]
    if len(word) > 3 and word[0] in _AR_CONJ:
        heads.append((word[1:], 1))
        out.append((word[1:], 1))
    for head, off in heads:
        if len(head) > 3 and head[0] in _AR_PREP:
            out.append((head[1:], off + 1))
            if head.startswith("لل"):
                out.append(("ا" + head[1:], off))
    return out


def is_caps_acronym(surface: str) -> bool:
    """True when a word is written in capitals ("UAE", "ОЭЗ"), with at least one cased letter."""
    return any(c.isupper() for c in surface) and surface == surface.upper()


# --------------------------------------------------------------------------------------------------
# Phrase matching


@dataclass(frozen=True, slots=True)
class WordSpec:
    """One word of a name or term, as the matcher compares it.

    ``exact`` words are looked up by the whole form of a text word (``lookup``); the others by its first
    three letters (``lookup`` is then the first three letters of the stem), and ``word_ok`` decides.
    """

    text: str  # folded form
    key: str  # the stem a text word is compared with
    max_len: int  # longest text word accepted by prefix tolerance
    exact: bool  # only one form matches: the folded word (gazetteer) or its stem (Arabic terms)
    case_sensitive: bool  # the original text word must be in capitals
    lang: str | None = None  # stemming language (glossary)
    alts: tuple[str, ...] = ()  # more stems (Turkish consonant softening)

    @property
    def lookup(self) -> str:
        return (self.key if self.lang == "ar" else self.text) if self.exact else self.key[:3]


@dataclass(frozen=True, slots=True)
class Phrase(Generic[T]):
    words: tuple[WordSpec, ...]
    payload: T
    weight: int  # tie-break between matches ending at the same place: the longer name wins


@dataclass(frozen=True, slots=True)
class PhraseHit(Generic[T]):
    phrase: Phrase[T]
    start: int  # original offsets
    end: int


FormsFn = Callable[[str, bool], Sequence[tuple[str, int]]]
WordOkFn = Callable[[WordSpec, str, Token], bool]


class _Node(Generic[T]):
    """A trie node: the phrases ending here and the next words, indexed for lookup."""

    __slots__ = ("children", "exact", "fuzzy", "phrases")

    def __init__(self) -> None:
        self.children: dict[WordSpec, _Node[T]] = {}
        self.exact: dict[str, list[tuple[WordSpec, _Node[T]]]] = {}
        self.fuzzy: dict[str, list[tuple[WordSpec, _Node[T]]]] = {}
        self.phrases: list[Phrase[T]] = []

    def child(self, spec: WordSpec) -> _Node[T]:
        node = self.children.get(spec)
        if node is None:
            node = self.children[spec] = _Node()
            table = self.exact if spec.exact else self.fuzzy
            table.setdefault(spec.lookup, []).append((spec, node))
        return node


class PhraseMatcher(Generic[T]):
    """Leftmost-longest, non-overlapping matching of many multi-word phrases over tokens.

    Phrases live in a trie of word specs. ``forms(word, first)`` gives the forms of a folded text word to
    try (with the number of folded characters to skip at its start: Arabic prefixes) and
    ``word_ok(spec, form, token)`` decides whether a form matches a phrase word.
    """

    def __init__(self, forms: FormsFn, word_ok: WordOkFn) -> None:
        self._forms = forms
        self._word_ok = word_ok
        self._root: _Node[T] = _Node()
        self._size = 0

    def add(self, phrase: Phrase[T]) -> None:
        node = self._root
        for spec in phrase.words:
            node = node.child(spec)
        node.phrases.append(phrase)
        self._size += 1

    def __len__(self) -> int:
        return self._size

    def _next(
        self, node: _Node[T], tok: Token, mt: MatchText, forms: Sequence[tuple[str, int]]
    ) -> list[tuple[_Node[T], int, int]]:
        """Children of ``node`` that ``tok`` matches: (child, prefix skip, 1 if the word is literally the
        phrase word else 0). A literal match ranks above a tolerant one ("licensee" is not "license")."""
        out: list[tuple[_Node[T], int, int]] = []
        for form, skip in forms:
            for table, lookup in ((node.exact, form), (node.fuzzy, form[:3])):
                for spec, child in table.get(lookup, ()):
                    if spec.case_sensitive and not is_caps_acronym(mt.original[tok.start : tok.end]):
                        continue
                    if not self._word_ok(spec, form, tok):
                        continue
                    literal = int(tok.text == spec.text)
                    for k, (c, _, lit) in enumerate(out):
                        if c is child:
                            if literal > lit:
                                out[k] = (child, skip, literal)
                            break
                    else:
                        out.append((child, skip, literal))
        return out

    def scan(self, mt: MatchText, prefer: Callable[[Phrase[T]], int] | None = None) -> list[PhraseHit[T]]:
        words = mt.words
        spans = mt.spans
        n = len(words)
        root = self._root
        hits: list[PhraseHit[T]] = []
        cache: dict[tuple[str, bool], Sequence[tuple[str, int]]] = {}
        candidate: dict[str, bool] = {}  # Arabic word -> may start a phrase

        def forms(word: str, first: bool) -> Sequence[tuple[str, int]]:
            got = cache.get((word, first))
            if got is None:
                got = cache[(word, first)] = self._forms(word, first)
            return got

        i = 0
        while i < n:
            w = words[i]
            # Cheap rejection by dictionary lookups before any Token is built.
            if w[0] < "\u0600":
                if w not in root.exact and w[:3] not in root.fuzzy:
                    i += 1
                    continue
            else:
                ok = candidate.get(w)
                if ok is None:
                    ok = candidate[w] = any(f in root.exact or f[:3] in root.fuzzy for f, _ in forms(w, True))
                if not ok:
                    i += 1
                    continue
            best: tuple[int, int, int, int] | None = None
            best_hit: tuple[Phrase[T], int, int] | None = None  # phrase, prefix skip, index after
            frontier = self._next(root, mt.token(i), mt, forms(w, True))
            j = i + 1
            while frontier:
                for node, skip, literal in frontier:
                    for phrase in node.phrases:
                        rank = (j, literal, phrase.weight, prefer(phrase) if prefer else 0)
                        if best is None or rank > best:
                            best, best_hit = rank, (phrase, skip, j)
                if j >= n or spans[j][0] - spans[j - 1][1] > _MAX_GAP:
                    break
                nxt = mt.token(j)
                nxt_forms = forms(words[j], False)
                frontier = [
                    (child, skip, literal + lit)
                    for node, skip, literal in frontier
                    for child, _, lit in self._next(node, nxt, mt, nxt_forms)
                ]
                j += 1
            if best_hit is None:
                i += 1
                continue
            phrase, skip, j = best_hit
            tok = mt.token(i)
            start = tok.start if skip == 0 else mt.orig(tok.fstart + skip)
            hits.append(PhraseHit(phrase, start, mt.token(j - 1).end))
            i = j
        return hits


# --------------------------------------------------------------------------------------------------
# Data files


def read_data_file(path: Path | None, default_name: str) -> tuple[Any, str]:
    """Parse a JSON data file (the packaged ``regassist/data/<default_name>`` when ``path`` is None).

    Returns the parsed JSON and a name for error messages; raises ConfigError when it cannot be read.
    """
    if path is None:
        source = resources.files("regassist") / "data" / default_name
        where = f"regassist/data/{default_name}"
    else:
        source = Path(path)
        where = str(path)
    try:
        raw = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"Cannot read {where}: {err}.") from err
    try:
        return json.loads(raw), where
    except json.JSONDecodeError as err:
        raise ConfigError(f"{where} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}.") from err


def _ru_stem(word: str) -> str:
    """A Russian name without its final vowel (and a two-letter ending): "алабуга" -> "алабуг"."""
    if len(word) > 4 and word[-2:] in _RU_ENDINGS2 and len(word) - 2 >= 4:
        return word[:-2]
    if len(word) > 3 and word[-1] in _RU_VOWELS:
        return word[:-1]
    return word


# --------------------------------------------------------------------------------------------------
# Gazetteer


@dataclass(frozen=True, slots=True)
class Place:
    key: str
    kind: str  # one of KINDS
    country: str  # ISO 3166-1 alpha-2
    parent: str | None
    names: dict[str, tuple[str, ...]] = field(compare=False)
    exact_names: tuple[str, ...] = field(default=(), compare=False)  # names matched as whole words only

    def name(self, lang: str) -> str:
        """The first (display) name in ``lang``, else in English, else any."""
        for code in (lang, "en", *self.names):
            names = self.names.get(code)
            if names:
                return names[0]
        return self.key


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    place: Place
    start: int
    end: int
    surface: str


def _gaz_forms(word: str, first: bool) -> Sequence[tuple[str, int]]:
    if first and _script(word[0]) == "arabic":
        return arabic_variants(word)
    return ((word, 0),)


def _gaz_word_ok(spec: WordSpec, form: str, tok: Token) -> bool:
    if spec.exact:
        return form == spec.text
    return form.startswith(spec.key) and len(form) <= spec.max_len


def _name_phrase(place: Place, name: str, exact: bool) -> Phrase[Place] | None:
    mt = match_text(name)
    specs: list[WordSpec] = []
    for tok in mt.tokens:
        surface = name[tok.start : tok.end]
        caps = is_caps_acronym(surface)
        case_sensitive = caps and ((tok.script == "latin" and len(tok.text) <= 5) or len(tok.text) <= 2)
        word_exact = exact or case_sensitive or tok.script not in ("latin", "cyrillic") or len(tok.text) < _MIN_TOLERANT
        key = tok.text
        if not word_exact and tok.script == "cyrillic":
            key = _ru_stem(key)
        specs.append(WordSpec(tok.text, key, len(tok.text) + MAX_SUFFIX, word_exact, case_sensitive))
    if not specs:
        return None
    return Phrase(tuple(specs), place, len(" ".join(s.text for s in specs)))


class Gazetteer:
    """Place names in ru/en/ar/tr and a fast matcher over them."""

    def __init__(self, places: Sequence[Place]) -> None:
        self._places: dict[str, Place] = {}
        for place in places:
            if place.key in self._places:
                raise ConfigError(f"Gazetteer: place key {place.key!r} is defined twice.")
            self._places[place.key] = place
        self._matcher: PhraseMatcher[Place] = PhraseMatcher(_gaz_forms, _gaz_word_ok)
        self._ambiguous: list[tuple[str, str, str]] = []
        owner: dict[tuple[str, ...], str] = {}
        for place in places:
            exact = {fold(n) for n in place.exact_names}
            for lang_names in place.names.values():
                for name in lang_names:
                    phrase = _name_phrase(place, name, fold(name) in exact)
                    if phrase is None:
                        continue
                    sig = tuple(f"{w.text}{'!' if w.case_sensitive else ''}" for w in phrase.words)
                    other = owner.get(sig)
                    if other == place.key:
                        continue  # the same name listed for two languages
                    if other is not None:
                        self._ambiguous.append((name, other, place.key))
                        log.warning("Gazetteer name %r is listed for %r and %r", name, other, place.key)
                        continue
                    owner[sig] = place.key
                    self._matcher.add(phrase)

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read a gazetteer JSON file (default: the packaged ``regassist/data/gazetteer.json``)."""
        data, where = read_data_file(path, "gazetteer.json")
        return cls(_parse_places(data, where))

    def ambiguous_names(self) -> list[tuple[str, str, str]]:
        """(name, kept key, ignored key) for names listed under two places; empty for clean data."""
        return list(self._ambiguous)

    def get(self, key: str) -> Place:
        try:
            return self._places[key]
        except KeyError:
            raise KeyError(f"no place {key!r} in the gazetteer") from None

    def find_place(self, key: str) -> Place | None:
        """The place with ``key``, or None (zones known only from document metadata are not in the gazetteer)."""
        return self._places.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._places

    def places(self, kind: str | None = None) -> list[Place]:
        return [p for p in self._places.values() if kind is None or p.kind == kind]

    def find(self, text: str) -> list[PlaceMatch]:
        """All place mentions in ``text``, left to right, non-overlapping, longest name first."""
        if not text:
            return []
        mt = match_text(text)
        return [
            PlaceMatch(hit.phrase.payload, hit.start, hit.end, text[hit.start : hit.end])
            for hit in self._matcher.scan(mt)
        ]

    def countries_in(self, text: str) -> list[str]:
        """ISO codes of the countries mentioned, directly or through a zone/city/authority, in order."""
        return list(dict.fromkeys(m.place.country for m in self.find(text)))

    def zones_in(self, text: str) -> list[str]:
        """Keys of the zones mentioned, in order of first mention."""
        return list(dict.fromkeys(m.place.key for m in self.find(text) if m.place.kind == "zone"))

    def tag(self, title: str, text: str) -> tuple[str | None, str | None]:
        """Best (country, zone) for a document; a title mention counts ``TITLE_WEIGHT`` times.

        The zone is the most mentioned zone (earliest first on a tie), kept only when the document is
        about it: at least ``ZONE_SHARE`` of all zone mentions and, unless it is in the title, at least
        ``ZONE_VS_COUNTRY`` of the mentions of its country (a national law naming one zone in passing
        is not about that zone). The country is the zone's country, or, without a zone, the most
        mentioned country, counting the countries of mentioned cities, zones and authorities.
        """
        zones: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        in_title: set[str] = set()
        first: dict[str, int] = {}
        order = 0
        for weight, part in ((TITLE_WEIGHT, title), (1, text)):
            for m in self.find(part):
                place = m.place
                if place.kind == "zone":
                    zones[place.key] += weight
                    first.setdefault(place.key, order)
                    if weight == TITLE_WEIGHT:
                        in_title.add(place.key)
                countries[place.country] += weight
                first.setdefault("#" + place.country, order)
                order += 1
        if zones:
            zone = max(zones, key=lambda k: (zones[k], -first[k]))
            country = self._places[zone].country
            score = zones[zone]
            if score >= ZONE_SHARE * sum(zones.values()) and (
                zone in in_title or score >= ZONE_VS_COUNTRY * countries[country]
            ):
                return country, zone
        if countries:
            return max(countries, key=lambda c: (countries[c], -first["#" + c])), None
        return None, None


def _parse_places(data: Any, where: str) -> list[Place]:
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise ConfigError(f'{where}: expected an object with a "places" list.')
    places: list[Place] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["places"]):
        label = f"{where}: places[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{label} must be an object, got {type(entry).__name__}.")
        key = entry.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ConfigError(f'{label}: "key" must be lower-case letters, digits and _ (got {key!r}).')
        label = f"{where}: place {key!r} (places[{i}])"
        if key in seen:
            raise ConfigError(f"{label}: the key is used twice.")
        seen.add(key)
        unknown = set(entry) - {"key", "kind", "country", "parent", "names", "exact", "_comment"}
        if unknown:
            raise ConfigError(f"{label}: unknown field(s) {sorted(unknown)}.")
        kind = entry.get("kind")
        if kind not in KINDS:
            raise ConfigError(f'{label}: "kind" must be one of {", ".join(KINDS)} (got {kind!r}).')
        country = entry.get("country")
        if not isinstance(country, str) or not _COUNTRY_RE.match(country):
            raise ConfigError(f'{label}: "country" must be a two-letter ISO code like "OM" (got {country!r}).')
        parent = entry.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise ConfigError(f'{label}: "parent" must be a place key or null (got {parent!r}).')
        names = entry.get("names")
        if not isinstance(names, dict) or not names:
            raise ConfigError(f'{label}: "names" must be an object like {{"en": ["Duqm"], "ru": ["Дукм"]}}.')
        parsed: dict[str, tuple[str, ...]] = {}
        for lang, values in names.items():
            if lang not in LANGS:
                raise ConfigError(f"{label}: names language {lang!r} is not one of {', '.join(LANGS)}.")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and _TOKEN_RE.search(v) for v in values)
            ):
                raise ConfigError(f"{label}: names[{lang!r}] must be a non-empty list of non-empty strings.")
            parsed[lang] = tuple(v.strip() for v in values)
        if "en" not in parsed:
            raise ConfigError(f"{label}: an English name is required.")
        exact = entry.get("exact", [])
        all_names = {fold(n) for vs in parsed.values() for n in vs}
        if not isinstance(exact, list) or not all(isinstance(e, str) and fold(e) in all_names for e in exact):
            raise ConfigError(f'{label}: "exact" must list some of the place\'s own names (got {exact!r}).')
        places.append(Place(key, kind, country, parent, parsed, tuple(exact)))
    by_key = {p.key: p for p in places}
    codes = {p.country for p in places if p.kind == "country"}
    for p in places:
        if p.parent is not None and p.parent not in by_key:
            raise ConfigError(f"{where}: place {p.key!r}: parent {p.parent!r} is not a place key.")
        if p.parent == p.key:
            raise ConfigError(f"{where}: place {p.key!r} is its own parent.")
        if p.kind == "country" and p.key != p.country.lower():
            code = p.country.lower()
            raise ConfigError(f"{where}: country {p.key!r}: a country's key must be its lower-case code {code!r}.")
        if p.kind != "country" and p.country not in codes:
            raise ConfigError(f"{where}: place {p.key!r}: country {p.country!r} has no country entry.")
        if p.parent is not None and by_key[p.parent].country != p.country:
            raise ConfigError(
                f"{where}: place {p.key!r} is in {p.country} but its parent {p.parent!r} is in "
                f"{by_key[p.parent].country}."
            )
    return places


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once."""
    return Gazetteer.load()
