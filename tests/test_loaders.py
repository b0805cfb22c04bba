from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from regassist.config import Settings
from regassist.documents import PAGE_SEPARATOR, content_id
from regassist.errors import LoadError
from regassist.loaders import (
    canonical_source,
    detect_edition,
    iter_sources,
    load_path,
    read_metadata,
    series_key,
    sniff,
)
from regassist.loaders.text import decode_bytes

DOCS = Path(__file__).parent / "fixtures" / "docs"
# name -> (lang, doc_type, country, zone), as pinned by the fixtures' manifest.json and *.meta.json
CORPUS = {
    "ru_zakon.md": ("ru", "law", "RU", "severnaya"),
    "en_regulations.txt": ("en", "law", "OM", "harbour"),
    "tr_kanun.txt": ("tr", "law", "TR", "ege"),
    "ar_nizam.txt": ("ar", "law", "SA", "sahil"),
    "forum_thread.md": ("ru", "forum", "RU", "severnaya"),
    "en_guide.html": ("en", "guide", "OM", "harbour"),
    "ru_handbook.pdf": ("ru", "handbook", "RU", "severnaya"),
}

RU = (
    "Статья 5. Налоговые льготы резидентов особой экономической зоны.\n"
    "Резидент уплачивает налог на прибыль по ставке два процента в течение десяти лет."
)
AR = "المادة (8): الإعفاء الضريبي\nتعفى الشركات المرخصة من ضريبة الدخل لمدة عشرين سنة من تاريخ الترخيص."
TR = (
    "Madde 6 – Gümrük vergisi istisnası\n"
    "Serbest bölgeye getirilen mallar gümrük vergisinden muaftır. Şirketlerin ağırlıklı üretimi ihracata yöneliktir."
)


@pytest.fixture
def s() -> Settings:
    return Settings()


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# -- the fixture corpus -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_fixture_corpus_metadata(name, s):
    doc = load_path(DOCS / name, s)
    lang, doc_type, country, zone = CORPUS[name]
    assert (doc.lang, doc.doc_type, doc.country, doc.zone) == (lang, doc_type, country, zone)
    assert doc.doc_id == doc.sha256 == content_id((DOCS / name).read_bytes())
    assert doc.source == canonical_source(DOCS / name)
    assert doc.text == doc.text.strip() and "\r" not in doc.text and "\u00ad" not in doc.text
    assert doc.page_starts[0] == 0
    assert all(doc.text[p - len(PAGE_SEPARATOR) : p] == PAGE_SEPARATOR for p in doc.page_starts[1:])


def test_markdown_headings_title_and_text(s):
    doc = load_path(DOCS / "ru_zakon.md", s)
    assert doc.extra["format"] == "markdown"
    assert doc.title == "Закон об особой экономической зоне «Северная» (учебный пример)"
    heads = [(doc.text[a:b], level) for a, b, level in doc.extra["headings"]]
    assert heads[:4] == [
        ("Закон об особой экономической зоне «Северная» (учебный пример)", 1),
        ("Глава 1. Общие положения", 2),
        ("Статья 1. Предмет регулирования", 3),
        ("Статья 2. Основные понятия", 3),
    ]
    assert ("Статья 10. Свободная таможенная зона", 3) in heads
    assert len(heads) == 10
    assert "#" not in doc.text and "*" not in doc.text  # markup rendered away


def test_markdown_structure_in_tmp(tmp_path, s):
    md = "# Main title\n\nIntro para.\n\n## Section A\n\nText *a* here.\n\n### Sub a.1\n\n- item one\n- item two\n"
    doc = load_path(write(tmp_path / "m.md", md), s)
    assert doc.text == "Main title\n\nIntro para.\n\nSection A\n\nText a here.\n\nSub a.1\n\nitem one\n\nitem two"
    assert doc.extra["headings"] == [(0, 10, 1), (25, 34, 2), (50, 57, 3)]
    assert doc.title == "Main title"


def test_html_drops_navigation_scripts_and_footer(s):
    doc = load_path(DOCS / "en_guide.html", s)
    assert doc.extra["format"] == "html"
    assert "SHOULD_NOT_APPEAR" not in doc.text
    assert "tracking" not in doc.text and "font-family" not in doc.text
    assert doc.title == "Investor guide to the Harbour Free Zone (unofficial)"
    assert doc.lang == "en"
    heads = [(doc.text[a:b], level) for a, b, level in doc.extra["headings"]]
    assert heads == [("Investor guide to the Harbour Free Zone", 1), ("Setting up a company", 2),
                     ("Banking and currency", 2)]  # fmt: skip
    assert "The licence is usually issued within three weeks." in doc.text
    assert "Trading | 1,200 units" in doc.text


def test_html_hidden_elements_and_lang_attribute(tmp_path, s):
    html = (
        '<html lang="tr-TR"><body><h1>Başlık</h1><p hidden>GİZLİ</p><div style="display:none">YOK</div>'
        "<p>Görünür <b>kalın</b> metin, serbest bölge kuralları.</p><aside>KENAR</aside><form>FORM</form></body></html>"
    )
    doc = load_path(write(tmp_path / "p.html", html), s)
    assert doc.text == "Başlık\n\nGörünür kalın metin, serbest bölge kuralları."
    assert doc.lang == "tr"
    assert doc.extra["headings"] == [(0, 6, 1)]


def test_inline_markup_in_headings_adds_no_spaces(tmp_path, s):
    html = (
        '<html lang="tr"><body><h2>Madde <em>6</em>: Gümrük vergisi</h2>'
        "<p>Mallar <em>gümrük</em>-vergisinden <b>muaf</b>tır.</p>"
        '<h2>Закон «<a href="#">Об ОЭЗ</a>»</h2><p>Текст закона.</p></body></html>'
    )
    doc = load_path(write(tmp_path / "inline.html", html), s)
    assert doc.text == (
        "Madde 6: Gümrük vergisi\n\nMallar gümrük-vergisinden muaftır.\n\nЗакон «Об ОЭЗ»\n\nТекст закона."
    )
    md_text = "# Kılavuz\n\n## Madde *6*: Gümrük\n\nMetin [burada](http://x).\n"
    md = load_path(write(tmp_path / "inline.md", md_text), s)
    assert md.text == "Kılavuz\n\nMadde 6: Gümrük\n\nMetin burada."


def test_html_legacy_encoding(tmp_path, s):
    html = (
        '<html><head><meta charset="windows-1251"><title>Памятка</title></head><body>'
        "<p>Резидент особой экономической зоны уплачивает налог на прибыль по пониженной ставке.</p></body></html>"
    )
    doc = load_path(write(tmp_path / "legacy.html", html.encode("cp1251")), s)
    assert doc.text == "Резидент особой экономической зоны уплачивает налог на прибыль по пониженной ставке."
    assert doc.title == "Памятка"


def test_html_sniffed_by_content_not_suffix(tmp_path, s):
    html = "<!DOCTYPE html><html><body><p>Free zone rules for investors.</p></body></html>"
    path = write(tmp_path / "page.txt", html)
    assert sniff(path.read_bytes(), path) == "html"
    assert load_path(path, s).text == "Free zone rules for investors."


# -- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "lang"),
    [
        (RU, "cp1251", "ru"),
        (AR, "cp1256", "ar"),
        (RU, "utf-8", "ru"),
        (AR, "utf-8", "ar"),
        (TR, "utf-8", "tr"),
    ],
    ids=["ru-cp1251", "ar-cp1256", "ru-utf8", "ar-utf8", "tr-utf8"],
)
def test_text_encodings(tmp_path, s, text, encoding, lang):
    doc = load_path(write(tmp_path / f"doc-{encoding}.txt", text.encode(encoding)), s)
    assert doc.text == text
    assert doc.lang == lang
    assert doc.extra["format"] == "text"
    if encoding == "utf-8":
        assert doc.warnings == ()
    else:
        assert doc.warnings == (f"decoded as {encoding}",)


def test_turkish_cp1254_fixture_text(tmp_path, s):
    text = (DOCS / "tr_kanun.txt").read_text(encoding="utf-8").strip()
    doc = load_path(write(tmp_path / "kanun.txt", text.encode("cp1254")), s)
    assert doc.text == text


@pytest.mark.parametrize("text", [TR, "Şirketler ığdır ağır iş şartları için başvurur."], ids=["article", "sentence"])
def test_turkish_cp1254_short_paragraph_not_decoded_as_cp1252(tmp_path, s, text):
    # cp1252 turns ı ş ğ into ý þ ð: never the right reading for ru/en/ar/tr documents.
    doc = load_path(write(tmp_path / "kisa.txt", text.encode("cp1254")), s)
    assert doc.text == text
    assert not set("ýþðÝÞÐ") & set(doc.text)


@pytest.mark.parametrize("bom_encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-8-sig"])
def test_text_with_bom(tmp_path, s, bom_encoding):
    if bom_encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + AR.encode("utf-16-le")
    elif bom_encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + AR.encode("utf-16-be")
    else:
        data = AR.encode(bom_encoding)
    doc = load_path(write(tmp_path / "bom.txt", data), s)
    assert doc.text == AR
    assert "\ufeff" not in doc.text
    assert doc.lang == "ar"


def test_decode_bytes_direct():
    assert decode_bytes("Özel Ekonomik Bölge".encode()) == ("Özel Ekonomik Bölge", "utf-8")
    text, enc = decode_bytes(RU.encode("cp1251"))
    assert (text, enc) == (RU, "cp1251")


def test_form_feed_pages_in_text(tmp_path, s):
    doc = load_path(write(tmp_path / "pages.txt", "Page one text.\fPage two text.\f\fPage four text."), s)
    assert doc.n_pages == 4
    assert [doc.page_text(p) for p in (1, 2, 3, 4)] == ["Page one text.", "Page two text.", "", "Page four text."]
    assert doc.page_of(doc.text.index("Page two")) == 2
    assert doc.page_of(doc.text.index("Page four")) == 4


def test_form_feed_pages_in_cp1251_text(tmp_path, s):
    page = "Страница {n}. Резидент особой экономической зоны уплачивает налог на прибыль по пониженной ставке. " * 4
    text = "\f".join(page.format(n=i).strip() for i in range(1, 13))
    doc = load_path(write(tmp_path / "pages1251.txt", text.encode("cp1251")), s)
    assert doc.n_pages == 12
    assert doc.page_text(12).startswith("Страница 12.")


# -- metadata ----------------------------------------------------------------------------------------


def test_sidecar_beats_manifest_and_overrides_beat_both(tmp_path, s):
    path = write(tmp_path / "a.txt", "Free zone companies may repatriate profits without limits.")
    write(tmp_path / "manifest.json", json.dumps({
        "a.txt": {"title": "From manifest", "doc_type": "guide", "country": "ae", "zone": "jafza", "note": "m"},
        "other.txt": {"title": "Not mine"},
    }))  # fmt: skip
    write(tmp_path / "a.txt.meta.json", json.dumps({"title": "From sidecar", "edition": "2022-05-01"}))
    assert read_metadata(path)["title"] == "From sidecar"
    doc = load_path(path, s)
    assert doc.title == "From sidecar"
    assert doc.doc_type == "guide"
    assert doc.country == "AE"  # upper-cased
    assert doc.zone == "jafza"
    assert doc.edition == "2022-05-01"
    assert doc.extra["note"] == "m"
    doc2 = load_path(path, s, {"doc_type": "memo", "title": None, "country": ""})
    assert (doc2.doc_type, doc2.title, doc2.country) == ("memo", "From sidecar", "AE")


def test_manifest_in_fixture_folder(s):
    doc = load_path(DOCS / "en_regulations.txt", s)
    assert doc.doc_type == "law"  # sidecar beats manifest's "guide"
    assert doc.zone == "harbour" and doc.country == "OM"  # from the manifest
    assert doc.extra["source_url"] == "https://example.org/unofficial-harbour"
    assert doc.edition == "2024"  # "2024 edition" in the title
    assert doc.series == "harbour free zone regulations teaching example"


def test_bad_metadata_is_a_load_error(tmp_path, s):
    path = write(tmp_path / "b.txt", "Some text about the free zone and its tax rules.")
    write(tmp_path / "b.txt.meta.json", "{not json")
    with pytest.raises(LoadError, match=r"b\.txt.*b\.txt\.meta\.json.*not valid JSON"):
        load_path(path, s)
    write(tmp_path / "b.txt.meta.json", json.dumps({"lang": "fr"}))
    with pytest.raises(LoadError, match=r"lang 'fr' is not one of ru, en, ar, tr"):
        load_path(path, s)
    write(tmp_path / "b.txt.meta.json", json.dumps({"doc_type": "novel"}))
    with pytest.raises(LoadError, match="doc_type 'novel'"):
        load_path(path, s)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Редакция от 01.03.2025", "", "2025-03-01"),
        ("Handbook 2023 edition", "", "2023"),
        ("Закон от 2024-05-17", "", "2024-05-17"),
        ("Guide", "Version 2021 of the rules", "2021"),
        ("Guide", "Founded in 1999 by the ministry.", None),
        ("Guide", "", None),
        ("Kılavuz 2022 baskı", "", "2022"),
        ("دليل المستثمر، الإصدار 2020", "", "2020"),
    ],
)
def test_detect_edition(title, text, expected):
    assert detect_edition(title, text) == expected


def test_detect_edition_rejects_impossible_dates():
    assert detect_edition("Редакция от 31.02.2024") in (None, "2024")


def test_series_key_groups_editions():
    assert series_key("Alabuga guide, 2023 edition") == series_key("Alabuga guide, 2025 edition") == "alabuga guide"
    assert series_key("Памятка резидента, ред. 01.03.2025") == series_key("Памятка резидента, ред. 10.01.2024")


def test_iter_sources_skips_hidden_sidecars_and_manifest(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "sub" / ".cache").mkdir()
    for rel in ["b.md", "a.txt", "sub/c.pdf", "sub/d.HTML", ".hidden.txt", ".git/x.txt", "sub/.cache/y.md",
                "a.txt.meta.json", "manifest.json", "notes.docx", "data.json"]:  # fmt: skip
        write(root / rel, "x")
    found = [p.relative_to(root).as_posix() for p in iter_sources([root])]
    assert found == ["a.txt", "b.md", "sub/c.pdf", "sub/d.HTML"]
    # an explicit file is taken as given, whatever its name
    assert iter_sources([root / "notes.docx"]) == [root / "notes.docx"]


def test_iter_sources_fixture_corpus():
    names = sorted(p.name for p in iter_sources([DOCS]))
    assert names == sorted(CORPUS)


# -- errors ------------------------------------------------------------------------------------------


def _load_error(path: Path, settings: Settings) -> str:
    with pytest.raises(LoadError) as info:
        load_path(path, settings)
    message = str(info.value)
    assert message.startswith(f"Cannot read {path.name}: ")
    assert "\n" not in message and "Traceback" not in message
    assert info.value.path == path
    return message


def test_empty_file(tmp_path, s):
    assert "empty" in _load_error(write(tmp_path / "empty.txt", b""), s)


def test_whitespace_only_file(tmp_path, s):
    assert "no text could be extracted" in _load_error(write(tmp_path / "blank.md", " \n\n\t "), s)


def test_png_renamed_txt(tmp_path, s):
    data = b"\x89PNG\r\n\x1a\n" + random.Random(0).randbytes(500)
    message = _load_error(write(tmp_path / "scan.txt", data), s)
    assert "PNG image" in message


def test_zip_renamed_md(tmp_path, s):
    assert "ZIP archive" in _load_error(write(tmp_path / "law.md", b"PK\x03\x04" + b"\x00" * 60), s)


def test_random_bytes_txt(tmp_path, s):
    message = _load_error(write(tmp_path / "noise.txt", random.Random(1).randbytes(4000)), s)
    assert "binary" in message or "encoding" in message


def test_file_over_max_file_bytes(tmp_path, s):
    path = write(tmp_path / "big.txt", "free zone " * 200_000)  # 2 MB
    message = _load_error(path, s.with_(max_file_bytes=1_000_000))
    assert "2.0 MB" in message and "limit of 1 MB" in message and "max_file_bytes" in message


def test_file_over_small_max_file_bytes_message_is_meaningful(tmp_path, s):
    path = write(tmp_path / "big.txt", "free zone " * 600)  # 6 KB
    message = _load_error(path, s.with_(max_file_bytes=1000))
    assert "0 MB" not in message  # "it is 0.0 MB, over the limit of 0 MB" says nothing


def test_missing_file(tmp_path, s):
    assert "cannot be opened" in _load_error(tmp_path / "nope.txt", s)


def test_text_named_pdf(tmp_path, s):
    message = _load_error(write(tmp_path / "law.pdf", "Article 1. This is plain text, not a PDF."), s)
    assert "not a PDF" in message


def _pdf_bytes(pages: int = 1, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_truncated_pdf(tmp_path, s):
    data = (DOCS / "ru_handbook.pdf").read_bytes()
    for n, cut in enumerate((len(data) // 3, len(data) - 200)):
        message = _load_error(write(tmp_path / f"cut{n}.pdf", data[:cut]), s)
        assert "the PDF is damaged or incomplete" in message


def test_corrupt_pdf(tmp_path, s):
    data = b"%PDF-1.7\n" + random.Random(2).randbytes(3000)
    message = _load_error(write(tmp_path / "broken.pdf", data), s)
    assert "the PDF is damaged" in message or "the PDF could not be parsed" in message


def test_encrypted_pdf(tmp_path, s):
    message = _load_error(write(tmp_path / "locked.pdf", _pdf_bytes(password="secret")), s)
    assert "password" in message or "encrypted" in message
    assert "Remove the password" in message


def test_textless_pdf(tmp_path, s):
    message = _load_error(write(tmp_path / "scan.pdf", _pdf_bytes(pages=2)), s)
    assert "no text layer" in message and "OCR" in message


def test_too_many_pdf_pages(tmp_path, s):
    message = _load_error(write(tmp_path / "long.pdf", _pdf_bytes(pages=3)), s.with_(max_pdf_pages=2))
    assert "3 pages" in message and "max_pdf_pages" in message


# -- a real PDF (printed by chromium from tests/fixtures/pdf_src/ru_handbook.html) ----------------------


def test_real_pdf_pages_and_metadata(s):
    doc = load_path(DOCS / "ru_handbook.pdf", s)
    assert doc.extra["format"] == "pdf"
    assert doc.n_pages == 2
    assert doc.title == "Памятка резидента зоны «Северная», редакция от 01.03.2025"
    assert doc.edition == "2025-03-01"
    assert doc.lang == "ru" and doc.doc_type == "handbook"
    assert doc.warnings == ()
    page1, page2 = doc.page_text(1), doc.page_text(2)
    assert page1.startswith("Памятка резидента зоны «Северная»")
    assert "Раздел 2. Аренда земли" in page1 and "Раздел 3" not in page1
    assert page2.startswith("Раздел 3. Таможенный склад")
    assert "Отчёт о товарах на складе резидент сдаёт ежеквартально." in page2
    for phrase in ("Раздел 3. Таможенный склад", "видеонаблюдением", "ежеквартально"):
        assert doc.page_of(doc.text.index(phrase)) == 2
    for phrase in ("Раздел 1. Как стать резидентом", "тридцати дней"):
        assert doc.page_of(doc.text.index(phrase)) == 1
    assert doc.page_starts == (0, len(page1) + len(PAGE_SEPARATOR))
