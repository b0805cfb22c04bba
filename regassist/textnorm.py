"""Unicode and script folding for matching (BM25, dedup, gazetteer). Never used to build quotes.

``clean_display`` is the one exception: it repairs extraction artefacts (soft hyphens, end-of-line
hyphenation, presentation forms) that a reader would not see on the page, and is applied once at load
time, before any offsets are taken.
"""

from __future__ import annotations

import re
import unicodedata

from regassist.documents import Lang

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
# Alef variants (with hamza above/below, madda, wasla) fold to bare alef; alef maqsura to yeh; teh marbuta to heh.
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits to ASCII.
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
# Soft hyphen, zero-width and bidi controls, and C0 controls other than tab/newline (PDFs leak NULs).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# A word broken at a line end by a hyphen: "инвести-\nций" -> "инвестиций". Letters on both sides, and a
# lower-case one after, so "10-\n15", "Ras Al-\nKhaimah" and "Ankara-\nİzmir" are kept.
_EOL_HYPHEN = re.compile(r"(?<=[^\W\d_])-\n(?=([^\W\d_]))")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

# Presentation forms, ligatures and full-width forms: PDF extraction artefacts that NFKC maps to plain letters.
_COMPAT_FORMS = re.compile("[\ufb00-\ufdff\ufe70-\ufeff\uff00-\uffef]+")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
TURKISH_LETTERS = re.compile("[ğĞşŞıİ]")


def clean_display(text: str) -> str:
    """Repair what extraction adds but a reader never sees; keeps the text as written otherwise.

    NFKC is applied only to Arabic presentation forms (U+FB50..U+FEFF), Latin ligatures and full-width forms,
    which extraction produces but a reader sees as plain letters; "№", "²" and "½" stay as written. Soft hyphens,
    zero-width and bidi control characters are dropped, end-of-line hyphenation is joined, runs of
    spaces are collapsed and line ends are normalised to ``\\n``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _COMPAT_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _INVISIBLE.sub("", text)
    text = _EOL_HYPHEN.sub(lambda m: "" if m.group(1).islower() else m.group(0), text)
    text = _SPACES.sub(" ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII; nothing else changes."""
    return text.translate(_DIGITS)


def casefold(text: str, lang: Lang | None = None) -> str:
    """Language-aware lower-casing. Turkish maps I->ı and İ->i before folding (Python's casefold does
    not: 'İ'.casefold() is 'i̇'). For other languages a stray dotted capital İ still folds to plain i."""
    text = text.replace("I", "ı").replace("İ", "i") if lang == "tr" else text.replace("İ", "i")
    return text.casefold()


def fold(text: str, lang: Lang | None = None) -> str:
    """Normalise for matching: NFKC, invisible characters, digits, case, and per-script folding.

    Arabic folding is applied to any Arabic-script run whatever ``lang`` says, and ё->е to any Cyrillic,
    because a Russian query may contain an Arabic name and vice versa.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = text.translate(_DIGITS)
    if ARABIC_SCRIPT.search(text):
        text = _ARABIC_MARKS.sub("", text.replace(_TATWEEL, "")).translate(_ARABIC_LETTERS)
    text = casefold(text, lang)
    text = text.replace("ё", "е")
    return text


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str, lang: Lang | None = None) -> list[str]:
    """Folded word tokens (letters and digits); '10%' gives '10', 'ОЭЗ' gives 'оэз'."""
    return _WORD.findall(fold(text, lang))


def script_lang(text: str) -> Lang | None:
    """Cheap language guess from the script alone; None when the text is Latin without Turkish letters."""
    sample = text[:4000]
    n_ar = len(ARABIC_SCRIPT.findall(sample))
    n_cy = len(CYRILLIC.findall(sample))
    n_latin = len(re.findall("[A-Za-z]", sample))
    best = max(n_ar, n_cy, n_latin)
    if best == 0:
        return None
    if best == n_ar:
        return "ar"
    if best == n_cy:
        return "ru"
    if TURKISH_LETTERS.search(sample) or re.search("[çÇöÖüÜ]", sample):
        return "tr"
    return None
