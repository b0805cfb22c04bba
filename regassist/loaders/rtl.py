"""Repair Arabic text that a PDF extractor returned in visual order.

PDF content streams draw right-to-left text in visual order (left to right on the page), cut into pieces
by font changes. pypdf reverses each right-to-left run it meets (``_text_extraction.get_display_str``),
but a run ends at every ``BT``/``ET``/``Tf`` and every change of direction, and the runs are written in
drawing order. What comes out therefore depends on how the producer cut the line (measured on PDFs that
headless Chromium and ReportLab print, see tests/test_rtl.py):

* one piece a line (the Arabic font also has the spaces: Chromium with an Arabic ``font-family``,
  ReportLab ``drawString``): words in logical order, but the runs around Latin words and Western digits
  in visual order, and the space next to a number on the wrong side (``"استكمال60"``);
* one piece a word (the first font of ``font-family`` has no Arabic, so every space comes from another
  font, e.g. Chromium's default): words intact, their order on the line reversed, and punctuation from
  the other font before its word (``":يأتي"``);
* pieces inside a word (synthetic bold, glyph fallback): the pieces of the word in drawing order
  (``"دةلماا"`` for ``"المادة"``);
* Arabic-Indic digits are neutral for pypdf, reversed whenever the run before them was Arabic
  (``"٥٣"`` for ``"٣٥"``); ``extraction_mode="layout"`` and older extractors reverse nothing at all.

For every Arabic line, ``repair_rtl_text`` builds the logical line under each hypothesis (as extracted,
runs reversed, words reversed, all characters reversed), reordering units as the Unicode bidi algorithm
lays them out (Latin words and numbers keep their inner order, brackets are mirrored), and scores the
candidates by evidence: letter forms (presentation forms that cannot start, end or follow each other),
known words (``regassist/data/ar_common_words.txt``, clitics stripped), the order of word classes
(``هذا`` + definite noun, ``التي`` + verb, ``المادة`` + number...) and marks pypdf leaves on reordered
lines. The page takes the hypothesis that reads best over all its lines (with a bonus for leaving it
alone); a line departs from it only on clear evidence of its own. Presentation forms become letters
(NFKC); text without Arabic letters is returned untouched.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import itertools
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from regassist.textnorm import ARABIC_SCRIPT

logger = logging.getLogger(__name__)

__all__ = ["arabic_order_score", "repair_rtl_text"]

# --- character classes ------------------------------------------------------------------------------

_AN_DIGITS = frozenset(chr(c) for c in (*range(0x0660, 0x066A), *range(0x06F0, 0x06FA)))
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")
_ARABIC_LETTER = re.compile(
    "[\u0621-\u065f\u0670-\u06d3\u06d5-\u06ed\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff"
    "\ufb50-\ufdff\ufe70-\ufefc\u05d0-\u05ea]"
)
_LETTERS_TO_TEST = re.compile("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefc]")
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

_CLOSERS = frozenset(".,:;!?،؛؟)]}»%٪…")
_OPENERS = frozenset("([{«")
_MIRROR = str.maketrans("()[]{}«»", ")(][}{»«")
_BRACKETS = frozenset("()[]{}«»")
_SENTENCE_PUNCT = frozenset(".,:;!?،؛؟…")
_NUM_SEP_TIGHT = frozenset(".,:٫٬")
_NUM_SEP_LOOSE = frozenset("/")
# After an Arabic letter a number is an Arabic number for the bidi algorithm (rule W2): only a common
# separator (, . / :) keeps its digit groups in one left-to-right run; "2023-06-15" or "10-15" is laid out
# group by group from right to left, like the words.
_NUMBER_BREAKERS = frozenset("-+#$%٪–")
_PERCENT = frozenset("%٪")
_ARABIC_PUNCT = frozenset("،؛؟۔٪٫٬")
_ASCII_CLOSERS = frozenset(".,:;!?%")
_AN_RUN = re.compile("[\u0660-\u0669\u06f0-\u06f9]+")


def _cls(ch: str) -> str:
    """R: Arabic (or Hebrew) letter or mark; AN: Arabic-Indic digit; L: other letter or digit; N: the rest."""
    if ch in _AN_DIGITS:
        return "AN"
    if _ARABIC_LETTER.match(ch):
        return "R"
    if ch.isalnum():
        return "L"
    return "N"


@dataclass
class _Atom:
    text: str
    cls: str  # R, L, AN or N
    space_before: bool
    trail: str = ""  # sentence punctuation glued after an Arabic word (logical already)
    an_parts: list[str] = field(default_factory=list)  # digit runs and separators of a number, as drawn
    loose: bool = False  # the number had spaces around a separator: pieces drawn apart
    rtl_state: bool = False  # pypdf's run was right-to-left when it reached this atom
    start: int = 0  # span in the extracted line
    end: int = 0
    group: int = -1  # left-to-right unit it belongs to after reordering (keeps its own spacing)
    tight: bool = False  # a separator written without spaces around it

    @property
    def is_number(self) -> bool:
        return self.cls == "AN" or (self.cls == "L" and self.text[:1].isdigit())


def _atoms(line: str) -> list[_Atom]:
    """Cut a line into atoms: runs of one class, each punctuation mark alone; spaces are remembered."""
    out: list[_Atom] = []
    space = False
    for m in re.finditer(r"\s+|[^\s]", line):
        s = m.group()
        if s.isspace():
            space = True
            continue
        c = _cls(s)
        # Marks and letters join a running atom of the same class.
        if out and not space and c != "N" and out[-1].cls == c:
            out[-1].text += s
            out[-1].end = m.end()
        else:
            out.append(_Atom(s, c, space, start=m.start(), end=m.end()))
        space = False
    return _mark_tight(out)


def _mark_tight(atoms: list[_Atom]) -> list[_Atom]:
    """Flag marks written without a space on either side (at a line end: on the side they have)."""
    for i, a in enumerate(atoms):
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        glued_before = i == 0 or not a.space_before
        glued_after = nxt is None or not nxt.space_before
        a.tight = a.cls == "N" and glued_before and glued_after and len(atoms) > 1
    return atoms


def _merge_numbers(atoms: list[_Atom]) -> list[_Atom]:
    """Join ``2023/01/15``, ``12.5``, ``500,000`` (and Arabic-Indic dates) into one atom."""
    out: list[_Atom] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        if a.is_number:
            merged = _Atom(
                a.text,
                a.cls,
                a.space_before,
                an_parts=[a.text],
                rtl_state=a.rtl_state,
                start=a.start,
                end=a.end,
            )
            j = i + 1
            while j + 1 < len(atoms):
                sep, nxt = atoms[j], atoms[j + 1]
                if sep.cls != "N" or nxt.cls != a.cls or not nxt.text[:1].isdigit():
                    break
                loose = sep.space_before or nxt.space_before
                thousands = sep.text in ",٬" and len(nxt.text) == 3
                tight_ok = sep.text in _NUM_SEP_TIGHT and (not loose or thousands)
                if not (sep.text in _NUM_SEP_LOOSE or tight_ok):
                    break
                merged.loose = merged.loose or loose
                merged.text += sep.text + nxt.text
                merged.an_parts += [sep.text, nxt.text]
                merged.end = nxt.end
                j += 2
            out.append(merged)
            i = j
            continue
        out.append(a)
        i += 1
    return out


def _unreverse_an(a: _Atom) -> None:
    """Undo pypdf's reversal of Arabic-Indic digits met inside a right-to-left run.

    A number drawn as one piece was reversed whole (``٢٢/٦٠/٤٤٤١``); one whose separators came from
    another font (pypdf then adds spaces around them) was reversed run by run (``٤٤٤١/ ٦٠/ ٢٢``).
    """
    if a.loose:
        a.an_parts = [p[::-1] if p[:1] in _AN_DIGITS else p for p in a.an_parts]
        a.text = "".join(a.an_parts)
    else:
        a.text = a.text[::-1]
        a.an_parts = [a.text]


def _merge_percent(atoms: list[_Atom]) -> list[_Atom]:
    """A percent sign drawn apart from its number (another font, or laid out on the other side of an
    Arabic number) goes back after the digits. Its number is next to it, or behind one bracket."""
    out = list(atoms)
    i = 0
    while i < len(out):
        a = out[i]
        if a.cls == "N" and a.text in _PERCENT:
            target = None
            for j in (i - 1, i + 1, i - 2, i + 2):
                if 0 <= j < len(out) and out[j].is_number:
                    between = out[min(i, j) + 1 : max(i, j)]
                    if all(b.cls == "N" and b.text in _BRACKETS for b in between):
                        target = out[j]
                        break
            if target is not None:
                target.text += a.text
                target.an_parts.append(a.text)
                del out[i]
                continue
        i += 1
    return out


def _glue_trailing_punct(atoms: list[_Atom]) -> list[_Atom]:
    """Sentence punctuation written right after an Arabic word belongs to it (pypdf put it there)."""
    out: list[_Atom] = []
    for a in atoms:
        if a.cls == "N" and a.text in _SENTENCE_PUNCT and not a.space_before and out and out[-1].cls == "R":
            out[-1].trail += a.text
            continue
        out.append(a)
    return out


# --- lexicon and letter evidence ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    path = importlib.resources.files("regassist") / "data" / "ar_common_words.txt"
    words = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        w = raw.strip()
        if w and not w.startswith("#"):
            words.add(_norm(w))
    return frozenset(words)


def _norm(word: str) -> str:
    """Letters only, NFKC, no marks or tatweel, alef/yeh/teh-marbuta folded."""
    word = unicodedata.normalize("NFKC", word)
    word = _MARKS.sub("", word).translate(_FOLD)
    return "".join(ch for ch in word if "\u0621" <= ch <= "\u064a")


_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك", "س")
_SUFFIXES = (
    "هما",
    "كما",
    "تها",
    "ها",
    "هم",
    "هن",
    "كم",
    "نا",
    "ات",
    "ون",
    "ين",
    "ان",
    "يه",
    "ه",
    "ي",
    "ك",
    "ت",
)


@functools.lru_cache(maxsize=8192)
def _known(n: str) -> bool:
    """Is the folded word in the lexicon, after stripping at most one proclitic chain and one suffix."""
    lex = _lexicon()
    if n in lex:
        return True
    stems = [n]
    for p in _PREFIXES:
        if n.startswith(p) and len(n) - len(p) >= 2:
            stem = n[len(p) :]
            if p.endswith("لل"):
                stems.append("ال" + stem)
            stems.append(stem)
    for s in stems:
        if s in lex:
            return True
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) - len(suf) >= 3:
                base = s[: -len(suf)]
                if base in lex or base + "ه" in lex:
                    return True
    return False


@functools.lru_cache(maxsize=4096)
def _form(ch: str) -> tuple[bool, bool] | None:
    """(joins the previous letter, joins the next letter) in logical order, for a presentation form."""
    if not _PRESENTATION.match(ch):
        return None
    name = unicodedata.name(ch, "")
    if "ISOLATED FORM" in name:
        return (False, False)
    if "INITIAL FORM" in name:
        return (False, True)
    if "MEDIAL FORM" in name:
        return (True, True)
    if "FINAL FORM" in name:
        return (True, False)
    return None


def _letter_forms(text: str) -> list[tuple[str, tuple[bool, bool] | None]]:
    """The letters of one word with their joining (see ``_form``). In a word that has presentation forms,
    a plain letter is one the producer mapped back from an unjoined glyph: isolated."""
    letters = _letters(text)
    shaped = any(_PRESENTATION.match(ch) for ch in letters)
    unjoined = (False, False) if shaped else None
    out = [(ch, _form(ch) or (unjoined if "\u0621" <= ch <= "\u064a" else None)) for ch in letters]
    for i in range(len(out) - 1):
        if out[i][0] == "ل" and out[i + 1][0] in "اأإآ":  # a lam-alef ligature mapped back to two letters
            out[i] = (out[i][0], None)
            out[i + 1] = (out[i + 1][0], None)
    return out


def _word_end(ch: str, form: tuple[bool, bool] | None) -> bool:
    """A letter after which the word must end: ``ة``/``ى``, or a dual-joining letter drawn unjoined to
    the next letter (final or isolated form)."""
    base = _base(ch)
    if base in _FINAL_ONLY:
        return True
    if form is None or form[1] or base not in _DUAL_JOINING:
        return False
    return "LIGATURE" not in unicodedata.name(ch, "")


def _letters(text: str) -> list[str]:
    return [ch for ch in text if _LETTERS_TO_TEST.match(ch) and not _MARKS.match(ch)]


def _violations(text: str, open_start: bool = False, open_end: bool = False) -> int:
    """Letter-form contradictions in one word read in logical order (0 for plain letters in a good order).

    ``open_start``/``open_end``: the word goes on in the neighbouring atom, so its first (last) letter
    may be drawn joined to a previous (next) one.
    """
    lf = _letter_forms(text)
    if not lf:
        return 0
    bad = 0
    if lf[0][1] is not None and lf[0][1][0] and not open_start:
        bad += 1  # the first letter is drawn joined to a previous one
    if lf[-1][1] is not None and lf[-1][1][1] and not open_end:
        bad += 1  # the last letter is drawn joined to a next one
    for (ch, a), (_, b) in itertools.pairwise(lf):
        if (a is not None and b is not None and a[1] != b[0]) or _word_end(ch, a):
            bad += 1
    return bad


def _plausibility(raw: str) -> float:
    """How much ``raw`` (one Arabic word, as extracted) looks like a word written in logical order."""
    lf = _letter_forms(raw)
    letters = [ch for ch, _ in lf]
    agree = sum(1 for (_, a), (_, b) in itertools.pairwise(lf) if a is not None and b is not None and a[1] == b[0])
    score = 0.5 * agree - 1.5 * _violations(raw)
    n = _norm(raw)
    if len(n) < 2:
        return score
    if _known(n):
        score += 2.0
    plain = [_base(ch) for ch in letters]
    if plain[:1] and plain[0] in ("ة", "ى", "ؤ", "ئ", "ء"):
        score -= 2.0
    if plain[-1:] and plain[-1] in ("ة", "ى"):
        score += 0.5
    if len(n) > 3 and (n.startswith("ال") or n.startswith("لل")):
        score += 1.0
    return score


def _letter_evidence(raw: str) -> float:
    """Positive when the word reads better as extracted than reversed."""
    return max(-4.0, min(4.0, _plausibility(raw) - _plausibility(raw[::-1])))


def arabic_order_score(text: str) -> float:
    """Fraction of the Arabic words of ``text`` (two letters or more) found in the bundled word list.

    Logical Arabic prose scores about 0.6-0.9, the same text with the letters of each word reversed
    about 0.1 or less. Text without Arabic words scores 0.0.
    """
    words = [_norm(w) for w in re.findall("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefc\u0640]+", text)]
    words = [w for w in words if len(w) >= 2]
    if not words:
        return 0.0
    return sum(1 for w in words if _known(w)) / len(words)


# --- word-order evidence -----------------------------------------------------------------------------


def _folded(words: str) -> frozenset[str]:
    return frozenset(_norm(w) for w in words.split())


_PREPOSITIONS = _folded("في من على إلى عن مع لدى حتى منذ بين خلال عند بعد قبل داخل خارج عبر دون ضد")
_DEMONSTRATIVES = _folded("هذا هذه ذلك تلك هذين هاتين هؤلاء أولئك")
_QUANTIFIERS = _folded("كل أي بعض جميع كافة")
_RELATIVES = _folded("التي الذي الذين اللذين اللتين اللاتي")
_VERB_PARTICLES = _folded("أن لا لم لن قد ألا كي لكي")
# Words that come before a number ("المادة 5", "بنسبة 5%") and after one ("30 يوما", "500 ريال").
_BEFORE_NUMBER = _folded(
    "المادة مادة للمادة بالمادة رقم برقم البند بند الفقرة فقرة الفصل الباب لسنة لعام عام سنة بتاريخ "
    "وتاريخ تاريخ بنسبة نسبة بمبلغ مبلغ قدره قدرها لمدة مدة خلال تتجاوز يتجاوز تزيد يزيد تقل يقل "
    "عن على الجدول جدول الملحق ملحق"
)
_AFTER_NUMBER = _folded(
    "يوما يوم أيام سنة سنوات عاما أعوام شهرا أشهر شهور أسبوعا ساعة ساعات دقيقة ريال ريالا دينار "
    "دينارا درهم درهما جنيه جنيها دولار دولارا يورو ليرة روبل مليون ملايين مليار ألف آلاف مادة "
    "مواد هـ م بالمائة بالمئة"
)


def _is_verb_like(n: str) -> bool:
    return len(n) >= 3 and n[0] in "يتن" and not n.startswith("ال")


def _definite(n: str) -> bool:
    return len(n) > 3 and (n.startswith(("ال", "لل")) or (n[1:3] == "ال" and n[0] in "وبفك"))


def _word_class(n: str) -> str:
    """Coarse class of a folded Arabic word for the word-order statistics."""
    if n in _PREPOSITIONS:
        return "PREP"
    if n in _DEMONSTRATIVES:
        return "DEM"
    if n in _RELATIVES:
        return "REL"
    if n in _VERB_PARTICLES:
        return "VPART"
    if n in _QUANTIFIERS:
        return "QUANT"
    if _definite(n):
        if n.startswith("و") or n.startswith("ف"):
            return "WDEF"
        return "PDEF" if n[0] in "بلك" else "DEF"
    if n.startswith("و") and len(n) > 3:
        return "WA"
    if _is_verb_like(n):
        return "IMPF"
    return "N"


# Pairs of word classes that are clearly more frequent in this order than in the other one in running
# Arabic text (counted on software messages and legal prose): demonstrative + definite noun ("هذا
# النظام"), relative pronoun + verb ("التي تمارس"), particle + verb ("لا يجوز"), verb + definite noun
# ("تسري الأحكام"), noun + definite noun (idafa: "مجلس الوزراء").
_CLASS_PAIRS: dict[tuple[str, str], float] = {
    ("DEM", "DEF"): 2.0,
    ("DEM", "PDEF"): 1.0,
    ("REL", "IMPF"): 2.0,
    ("DEF", "REL"): 1.5,
    ("REL", "N"): 1.0,
    ("VPART", "IMPF"): 1.5,
    ("IMPF", "DEF"): 1.0,
    ("IMPF", "PDEF"): 1.0,
    ("N", "DEF"): 0.5,
    ("PREP", "DEM"): 1.5,
    ("IMPF", "DEM"): 1.5,
    ("N", "DEM"): 1.0,
    ("PREP", "QUANT"): 1.5,
    ("QUANT", "N"): 0.5,
    ("DEF", "PDEF"): 0.5,
    ("N", "PDEF"): 0.5,
}


def _pair_cue(a: _Atom, b: _Atom) -> float:
    """Evidence that ``a b`` is a pair of neighbours in logical (reading) order."""
    score = 0.0
    na = _norm(a.text) if a.cls == "R" else ""
    nb = _norm(b.text) if b.cls == "R" else ""
    if na and nb:
        ca, cb = _word_class(na), _word_class(nb)
        if not a.trail:
            score += _CLASS_PAIRS.get((ca, cb), 0.0)
        elif cb in ("WA", "WDEF", "IMPF"):
            score += 1.5  # a clause ends with punctuation, the next starts with "و" or a verb
        if (
            ca == "DEF"
            and cb == "DEF"
            and (nb.endswith("يه") or nb.endswith("ي"))
            and not (na.endswith("يه") or na.endswith("ي"))
        ):
            score += 0.5  # noun + relative adjective: "المنطقة الاقتصادية"
    elif (na in _BEFORE_NUMBER and (b.is_number or (b.cls == "N" and b.text == "("))) or (
        a.is_number and nb in _AFTER_NUMBER
    ):
        score += 1.5
    return score


def _order_score(seq: list[_Atom]) -> float:
    words = [a for a in seq if a.cls != "N" or a.text in _BRACKETS]
    score = sum(_pair_cue(a, b) for a, b in itertools.pairwise(words))
    # A sentence ends at the end of a line more often than a line starts with a sentence end.
    if seq and seq[-1].cls in ("R",) and seq[-1].trail[-1:] in (".", ":", "؛"):
        score += 0.5
    return score


# --- reordering --------------------------------------------------------------------------------------


def _copy(a: _Atom) -> _Atom:
    return dataclasses.replace(a, an_parts=list(a.an_parts))


def _is_ar_punct(a: _Atom) -> bool:
    return a.cls == "N" and a.text in _ARABIC_PUNCT


def _absorbed(atoms: list[_Atom]) -> list[bool]:
    """Which atoms pypdf reversed as part of a right-to-left run drawn in one piece with the words.

    Arabic letters and Arabic punctuation (strong right-to-left for pypdf). Among neutral marks met in a
    right-to-left run: not an ASCII sentence mark (inside the run it would sit right after its word, see
    ``trail``); a bracket or percent sign only when it is not glued to the word before or after it (glued
    ones were drawn in another font, apart, where they stand on the page); any other mark.
    """
    out = []
    for i, a in enumerate(atoms):
        if a.cls == "R" or _is_ar_punct(a):
            out.append(True)
            continue
        if a.cls != "N" or not a.rtl_state or a.text in _ASCII_CLOSERS - _PERCENT:
            out.append(False)
            continue
        if a.text in _BRACKETS or a.text in _PERCENT:
            nxt = atoms[i + 1] if i + 1 < len(atoms) else None
            prev = atoms[i - 1] if i > 0 else None
            glued_before = prev is not None and prev.cls == "R" and not a.space_before
            glued_after = nxt is not None and nxt.cls == "R" and not nxt.space_before
            out.append(not glued_before and not glued_after)
            continue
        out.append(True)
    return out


def _units(atoms: list[_Atom], join: str) -> list[list[_Atom]]:
    """Group atoms into the units whose order the visual-to-logical reversal flips.

    Latin words and numbers with the punctuation between them form one left-to-right unit that keeps its
    order. With ``join`` "runs" the Arabic words between two such units, with the Arabic punctuation
    among them (strong right-to-left for pypdf, so reversed with the words), form one unit too: pypdf
    already put a run drawn as one piece into logical order.
    """
    units: list[list[_Atom]] = []
    absorbed = _absorbed(atoms) if join == "runs" else []
    i = 0
    n = len(atoms)
    while i < n:
        a = atoms[i]
        if a.cls in ("L", "AN"):
            j = i + 1
            last = i
            while j < n and (atoms[j].cls in ("L", "AN") or (atoms[j].cls == "N" and atoms[j].text not in _BRACKETS)):
                if atoms[j].cls in ("L", "AN"):
                    if any(b.text in _NUMBER_BREAKERS for b in atoms[last + 1 : j]) and (
                        atoms[last].is_number or atoms[j].is_number
                    ):
                        break
                    last = j
                j += 1
            for b in atoms[i : last + 1]:
                b.group = i
            units.append(atoms[i : last + 1])
            i = last + 1
            continue
        if join == "runs" and absorbed[i]:
            j = i + 1
            while j < n and absorbed[j]:
                j += 1
            if any(b.cls == "R" for b in atoms[i:j]):
                units.append(atoms[i:j])
                i = j
                continue
        units.append([a])
        i += 1
    return units


def _reverse_units(atoms: list[_Atom], join: str) -> list[_Atom]:
    out: list[_Atom] = []
    for unit in reversed(_units(atoms, join)):
        out.extend(unit)
    for a in out:
        if a.cls == "N" and a.text in _BRACKETS:
            a.text = a.text.translate(_MIRROR)  # a bracket drawn in a right-to-left run is mirrored
    return out


def _bracket_violations(seq: list[_Atom]) -> int:
    depth = bad = 0
    for a in seq:
        if a.cls != "N":
            continue
        if a.text in _OPENERS:
            depth += 1
        elif a.text in ")]}»":
            if depth:
                depth -= 1
            else:
                bad += 1
    return bad + depth


# --- words cut or glued by the extraction --------------------------------------------------------------

_DUAL_JOINING = frozenset("بتثجحخسشصضطظعغفقكلمنهيئ")
_FINAL_ONLY = frozenset("ةى")


@functools.lru_cache(maxsize=4096)
def _base(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)[:1] if _PRESENTATION.match(ch) else ch


def _split_points(text: str) -> list[int]:
    """Positions inside one Arabic atom where a word must end (see ``_word_end``): table cells that pypdf
    wrote one after the other without a space split there."""
    lf = _letter_forms(text)
    form_at = {}
    k = 0
    for i, ch in enumerate(text):
        if k < len(lf) and ch == lf[k][0] and _LETTERS_TO_TEST.match(ch) and not _MARKS.match(ch):
            form_at[i] = lf[k][1]
            k += 1
    return [
        i for i in range(1, len(text)) if i in form_at and (i - 1) in form_at and _word_end(text[i - 1], form_at[i - 1])
    ]


def _split_glued(seq: list[_Atom]) -> list[_Atom]:
    out: list[_Atom] = []
    for a in seq:
        points = _split_points(a.text) if a.cls == "R" else []
        if not points:
            out.append(a)
            continue
        bounds = [0, *points, len(a.text)]
        for k, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            last = k == len(bounds) - 2
            out.append(_Atom(a.text[lo:hi], "R", a.space_before if k == 0 else True, a.trail if last else ""))
    return out


def _joins_across(x: str, y: str) -> bool:
    """The last letter of ``x`` is drawn joined to a next letter, or the first of ``y`` to a previous one."""
    lx, ly = _letter_forms(x), _letter_forms(y)
    if not lx or not ly:
        return False
    fx, fy = lx[-1][1], ly[0][1]
    return bool((fx is not None and fx[1]) or (fy is not None and fy[0]))


def _known_piece(text: str) -> bool:
    n = _norm(text)
    return len(n) >= 2 and _known(n)


_MAX_CUTS = 8  # all the cuts of a word up to this many places to cut, else at most two cuts
_DEEP_LIMIT = 10_000  # characters of a page above which words are not searched for pieces (hostile input)


@functools.lru_cache(maxsize=2048)
def _reorder_pieces(text: str, open_start: bool = False, open_end: bool = False) -> str | None:
    """Undo a word drawn in pieces (font changes inside it, e.g. synthetic bold): pypdf reverses each
    piece but writes the pieces in drawing order, ``دةلماا`` for ``المادة``. When the letter forms
    contradict each other, try the cuts into pieces, reverse their order, and keep a reading without
    contradiction: a known word first, else one much more plausible than the text as it is."""
    if _violations(text, open_start, open_end) == 0 or len(text) > 24:
        return None
    cuts = [i for i in range(1, len(text)) if not _MARKS.match(text[i])]
    sizes = range(1, len(cuts) + 1) if len(cuts) <= _MAX_CUTS else range(1, 3)
    best: tuple[bool, float, str] | None = None
    for k in sizes:
        for chosen in itertools.combinations(cuts, k):
            bounds = [0, *chosen, len(text)]
            cand = "".join(text[lo:hi] for lo, hi in reversed(list(itertools.pairwise(bounds))))
            if cand == text or _violations(cand, open_start, open_end):
                continue
            key = (_known_piece(cand), _plausibility(cand), cand)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None or not (best[0] or best[1] >= _plausibility(text) + 2.0):
        return None
    return best[2]


def _first_letter_form(text: str) -> tuple[bool, bool] | None:
    lf = _letter_forms(text)
    return lf[0][1] if lf else None


def _last_letter_form(text: str) -> tuple[bool, bool] | None:
    lf = _letter_forms(text)
    return lf[-1][1] if lf else None


def _mend_pieces(seq: list[_Atom], deep: bool = True) -> list[_Atom]:
    """Undo what font changes inside a word do to it (see ``_reorder_pieces``), join the pieces that letter
    forms say belong to one word, then pieces that are no words but make a known one together."""
    for i, a in enumerate(seq):
        if a.cls != "R" or not deep:
            continue
        prev = seq[i - 1] if i > 0 else None
        nxt = seq[i + 1] if i + 1 < len(seq) else None
        first = _first_letter_form(nxt.text) if nxt is not None and nxt.cls == "R" and not a.trail else None
        joined_prev = prev is not None and prev.cls == "R" and not prev.trail
        last = _last_letter_form(prev.text) if prev is not None and joined_prev else None
        a.text = _reorder_pieces(a.text, bool(last and last[1]), bool(first and first[0])) or a.text
    out: list[_Atom] = []
    for a in seq:
        prev = out[-1] if out else None
        if (
            a.cls == "R"
            and prev is not None
            and prev.cls == "R"
            and not prev.trail
            and _joins_across(prev.text, a.text)
        ):
            prev.text += a.text
            prev.trail = a.trail
            continue
        out.append(a)
    merged: list[_Atom] = []
    for a in out:
        prev = merged[-1] if merged else None
        if (
            a.cls == "R"
            and prev is not None
            and prev.cls == "R"
            and not prev.trail
            and _known_piece(prev.text + a.text)
            and not _violations(prev.text + a.text)
            and (
                not (_known_piece(prev.text) or _known_piece(a.text))
                or (
                    min(len(_norm(prev.text)), len(_norm(a.text))) <= 1
                    and not (_known_piece(prev.text) and _known_piece(a.text))
                )
            )
        ):
            prev.text += a.text
            prev.trail = a.trail
            continue
        merged.append(a)
    return merged


# --- rendering -----------------------------------------------------------------------------------------


def _render(seq: list[_Atom]) -> str:
    """Join atoms with single spaces; closing punctuation sticks to what precedes, openers to what follows."""
    parts: list[str] = []
    prev: _Atom | None = None
    quote_open = False
    for a in seq:
        text = a.text + a.trail
        glue = False
        if prev is not None and a.group >= 0 and a.group == prev.group:
            glue = not a.space_before  # inside a Latin or number run: as it was written
            if a.cls == "N" and a.text in ".@_" and a.tight is False and prev.cls == "L":
                glue = True  # "www . company . sa": pypdf's spaces around a mark from another font
            if prev.cls == "N" and prev.text in ".@_" and a.cls == "L" and prev.space_before:
                glue = True
        elif a.cls == "N" and a.text == '"':
            glue = quote_open
            quote_open = not quote_open
        elif a.cls == "N" and (a.text[:1] in _CLOSERS or (a.text in "-/–" and a.tight)):
            glue = True
        if (
            prev is not None
            and prev.cls == "N"
            and (prev.text in _OPENERS or (prev.text == '"' and quote_open) or (prev.text in "-/–" and prev.tight))
            and not (a.group >= 0 and a.group == prev.group)
        ):
            glue = True
        if parts and not glue:
            parts.append(" ")
        parts.append(text)
        prev = a
    out = "".join(parts)
    # A period pypdf wrote inside the closing bracket: "(ECZA.)" -> "(ECZA)."
    return re.sub(r"([.،,:;؛])([)\]])(?=\s|$)", r"\2\1", out)


# --- choosing the reading ------------------------------------------------------------------------------


@dataclass
class _Line:
    raw: str
    atoms: list[_Atom]
    candidates: dict[str, list[_Atom]] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


_MODES = ("keep", "runs", "words", "visual")  # in order of preference on a tie
_PYPDF_MODES = ("runs", "words")  # readings of text that pypdf reordered run by run
_LEADING_MARK = re.compile(r"^([.,:;!?]+)([A-Za-z0-9][^\u0600-\u06ff]*[A-Za-z0-9)])$")
_KEEP_BONUS = 2.0  # a page is only changed on evidence
_LINE_MARGIN = 2.5  # how much better a line must read to leave the page's hypothesis
_VISUAL_MARGIN = 5.0  # more to leave it for, or from, unreversed letters: one extractor did the page
_ARTIFACT_WEIGHT = 1.5
_AR = "\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefc"
_ARTIFACT_PATTERNS = (
    re.compile(rf"(?:^|\s)[.,:;!?،؛][{_AR}]"),  # punctuation drawn before its word
    re.compile(rf"[{_AR}][(\[]"),  # an opening bracket glued after a word
    re.compile(rf"[)\]][{_AR}]"),
)


def _glue_evidence(atoms: list[_Atom]) -> int:
    """Arabic words touching a number or a Latin word without a space: when pypdf reverses a run drawn
    as one piece, the space at its end moves to its other end."""
    return sum(
        1 for a, b in itertools.pairwise(atoms) if not b.space_before and {a.cls, b.cls} in ({"R", "L"}, {"R", "AN"})
    )


def _prepared(atoms: list[_Atom], unreverse_an: bool) -> list[_Atom]:
    seq = _merge_numbers([_copy(a) for a in atoms])
    if unreverse_an:
        for b in seq:
            if b.cls == "AN" and b.rtl_state:
                _unreverse_an(b)
    return _glue_trailing_punct(_merge_percent(seq))


def _build(line: _Line, deep: bool) -> None:
    atoms = line.atoms
    letters = sum(_letter_evidence(a.text) for a in atoms if a.cls == "R")
    keep = _glue_trailing_punct([_copy(a) for a in atoms])
    runs = _split_glued(_mend_pieces(_reverse_units(_prepared(atoms, True), "runs"), deep))
    words = _split_glued(_mend_pieces(_reverse_units(_prepared(atoms, True), "none"), deep))
    vis_atoms = [_copy(a) for a in atoms]
    for a in vis_atoms:
        if a.cls == "R":
            a.text = a.text[::-1]
    visual = _split_glued(_reverse_units(_merge_percent(_merge_numbers(vis_atoms)), "none"))
    line.candidates = {"keep": keep, "runs": runs, "words": words, "visual": visual}
    artifacts = sum(len(p.findall(line.raw)) for p in _ARTIFACT_PATTERNS)
    glued = _glue_evidence(atoms)
    flat_raw = "".join(line.raw.split())
    for mode, seq in line.candidates.items():
        score = _order_score(seq) + (-letters if mode == "visual" else letters)
        if mode == "keep":
            score -= _ARTIFACT_WEIGHT * (artifacts + glued)
        elif _bracket_violations(seq) > _bracket_violations(keep):
            score -= 1.0
        line.scores[mode] = score
    for mode in ("runs", "words"):
        if "".join(_render(line.candidates[mode]).split()) == flat_raw:
            line.scores[mode] = line.scores["keep"]  # the same text: nothing to weigh


def _keep_line(line: _Line, pypdf_page: bool, deep: bool) -> str:
    """The line as extracted, with Arabic-Indic numbers un-reversed (on a page pypdf reordered) and
    glued words split (when it still has presentation forms, i.e. comes straight from a PDF)."""
    raw = line.raw
    edits: list[tuple[int, int, str]] = []
    if pypdf_page:
        for b in _merge_numbers([_copy(a) for a in line.atoms]):
            if b.cls == "AN" and b.rtl_state:
                span = raw[b.start : b.end]
                new = _AN_RUN.sub(lambda m: m.group()[::-1], span) if b.loose else span[::-1]
                edits.append((b.start, b.end, new))
    if _PRESENTATION.search(raw):
        for a in line.atoms:
            if a.cls != "R":
                continue
            fixed = _reorder_pieces(a.text) if deep else None
            if fixed is not None:
                edits.append((a.start, a.end, fixed))
                continue
            points = _split_points(a.text)
            if points:
                bounds = [0, *points, len(a.text)]
                pieces = [a.text[lo:hi] for lo, hi in itertools.pairwise(bounds)]
                edits.append((a.start, a.end, " ".join(pieces)))
    for start, end, new in sorted(edits, reverse=True):
        raw = raw[:start] + new + raw[end:]
    return raw


def _page_states(lines: list[str]) -> list[list[_Atom]]:
    """Atoms of every line, each with pypdf's direction when it reached it: that of the last strong
    (Arabic, or Latin/Western digit) character before it on the page, pypdf's state carrying over."""
    state = False
    out: list[list[_Atom]] = []
    for raw in lines:
        atoms = _atoms(raw)
        for a in atoms:
            a.rtl_state = state
            if a.cls == "R" or _is_ar_punct(a):
                state = True
            elif a.cls == "L":
                state = False
        out.append(atoms)
    return out


def _nfkc_presentation(text: str) -> str:
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def repair_rtl_text(text: str) -> tuple[str, bool]:
    """Return the page text in logical order, and whether a repair was applied."""
    if not ARABIC_SCRIPT.search(text):
        return text, False
    raw_lines = text.split("\n")
    deep = len(text) <= _DEEP_LIMIT
    lines: list[_Line | None] = []
    for raw, atoms in zip(raw_lines, _page_states(raw_lines), strict=True):
        if not any(a.cls == "R" and _LETTERS_TO_TEST.search(a.text) for a in atoms):
            lines.append(None)
            continue
        line = _Line(raw, atoms)
        _build(line, deep)
        lines.append(line)
    scored = [ln for ln in lines if ln is not None]
    if not scored:
        return text, False
    totals = {m: sum(ln.scores[m] for ln in scored) for m in _MODES}
    totals["keep"] += _KEEP_BONUS
    page_mode = max(_MODES, key=lambda m: (totals[m], -_MODES.index(m)))
    out: list[str] = []
    used: dict[str, int] = {}
    for raw, line in zip(raw_lines, lines, strict=True):
        if line is None:
            # A Latin line inside a right-to-left paragraph: its final period was drawn at its left end.
            moved = _LEADING_MARK.sub(r"\2\1", raw) if page_mode in _PYPDF_MODES else raw
            out.append(moved)
            continue
        best = max(_MODES, key=lambda m: (line.scores[m], -_MODES.index(m)))
        margin = _LINE_MARGIN
        if "visual" in (best, page_mode):
            # Unreversed letters are a matter of the extractor, the same for the whole page: a line
            # leaves the page's reading for that only on the evidence of several words.
            words = sum(1 for a in line.atoms if a.cls == "R" and len(_norm(a.text)) >= 2)
            margin = _VISUAL_MARGIN if words >= 3 else float("inf")
        mode = best if line.scores[best] - line.scores[page_mode] > margin else page_mode
        used[mode] = used.get(mode, 0) + 1
        pypdf_page = page_mode in _PYPDF_MODES
        new = _keep_line(line, pypdf_page, deep) if mode == "keep" else _render(line.candidates[mode])
        out.append(_nfkc_presentation(new))
    result = "\n".join(out)
    logger.debug("rtl repair: page reading %s, lines %s, scores %s", page_mode, used, totals)
    return result, result != text
