"""The web interface's own words in Russian, English, Arabic and Turkish.

Answers and quotes come from ``messages.py`` and the documents; this module only holds the labels, buttons,
hints and notices of the web app (``webapp.py``), plus example questions per language.
"""

from __future__ import annotations

from regassist.documents import LANGS, Lang

UI_LANGS: tuple[Lang, ...] = LANGS
DEFAULT_UI_LANG: Lang = "en"
RTL_LANGS = frozenset({"ar"})

# The language selector shows each language in its own name.
ENDONYMS: dict[str, str] = {"ru": "Русский", "en": "English", "ar": "العربية", "tr": "Türkçe"}

TEXT: dict[str, dict[str, str]] = {
    # -- page -------------------------------------------------------------------------------------
    "app_title": {
        "ru": "regassist — правила особых экономических зон",
        "en": "regassist — rules of special economic zones",
        "ar": "regassist — أنظمة المناطق الاقتصادية الخاصة",
        "tr": "regassist — özel ekonomik bölge kuralları",
    },
    "app_subtitle": {
        "ru": "Ответы со ссылками на документы: ОЭЗ, свободные зоны, технопарки и индустриальные парки.",
        "en": "Answers with cited sources about special economic zones, free zones, technoparks and industrial parks.",
        "ar": "إجابات موثقة بالمصادر عن المناطق الاقتصادية الخاصة والمناطق الحرة والحدائق التقنية والمجمعات الصناعية.",
        "tr": "Özel ekonomik bölgeler, serbest bölgeler, teknoparklar ve sanayi parkları hakkında "
        "kaynak gösterilen yanıtlar.",
    },
    "disclaimer": {
        "ru": "Демонстрационная база — неофициальные пересказы правил; не используйте цифры для решений.",
        "en": "The demo base holds unofficial summaries of the rules; do not use its figures for decisions.",
        "ar": "القاعدة التجريبية ملخصات غير رسمية للأنظمة؛ لا تعتمد على أرقامها في اتخاذ القرارات.",
        "tr": "Demo tabanı kuralların resmî olmayan özetlerini içerir; rakamlarını karar almak için kullanmayın.",
    },
    "ui_lang": {"ru": "Язык интерфейса", "en": "Interface language", "ar": "لغة الواجهة", "tr": "Arayüz dili"},
    "tab_chat": {"ru": "Вопрос инвестора", "en": "Investor chat", "ar": "أسئلة المستثمر", "tr": "Yatırımcı sohbeti"},
    "tab_workbench": {"ru": "Рабочее место", "en": "Staff workbench", "ar": "منصة الموظفين", "tr": "Personel masası"},
    "tab_operator": {"ru": "Оператор", "en": "Operator", "ar": "المشغّل", "tr": "Operatör"},
    # -- chat -------------------------------------------------------------------------------------
    "question": {"ru": "Ваш вопрос", "en": "Your question", "ar": "سؤالك", "tr": "Sorunuz"},
    "question_hint": {
        "ru": "Спросите на русском, английском, арабском или турецком…",
        "en": "Ask in English, Russian, Arabic or Turkish…",
        "ar": "اسأل بالعربية أو الإنجليزية أو الروسية أو التركية…",
        "tr": "Türkçe, İngilizce, Rusça veya Arapça sorun…",
    },
    "ask": {"ru": "Спросить", "en": "Ask", "ar": "اسأل", "tr": "Sor"},
    "clear": {"ru": "Очистить историю", "en": "Clear history", "ar": "مسح المحادثة", "tr": "Geçmişi temizle"},
    "examples": {"ru": "Примеры вопросов", "en": "Example questions", "ar": "أمثلة على الأسئلة", "tr": "Örnek sorular"},
    "empty_chat": {
        "ru": "Задайте вопрос о налогах, льготах, аренде, сроках или требованиях к резидентам — "
        "ответ придёт с цитатами из документов.",
        "en": "Ask about taxes, incentives, rent, deadlines or resident requirements — "
        "every answer quotes its sources.",
        "ar": "اسأل عن الضرائب والحوافز والإيجار والمهل وشروط الإقامة في المنطقة — كل إجابة تقتبس مصادرها.",
        "tr": "Vergiler, teşvikler, kira, süreler veya katılımcı şartları hakkında sorun — "
        "her yanıt kaynaklarından alıntı yapar.",
    },
    "you": {"ru": "Вы", "en": "You", "ar": "أنت", "tr": "Siz"},
    "assistant": {"ru": "Ассистент", "en": "Assistant", "ar": "المساعد", "tr": "Asistan"},
    "thinking": {
        "ru": "Ищу в документах…",
        "en": "Searching the documents…",
        "ar": "جارٍ البحث في الوثائق…",
        "tr": "Belgelerde aranıyor…",
    },
    "sources": {"ru": "Источники", "en": "Sources", "ar": "المصادر", "tr": "Kaynaklar"},
    "refused": {
        "ru": "Нет ответа в документах",
        "en": "Not answered by the documents",
        "ar": "لا إجابة في الوثائق",
        "tr": "Belgelerde yanıt yok",
    },
    "closest": {
        "ru": "Ближайшие документы",
        "en": "Closest documents",
        "ar": "أقرب الوثائق",
        "tr": "En yakın belgeler",
    },
    "open_source": {"ru": "Открыть источник", "en": "Open source", "ar": "فتح المصدر", "tr": "Kaynağı aç"},
    "page": {"ru": "стр.", "en": "p.", "ar": "ص", "tr": "s."},
    "page_full": {"ru": "Страница", "en": "Page", "ar": "صفحة", "tr": "Sayfa"},
    "edition": {"ru": "редакция", "en": "edition", "ar": "إصدار", "tr": "sürüm"},
    "latency": {"ru": "мс", "en": "ms", "ar": "م.ث", "tr": "ms"},
    "feedback_q": {
        "ru": "Ответ помог?",
        "en": "Was the last answer helpful?",
        "ar": "هل كانت الإجابة الأخيرة مفيدة؟",
        "tr": "Son yanıt faydalı oldu mu?",
    },
    "thumbs_up": {"ru": "👍 Да", "en": "👍 Yes", "ar": "👍 نعم", "tr": "👍 Evet"},
    "thumbs_down": {"ru": "👎 Нет", "en": "👎 No", "ar": "👎 لا", "tr": "👎 Hayır"},
    "comment": {
        "ru": "Комментарий (необязательно)",
        "en": "Comment (optional)",
        "ar": "تعليق (اختياري)",
        "tr": "Yorum (isteğe bağlı)",
    },
    "feedback_thanks": {
        "ru": "Спасибо, отзыв сохранён.",
        "en": "Thank you, your feedback is saved.",
        "ar": "شكرًا، تم حفظ ملاحظتك.",
        "tr": "Teşekkürler, geri bildiriminiz kaydedildi.",
    },
    "feedback_none": {
        "ru": "Сначала задайте вопрос.",
        "en": "Ask a question first.",
        "ar": "اطرح سؤالًا أولًا.",
        "tr": "Önce bir soru sorun.",
    },
    "feedback_done": {
        "ru": "Отзыв на этот ответ уже сохранён.",
        "en": "Feedback for this answer is already saved.",
        "ar": "تم حفظ ملاحظة لهذه الإجابة من قبل.",
        "tr": "Bu yanıt için geri bildirim zaten kaydedildi.",
    },
    "error": {
        "ru": "Не удалось выполнить запрос: {error}",
        "en": "The request failed: {error}",
        "ar": "تعذّر تنفيذ الطلب: {error}",
        "tr": "İstek başarısız oldu: {error}",
    },
    # -- workbench: search ----------------------------------------------------------------------
    "wb_search": {"ru": "Поиск", "en": "Search", "ar": "البحث", "tr": "Arama"},
    "wb_editions": {
        "ru": "Сравнение редакций",
        "en": "Editions side by side",
        "ar": "مقارنة الإصدارات",
        "tr": "Sürüm karşılaştırma",
    },
    "wb_compare": {"ru": "Сравнение зон", "en": "Zone comparison", "ar": "مقارنة المناطق", "tr": "Bölge karşılaştırma"},
    "query": {"ru": "Запрос", "en": "Query", "ar": "عبارة البحث", "tr": "Sorgu"},
    "query_hint": {
        "ru": "например: ставка налога на имущество, Статья 10",
        "en": "e.g. property tax rate, Article 10",
        "ar": "مثال: نسبة ضريبة الدخل، المادة 7",
        "tr": "örn. kurumlar vergisi, Madde 6",
    },
    "country": {"ru": "Страна", "en": "Country", "ar": "الدولة", "tr": "Ülke"},
    "zone": {"ru": "Зона", "en": "Zone", "ar": "المنطقة", "tr": "Bölge"},
    "doc_type": {"ru": "Тип документа", "en": "Document type", "ar": "نوع الوثيقة", "tr": "Belge türü"},
    "doc_lang": {"ru": "Язык документа", "en": "Document language", "ar": "لغة الوثيقة", "tr": "Belge dili"},
    "edition_from": {
        "ru": "Редакция с (⁨ГГГГ‑ММ‑ДД⁩)",
        "en": "Edition from (⁨YYYY‑MM‑DD⁩)",
        "ar": "الإصدار من (⁨YYYY‑MM‑DD⁩)",
        "tr": "Sürüm başlangıcı (⁨YYYY‑AA‑GG⁩)",
    },
    "edition_to": {
        "ru": "Редакция по (⁨ГГГГ‑ММ‑ДД⁩)",
        "en": "Edition to (⁨YYYY‑MM‑DD⁩)",
        "ar": "الإصدار حتى (⁨YYYY‑MM‑DD⁩)",
        "tr": "Sürüm bitişi (⁨YYYY‑AA‑GG⁩)",
    },
    "top_k": {"ru": "Сколько результатов", "en": "Results", "ar": "عدد النتائج", "tr": "Sonuç sayısı"},
    "search": {"ru": "Найти", "en": "Search", "ar": "ابحث", "tr": "Ara"},
    "export_csv": {"ru": "Скачать CSV", "en": "Download CSV", "ar": "تنزيل CSV", "tr": "CSV indir"},
    "results": {"ru": "Найдено: {n}", "en": "{n} results", "ar": "عدد النتائج: {n}", "tr": "{n} sonuç"},
    "no_results": {
        "ru": "Ничего не найдено.",
        "en": "Nothing found.",
        "ar": "لا توجد نتائج.",
        "tr": "Sonuç bulunamadı.",
    },
    "score": {"ru": "оценка", "en": "score", "ar": "الدرجة", "tr": "skor"},
    "bad_date": {
        "ru": "Дата должна быть в формате ГГГГ, ГГГГ-ММ или ГГГГ-ММ-ДД: {value}",
        "en": "A date must look like YYYY, YYYY-MM or YYYY-MM-DD: {value}",
        "ar": "يجب أن يكون التاريخ بالشكل YYYY أو YYYY-MM أو YYYY-MM-DD: {value}",
        "tr": "Tarih YYYY, YYYY-AA veya YYYY-AA-GG biçiminde olmalı: {value}",
    },
    "enter_query": {
        "ru": "Введите запрос.",
        "en": "Enter a query.",
        "ar": "أدخل عبارة البحث.",
        "tr": "Bir sorgu girin.",
    },
    # -- workbench: editions --------------------------------------------------------------------
    "series": {"ru": "Серия документов", "en": "Document series", "ar": "سلسلة الوثائق", "tr": "Belge serisi"},
    "left_edition": {"ru": "Старая редакция", "en": "Older edition", "ar": "الإصدار الأقدم", "tr": "Eski sürüm"},
    "right_edition": {"ru": "Новая редакция", "en": "Newer edition", "ar": "الإصدار الأحدث", "tr": "Yeni sürüm"},
    "show_diff": {"ru": "Показать различия", "en": "Show differences", "ar": "عرض الفروق", "tr": "Farkları göster"},
    "no_series": {
        "ru": "В базе нет документов с несколькими редакциями (поле series).",
        "en": "No document in the base has several editions (the series field).",
        "ar": "لا توجد في القاعدة وثيقة لها أكثر من إصدار (الحقل series).",
        "tr": "Tabanda birden çok sürümü olan belge yok (series alanı).",
    },
    "pick_two": {
        "ru": "Выберите две разные редакции.",
        "en": "Choose two different editions.",
        "ar": "اختر إصدارين مختلفين.",
        "tr": "İki farklı sürüm seçin.",
    },
    "diff_summary": {
        "ru": "Изменений: {changes}; изменённых чисел: {numbers}.",
        "en": "{changes} changes; {numbers} changed numbers.",
        "ar": "عدد التغييرات: {changes}؛ الأرقام المتغيرة: {numbers}.",
        "tr": "{changes} değişiklik; {numbers} değişen sayı.",
    },
    "numbers_changed": {
        "ru": "Изменённые числа",
        "en": "Changed numbers",
        "ar": "الأرقام المتغيرة",
        "tr": "Değişen sayılar",
    },
    "no_changes": {"ru": "Различий нет.", "en": "No differences.", "ar": "لا توجد فروق.", "tr": "Fark yok."},
    "legend": {
        "ru": "Удалённое — красным, добавленное — зелёным, изменённые числа — жирным.",
        "en": "Removed text in red, added text in green, changed numbers in bold.",
        "ar": "النص المحذوف بالأحمر، والمضاف بالأخضر، والأرقام المتغيرة بخط عريض.",
        "tr": "Silinen metin kırmızı, eklenen yeşil, değişen sayılar kalın.",
    },
    # -- workbench: compare ---------------------------------------------------------------------
    "zones": {
        "ru": "Зоны (две и более)",
        "en": "Zones (two or more)",
        "ar": "المناطق (اثنتان أو أكثر)",
        "tr": "Bölgeler (iki veya daha fazla)",
    },
    "aspects": {"ru": "Аспекты", "en": "Aspects", "ar": "الجوانب", "tr": "Konular"},
    "compare": {"ru": "Сравнить", "en": "Compare", "ar": "قارن", "tr": "Karşılaştır"},
    "need_zones": {
        "ru": "Выберите хотя бы две зоны.",
        "en": "Choose at least two zones.",
        "ar": "اختر منطقتين على الأقل.",
        "tr": "En az iki bölge seçin.",
    },
    "compare_unavailable": {
        "ru": "Сравнение зон пока недоступно в этой версии.",
        "en": "Zone comparison is not available in this version yet.",
        "ar": "مقارنة المناطق غير متاحة في هذا الإصدار بعد.",
        "tr": "Bölge karşılaştırması bu sürümde henüz yok.",
    },
    "aspect": {"ru": "Аспект", "en": "Aspect", "ar": "الجانب", "tr": "Konu"},
    # -- operator -------------------------------------------------------------------------------
    "op_disabled": {
        "ru": "Консоль оператора отключена: пароль не задан, а сервер доступен не только с этого компьютера. "
        "Чтобы включить её, задайте пароль в переменной окружения REGASSIST_OPERATOR_PASSWORD и перезапустите сервер "
        "(или запустите сервер только на 127.0.0.1).",
        "en": "The operator console is disabled: no password is set and the server listens beyond this computer. "
        "To enable it, set a password in the environment variable REGASSIST_OPERATOR_PASSWORD and restart the server "
        "(or listen on 127.0.0.1 only).",
        "ar": "وحدة تحكم المشغّل معطلة: لم تُحدَّد كلمة مرور والخادم متاح خارج هذا الحاسوب. "
        "لتفعيلها عيّن كلمة مرور في متغير البيئة REGASSIST_OPERATOR_PASSWORD ثم أعد تشغيل الخادم "
        "(أو شغّل الخادم على 127.0.0.1 فقط).",
        "tr": "Operatör konsolu kapalı: parola ayarlanmamış ve sunucu bu bilgisayarın dışına açık. "
        "Açmak için REGASSIST_OPERATOR_PASSWORD ortam değişkenine bir parola verip sunucuyu yeniden başlatın "
        "(veya yalnızca 127.0.0.1 üzerinde dinleyin).",
    },
    "op_open": {
        "ru": "Пароль не задан: консоль открыта, потому что сервер доступен только с этого компьютера (127.0.0.1).",
        "en": "No password is set: the console is open because the server only listens on this computer (127.0.0.1).",
        "ar": "لم تُحدَّد كلمة مرور: وحدة التحكم مفتوحة لأن الخادم متاح من هذا الحاسوب فقط (127.0.0.1).",
        "tr": "Parola ayarlanmamış: sunucu yalnızca bu bilgisayarda (127.0.0.1) dinlediği için konsol açık.",
    },
    "password": {
        "ru": "Пароль оператора",
        "en": "Operator password",
        "ar": "كلمة مرور المشغّل",
        "tr": "Operatör parolası",
    },
    "login": {"ru": "Войти", "en": "Log in", "ar": "تسجيل الدخول", "tr": "Giriş yap"},
    "logout": {"ru": "Выйти", "en": "Log out", "ar": "تسجيل الخروج", "tr": "Çıkış yap"},
    "login_failed": {
        "ru": "Неверный пароль.",
        "en": "Wrong password.",
        "ar": "كلمة المرور غير صحيحة.",
        "tr": "Parola yanlış.",
    },
    "login_locked": {
        "ru": "Слишком много неудачных попыток. Повторите через {seconds} с.",
        "en": "Too many failed attempts. Try again in {seconds} s.",
        "ar": "محاولات فاشلة كثيرة. أعد المحاولة بعد {seconds} ثانية.",
        "tr": "Çok fazla başarısız deneme. {seconds} sn sonra tekrar deneyin.",
    },
    "logged_in": {
        "ru": "Вы вошли как оператор.",
        "en": "Logged in as operator.",
        "ar": "تم تسجيل الدخول بصفة مشغّل.",
        "tr": "Operatör olarak giriş yapıldı.",
    },
    "logged_out": {"ru": "Вы вышли.", "en": "Logged out.", "ar": "تم تسجيل الخروج.", "tr": "Çıkış yapıldı."},
    "not_authorised": {
        "ru": "Нужен вход оператора.",
        "en": "Operator login required.",
        "ar": "يلزم تسجيل دخول المشغّل.",
        "tr": "Operatör girişi gerekli.",
    },
    "upload": {
        "ru": "Файлы (PDF, HTML, Markdown, текст)",
        "en": "Files (PDF, HTML, Markdown, text)",
        "ar": "الملفات (PDF وHTML وMarkdown ونص)",
        "tr": "Dosyalar (PDF, HTML, Markdown, metin)",
    },
    "meta_hint": {
        "ru": "Метаданные для всех загружаемых файлов; пустое поле — определить автоматически.",
        "en": "Metadata for all uploaded files; leave a field empty to detect it.",
        "ar": "البيانات الوصفية لكل الملفات المرفوعة؛ اترك الحقل فارغًا ليُكتشف تلقائيًا.",
        "tr": "Yüklenen tüm dosyalar için üst veri; otomatik bulunması için alanı boş bırakın.",
    },
    "country_code": {
        "ru": "Страна (код ISO, напр. RU)",
        "en": "Country (ISO code, e.g. RU)",
        "ar": "الدولة (رمز ISO، مثل SA)",
        "tr": "Ülke (ISO kodu, örn. TR)",
    },
    "zone_key": {
        "ru": "Зона (ключ, напр. alabuga)",
        "en": "Zone (key, e.g. alabuga)",
        "ar": "المنطقة (المفتاح، مثل duqm)",
        "tr": "Bölge (anahtar, örn. ege)",
    },
    "edition_date": {
        "ru": "Дата редакции (⁨ГГГГ‑ММ‑ДД⁩)",
        "en": "Edition date (⁨YYYY‑MM‑DD⁩)",
        "ar": "تاريخ الإصدار (⁨YYYY‑MM‑DD⁩)",
        "tr": "Sürüm tarihi (⁨YYYY‑AA‑GG⁩)",
    },
    "series_key": {
        "ru": "Серия (необязательно)",
        "en": "Series (optional)",
        "ar": "السلسلة (اختياري)",
        "tr": "Seri (isteğe bağlı)",
    },
    "auto": {"ru": "авто", "en": "auto", "ar": "تلقائي", "tr": "otomatik"},
    "ingest": {
        "ru": "Загрузить и проиндексировать",
        "en": "Upload and index",
        "ar": "رفع وفهرسة",
        "tr": "Yükle ve dizinle",
    },
    "no_files": {"ru": "Выберите файлы.", "en": "Choose files.", "ar": "اختر ملفات.", "tr": "Dosya seçin."},
    "ingesting": {
        "ru": "Индексирую {name}",
        "en": "Indexing {name}",
        "ar": "جارٍ فهرسة {name}",
        "tr": "{name} dizinleniyor",
    },
    "file": {"ru": "Файл", "en": "File", "ar": "الملف", "tr": "Dosya"},
    "status": {"ru": "Статус", "en": "Status", "ar": "الحالة", "tr": "Durum"},
    "chunks": {"ru": "Фрагменты", "en": "Chunks", "ar": "المقاطع", "tr": "Parçalar"},
    "pages": {"ru": "Страницы", "en": "Pages", "ar": "الصفحات", "tr": "Sayfalar"},
    "notes": {
        "ru": "Предупреждения и ошибки",
        "en": "Warnings and errors",
        "ar": "التحذيرات والأخطاء",
        "tr": "Uyarılar ve hatalar",
    },
    "too_large": {
        "ru": "файл больше допустимого размера ({limit})",
        "en": "the file is over the size limit ({limit})",
        "ar": "الملف أكبر من الحد المسموح ({limit})",
        "tr": "dosya boyut sınırını aşıyor ({limit})",
    },
    "bad_name": {
        "ru": "недопустимое имя файла",
        "en": "the file name is not allowed",
        "ar": "اسم الملف غير مسموح",
        "tr": "dosya adına izin verilmiyor",
    },
    "bad_type": {
        "ru": "неподдерживаемый тип файла (нужен PDF, HTML, Markdown или текст)",
        "en": "unsupported file type (PDF, HTML, Markdown or text expected)",
        "ar": "نوع ملف غير مدعوم (المطلوب PDF أو HTML أو Markdown أو نص)",
        "tr": "desteklenmeyen dosya türü (PDF, HTML, Markdown veya metin bekleniyor)",
    },
    "bad_meta": {
        "ru": "Неверное значение поля «{field}»: {value}",
        "en": "Invalid value for “{field}”: {value}",
        "ar": "قيمة غير صالحة للحقل «{field}»: {value}",
        "tr": "“{field}” için geçersiz değer: {value}",
    },
    "index_now": {
        "ru": "В индексе сейчас: документов {documents}, фрагментов {chunks} (поколение {generation}). "
        "Изменения уже доступны для поиска.",
        "en": "The index now has {documents} documents and {chunks} chunks (generation {generation}); "
        "changes are searchable now.",
        "ar": "يحتوي الفهرس الآن على {documents} وثيقة و{chunks} مقطعًا (الجيل {generation})؛ "
        "التغييرات قابلة للبحث فورًا.",
        "tr": "Dizinde şimdi {documents} belge ve {chunks} parça var (nesil {generation}); "
        "değişiklikler hemen aranabilir.",
    },
    "documents": {
        "ru": "Документы в базе",
        "en": "Documents in the base",
        "ar": "الوثائق في القاعدة",
        "tr": "Tabandaki belgeler",
    },
    "refresh": {"ru": "Обновить", "en": "Refresh", "ar": "تحديث", "tr": "Yenile"},
    "select_doc": {"ru": "Документ", "en": "Document", "ar": "الوثيقة", "tr": "Belge"},
    "reingest": {"ru": "Переиндексировать", "en": "Re-ingest", "ar": "إعادة الفهرسة", "tr": "Yeniden dizinle"},
    "remove": {"ru": "Удалить из базы", "en": "Remove from the base", "ar": "حذف من القاعدة", "tr": "Tabandan kaldır"},
    "pick_doc": {"ru": "Выберите документ.", "en": "Choose a document.", "ar": "اختر وثيقة.", "tr": "Bir belge seçin."},
    "removed": {
        "ru": "Удалено: {title}",
        "en": "Removed: {title}",
        "ar": "تم الحذف: {title}",
        "tr": "Kaldırıldı: {title}",
    },
    "source_missing": {
        "ru": "Исходный файл не найден: {source}",
        "en": "The source file is missing: {source}",
        "ar": "الملف المصدر غير موجود: {source}",
        "tr": "Kaynak dosya bulunamadı: {source}",
    },
    "title": {"ru": "Название", "en": "Title", "ar": "العنوان", "tr": "Başlık"},
    "language": {"ru": "Язык", "en": "Language", "ar": "اللغة", "tr": "Dil"},
    "source": {"ru": "Источник", "en": "Source", "ar": "المصدر", "tr": "Kaynak"},
    # -- source view ----------------------------------------------------------------------------
    "extracted_text": {
        "ru": "Текст документа в том виде, в каком он проиндексирован. Цитата выделена.",
        "en": "The document's text as indexed. The quote is highlighted.",
        "ar": "نص الوثيقة كما فُهرس. الاقتباس مظلَّل.",
        "tr": "Belgenin dizinlendiği hâliyle metni. Alıntı vurgulanmıştır.",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "added": {"ru": "добавлен", "en": "added", "ar": "أُضيف", "tr": "eklendi"},
    "updated": {"ru": "обновлён", "en": "updated", "ar": "حُدِّث", "tr": "güncellendi"},
    "unchanged": {"ru": "без изменений", "en": "unchanged", "ar": "دون تغيير", "tr": "değişmedi"},
    "duplicate": {"ru": "дубликат", "en": "duplicate", "ar": "مكرر", "tr": "kopya"},
    "failed": {"ru": "ошибка", "en": "failed", "ar": "فشل", "tr": "başarısız"},
    "removed": {"ru": "удалён", "en": "removed", "ar": "حُذف", "tr": "kaldırıldı"},
    "rejected": {"ru": "отклонён", "en": "rejected", "ar": "مرفوض", "tr": "reddedildi"},
}

DOC_TYPE_NAMES: dict[str, dict[str, str]] = {
    "law": {"ru": "закон", "en": "law", "ar": "قانون", "tr": "kanun"},
    "handbook": {"ru": "справочник", "en": "handbook", "ar": "دليل", "tr": "el kitabı"},
    "forum": {"ru": "форум", "en": "forum", "ar": "منتدى", "tr": "forum"},
    "guide": {"ru": "руководство", "en": "guide", "ar": "إرشادات", "tr": "rehber"},
    "memo": {"ru": "памятка", "en": "memo", "ar": "مذكرة", "tr": "not"},
}

LANG_NAMES: dict[str, dict[str, str]] = {
    "ru": {"ru": "русский", "en": "английский", "ar": "арабский", "tr": "турецкий"},
    "en": {"ru": "Russian", "en": "English", "ar": "Arabic", "tr": "Turkish"},
    "ar": {"ru": "الروسية", "en": "الإنجليزية", "ar": "العربية", "tr": "التركية"},
    "tr": {"ru": "Rusça", "en": "İngilizce", "ar": "Arapça", "tr": "Türkçe"},
}

# Questions the demo corpus answers, three per language.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "ru": (
        "Какая ставка налога на прибыль в ОЭЗ «Алабуга»?",
        "Какой минимальный объём инвестиций нужен резиденту ОЭЗ?",
        "Какие льготы получают резиденты технопарка «Иннополис»?",
    ),
    "en": (
        "What is the income tax exemption in the Duqm special economic zone?",
        "What is the corporate tax in the Saudi special economic zones?",
        "What customs benefits does the SCZONE offer?",
    ),
    "ar": (
        "ما مدة الإعفاء من ضريبة الدخل في منطقة الدقم؟",
        "ما هي حوافز المنطقة الاقتصادية لقناة السويس؟",
        "هل يجوز للمستثمر الأجنبي تملك الشركة بالكامل في المنطقة الحرة لجبل علي؟",
    ),
    "tr": (
        "Serbest bölgede kurumlar vergisi istisnası var mı?",
        "Teknoloji geliştirme bölgelerinde hangi vergi teşvikleri var?",
        "Ege Serbest Bölgesi'nde kira ne kadar?",
    ),
}


def ui_lang(value: object) -> Lang:
    """A valid interface language for any input (unknown values fall back to English)."""
    return value if value in UI_LANGS else DEFAULT_UI_LANG  # type: ignore[return-value]


def t(key: str, lang: object, **values: object) -> str:
    """The interface text ``key`` in ``lang`` with ``values`` filled in."""
    text = TEXT[key][ui_lang(lang)]
    return text.format(**values) if values else text


def status_name(status: str, lang: object) -> str:
    return STATUS.get(status, {}).get(ui_lang(lang), status)


def doc_type_name(doc_type: str, lang: object) -> str:
    return DOC_TYPE_NAMES.get(doc_type, {}).get(ui_lang(lang), doc_type)


def lang_name(code: str, lang: object) -> str:
    return LANG_NAMES[ui_lang(lang)].get(code, code)


def text_dir(lang: object) -> str:
    """'rtl' for Arabic, 'ltr' for the other interface languages, 'auto' when unknown."""
    if lang in RTL_LANGS:
        return "rtl"
    return "ltr" if lang in UI_LANGS else "auto"


def best_lang(accept_language: str | None) -> Lang:
    """The first of ru/en/ar/tr in an Accept-Language header (by q-value), else English."""
    if not accept_language:
        return DEFAULT_UI_LANG
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:20]):
        bits = part.strip().split(";")
        code = bits[0].strip().lower()[:2]
        q = 1.0
        for bit in bits[1:]:
            bit = bit.strip()
            if bit.startswith("q="):
                try:
                    q = float(bit[2:])
                except ValueError:
                    q = 0.0
        if code in UI_LANGS:
            ranked.append((-q, i, code))
    return (ranked and min(ranked)[2]) or DEFAULT_UI_LANG  # type: ignore[return-value]
