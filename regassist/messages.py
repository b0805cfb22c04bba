"""Every sentence regassist itself says, in the four languages. Answers never mix languages."""

from __future__ import annotations

from regassist.documents import Lang

LANG_NAMES: dict[str, dict[str, str]] = {
    "ru": {"ru": "русском", "en": "английском", "ar": "арабском", "tr": "турецком"},
    "en": {"ru": "Russian", "en": "English", "ar": "Arabic", "tr": "Turkish"},
    "ar": {"ru": "الروسية", "en": "الإنجليزية", "ar": "العربية", "tr": "التركية"},
    "tr": {"ru": "Rusça", "en": "İngilizce", "ar": "Arapça", "tr": "Türkçe"},
}

MESSAGES: dict[str, dict[str, str]] = {
    "refused": {
        "ru": "В документах базы нет ответа на этот вопрос. Ближайшие по теме документы: {docs}.",
        "en": "The documents in the knowledge base do not answer this question. Closest documents: {docs}.",
        "ar": "لا تتضمن الوثائق المتاحة إجابة عن هذا السؤال. أقرب الوثائق إلى الموضوع: {docs}.",
        "tr": "Bilgi tabanındaki belgeler bu soruyu yanıtlamıyor. Konuya en yakın belgeler: {docs}.",
    },
    "refused_place": {
        "ru": "В базе нет документов о {place}, поэтому ответить на вопрос по документам нельзя.",
        "en": "The knowledge base has no documents about {place}, so this cannot be answered from the sources.",
        "ar": "لا توجد في قاعدة المعرفة وثائق عن {place}، لذلك لا يمكن الإجابة عن السؤال من المصادر.",
        "tr": "Bilgi tabanında {place} hakkında belge yok; bu nedenle soru kaynaklardan yanıtlanamıyor.",
    },
    "no_docs": {
        "ru": "нет близких документов",
        "en": "none close",
        "ar": "لا توجد وثائق قريبة",
        "tr": "yakın belge yok",
    },
    "source_lang": {
        "ru": "Источник на {language} языке; точная цитата приведена в ссылке",
        "en": "The source is in {language}; the exact quote is in the citation",
        "ar": "المصدر باللغة {language}؛ النص الحرفي في المرجع",
        "tr": "Kaynak {language}; tam alıntı kaynakta",
    },
    "found_in": {
        "ru": "Согласно документу «{title}»{where}:",
        "en": "According to “{title}”{where}:",
        "ar": "وفقًا لوثيقة «{title}»{where}:",
        "tr": "“{title}” belgesine göre{where}:",
    },
    "where_page": {"ru": ", стр. {page}", "en": ", p. {page}", "ar": "، ص {page}", "tr": ", s. {page}"},
    "where_section": {"ru": ", {section}", "en": ", {section}", "ar": "، {section}", "tr": ", {section}"},
    "edition_used": {
        "ru": "Ответ дан по редакции от {edition} (самой поздней в базе); есть также редакция от {older}.",
        "en": "Answered from the edition of {edition} (the latest in the base); an edition of {older} also exists.",
        "ar": "الإجابة مبنية على إصدار {edition} (الأحدث في القاعدة)؛ يوجد أيضًا إصدار {older}.",
        "tr": "Yanıt {edition} tarihli (tabandaki en güncel) sürüme dayanır; {older} tarihli bir sürüm de var.",
    },
    "edition_changed": {
        "ru": "Более ранняя редакция: {old_fact} [{n_old}]; более поздняя редакция: {new_fact} [{n_new}].",
        "en": "Older edition: {old_fact} [{n_old}]; newer edition: {new_fact} [{n_new}].",
        "ar": "الإصدار الأقدم: {old_fact} [{n_old}]؛ الإصدار الأحدث: {new_fact} [{n_new}].",
        "tr": "Eski sürüm: {old_fact} [{n_old}]; yeni sürüm: {new_fact} [{n_new}].",
    },
    "editions_compared": {
        "ru": "Сравнены редакции от {old} и от {new}.",
        "en": "Editions compared: {old} and {new}.",
        "ar": "الإصداران المقارنان: {old} و{new}.",
        "tr": "Karşılaştırılan sürümler: {old} ve {new}.",
    },
    "translated": {
        "ru": "Машинный перевод цитаты",
        "en": "Machine translation of the quote",
        "ar": "ترجمة آلية للاقتباس",
        "tr": "Alıntının makine çevirisi",
    },
    "facts": {"ru": "Ключевые данные", "en": "Key facts", "ar": "المعطيات الرئيسية", "tr": "Temel bilgiler"},
    "see_quote": {"ru": "см. цитату", "en": "see the quote", "ar": "انظر الاقتباس", "tr": "alıntıya bakın"},
    "not_found_cell": {"ru": "не найдено", "en": "not found", "ar": "غير موجود", "tr": "bulunamadı"},
    "premise": {
        "ru": "Обратите внимание: источники этого не подтверждают.",
        "en": "Note: the sources do not support the premise of the question.",
        "ar": "ملاحظة: المصادر لا تؤيد الافتراض الوارد في السؤال.",
        "tr": "Not: kaynaklar sorudaki varsayımı desteklemiyor.",
    },
}

UNITS: dict[str, dict[str, str]] = {
    "year": {"ru": "лет", "en": "years", "ar": "سنة", "tr": "yıl"},
    "month": {"ru": "мес.", "en": "months", "ar": "شهرًا", "tr": "ay"},
    "week": {"ru": "нед.", "en": "weeks", "ar": "أسابيع", "tr": "hafta"},
    "day": {"ru": "дн.", "en": "days", "ar": "يومًا", "tr": "gün"},
    "hectare": {"ru": "га", "en": "ha", "ar": "هكتار", "tr": "ha"},
    "sqm": {"ru": "м²", "en": "m²", "ar": "م²", "tr": "m²"},
    "sqkm": {"ru": "км²", "en": "km²", "ar": "كم²", "tr": "km²"},
    "donum": {"ru": "дунамов", "en": "dunams", "ar": "دونم", "tr": "dönüm"},
    "km": {"ru": "км", "en": "km", "ar": "كم", "tr": "km"},
    "metre": {"ru": "м", "en": "m", "ar": "م", "tr": "m"},
    "million": {"ru": "млн", "en": "million", "ar": "مليون", "tr": "milyon"},
    "billion": {"ru": "млрд", "en": "billion", "ar": "مليار", "tr": "milyar"},
    "rub": {"ru": "руб.", "en": "RUB", "ar": "روبل", "tr": "ruble"},
    "up_to": {"ru": "до", "en": "up to", "ar": "حتى", "tr": "en fazla"},
}


def say(key: str, lang: Lang, **values: object) -> str:
    """A message in ``lang`` with ``values`` filled in."""
    return MESSAGES[key][lang].format(**values)


def lang_name(of: str, in_lang: Lang) -> str:
    return LANG_NAMES[in_lang][of]


def unit(key: str, lang: Lang) -> str:
    return UNITS[key][lang]
