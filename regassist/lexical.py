"""Tokens for BM25: folded words, stemmed per script with Snowball (PyStemmer), plus article markers.

An article reference ("статья 10", "Madde 6", "المادة (5)", "Article 12") also yields the language-free
token ``§10`` so that it is findable across languages and in any spelling.
"""

from __future__ import annotations

import re
from functools import lru_cache

from regassist.documents import Lang
from regassist.textnorm import fold

STEMMER_NAMES: dict[str, str] = {"ru": "russian", "en": "english", "ar": "arabic", "tr": "turkish"}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_ARTICLE_REF = re.compile(
    r"(?:статья|статьи|статье|статью|статьей|ст\.|article|art\.|section|sec\.|madde|maddesi|maddesinde|"
    r"ماده|الماده|مادة|المادة|§)\s*\(?\s*(\d+(?:\.\d+)?)"
)
# Function words that carry no meaning for matching; kept short on purpose (BM25's idf handles the rest).
STOPWORDS = frozenset(
    fold(w)
    for w in [
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "вдруг",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтоб",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "сейчас",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "which",
        "what",
        "who",
        "how",
        "do",
        "does",
        "can",
        "will",
        "would",
        "should",
        "there",
        "their",
        "they",
        "them",
        "into",
        "than",
        "then",
        "also",
        "any",
        "all",
        "not",
        "no",
        "ve",
        "ile",
        "bir",
        "bu",
        "da",
        "de",
        "için",
        "mi",
        "mı",
        "mu",
        "mü",
        "ne",
        "ya",
        "veya",
        "gibi",
        "daha",
        "çok",
        "en",
        "ki",
        "o",
        "şu",
        "ama",
        "hem",
        "her",
        "في",
        "من",
        "على",
        "إلى",
        "عن",
        "أن",
        "ان",
        "ما",
        "لا",
        "هل",
        "مع",
        "هذا",
        "هذه",
        "ذلك",
        "التي",
        "الذي",
        "او",
        "أو",
        "ثم",
        "قد",
        "كان",
        "كانت",
        "لم",
        "لن",
        "بين",
        "كل",
    ]
)


@lru_cache(maxsize=8)
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer(STEMMER_NAMES[lang])


def _script_lang(word: str, latin_lang: Lang) -> Lang:
    c = word[0]
    if "\u0400" <= c <= "\u04ff":
        return "ru"
    if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u08ff":
        return "ar"
    return latin_lang


def tokenize(text: str, lang: Lang, *, query: bool = False) -> list[str]:
    """BM25 tokens of ``text``: per-word stemming by script (Cyrillic: Russian, Arabic script: Arabic,
    Latin: Turkish when ``lang`` is tr, else English). For queries, Latin words also get the other Latin
    stem so an English question matches Turkish text and the reverse."""
    folded = fold(text, lang)
    latin: Lang = "tr" if lang == "tr" else "en"
    groups: dict[str, list[str]] = {}
    for word in _TOKEN.findall(folded):
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()):
            continue
        if word.isdigit():
            groups.setdefault("num", []).append(word)
            continue
        groups.setdefault(_script_lang(word, latin), []).append(word)
    tokens: list[str] = list(groups.pop("num", []))
    for script, group in groups.items():
        tokens.extend(_stemmer(script).stemWords(group))
        if query and script in ("en", "tr"):
            other = "en" if script == "tr" else "tr"
            tokens.extend(t for t in _stemmer(other).stemWords(group) if t not in tokens)
    tokens.extend("§" + m.group(1) for m in _ARTICLE_REF.finditer(folded))
    return tokens
