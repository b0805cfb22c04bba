"""Extractive answers: pick the sentences that answer, cite them verbatim, answer in the asker's language.

No language model is needed. When the evidence is in the asker's language the answer is made of its
sentences; otherwise the answer states the key facts (numbers, rates, durations, dates) with glossary labels
in the asker's language and says which language the source is in, the verbatim quote staying in the
citation. When the evidence does not support an answer, it says so and lists the closest documents.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from regassist.documents import Answer, Citation, Hit, Lang
from regassist.glossary import Concept, TermMatch
from regassist.lexical import tokenize
from regassist.messages import lang_name, say, unit
from regassist.retrieval import QueryPlan
from regassist.textnorm import fold

# Candidate sentence ends: . ! ? ؟ ; before white space, a blank line, or a line that starts a list item.
# Single line breaks are kept inside a sentence: PDFs wrap lines and table cells mid-sentence.
_BOUNDARY = re.compile(r"[.!?؟;](?=\s)|\n\s*\n|\n(?=\s*(?:[-•–*]\s|\d{1,2}[.)]\s))")
# A short word before a full stop is an abbreviation when lower-case text or a number follows:
# "ст. 5", "г. Елабуга", "руб. за м²", "No. 79", "e.g. the".
_ABBREVIATION = re.compile(r"(?:^|[\s(])(\w{1,3}|[^\W\d_]\.[^\W\d_])\.$")
# Longer abbreviations of legal references and units in the four languages ("Arts. 22–23", "подп. 3",
# "örn. gümrük", "тыс. руб."): no sentence ends there when lower-case text, a number or a bracket follows.
_LEGAL_ABBREVIATION = re.compile(
    r"(?:^|[\s(\[])(arts|secs|paras?|subparas?|clauses?|chap|approx|incl|excl|resp|nos|"
    r"подп|абз|разд|прил|тыс|млрд|руб|коп|долл|"
    r"örn|bkz|fık|bent|"
    r"vgl|etc)\.$",
    re.IGNORECASE,
)
# "see" abbreviations are always followed by the reference, whatever its case: "bkz. Geçici Madde 2", "cf. Art. 5".
_SEE_ABBREVIATION = re.compile(r"(?:^|[\s(\[])(bkz|cf|см|ср|vgl|انظر)\.$", re.IGNORECASE)
_INITIAL = re.compile(r"(?:^|[\s(])[^\W\d_]\.$")  # "А. С. Попова", "J. Smith"
MAX_QUOTE_CHARS = 400
# Text inside documents is data: a passage that tries to instruct the assistant is never used as evidence.
INJECTION = re.compile(
    r"(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts?)|"
    r"(игнорируй|игнорируйте|забудь|забудьте)\s+(все\s+)?(предыдущие|прежние)?\s*(инструкции|указания)|"
    r"(önceki|tüm)\s+(tüm\s+)?(talimatları|komutları)\s*(yok\s+say|görmezden\s+gel|unut)|"
    r"(تجاهل|تجاهلوا|انس)\s+(جميع\s+|كل\s+)?(التعليمات|الأوامر)",
    re.IGNORECASE,
)
_QUANTITY_Q = re.compile(
    r"\b(how much|how many|how long|how big|how large|how far|what rate|what percentage|rate|сколько|какой размер|"
    r"какая ставка|ставк\w*|размер\w*|срок\w*|площад(?:ь|и|ью)|ne kadar|kaç|oran\w*|süre\w*|büyüklü\w*|كم|نسبة|مدة|"
    r"معدل|مساحة)\b",
    re.I,
)
# Questions about practice, where forum threads are the right source.
_EXPERIENCE_Q = re.compile(
    r"опыт|на практике|в реальности|отзыв|кто-нибудь|кто уже|на деле|по факту|"
    r"experience|in practice|actually|forum|anyone|people who|those who|first-hand|"
    r"deneyim|tecrübe|pratikte|gerçekte|anlatabilir|yaşayan|olan var mı|"
    r"تجرب|تجارب|في الواقع|عمليا|عمليًا|فعلا|فعلاً|فعليًا|فعلياً|واقعيا|واقعياً|واقعيًا|من جرب",
    re.IGNORECASE,
)
_CHANGE_Q = re.compile(
    r"(изменил|изменени|что нового|отлича|chang|differ|what is new|değiş|fark|yenilik|تغير|تغيّر|الفرق|اختلاف|الجديد)"
    # "... in the latest guide, and what was it in the previous edition?" asks for both editions too
    r"|(?:previous|earlier|old|prior|last)\s+(?:edition|version|handbook|guide)|предыдущ\w*\s+(?:редакци|издани)\w*|"
    r"прошл\w*\s+(?:редакци|издани)\w*|önceki\s+(?:baskı|sürüm|rehber)\w*|eski\s+(?:baskı|sürüm)\w*|"
    r"(?:الطبعة|طبعة|الإصدار|إصدار|النسخة)\s+(?:\S+\s+)?(?:السابقة|السابق|الأقدم)",
    re.I,
)
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
# "What was it in the 2023 handbook and what is it now": a named year with "now" (or "compared") asks for the
# change between that edition and the one in force.
_NOW_Q = re.compile(
    r"\b(?:now|today|currently|at present|compared?|comparison)\b|сейчас|теперь|сегодня|в настоящее время|"
    r"по сравнению|стал[аои]?\b|актуальн\w*|текущ\w*|şimdi|bugün|halen|günümüzde|güncel\w*|karşılaştır|"
    r"\b(?:current|latest)\b|الآن|حاليا|حاليًا|حالياً|اليوم|أصبح|مقارنة|أحدث|الحالي|الحالية",
    re.IGNORECASE,
)
# Questions about a date or a year: years, otherwise left out of restated facts, are then the answer.
_WHEN_Q = re.compile(
    r"\bwhen\b|what year|which year|since when|until when|когда|в каком году|с какого|до какого|"
    r"ne zaman|hangi yıl|kaç yılında|متى|أي سنة|أي عام|حتى أي",
    re.IGNORECASE,
)
# Questions about which law, decree or resolution: its number is then the answer.
_LAW_Q = re.compile(
    r"\b(?:which|what)\s+(?:federal\s+)?(?:law|act|decree|resolution|regulation)|number of the (?:law|decree)|"
    r"как\w*\s+(?:федеральн\w+\s+)?(?:закон\w*|постановлени\w*|указ\w*|приказ\w*)|номер\w*\s+(?:закон|постановлени|указ)|"
    r"hangi\s+(?:kanun|yasa|karar|yönetmelik)\w*|kaç sayılı|"
    r"بأي\s+(?:قانون|قرار|مرسوم)|(?:أي|ما)\s+(?:قانون|قرار|مرسوم)|رقم\s+(?:القانون|القرار|المرسوم)",
    re.IGNORECASE,
)
# Month names in the four languages (Russian in the genitive of dates, Arabic in both the Egyptian/Gulf and the
# Levantine series) -> month number: "4 August 2023", "1 марта 2025", "6 Şubat 2004", "16 أبريل 2021" are dates,
# restated with the month named in the asker's language (local_date).
_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "января", "январь", "ocak", "يناير", "كانون الثاني"),
            ("february", "feb", "февраля", "февраль", "şubat", "فبراير", "شباط"),
            ("march", "mar", "марта", "март", "mart", "مارس", "آذار"),
            ("april", "apr", "апреля", "апрель", "nisan", "أبريل", "إبريل", "ابريل", "نيسان"),
            ("may", "мая", "май", "mayıs", "مايو", "أيار"),
            ("june", "jun", "июня", "июнь", "haziran", "يونيو", "يونيه", "حزيران"),
            ("july", "jul", "июля", "июль", "temmuz", "يوليو", "يوليه", "تموز"),
            ("august", "aug", "августа", "август", "ağustos", "أغسطس", "آب"),
            ("september", "sep", "sept", "сентября", "сентябрь", "eylül", "سبتمبر", "أيلول"),
            ("october", "oct", "октября", "октябрь", "ekim", "أكتوبر", "تشرين الأول"),
            ("november", "nov", "ноября", "ноябрь", "kasım", "نوفمبر", "تشرين الثاني"),
            ("december", "dec", "декабря", "декабрь", "aralık", "ديسمبر", "كانون الأول"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_WORD_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+({_MONTH})\.?\s+((?:19|20)\d{{2}})(?!\d)|\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d{{2}})(?!\d)",
    re.IGNORECASE,
)


_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım",
           "Aralık"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
           "ديسمبر"),
}  # fmt: skip


def local_date(surface: str, lang: Lang) -> str | None:
    """'4 August 2023' or 'August 4, 2023' -> '4 августа 2023' in Russian: the month named in ``lang``, the day
    and year as the source writes them (so every number of the answer is the source's); None if no such date."""
    from regassist.textnorm import ascii_digits

    m = _WORD_DATE.search(ascii_digits(surface))
    if m is None:
        return None
    day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(4), m.group(6))
    number = _MONTHS.get(month.lower())
    if number is None or not 1 <= int(day) <= 31:
        return None
    return f"{day} {_MONTH_NAMES[lang][number - 1]} {year}"


_NUMBER = r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?"
# Units of area that facts (_FACTS) and unit words (_UNIT_WORDS) both name.
_SQKM = (
    r"km²|км²|km2|кв\.\s?км|square kilomet\w*|sq\.?\s?km|квадратн\w+ километр\w*|kilometrekare|"
    r"كيلومتر(?:ًا|ا|اً)? مربع|كم²"
)
_DONUM = r"dönüm|дунам\w*|دونم\w*"
_RANGE_WORD = r"\s+(?:إلى|الى|до|to)\s+"  # "من 350 إلى 500 درهم", "от 750 до 900 руб.", "5 to 8 USD"
_RANGE = rf"{_NUMBER}(?:\s?[–-]\s?{_NUMBER}|{_RANGE_WORD}{_NUMBER})?"  # "5–8", "4-6", or one number
_FACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", _WORD_DATE),
    ("percent", re.compile(
        rf"{_RANGE}\s?[%٪‰]|(?:binde|yüzde|процент\w*\s+)\s?{_NUMBER}|"
        rf"{_NUMBER}\s?(?:per ?cent|percent|процент\w*|في المائة|بالمئة)",
        re.I,
    )),
    ("money", re.compile(
        rf"(?:(?:USD|US\$|\$|AED|SAR|OMR|EGP|EUR|€|TL|TRY)\s?{_RANGE}(?:\s?(?:million|млн|milyon|مليون))?|"
        rf"{_RANGE}\s?(?:million|billion|млн\.?|млрд\.?|milyon|milyar|مليون|مليار)?\s?"
        r"(?:руб\w*|₽|rubles?|roubles?|USD|US\$|\$|AED|SAR|OMR|EGP|EUR|€|TL|TRY|лир\w*|dolar\w*|درهم|ريال|دولار|جنيه))",
        re.I,
    )),
    ("duration", re.compile(
        rf"(?<![\d.,])(?!(?:19|20)\d\d\b){_RANGE}\s?(?:лет|года?|years?|yıl\w*|سنة|سنوات|عامًا|عاما|أعوام|"
        r"месяц\w*|months?|ay\b|شهر\w*|أشهر|شهور|недел\w*|weeks?|hafta\w*|أسابيع|أسبوع\w*|дн\w*|days?|gün\w*|يوم\w*|"
        r"أيام)",
        re.I,
    )),
    ("area", re.compile(
        rf"{_RANGE}\s?(?:(?:million|млн\.?|milyon|مليون)\s?)?"
        rf"(?:га\b|гектар\w*|ha\b|hectares?|hektar\w*|هكتار\w*|m²|м²|m2|кв\.\s?м|metrekare|متر مربع|{_SQKM}|{_DONUM})",
        re.I,
    )),
    ("length", re.compile(
        rf"{_RANGE}\s?(?:km\b|kilomet\w*|километр\w*|كيلومتر\w*|كم\b|metres?\b|meters?\b|metre\b|метр\w*|"
        r"м\b|m\b|متر(?:ًا|ا|اً)?(?!\s?مربع))", re.I
    )),
    ("date", re.compile(r"\b\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")),
    ("number", re.compile(rf"(?<![\w.,]){_NUMBER}(?![\w%٪])")),
)  # fmt: skip
# Spelled-out durations and counts ("five years", "три года", "beş yıl", "عشر سنوات", "سنتين").
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|"
    r"один|одного|два|двух|три|трёх|трех|четыре|пять|пяти|шесть|семь|десять|десяти|двадцати|"
    r"bir|iki|üç|dört|beş|altı|yedi|sekiz|dokuz|on|yirmi|otuz|"
    r"واحد|اثنين|ثلاث|أربع|خمس|ست|سبع|ثماني|تسع|عشر|عشرين|ثلاثين|خمسين|سنتين|شهرين|عامين)\b",
    re.IGNORECASE,
)
# A spelled-out number with a unit of time: "five years", "три года", "beş yıl", "عشر سنوات"; Arabic duals
# ("سنتين") are durations on their own. A number word alone is no duration ("bir" is also Turkish "a").
_SPELLED_DURATION = re.compile(
    rf"{_NUMBER_WORDS.pattern}\s+(?:\w+\s+){{0,2}}(?:лет|года?|месяц\w*|недел\w*|период\w*|years?|months?|weeks?|"
    r"periods?|yıl\w*|ay\b|aylık|hafta\w*|dönem\w*|سنة|سنوات|أعوام|عامًا|عاما|أشهر|شهور|أسابيع|فترات)|"
    r"\b(?:سنتين|شهرين|عامين)\b",
    re.IGNORECASE,
)
_OFTEN_WORDS = "how often|как часто|ne sıklıkla|kaç yılda bir|كل كم"  # a frequency: a duration, not a price
# What kind of figure a question asks for; evidence without such a figure does not answer it.
_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("count", re.compile(
        r"how many(?!\s+(?:days|weeks|months|years|hours)\b)|"
        r"сколько\s+(?:\w+\s+){0,3}?(?:компаний|резидентов|фирм|предприятий|сотрудников|человек|участков|зон|"
        r"площадок|виз)\b|"
        r"kaç\s+(?:şirket|firma|kişi|çalışan|kullanıcı|bölge|vize)|كم\s+عدد|ما\s+عدد",
        re.IGNORECASE,
    )),
    ("duration", re.compile(
        rf"how long|{_OFTEN_WORDS}|how many\s+(?:days|weeks|months|years)\b|"
        r"на какой срок|сколько\s+(?:лет|месяцев|дней|времени)|как долго|"
        r"ne kadar süre|kaç\s+(?:yıl|ay|gün|hafta)|ne zamana kadar|كم\s+(?:سنة|عام|شهر|يوم)|ما\s+مدة|كم\s+مدة",
        re.IGNORECASE,
    )),
    ("area", re.compile(
        r"how (?:big|large)\b|what is the (?:total |land )?(?:area|size)\b|(?:total|land) area of|"
        r"size of the (?:zone|park|site|plot|land)|how many (?:hectares|square)|"
        r"площад(?:ь|и|ью|ей)\b|сколько\s+(?:гектар\w*|квадратн\w*)|какого размера|насколько (?:велик|больш)\w*|"
        r"büyüklü\w*|yüzölçüm\w*|kaç\s+(?:hektar|dönüm|metrekare)|ne kadar büyük|\balan\w*\s+(?:ne kadar|kaç)|"
        r"مساحة|مساحتها|حجم المنطقة|كم\s+هكتار",
        re.IGNORECASE,
    )),
    ("distance", re.compile(
        r"how far|distance|как далеко|расстояни\w*|в скольких километрах|ne kadar uzak\w*|mesafe\w*|"
        r"kaç\s+(?:km|kilometre)|كم\s+تبعد|المسافة",
        re.IGNORECASE,
    )),
    ("money", re.compile(
        r"how much (?:does|do|is|are|will)\b.*\b(?:cost|charge|pay)|"
        r"\b(?:price|cost|fee|fees|rent|wage|salary|tariff)\b.*\?|\b(?:cheaper|more expensive|pricier)\b|"
        r"дешевле|дороже|daha ucuz|daha pahalı|أرخص|أغلى|"
        r"сколько\s+стоит|почём|\bстоимост\w*|\bцен\w+|\bтариф\w*|арендн\w+\s+плат\w*|\bзарплат\w*|"
        r"(?:kira\w*|fiyat\w*|ücret\w*|maliyet\w*|bedel\w*|tutar\w*|öde\w*|mal ol\w*)\b.*\bne kadar|"
        r"ne kadar\s+(?:öde\w*|tutar\w*|mal ol\w*)|kaça\s+mal|"
        r"كم\s+(?:\S+\s+)?(?:سعر|رسم|رسوم|تكلفة|يكلف|إيجار|أجر|راتب|تعرفة|تعريفة)|ما\s+(?:سعر|رسم|تكلفة|تعرفة|تعريفة)|"
        r"بكم|\btarife\w*",
        re.IGNORECASE,
    )),
)  # fmt: skip
# Kinds of figure that answer each kind of question (a rent may be stated as a % of cadastral value).
ANSWERED_BY = {
    "count": {"number"},
    "duration": {"duration", "date"},
    "money": {"money", "percent"},  # a rent may be stated as a % of cadastral value
    "amount": {"money"},  # a sum of money proper, never a percentage
    "area": {"area"},
    "distance": {"length"},
}
_UNIT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(лет|года?|years?|yıl\w*|سنة|سنوات|عامًا|عاما|أعوام)$", re.I), "year"),
    (re.compile(r"(месяц\w*|months?|ay|شهر\w*|أشهر|شهور)$", re.I), "month"),
    (re.compile(r"(недел\w*|weeks?|hafta\w*|أسابيع|أسبوع\w*)$", re.I), "week"),
    (re.compile(r"(дн\w*|days?|gün\w*|يوم\w*|أيام)$", re.I), "day"),
    (re.compile(r"(га|гектар\w*|ha|hectares?|hektar\w*|هكتار\w*)$", re.I), "hectare"),
    (re.compile(rf"({_SQKM})$", re.I), "sqkm"),
    (re.compile(r"(?<![kк])(m²|м²|m2|кв\.\s?м|metrekare|متر مربع)$", re.I), "sqm"),
    (re.compile(rf"({_DONUM})$", re.I), "donum"),
    (re.compile(r"^(km|kilomet\w*|километр\w*|كيلومتر\w*|كم)$", re.I), "km"),
    (re.compile(r"^(metres?|meters?|metre|метр\w*|м|m|متر\w*)$", re.I), "metre"),
)
_MIN_SENTENCE_CHARS = 25
EVIDENCE_PASSAGES = 6  # sentences come from this many top passages
SEMANTIC_SHORTLIST = 12  # sentences embedded per question (~10 ms each on 2 cores)
SHORTLIST_PER_LANG = 4  # the lexically best sentences of each evidence language always reach the embedder
SEMANTIC_WEIGHT = 10.0  # score points per unit of cosine above COSINE_FLOOR
COSINE_FLOOR = 0.80  # e5 cosines of unrelated text sit around 0.75-0.80
CLOSE_MEANING = 0.84  # a sentence this close to the question answers it even without the glossary's term
ASPECT_MEANING = 0.86  # a sentence only on a neighbouring concept of the asked aspect must be this close in meaning
# Concepts that qualify another of their aspect: an exemption from profit tax is about profit tax, so a
# sentence on any concept of the aspect answers them without the ASPECT_MEANING bar.
QUALIFIER_CONCEPTS = frozenset({"tax_exemption", "duty_exemption", "utilities"})  # utilities: power, gas, water
DISTINCT_CONCEPTS = frozenset({"electricity", "natural_gas", "water"})  # siblings that never stand for each other
OPEN_MEANING = 0.0  # evidence for a question without a specific glossary concept must be this close (off: too costly)
# Concepts every question about zones touches; they do not say what is being asked.
GENERIC_CONCEPTS = frozenset(
    {"special_economic_zone", "free_zone", "technopark", "industrial_park", "resident", "taxes", "duration",
     "investment", "managing_company", "manufacturing", "trading"}
)  # fmt: skip


PartSearch = Callable[[str], Sequence[Hit]]  # one part of a multi-part question -> its passages


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of a retrieved passage, located in its document."""

    hit: Hit
    text: str
    start: int  # offset in Document.text
    score: float
    cosine: float = 0.0  # question-sentence similarity (0 when not embedded)

    def preceding(self, chars: int = 300) -> str:
        """The passage's text just before the sentence (a table's header names the currency of its cells)."""
        chunk = self.hit.chunk
        return chunk.text[: self.start - chunk.start][-chars:]

    def states(self, kind: str, reach: int = 300) -> bool:
        """``states_figure`` with the ``reach`` characters before the sentence as context (a bare table cell is
        a price under a header that names the currency)."""
        return states_figure(self.text, kind, self.preceding(reach) + self.text)


def sentence_spans(text: str, headings: Sequence[str] = ()) -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``text``: split at sentence punctuation, blank lines, list items and
    after heading lines (a heading never glues onto the sentence after it); over-long ones are cut at line
    breaks."""
    from regassist.chunking import legal_level

    names = {h.strip() for h in headings if h.strip()}
    heading_lines = [
        (line.start(), line.end())
        for line in re.finditer(r"[^\n]+", text)
        if line.group().strip() in names or (len(line.group().strip()) <= 160 and legal_level(line.group()) is not None)
    ]
    cuts: list[tuple[int, int]] = [(e, e + 1) for _, e in heading_lines if e < len(text)]
    for m in _BOUNDARY.finditer(text):
        end = m.end() if m.group()[0] in ".!?؟;" else m.start()
        if m.group() == "." and _INITIAL.search(text[max(0, end - 3) : end]):
            continue
        if m.group() == "." and _SEE_ABBREVIATION.search(text[max(0, end - 8) : end]):
            continue
        if m.group() == "." and (
            _ABBREVIATION.search(text[max(0, end - 8) : end])
            or _LEGAL_ABBREVIATION.search(text[max(0, end - 12) : end])
        ):
            nxt = text[end:].lstrip()[:1]
            if nxt and (nxt.islower() or nxt.isdigit() or nxt in "(["):
                continue
        if any(s <= end < e for s, e in heading_lines):
            continue  # "Статья 5. Ставка" is one heading, not two sentences
        cuts.append((end, m.end()))
    spans: list[tuple[int, int]] = []
    start = 0
    for end, resume in sorted(set(cuts)):
        if end < start:
            continue
        spans.append((start, end))
        start = resume
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > MAX_QUOTE_CHARS:
            cut = text.rfind("\n", s + MAX_QUOTE_CHARS // 2, s + MAX_QUOTE_CHARS)
            if cut == -1:
                cut = text.rfind(" ", s + MAX_QUOTE_CHARS // 2, s + MAX_QUOTE_CHARS)
            if cut == -1:
                cut = s + MAX_QUOTE_CHARS
            out.append((s, cut))
            s = cut
        out.append((s, e))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def split_sentences(hit: Hit) -> list[tuple[str, int]]:
    """(sentence, offset in the document) for each sentence of the hit's chunk, verbatim."""
    text = hit.chunk.text
    headings = hit.chunk.section.split(" › ") if hit.chunk.section else ()
    return [
        (text[s:e], hit.chunk.start + s)
        for s, e in sentence_spans(text, headings)
        if e - s >= _MIN_SENTENCE_CHARS and not _is_heading(text[s:e], headings)
    ]


def _is_heading(sentence: str, headings: Sequence[str]) -> bool:
    """A heading is a label, not an answer: one of the chunk's headings, a legal heading, or a short line
    without sentence punctuation and without figures."""
    from regassist.chunking import legal_level

    body = sentence.strip()
    if body in {h.strip() for h in headings} or (legal_level(body) is not None and len(body) < 120):
        return True
    return "\n" not in body and len(body) < 80 and body[-1:] not in ".!?؟;:" and not facts_of(body)


# A bare number that names a law, an article or a decision is an identifier, not a figure: "Law No. 4691",
# "4691 sayılı Kanun", "ст. 5", "116-ФЗ", "القانون رقم 8", "Madde 12".
_ID_BEFORE = re.compile(
    r"(?:\bno\.?|№|\bnos\.|\blaw|\bact|\barticles?|\barts?\.|\bsec(?:tion)?s?\.?|\bdecree|\bresolution|"
    r"\bст\.|\bстать\w*|\bп\.|\bпп\.|\bч\.|\bзакон\w*|\bпостановлени\w*|\bприказ\w*|\bуказ\w*|"
    r"\bmadde\w*|\bmd\.|\bkanun\w*|\bkarar\w*|\bfıkra\w*|رقم|المادة|مادة|القانون|قانون|قرار)\s*$",
    re.IGNORECASE,
)
_ID_AFTER = re.compile(r"^\s*(?:sayılı|numaralı|nolu|-?ФЗ\b|-?фз\b)", re.IGNORECASE)


def _is_identifier(text: str, start: int, end: int) -> bool:
    return bool(_ID_BEFORE.search(text[max(0, start - 16) : start]) or _ID_AFTER.match(text[end : end + 12]))


def fact_spans(text: str, identifiers: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the figures of ``text`` (see ``facts_of``), in order; with ``identifiers``, law
    and article numbers too (kind "number")."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _FACTS:
        for m in pattern.finditer(text):
            if kind == "number" and not identifiers and _is_identifier(text, m.start(), m.end()):
                continue
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), kind))
    return sorted(spans)


def facts_of(text: str, identifiers: bool = False) -> list[tuple[str, str]]:
    """(kind, surface) of the numbers with units in ``text``, in order, without overlaps; bare numbers that
    identify a law or an article are not facts unless ``identifiers``."""
    return [(kind, text[s:e].strip()) for s, e, kind in fact_spans(text, identifiers)]


# Currency words in any of the four languages -> ISO code (language-neutral in an answer).
_CURRENCIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (iso, re.compile(pattern, re.IGNORECASE))
    for iso, pattern in (
        ("RUB", r"руб|₽|roubles?|rubles?|ruble|روبل"),
        ("USD", r"USD|US\$|\$|dolar|dollars?|دولار"),
        ("AED", r"AED|درهم|dirham"),
        ("SAR", r"SAR|ريال سعودي|riyal"),
        ("OMR", r"OMR|ريال عماني|rial"),
        ("EGP", r"EGP|جنيه|pound"),
        ("TRY", r"\bTL\b|TRY|лир|lira"),
        ("EUR", r"EUR|€|euro|евро|يورو"),
    )
)
_SCALES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("billion", re.compile(r"billion|млрд|milyar|مليار", re.IGNORECASE)),
    ("million", re.compile(r"million|млн|milyon|مليون", re.IGNORECASE)),
)


def contradicts_premise(question: str, evidence: Sequence[str]) -> bool:
    """True when the question states a rate or duration ("since VAT is 0% forever") and the cited evidence gives
    figures of that kind, none of them the stated one: the answer then says the sources do not support it."""
    from regassist.textnorm import ascii_digits

    def figures(text: str, kind: str) -> set[str]:
        out = set()
        for k, v in facts_of(text):
            if k == kind:
                number = re.search(_NUMBER, ascii_digits(v))
                if number:
                    out.add(number.group().replace(",", ".").replace(" ", ""))
        return out

    for kind in ("percent", "duration"):
        stated = figures(question, kind)
        given = set().union(*(figures(t, kind) for t in evidence)) if evidence else set()
        if stated and given and not stated & given:
            return True
    return False


def wants_latest_edition(question: str) -> bool:
    """True unless the question names a year or asks what changed: then every edition is evidence."""
    return not (_YEAR.search(question) or _CHANGE_Q.search(question))


def asks_change(question: str) -> bool:
    """What changed between editions: asked outright, or a named year set against "now"."""
    return bool(_CHANGE_Q.search(question) or (_YEAR.search(question) and _NOW_Q.search(question)))


def asked_figure(question: str) -> str | None:
    """'count', 'duration' or 'money' when the question asks for that kind of figure, else None."""
    kinds = asked_figures(question)
    return kinds[0] if kinds else None


def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds of figure a question asks for (``asked_figures``), plus "year" for "when" questions."""
    return (
        asked_figures(question)
        + (("year",) if _WHEN_Q.search(question) else ())
        + (("law",) if _LAW_Q.search(question) else ())
    )


def asked_figures(question: str) -> tuple[str, ...]:
    """Every kind of figure the question asks for ("how long did it take and what rent do you pay" asks for a
    duration and a price), in the order of _ASKS; each part of a question that asks several things counts
    for its own ("how often is the fee reviewed" asks for a duration, not for a price)."""
    return _in_asks_order(_part_figures(part) for part in question_parts(question) or [question])


def _in_asks_order(per_part: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    kinds = {k for part in per_part for k in part}
    return tuple(kind for kind, _ in _ASKS if kind in kinds)


def required_figures(question: str) -> tuple[str, ...]:
    """The kinds of figure evidence must state to answer ``question``: none when one of its parts asks for no
    figure at all ("does the exemption cover hardware, and until when?" is answered by a sentence without one)."""
    parts = question_parts(question)
    per_part = [_part_figures(p) for p in parts or [question]]
    if parts and not all(kinds or _HOW_MUCH.search(p) for p, kinds in zip(parts, per_part, strict=True)):
        return ()
    vague = bool(parts) and not all(per_part)  # "... and how much is it now?": any figure answers
    return _in_asks_order(per_part) + (("any",) if vague else ())


def _part_figures(text: str) -> tuple[str, ...]:
    text = text if text.rstrip().endswith(("?", "؟")) else f"{text}?"  # parts come without their question mark
    kinds = tuple(kind for kind, pattern in _ASKS if pattern.search(text))
    if "duration" in kinds and _OFTEN.search(text):
        kinds = tuple(k for k in kinds if k != "money")  # "how often is the fee reviewed"
    return kinds


# "How much / how many" without saying of what ("... and how much is it now?"): a part that asks for a figure.
_HOW_MUCH = re.compile(r"how much|how many|сколько|почём|ne kadar|kaç|(?:^|\s)و?كم(?=\s|$)|بكم", re.IGNORECASE)
_OFTEN = re.compile(_OFTEN_WORDS, re.IGNORECASE)


# Words that make a clause a question of its own, per language (Turkish and Arabic particles included).
_INTERROGATIVE = re.compile(
    r"\b(?:how|what|which|when|where|who|whom|whose|why|is|are|can|could|does|do|did|may|must|will|should|"
    r"как\w*|каков\w*|сколько|когда|где|кто|что|чем|почему|зачем|можно|нужно|надо|ли|почём|"
    r"kaç\w*|ne|neler|nedir|nasıl|nerede|hangi\w*|mı|mi|mu|mü|mıdır|midir|mudur|müdür|kim)\b|"
    r"(?:^|\s)و?(?:كم|ما|ماذا|هل|متى|أين|كيف|أي|لماذا|حتى أي)(?=\s|$)",
    re.IGNORECASE,
)
# Where a question may split: a question mark inside, a comma, "and" (и / а / ve / و before a question word).
_PART_BREAK = re.compile(
    r"[?؟]\s+|[,،;]\s+|\s+(?:and|or|и|а|а также|ve|veya)\s+|\s+(?=و(?:كم|ما|ماذا|هل|متى|أين|كيف|أي|حتى)\s)",
    re.IGNORECASE,
)


def _content_words(question: str, lang: Lang) -> list[str]:
    """The question's search tokens other than question words."""
    return [t for t in tokenize(question, lang, query=True) if not _INTERROGATIVE.fullmatch(t)]


def question_parts(question: str) -> list[str]:
    """The separate questions inside one ("How big is it, how many sites does it have and how many residents?"
    gives three), each a clause with a question word of its own; [] for a question that asks one thing. A
    clause without a question word ("If our company goes over the limit, how long ...", "profit tax and VAT")
    stays with its neighbour."""
    pieces = [p.strip(" ?؟.") for p in _PART_BREAK.split(question.strip())]
    parts: list[str] = []
    for piece in (p for p in pieces if p):
        if parts and not _INTERROGATIVE.search(parts[-1]):
            parts[-1] = f"{parts[-1]}, {piece}"
        elif parts and not _INTERROGATIVE.search(piece):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    # "Deneyimi olan var mı?", "Any experience?": a call for experiences asks nothing of its own.
    parts = [p for p in parts if len(p.split()) >= 2 and not (_EXPERIENCE_Q.search(p) and len(p.split()) <= 4)]
    return parts if len(parts) >= 2 else []


# Units a price or a rate is quoted per: a question "per square metre" is not answered by a price per kWh.
_PER_UNITS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"m²|м²|\bm2\b|\bм2\b|кв\.\s?м|квадратн\w* метр|square met|\bsqm\b|metrekare|متر مربع|المتر المربع|م²|م2",
        r"\bга\b|гектар|hectare|\bha\b|هكتار|dönüm",
        r"kwh|кВт\s?[·*]?\s?ч|kilovat|киловатт|كيلوواط|كيلو واط",
        r"m³|м³|\bm3\b|куб\.?\s?м|кубометр|cubic met|metreküp|متر مكعب|المتر المكعب|م³",
    )
)


def _same_units(question: str, text: str) -> bool:
    """False when the question names a unit of measure (m², hectare, kWh) and the sentence names none of the
    question's units but another of them."""
    asked = [p for p in _PER_UNITS if p.search(question)]
    if not asked:
        return True
    if any(p.search(text) for p in asked):
        return True
    return not any(p.search(text) for p in _PER_UNITS)


# Currency codes and words as words ("TL", not the "tl" of "çitli"); Arabic ones may carry a prefix (بالدولار).
_CURRENCY = re.compile(
    r"(?<![^\W\d_])(?:USD|AED|SAR|OMR|EGP|EUR|TL|TRY|руб\w*|dolar\w*|lira\w*)(?![^\W\d_])|[$€₽]|"
    r"درهم|ريال|دولار|جنيه",
    re.I,
)


_COUNTED = re.compile(
    r"compan|firm|resident|member|employ|people|staff|worker|user|компани|фирм|резидент|предприят|сотрудник|"
    r"человек|работник|участник|şirket|firma|kişi|çalışan|kullanıcı|işletme|شرك|منشأ|موظف|عامل|مستثمر|مقيم|"
    r"visa|виз|vize|تأشير",
    re.IGNORECASE,
)


# Places are counted right after the number ("58 SEZs in more than 40 regions"): "the zone was created in 2005"
# counts nothing.
_COUNTED_AFTER = re.compile(
    r"\s+(?:[^\W\d_]+\s+){0,2}?(?:zones?|SEZs?|regions?|sites?|зон\w*|ОЭЗ|регион\w*|площад(?:к|ок)\w*|"
    r"bölge\w*|il(?:de|e)?\b|منطقة|مناطق|موقع|مواقع)\b",
    re.IGNORECASE,
)


def states_figure(text: str, kind: str, context: str = "") -> bool:
    """Whether ``text`` states a figure of ``kind`` (digits, or a spelled-out number for durations).
    A bare number counts as a price or an amount when the text just before it names a currency (a tariff
    table's cell), and as a count when a counted noun (companies, residents, employees ...) stands next to it."""
    found = facts_of(text)
    kinds = {k for k, _ in found}
    if kind == "any":
        return bool(found)
    if kind == "count":
        return any(
            k == "number"
            and (
                _COUNTED.search(text[max(0, text.find(v) - 25) : text.find(v) + len(v) + 30])
                or _COUNTED_AFTER.match(text[text.find(v) + len(v) :])
            )
            for k, v in found
        )
    if kinds & ANSWERED_BY[kind]:
        return True
    if kind in ("money", "amount") and "number" in kinds and _CURRENCY.search(context):
        return True
    return kind == "duration" and spelled_duration(text)


def spelled_duration(text: str) -> bool:
    """A duration written in words ("five years", "три года", "beş yıl", "سنتين")."""
    return bool(_SPELLED_DURATION.search(text))


def key_facts(text: str, asks: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The facts worth restating: figures with a unit (rates, durations, prices, areas, dates); bare numbers
    (list markers, article numbers, years) only when the sentence has nothing else. ``asks`` are the kinds of
    figure the question asks for (see ``asked_figures``, plus "year"): their facts come first, years are kept
    for "when" questions and counted numbers ("152 residents") for "how many" ones."""
    found = [
        (k, v)
        for k, v in facts_of(text, identifiers="law" in asks)
        if not (k == "date" and _AS_OF.search(_before(text, v)))
    ]
    with_unit = [(k, v) for k, v in found if k != "number"]
    if not with_unit:  # bare numbers, but not years, nor list markers and other small numbers without a noun
        with_unit = [
            (k, v)
            for k, v in found
            if not re.fullmatch(r"(?:19|20)\d\d", v) and (not re.fullmatch(r"\d{1,2}", v) or _counts_noun(text, v))
        ]
    extra = []
    if "law" in asks:
        extra += [
            (k, v) for k, v in found if k == "number" and _is_identifier(text, text.find(v), text.find(v) + len(v))
        ]
    if "year" in asks:
        extra += [(k, v) for k, v in found if k == "number" and re.fullmatch(r"(?:19|20)\d\d", v)]
    # A number that counts companies, people or visas ("up to 3 residence visas") is a fact in any company.
    extra += [
        (k, v) for k, v in found if k == "number" and states_figure(v + text[text.find(v) + len(v) :][:30], "count")
    ]
    out = list(dict.fromkeys([*with_unit, *extra]))
    wanted = set().union(*(ANSWERED_BY.get(a, set()) for a in asks)) if asks else set()
    # a date is the answer to "when / until when / how long"; otherwise it comes after the other figures
    return sorted(out, key=lambda f: (f[0] not in wanted, f[0] == "date", text.find(f[1])))


# "As of 1 March 2025": the date a text describes, not a fact of the rules.
_AS_OF = re.compile(
    r"(?:по состоянию на|as of|as at|itibarıyla|itibariyle|itibari ile|اعتبارا من|اعتبارًا من|كما في|حتى تاريخ)\s*$",
    re.IGNORECASE,
)


def _before(text: str, surface: str, width: int = 24) -> str:
    at = text.find(surface)
    return text[max(0, at - width) : at] if at >= 0 else ""


def _counts_noun(text: str, number: str) -> bool:
    """A small bare number that counts the word after it ("up to 3 residence visas"), not a list marker
    ("3. The zone ...") or a number at the start of a line."""
    for m in re.finditer(rf"(?<![\w.,]){re.escape(number)}(?![\w.,%])", text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text[line_start : m.start()].strip(" \t-•*(") == "":
            continue
        if re.match(r"\s+[^\W\d_]{2,}", text[m.end() :]):
            return True
    return False


def localise_fact(kind: str, surface: str, lang: Lang) -> str:
    """A fact with its unit word in ``lang``: '5 лет' -> '5 years'; digits and % stay as they are."""
    from regassist.textnorm import ascii_digits

    text = ascii_digits(surface).replace("٪", "%")
    if kind == "date":
        return local_date(text, lang) or text
    number_match = re.search(_RANGE, text)
    number = re.sub(_RANGE_WORD, "–", number_match.group().strip()) if number_match else ""  # no foreign word
    if kind == "percent" and number:
        if re.search(r"‰|binde|промилле", text, re.I):
            return f"{number}‰"
        return f"{number}%"
    if kind in ("duration", "area", "length") and number_match:
        rest = text[number_match.end() :].strip()
        scale = next((key for key, pattern in _SCALES if pattern.search(rest)), None)
        for pattern, key in _UNIT_WORDS:
            if pattern.search(rest):
                return " ".join(p for p in (number, unit(scale, lang) if scale else "", unit(key, lang)) if p)
    if kind == "money" and number:
        scale = next((key for key, pattern in _SCALES if pattern.search(text)), None)
        code = next((iso for iso, pattern in _CURRENCIES if pattern.search(text)), "")
        parts = [number, unit(scale, lang) if scale else "", code]
        return " ".join(p for p in parts if p)
    return text


def bare_amounts(text: str, context: str, limit: int = 3) -> list[str]:
    """Amounts of a table row whose currency only its header names ("من 0.5 إلى 1 | heavy industry" under
    "rial / m² / year"): the row's numbers and ranges that are no other kind of figure, with the header's currency
    code ("0.5–1 OMR"); [] when the header names no currency."""
    from regassist.textnorm import ascii_digits

    folded = fold(context)
    code = next((iso for iso, pattern in _CURRENCIES if pattern.search(folded)), "")
    if not code:
        return []
    text = ascii_digits(text)
    taken = [(s, e) for s, e, kind in fact_spans(text) if kind != "number"]
    out = []
    for m in re.finditer(_RANGE, text):
        if any(s < m.end() and m.start() < e for s, e in taken) or re.fullmatch(r"(?:19|20)\d\d", m.group()):
            continue
        out.append(f"{re.sub(_RANGE_WORD, '–', m.group().strip())} {code}")
    return out[:limit]


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """How evidence sentences are scored; fitted on the development questions (bench/tune_evidence.py)."""

    lexical: float = 1.0  # question terms (expanded across languages) in the sentence, length-normalised
    context: float = 0.3  # question terms only in the passage's heading path
    prior: float = 1.0  # 1/sqrt(rank) of the passage
    facts: float = 1.0  # a figure, for "how much / how long" questions
    forum: float = 1.0  # official texts before forum posts, unless the question asks about experience
    law: float = 0.5  # the law itself before handbooks and memos that retell it (primary source first)
    semantic: float = 20.0  # per unit of question-sentence cosine above COSINE_FLOOR


@dataclass(frozen=True, slots=True)
class Candidate:
    evidence: Evidence
    overlap: float  # weighted question terms in the sentence / sqrt(its length)
    context_overlap: float
    prior: float
    has_facts: bool
    wants_number: bool
    asks_experience: bool = False

    def lexical_score(self, w: ScoreWeights) -> float:
        return (
            w.lexical * self.overlap
            + w.context * self.context_overlap
            + w.prior * self.prior
            + (w.facts if self.wants_number and self.has_facts else 0.0)
            - (w.forum if self.evidence.hit.doc.doc_type == "forum" and not self.asks_experience else 0.0)
            + (w.law if self.evidence.hit.doc.doc_type == "law" and not self.asks_experience else 0.0)
        )


def states_premise(question: str) -> bool:
    """The question states a rate or a term ("since VAT is 0% forever ...", "with our 50-year guarantee")."""
    return any(k in ("percent", "duration") for k, _ in facts_of(question))


def wants_figures(question: str) -> bool:
    """A "how much / how long / how big" question, or one that states a figure and so wants the sources' figure
    too."""
    return bool(_QUANTITY_Q.search(question)) or states_premise(question)


def sentence_candidates(plan: QueryPlan, hits: Sequence[Hit], passages: int = EVIDENCE_PASSAGES) -> list[Candidate]:
    """Every sentence of the top passages with its lexical features (passages that try to instruct the
    assistant are skipped: document text is data, never instructions)."""
    wants_number = wants_figures(plan.text)
    kinds = asked_figures(plan.text)  # "how big" wants an area: a sentence with only a price is no better off
    asks_experience = bool(_EXPERIENCE_Q.search(plan.text))
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[:passages]):
        if INJECTION.search(hit.chunk.text):
            continue
        context_tokens = set(tokenize(hit.chunk.context, hit.doc.lang, query=True))
        for text, start in split_sentences(hit):
            if text.rstrip().endswith(("?", "؟")):
                continue  # a question (forum threads are full of them) never answers one
            tokens = set(tokenize(text, hit.chunk.lang, query=True))
            norm = math.sqrt(max(len(tokens), 4))
            overlap = sum(w for t, w in plan.tokens.items() if t in tokens) / norm
            context = sum(w for t, w in plan.tokens.items() if t in context_tokens and t not in tokens) / norm
            out.append(
                Candidate(
                    Evidence(hit, text, start, 0.0),
                    overlap,
                    context,
                    1.0 / math.sqrt(1 + rank),
                    any(states_figure(text, k) for k in kinds) if kinds else bool(facts_of(text)),
                    wants_number,
                    asks_experience,
                )
            )
    return out


class Answerer:
    """Hits -> Answer. ``page_of(doc_id, offset)`` maps a quote to its page."""

    def __init__(
        self,
        page_of: Callable[[str, int], int],
        *,
        min_evidence: float,
        max_sentences: int = 3,
        corpus_places: Callable[[], tuple[set[str], set[str]]] | None = None,
        embed_query: Callable[[str], np.ndarray] | None = None,
        embed_sentences: Callable[[Sequence[str]], np.ndarray] | None = None,
        weights: ScoreWeights | None = None,
        editions_of: Callable[[str], list[str]] | None = None,
        language_background: Callable[[np.ndarray, str], float] | None = None,
        plan_query: Callable[[str, Lang], QueryPlan] | None = None,
    ) -> None:
        self.plan_query = plan_query
        self.editions_of = editions_of
        self.language_background = language_background
        self.weights = weights or ScoreWeights()
        self.page_of = page_of
        self.min_evidence = min_evidence
        self.max_sentences = max_sentences
        self.corpus_places = corpus_places
        self.embed_query = embed_query
        self.embed_sentences = embed_sentences

    def answer(
        self,
        question: str,
        plan: QueryPlan,
        hits: Sequence[Hit],
        lang: Lang,
        search_part: PartSearch | None = None,
    ) -> Answer:
        """The answer from ``hits`` (the question's passages); ``search_part`` finds passages for one part of a
        question that asks several things (the question's own search favours its strongest part)."""
        missing_place = self._missing_place(plan, hits, lang)
        if missing_place:
            return Answer(question, lang, say("refused_place", lang, place=missing_place), (), refused=True)
        if not hits or not _content_words(question, plan.lang):
            # nothing found, or nothing asked: "?", "и и и", "how? what?" have no word to look for
            return Answer(question, lang, say("refused", lang, docs=say("no_docs", lang)), (), refused=True)
        hits, edition_notes = self._pick_editions(question, list(hits), lang)
        figures = required_figures(question)

        def viable(ev: Evidence) -> bool:  # a sentence without the required figure never answers: no place for it
            return not figures or any(ev.states(k) for k in figures)

        evidence = self._relevant(plan, self._rank_sentences(plan, hits, keep=viable))
        confidence = evidence[0].score if evidence else 0.0
        if not evidence or confidence < self.min_evidence:
            return replace(self._refusal(question, hits, lang), confidence=confidence)
        if asks_change(question):
            changed = self._edition_change(plan, hits, lang)
            if changed is not None:
                text, citations = changed
                return Answer(question, lang, text, tuple(citations), refused=False)
        asks = asked_kinds(question)
        topic = asked_concepts(plan)
        chosen = self._choose(evidence, wants_figures(question), lang, premise=states_premise(question))
        chosen = self._answer_parts(question, plan, hits, chosen, lang, search_part)
        chosen = _without_repeats([_whole_list(ev) for ev in chosen])
        chosen = self._restated_once(chosen, lang, asks)
        citations: list[Citation] = []
        lines: list[str] = []
        for ev in chosen:
            n = len(citations) + 1
            citations.append(self._cite(n, ev))
            lines.append(self._render(ev, n, lang, asks, topic))
        text = _join(lines, lang)
        if contradicts_premise(question, [ev.text for ev in chosen]):
            text = f"{say('premise', lang)} {text}"
        notes = dict.fromkeys(edition_notes[s] for s in (ev.hit.doc.series for ev in chosen) if s in edition_notes)
        if notes:  # only for the documents the answer actually cites
            text = "\n\n".join([text, *notes])
        return Answer(question, lang, text, tuple(citations), refused=False, confidence=confidence)

    def _answer_parts(
        self,
        question: str,
        plan: QueryPlan,
        hits: Sequence[Hit],
        chosen: list[Evidence],
        lang: Lang,
        search_part: PartSearch | None = None,
    ) -> list[Evidence]:
        """A question that asks several things ("how many residents, and until which year does the zone run?")
        gets, for every part the chosen sentences leave open, that part's best supported sentence. The sentences
        were ranked against the whole question, whose strongest part takes all the places otherwise; with
        ``search_part`` each part is also searched for on its own."""
        parts = question_parts(question) if self.plan_query is not None else []
        out = list(chosen)
        for part in parts:
            part_plan = replace(
                self.plan_query(part, plan.lang),
                countries=plan.countries,
                zones=plan.zones,
                zone_names=plan.zone_names,
                zone_countries=plan.zone_countries,
            )
            part_hits = list(hits[:EVIDENCE_PASSAGES])
            if search_part is not None:  # the question's passages, then those found for the part alone
                seen = {h.chunk.chunk_id for h in part_hits}
                part_hits += [
                    replace(h, rank=len(hits) + h.rank) for h in search_part(part) if h.chunk.chunk_id not in seen
                ]
            found = self._relevant(part_plan, self._rank_sentences(part_plan, part_hits, len(part_hits)))
            found = [e for e in found if e.hit.chunk.lang == lang or facts_of(e.text)]
            if not found or found[0].score < self.min_evidence:
                continue
            best = found[0]
            if any(_overlaps(best, c) for c in out):
                continue
            out.append(best)
        if len(out) == len(chosen):
            return chosen
        return _merge_adjacent(sorted(out, key=lambda e: (e.hit.rank, e.start)))

    # -- support and refusal ----------------------------------------------------------------------
    def _missing_place(self, plan: QueryPlan, hits: Sequence[Hit], lang: Lang) -> str | None:
        """Name of a zone or country the question asks about that no document covers."""
        if self.corpus_places is None or not (plan.zones or plan.countries):
            return None
        from regassist.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        zones, countries = self.corpus_places()
        for key in plan.zones:
            place = gazetteer.find_place(key)
            if key in zones or place is None:
                continue
            names = {fold(n) for ns in place.names.values() for n in ns}
            mentioned = any(any(n in fold(h.chunk.context + " " + h.chunk.text) for n in names) for h in hits)
            if not mentioned and place.country not in countries:
                return place.name(lang)
        for code in plan.countries:
            if code not in countries and not (code in plan.zone_countries and any(z in zones for z in plan.zones)):
                try:
                    return gazetteer.get(code.lower()).name(lang)
                except KeyError:
                    return code
        return None

    def _refusal(self, question: str, hits: Sequence[Hit], lang: Lang) -> Answer:
        """A refusal naming the closest documents. Titles in other languages are listed
        within a budget (half the message's own length) so that the answer stays in the asker's language;
        past it a document is named by its file name."""
        names: list[str] = []
        foreign = 0
        budget = len(say("refused", lang, docs="")) // 2
        for h in hits:
            name = h.doc.title
            if h.doc.lang != lang:
                if foreign + len(name) > budget:
                    name = h.doc.source.replace("\\", "/").rsplit("/", 1)[-1]
                foreign += len(name)
            if name not in names:
                names.append(name)
            if len(names) == 3:
                break
        docs = "; ".join(f"«{t}»" for t in names) or say("no_docs", lang)
        return Answer(question, lang, say("refused", lang, docs=docs), (), refused=True)

    # -- editions ---------------------------------------------------------------------------------
    def _pick_editions(self, question: str, hits: list[Hit], lang: Lang) -> tuple[list[Hit], dict[str, str]]:
        """Keep the edition in force (latest, or the one whose year the question names) per series; the note to
        add, per series, when the answer comes from a series that has other editions."""
        if asks_change(question):
            return hits, {}
        by_series: dict[str, set[str]] = {}
        for h in hits:
            if h.doc.series and h.doc.edition:
                by_series.setdefault(h.doc.series, set()).add(h.doc.edition)
        if self.editions_of is not None:  # all editions in the corpus, not only those retrieved
            by_series = {series: set(self.editions_of(series)) | found for series, found in by_series.items()}
        asked_years = {m.group() for m in _YEAR.finditer(question)}
        keep_edition: dict[str, str] = {}
        notes: dict[str, str] = {}
        for series, editions in by_series.items():
            if len(editions) < 2:
                continue
            named = [e for e in editions if e[:4] in asked_years]
            keep_edition[series] = max(named) if named else max(editions)
            if not named:
                older = max(e for e in editions if e != keep_edition[series])
                notes[series] = say("edition_used", lang, edition=keep_edition[series], older=older)
        kept = [h for h in hits if not h.doc.series or keep_edition.get(h.doc.series, h.doc.edition) == h.doc.edition]
        return kept, notes

    def _edition_change(self, plan: QueryPlan, hits: Sequence[Hit], lang: Lang) -> tuple[str, list[Citation]] | None:
        """'What changed': the provisions on the asked matter that the oldest and newest edition of one series
        word differently (a rate, a term, a price), each edition's sentence cited. Where no changed provision
        is found among the retrieved passages, the best fact-bearing sentence of each edition."""
        series_hits: dict[str, list[Hit]] = {}
        for h in hits:
            if h.doc.series and h.doc.edition:
                series_hits.setdefault(h.doc.series, []).append(h)
        for group in series_hits.values():
            editions = sorted({h.doc.edition for h in group if h.doc.edition})
            if len(editions) < 2:
                continue
            old_hits = [h for h in group if h.doc.edition == editions[0]]
            new_hits = [h for h in group if h.doc.edition == editions[-1]]
            # Sentences about what was asked (its concept, its kind of figure), where each edition has some.
            kinds = asked_figures(plan.text)
            old, new = (
                self._on_point(plan, self._rank_sentences(plan, found), kinds) for found in (old_hits, new_hits)
            )
            if not old or not new:
                continue
            years = sorted({e[:4] for e in editions})
            pairs = changed_pairs(old, new, old_hits, new_hits, years, kinds) or [(old[0], new[0])]
            asks, topic = asked_kinds(plan.text), asked_concepts(plan)
            lines: list[str] = []
            citations: list[Citation] = []
            for before, after in pairs:
                n = len(citations) + 1
                citations += [self._cite(n, before), self._cite(n + 1, after)]
                lines.append(
                    say(
                        "edition_changed",
                        lang,
                        old_fact=self._fact_text(before, lang, asks, topic),
                        new_fact=self._fact_text(after, lang, asks, topic),
                        n_old=n,
                        n_new=n + 1,
                    )
                )
            # The editions' dates come from metadata, not from the quotes: a note of their own, after the answer.
            note = say("editions_compared", lang, old=editions[0], new=editions[-1])
            return "\n".join(lines) + f"\n\n{note}", citations
        return None

    def _on_point(self, plan: QueryPlan, ranked: Sequence[Evidence], kinds: Sequence[str]) -> list[Evidence]:
        """Fact-bearing sentences of ``ranked``: the relevant ones (if any), those that state the asked ``kinds``
        of figure ("rent" asks for a price, not for an area) first."""
        relevant = [e for e in (self._relevant(plan, ranked) or ranked) if facts_of(e.text)]
        stating = [e for e in relevant if any(states_figure(e.text, k) for k in kinds)]
        return stating + [e for e in relevant if e not in stating]

    # -- sentence selection -----------------------------------------------------------------------
    def _rank_sentences(
        self,
        plan: QueryPlan,
        hits: Sequence[Hit],
        passages: int = EVIDENCE_PASSAGES,
        keep: Callable[[Evidence], bool] | None = None,
    ) -> list[Evidence]:
        """Sentences of the top passages, best first. A lexical pass (the question's terms, expanded into the
        other languages, the passage's rank, and a figure for "how much" questions) short-lists them, keeping
        the best few of every evidence language (the asker's own words favour sentences in the asker's
        language); the short-list is then scored by meaning with the embedder, which works across languages.

        Small multilingual embedders rate any text in the asker's language as closer than text in another
        language. With ``language_background`` (the question's mean similarity to all passages of a language)
        a sentence's cosine is shifted by the difference between its language's background and the asker's,
        so sentences in different languages compete on how much closer than their background they are.

        ``keep`` filters the sentences before the short-list (a comparison cell needs a figure of its kind)."""
        w = self.weights
        candidates = _per_language_overlap(sentence_candidates(plan, hits, passages))
        if keep is not None:
            candidates = [c for c in candidates if keep(c.evidence)]
        ranked = _shortlist(sorted(candidates, key=lambda c: c.lexical_score(w), reverse=True))
        if self.embed_query is None or self.embed_sentences is None or not ranked:
            return [replace(c.evidence, score=c.lexical_score(w)) for c in ranked]
        # The heading path goes with the sentence: "2.3 Rent › ... 60 000 руб." means more with its heading.
        texts = [f"{c.evidence.hit.chunk.context}\n{c.evidence.text}" for c in ranked]
        query = self.embed_query(plan.text)
        cosines = self.embed_sentences(texts) @ query
        shift: dict[str, float] = {}
        if self.language_background is not None:
            own = self.language_background(query, plan.lang)
            for lang in {c.evidence.hit.chunk.lang for c in ranked}:
                shift[lang] = self.language_background(query, lang) - own if lang != plan.lang else 0.0
        out = []
        for c, cos in zip(ranked, cosines, strict=True):
            cosine = float(cos) - shift.get(c.evidence.hit.chunk.lang, 0.0)
            score = c.lexical_score(w) + w.semantic * (cosine - COSINE_FLOOR)
            out.append(replace(c.evidence, score=score, cosine=cosine))
        return sorted(out, key=lambda e: e.score, reverse=True)

    def _relevant(self, plan: QueryPlan, evidence: Sequence[Evidence]) -> list[Evidence]:
        """Evidence about what was asked; evidence about another zone, another matter or without the asked
        kind of figure does not answer, and an empty result means the sources do not say.

        - Zone: when the question names zones, the sentence's document is about one of them (or is a
          country-wide text of their country, or names them), and the sentence itself names no other zone.
        - Matter: when the question asks about specific glossary concepts (land lease, electricity ...), the
          sentence or its section heading speaks of one of them or of one of the same aspect (translations
          file "gelir vergisi" and "income tax" under neighbouring concepts); a sentence about another
          aspect never answers, and one with no concept at all must be close in meaning.
        - Figure: for "how much / how many / how long" questions, the sentence states such a figure (one of
          them when the question asks for several kinds).
        """
        from regassist.gazetteer import default_gazetteer
        from regassist.glossary import default_glossary

        glossary, gazetteer = default_glossary(), default_gazetteer()
        asked = _asked_concepts(plan)
        asked_aspects = {c.aspect for c in asked} - {"general"}
        asked_keys = {c.key for c in asked}
        figures = required_figures(plan.text)
        zone_names = set(plan.zone_names)
        zone_countries = set(plan.zone_countries)
        documented = self.corpus_places()[0] if self.corpus_places is not None and plan.zones else set()
        undocumented = bool(plan.zones) and self.corpus_places is not None and not set(plan.zones) & documented
        out: list[Evidence] = []
        for ev in evidence:
            doc, chunk = ev.hit.doc, ev.hit.chunk
            if plan.zones:
                if doc.zone not in plan.zones:
                    about_country = doc.zone is None and doc.country in zone_countries
                    if not about_country and not any(n in fold(chunk.context + " " + chunk.text) for n in zone_names):
                        continue
                named = set(gazetteer.zones_in(ev.text))
                if named and not named & set(plan.zones):
                    continue
                # A country-wide text speaks of one zone after another: without a zone of its own, a sentence
                # is about the zone its text last named ("Alabuga ... The zone covers 4,000 ha" is not Lipetsk).
                # A zone without documents of its own, only mentioned in passing, is answered only where it is
                # named: a country-wide rule is no answer to "what is the land rent in Titanium Valley?".
                if not named and doc.zone not in plan.zones:
                    context = _nearest_zones(ev, gazetteer)
                    if context and not context & set(plan.zones):
                        continue
                    if not context and undocumented:
                        continue
            named_topic = False  # the sentence names an asked concept (not only close in meaning)
            if asked:
                found = {m.concept for m in glossary.find(f"{chunk.section}\n{ev.text}", chunk.lang)}
                found -= {c for c in found if c.key in GENERIC_CONCEPTS}
                same_aspect = bool({c.aspect for c in found} & asked_aspects) and (
                    ev.cosine >= ASPECT_MEANING or bool(asked_keys & QUALIFIER_CONCEPTS)
                )
                # Power, gas and water are different things: a sentence that names one of them answers no
                # question on another, whatever its section heading names.
                if asked_keys & DISTINCT_CONCEPTS:
                    own = {m.concept.key for m in glossary.find(ev.text, chunk.lang)} & DISTINCT_CONCEPTS
                    if own and not own & asked_keys:
                        continue
                named_topic = bool(found & asked)
                if not (named_topic or same_aspect) and (found or ev.cosine < CLOSE_MEANING):
                    continue
            elif ev.cosine < OPEN_MEANING:
                continue
            if figures:
                stated = [kind for kind in figures if ev.states(kind)]
                if not stated:
                    continue
                # A percentage answers a price question only where the sentence names the priced thing ("rent:
                # 2% of the cadastral value"); "12% of world trade" does not give a wage.
                if stated == ["money"] and asked and not named_topic and not ev.states("amount", reach=80):
                    continue
            if not _same_units(plan.text, ev.text):
                continue
            out.append(ev)
        return out

    def _choose(
        self, evidence: Sequence[Evidence], wants_number: bool, lang: Lang, premise: bool = False
    ) -> list[Evidence]:
        """The best sentence, the one after it when it carries the figures (tables and lists continue across
        sentences), then others within 60% of the best score; adjacent ones become one quote. For "how much"
        questions, and for evidence in another language (rendered as facts), sentences without figures go."""
        pool = list(evidence)
        if wants_number and any(facts_of(e.text) for e in pool):
            pool = [e for e in pool if facts_of(e.text)]
        best = pool[0]
        if best.hit.chunk.lang != lang and not facts_of(best.text):
            # Evidence in another language is restated by its figures: a close runner-up with figures says more.
            with_facts = [e for e in pool[1:4] if facts_of(e.text) and e.score >= best.score * 0.8]
            if with_facts:
                best = with_facts[0]
                pool = [best, *(e for e in pool if e is not best)]
        chosen: list[Evidence] = [best]
        sentences = split_sentences(best.hit)
        starts = [s for _, s in sentences]
        if wants_number and best.start in starts:
            i = starts.index(best.start)
            if i + 1 < len(sentences) and facts_of(sentences[i + 1][0]):
                chosen.append(Evidence(best.hit, sentences[i + 1][0], sentences[i + 1][1], best.score * 0.9))
        # Evidence in another language is restated as short labelled figures: one line more fits. A correction
        # of a stated figure quotes the sources' provision whole: its continuation takes no place of its own.
        limit = self.max_sentences + (1 if best.hit.chunk.lang != lang else 0) + (len(chosen) - 1 if premise else 0)
        for ev in pool[1:]:
            if len(chosen) >= limit or ev.score < best.score * 0.6:
                break
            if ev.hit.chunk.lang != lang and not facts_of(ev.text):
                continue
            if all(ev.start != c.start for c in chosen):
                chosen.append(ev)
        return _merge_adjacent(sorted(chosen, key=lambda e: (e.hit.rank, e.start)))

    @staticmethod
    def _restated_once(chosen: Sequence[Evidence], lang: Lang, asks: Sequence[str]) -> list[Evidence]:
        """Evidence in another language is restated by its labelled figures: a sentence whose facts an earlier
        one already stated goes, and so does one without figures when another sentence of its document stays
        (it would only say "see the quote"; alone it stays: its citation may be the only one to the right
        document)."""
        facts = {
            id(ev): {
                (label, v) for label, values in labelled_facts(ev.text, ev.hit.chunk.lang, lang, asks) for v in values
            }
            for ev in chosen
            if ev.hit.chunk.lang != lang
        }
        out: list[Evidence] = []
        seen: set[tuple[str, str]] = set()
        for ev in chosen:
            own = facts.get(id(ev))
            if own and own <= seen:
                continue
            seen |= own or set()
            out.append(ev)
        mute = {id(ev) for ev in out if id(ev) in facts and not facts[id(ev)]}
        voiced_docs = {ev.hit.doc.doc_id for ev in out if id(ev) not in mute}
        out = [ev for ev in out if id(ev) not in mute or ev.hit.doc.doc_id not in voiced_docs]
        return out or list(chosen[:1])

    # -- rendering --------------------------------------------------------------------------------
    def _render(
        self, ev: Evidence, n: int, lang: Lang, asks: Sequence[str] = (), topic: frozenset[str] = frozenset()
    ) -> str:
        if ev.hit.chunk.lang == lang:
            return f"{reflow(ev.text)} [{n}]"
        from regassist.translate import translate

        translated = translate(ev.text, ev.hit.chunk.lang, lang)
        if translated:  # only where the user installed a model for the pair; marked as a translation
            return f"{self._fact_text(ev, lang, asks, topic)} [{n}] {say('translated', lang)}: «{translated}»"
        return f"{self._fact_text(ev, lang, asks, topic)} [{n}]"

    def _fact_text(
        self, ev: Evidence, lang: Lang, asks: Sequence[str] = (), topic: frozenset[str] = frozenset()
    ) -> str:
        """The key facts of an evidence sentence, labelled in ``lang`` (no text in other languages)."""
        if ev.hit.chunk.lang == lang:
            return reflow(ev.text).rstrip(".;")
        groups = labelled_facts(ev.text, ev.hit.chunk.lang, lang, asks, topic)
        if groups:
            body = "; ".join(
                f"{label}: {', '.join(values)}" if label else ", ".join(values) for label, values in groups
            )
        else:
            body = ", ".join(c.label[lang] for c in _sentence_concepts(ev.text, ev.hit.chunk.lang)[:2])
            body = body or say("facts", lang)
        note = say("source_lang", lang, language=lang_name(ev.hit.chunk.lang, lang))
        return f"{self._place_label(ev, lang)}{body.rstrip('.')}. {note}"  # "2–4 нед." ends a sentence once

    @staticmethod
    def _place_label(ev: Evidence, lang: Lang) -> str:
        """The zone the sentence is about, named in the asker's language: the one zone the sentence (else the
        paragraph before it) names, else its document's zone. A handbook on two zones speaks of each in turn."""
        from regassist.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        named = set(gazetteer.zones_in(ev.text)) or _nearest_zones(ev, gazetteer)
        zone = next(iter(named)) if len(named) == 1 else ev.hit.doc.zone
        if not zone:
            return ""
        try:
            return gazetteer.get(zone).name(lang) + " — "
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


# Crossing one of these between a figure and a term makes the term another clause's (or table cell's) label.
_CLAUSE_BREAK = re.compile(r"[;|\n]|\.(?=\s)")
_COMMA = re.compile(r"[,،](?=\s)")
CLAUSE_PENALTY = 60  # characters of distance per clause break crossed
COMMA_PENALTY = 15
GENERIC_PENALTY = 30
MAX_FACTS_PER_LINE = 6  # figures restated from one sentence (a table's every cell is no answer)
LABEL_REACH = 90  # a concept farther from a figure than this (distance as in labelled_facts) does not label it


def _asked_concepts(plan: QueryPlan) -> set[Concept]:
    """The specific glossary concepts (not GENERIC_CONCEPTS) the question names."""
    from regassist.glossary import default_glossary

    return {m.concept for m in default_glossary().find(plan.text, plan.lang) if m.concept.key not in GENERIC_CONCEPTS}


def asked_concepts(plan: QueryPlan) -> frozenset[str]:
    """Keys of the specific glossary concepts the question names (``_asked_concepts``)."""
    return frozenset(c.key for c in _asked_concepts(plan))


def _sentence_concepts(text: str, lang: str) -> list[Concept]:
    """Glossary concepts of ``text`` in order of appearance, the specific ones (not GENERIC_CONCEPTS) first."""
    from regassist.glossary import default_glossary

    concepts = list(dict.fromkeys(m.concept for m in default_glossary().find(text, lang)))
    return sorted(concepts, key=lambda c: c.key in GENERIC_CONCEPTS)


def labelled_facts(
    text: str, source_lang: str, lang: Lang, asks: Sequence[str] = (), topic: frozenset[str] = frozenset()
) -> list[tuple[str, list[str]]]:
    """The key facts of ``text`` grouped under the label (in ``lang``) of the glossary concept each figure
    belongs to: "profit tax 2% for 10 years, property tax 0%" gives [("Profit tax", ["2%", "10 years"]),
    ("Property tax", ["0%"])]; a figure that belongs to no concept is listed without a label ("").

    A figure of the asked kind that no specific concept stands close to, in a sentence that names an asked
    concept (``topic``: glossary keys), takes that concept's label: the sentence was chosen because it speaks
    of it. Otherwise the nearest concept labels it,
    counting characters between the term and the figure plus a penalty for every clause break (; | line
    break, full stop, a comma) between them; a term after the figure counts double (labels mostly come
    first), a generic concept (zone, resident ...) is a last resort, and a concept farther than LABEL_REACH
    labels nothing (a wrong label misleads more than none)."""
    from regassist.glossary import default_glossary

    matches = default_glossary().find(text, source_lang)
    on_topic = next((m.concept for m in matches if m.concept.key in topic), None)
    answering = set().union(*(ANSWERED_BY.get(a, set()) for a in asks)) if asks else set()
    wanted = key_facts(text, asks)
    rank = {f: i for i, f in enumerate(wanted)}
    spans = [(s, e, k) for s, e, k in fact_spans(text, "law" in asks) if (k, text[s:e].strip()) in rank]
    spans.sort(key=lambda sp: (rank[(sp[2], text[sp[0] : sp[1]].strip())], sp[0]))
    groups: dict[str, list[str]] = {}
    for start, end, kind in spans[:MAX_FACTS_PER_LINE]:
        concept, reach = _owner(text, matches, start, end)
        weak = concept is None or concept.key in GENERIC_CONCEPTS or reach > LABEL_REACH / 2
        if on_topic is not None and weak and (kind in answering or not asks):
            concept = on_topic
        label = (concept.label.get(lang) or concept.label["en"]) if concept is not None else ""
        values = groups.setdefault(label, [])
        value = localise_fact(kind, text[start:end].strip(), lang)
        if value not in values:
            values.append(value)
    return list(groups.items())


def _owner(text: str, matches: Sequence[TermMatch], start: int, end: int) -> tuple[Concept | None, float]:
    """The concept a figure at ``text[start:end]`` belongs to (the nearest term, counting characters between
    term and figure plus a penalty for every clause break and comma between them; a term after the figure
    counts double, a generic concept is a last resort), None when none is within LABEL_REACH; and its distance."""

    def distance(m: TermMatch) -> float:
        before = m.end <= start
        lo, hi = (m.end, start) if before else (end, m.start) if m.start >= end else (start, start)
        gap = text[lo:hi]
        breaks = CLAUSE_PENALTY * len(_CLAUSE_BREAK.findall(gap)) + COMMA_PENALTY * len(_COMMA.findall(gap))
        generic = GENERIC_PENALTY if m.concept.key in GENERIC_CONCEPTS else 0
        return (len(gap) if before else 2 * len(gap) + 10) + breaks + generic

    near = min(matches, key=distance, default=None)
    reach = distance(near) if near is not None else math.inf
    return (near.concept if near is not None and reach <= LABEL_REACH else None), reach


def _per_language_overlap(candidates: list[Candidate]) -> list[Candidate]:
    """Term overlap scaled per evidence language so that the best sentence of every language has the best
    overlap of all: the asker's own words always match sentences in the asker's language better than their
    glossary translations match the others, whatever the sentences say."""
    best: dict[str, float] = {}
    for c in candidates:
        lang = c.evidence.hit.chunk.lang
        best[lang] = max(best.get(lang, 0.0), c.overlap)
    top = max(best.values(), default=0.0)
    return [
        replace(c, overlap=c.overlap * top / best[c.evidence.hit.chunk.lang])
        if best[c.evidence.hit.chunk.lang] > 0
        else c
        for c in candidates
    ]


def _shortlist(ranked: Sequence[Candidate]) -> list[Candidate]:
    """The first SEMANTIC_SHORTLIST of ``ranked`` (best first), with the best SHORTLIST_PER_LANG of each
    evidence language among them whatever their lexical rank."""
    chosen: list[Candidate] = []
    per_lang: dict[str, int] = {}
    for c in ranked:
        lang = c.evidence.hit.chunk.lang
        if per_lang.get(lang, 0) < SHORTLIST_PER_LANG:
            per_lang[lang] = per_lang.get(lang, 0) + 1
            chosen.append(c)
    for c in ranked:
        if len(chosen) >= max(SEMANTIC_SHORTLIST, len(per_lang) * SHORTLIST_PER_LANG):
            break
        if not any(c is x for x in chosen):
            chosen.append(c)
    return chosen


LIST_ITEM_CHARS = 160  # a sentence this short after a lead-in ending with ":" is one of its items


def _whole_list(ev: Evidence) -> Evidence:
    """A list item quoted with its lead-in and the items before it ("must not exceed the lower of: AED 5
    million; or 5% of its total revenue"), and a lead-in ("residents receive the following benefits:") with its
    items: alone, either says half of it. One verbatim span of the passage, at most MAX_QUOTE_CHARS long."""
    sentences = split_sentences(ev.hit)
    starts = [start for _, start in sentences]
    if ev.start not in starts or len(ev.text) > MAX_QUOTE_CHARS:
        return ev
    i = starts.index(ev.start)
    first = last = i
    if ev.text.rstrip().endswith(":"):  # a lead-in: its items follow
        while last + 1 < len(sentences) and len(sentences[last + 1][0]) <= LIST_ITEM_CHARS:
            if sentences[last + 1][0].rstrip().endswith(":"):
                break
            last += 1
    else:  # an item: its lead-in is the nearest sentence before ending with ":", across short items only
        j = i - 1
        while j >= 0 and not sentences[j][0].rstrip().endswith(":") and len(sentences[j][0]) <= LIST_ITEM_CHARS:
            j -= 1
        if j >= 0 and sentences[j][0].rstrip().endswith(":") and len(sentences[i][0]) <= LIST_ITEM_CHARS:
            first = j
    if first == last:
        return ev
    chunk = ev.hit.chunk
    own_end = ev.start + len(ev.text)  # a quote of merged sentences keeps all of them
    begin, end = starts[first], max(own_end, starts[last] + len(sentences[last][0]))
    while end - begin > MAX_QUOTE_CHARS and last > i:  # items after the quote go first
        last -= 1
        end = max(own_end, starts[last] + len(sentences[last][0]))
    if end - begin > MAX_QUOTE_CHARS:
        return ev
    return replace(ev, text=chunk.text[begin - chunk.start : end - chunk.start], start=begin)


def _without_repeats(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Each quote once: one that lies within another (a list quoted whole holds its items) goes, and the
    larger takes the place of the first it holds."""

    def within(a: Evidence, b: Evidence) -> bool:
        return (
            a.hit.doc.doc_id == b.hit.doc.doc_id
            and b.start <= a.start
            and a.start + len(a.text) <= b.start + len(b.text)
        )

    out: list[Evidence] = []
    for ev in evidence:
        if any(within(ev, kept) for kept in out):
            continue
        held = [i for i, kept in enumerate(out) if within(kept, ev)]
        if held:
            out[held[0]] = ev
            out = [kept for i, kept in enumerate(out) if i not in held[1:]]
        else:
            out.append(ev)
    return out


def _nearest_zones(ev: Evidence, gazetteer: Any) -> set[str]:
    """The zones named by the paragraph nearest before the sentence that names any (its own paragraph first),
    else by its section heading; empty when none is named."""
    for paragraph in reversed(re.split(r"\n\s*\n", ev.preceding(800))):
        zones = set(gazetteer.zones_in(paragraph))
        if zones:
            return zones
    return set(gazetteer.zones_in(ev.hit.chunk.section))


def _overlaps(a: Evidence, b: Evidence) -> bool:
    """Two quotes share text (one sentence may sit inside a merged quote)."""
    return a.hit.doc.doc_id == b.hit.doc.doc_id and a.start < b.start + len(b.text) and b.start < a.start + len(a.text)


def _merge_adjacent(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Join sentences of one passage that follow each other into one verbatim quote."""
    out: list[Evidence] = []
    for ev in evidence:
        prev = out[-1] if out else None
        if prev is not None and prev.hit.chunk.chunk_id == ev.hit.chunk.chunk_id:
            chunk = ev.hit.chunk
            gap_start, gap_end = prev.start + len(prev.text), ev.start
            gap = chunk.text[gap_start - chunk.start : gap_end - chunk.start]
            if 0 <= gap_end - gap_start <= 3 and not gap.strip():
                span = chunk.text[prev.start - chunk.start : ev.start + len(ev.text) - chunk.start]
                out[-1] = Evidence(prev.hit, span, prev.start, max(prev.score, ev.score))
                continue
        out.append(ev)
    return out


def _join(lines: Sequence[str], lang: Lang) -> str:
    return " ".join(lines) if len(lines) < 3 else "\n".join(f"• {line}" for line in lines)


def reflow(text: str) -> str:
    """A quote as answer prose: line breaks that PDF extraction left inside sentences become spaces, blank
    lines between paragraphs or table rows a single line break, and a leading list dash goes. (The citation
    keeps the verbatim quote.)"""
    blocks = [re.sub(r"\s*\n\s*", " ", b).strip() for b in re.split(r"\n\s*\n", text)]
    return re.sub(r"^[-•*–]\s+", "", "\n".join(b for b in blocks if b))


def page_lookup(starts: Sequence[int]) -> Callable[[int], int]:
    """Offset in a document's text -> 1-based page, from the offsets where its pages start."""
    return lambda offset: max(1, bisect_right(starts, offset))


# -- editions: which provisions changed --------------------------------------------------------------------
ALIGNED = 0.6  # share of words (figures aside) two editions' sentences have in common to be one provision
EDITION_CANDIDATES = 6  # on-point sentences of each edition looked at for a changed counterpart
MAX_CHANGES = 2  # changed provisions one answer reports
CHANGE_REACH = 0.6  # a second changed provision is reported when its score is this share of the first's


def _skeleton(text: str) -> list[str]:
    """The words of a sentence without its figures: what stays when an edition only changes a rate or a term."""
    return [w for w in re.findall(r"\w+", fold(text)) if not any(ch.isdigit() for ch in w)]


def _figures(text: str) -> list[str]:
    from regassist.textnorm import ascii_digits

    return re.findall(_NUMBER, ascii_digits(text))


def _counterpart(ev: Evidence, others: Sequence[tuple[Evidence, list[str]]]) -> tuple[Evidence, float] | None:
    """The sentence of the other edition (``others``: sentences with their skeletons) that words the same
    provision, and how alike their words are."""
    from difflib import SequenceMatcher

    words = _skeleton(ev.text)
    if len(words) < 3:
        return None
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(words)
    best: tuple[Evidence, float] | None = None
    for other, skeleton in others:
        matcher.set_seq1(skeleton)
        if matcher.real_quick_ratio() < ALIGNED or matcher.quick_ratio() < ALIGNED:
            continue
        ratio = matcher.ratio()
        if ratio >= ALIGNED and (best is None or ratio > best[1]):
            best = (other, ratio)
    return best


def _reworded(a: str, b: str, years: Sequence[str] = ()) -> bool:
    """Two wordings of one provision differ in a figure or in a word (not only in line breaks), leaving aside
    dates in the editions' own ``years``: "as of 1 March 2025" is the edition's stamp, not a changed rule."""
    if years:
        stamp = re.compile(rf"{_WORD_DATE.pattern}|(?<!\d)(?:{'|'.join(map(re.escape, years))})(?!\d)", re.I)
        a, b = stamp.sub(" ", a), stamp.sub(" ", b)
    return _figures(a) != _figures(b) or _skeleton(a) != _skeleton(b)


def changed_pairs(
    old: Sequence[Evidence],
    new: Sequence[Evidence],
    old_hits: Sequence[Hit],
    new_hits: Sequence[Hit],
    years: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> list[tuple[Evidence, Evidence]]:
    """(older, newer) wordings of the provisions on the asked matter that differ between two editions, best
    first, at most ``MAX_CHANGES``. ``old`` and ``new`` are each edition's on-point sentences, ranked; their
    counterparts are looked for among every sentence of the other edition's retrieved passages. Dates in the
    editions' own ``years`` do not make a change; pairs that state a figure of the asked ``kinds`` come first.

    Written here because a text diff (difflib over whole documents) reports every changed line, while the
    asker wants the changed provisions on one matter: the ranking picks the matter, the alignment the pair."""
    # every sentence of each edition's passages, with its skeleton (computed once, compared many times)
    every_old = [(Evidence(h, s, start, 0.0), _skeleton(s)) for h in old_hits for s, start in split_sentences(h)]
    every_new = [(Evidence(h, s, start, 0.0), _skeleton(s)) for h in new_hits for s, start in split_sentences(h)]
    found: dict[tuple[str, int, str, int], tuple[float, Evidence, Evidence]] = {}
    for ranked, others, is_old in ((old, every_new, True), (new, every_old, False)):
        for ev in ranked[:EDITION_CANDIDATES]:
            match = _counterpart(ev, others)
            if match is None or not _reworded(ev.text, match[0].text, years):
                continue
            before, after = (ev, match[0]) if is_old else (match[0], ev)
            key = (before.hit.doc.doc_id, before.start, after.hit.doc.doc_id, after.start)
            if key not in found or found[key][0] < ev.score:
                found[key] = (ev.score, before, after)

    def stating(pair: tuple[float, Evidence, Evidence]) -> bool:
        return any(states_figure(ev.text, kind) for ev in pair[1:] for kind in kinds)

    ranked_pairs = sorted(found.values(), key=lambda t: (stating(t), t[0]), reverse=True)
    out: list[tuple[float, Evidence, Evidence]] = []
    for pair in ranked_pairs:
        score, before, after = pair
        if out and (score < max(out[0][0], 0.0) * CHANGE_REACH or stating(pair) != stating(out[0])):
            break
        if any(_overlaps(before, b) or _overlaps(after, a) for _, b, a in out):
            continue
        out.append((score, before, after))
        if len(out) == MAX_CHANGES:
            break
    return [(b, a) for _, b, a in sorted(out, key=lambda t: t[1].start)]
