"""PDF: pypdf page by page, with Arabic visual-order repair and clear errors for what cannot be read."""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass

from regassist.errors import LoadError

logger = logging.getLogger(__name__)

MAX_PAGE_CHARS = 200_000  # a page with more text than this is a generated bomb, not a page of a law


@dataclass(frozen=True, slots=True)
class PdfContent:
    pages: tuple[str, ...]
    title: str
    warnings: tuple[str, ...]


def read_pdf(data: bytes, name: str, *, max_pages: int, timeout_s: float) -> PdfContent:
    """Text of every page, in logical order. Raises LoadError for encrypted, corrupt, oversized or
    image-only PDFs; pages without a text layer are reported in ``warnings``."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    from regassist.loaders.rtl import repair_rtl_text

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as err:
                raise LoadError(name, "the PDF is encrypted", "Remove the password and upload it again.") from err
            if not ok:
                raise LoadError(name, "the PDF is password-protected", "Remove the password and upload it again.")
        n_pages = len(reader.pages)
    except LoadError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as err:
        raise LoadError(name, f"the PDF is damaged or incomplete ({err.__class__.__name__})") from err
    except Exception as err:
        raise LoadError(name, f"the PDF could not be parsed ({err.__class__.__name__})") from err
    if n_pages == 0:
        raise LoadError(name, "the PDF has no pages")
    if n_pages > max_pages:
        raise LoadError(
            name, f"it has {n_pages} pages, more than the limit of {max_pages}", "Split it or raise max_pdf_pages."
        )

    started = time.monotonic()
    pages: list[str] = []
    warnings: list[str] = []
    empty: list[int] = []
    repaired = 0
    for number, page in enumerate(reader.pages, start=1):
        if time.monotonic() - started > timeout_s:
            raise LoadError(name, f"reading took longer than {timeout_s:.0f} s (at page {number} of {n_pages})")
        try:
            text = page.extract_text() or ""
        except Exception as err:
            warnings.append(f"page {number}: text could not be extracted ({err.__class__.__name__})")
            text = ""
        if len(text) > MAX_PAGE_CHARS:
            raise LoadError(name, f"page {number} holds over {MAX_PAGE_CHARS:,} characters (a decompression bomb?)")
        text, fixed = repair_rtl_text(text)
        repaired += fixed
        if not text.strip():
            empty.append(number)
        pages.append(text)
    if len(empty) == n_pages:
        raise LoadError(
            name,
            "the PDF has no text layer (a scan or images only)",
            "Run OCR on it (for example ocrmypdf) and upload the result.",
        )
    if empty:
        warnings.append(f"{len(empty)} page(s) without a text layer (scanned?): {_ranges(empty)}")
    if repaired:
        logger.info("%s: right-to-left text reordered on %d page(s)", name, repaired)
    title = ""
    try:
        meta = reader.metadata
        title = (meta.title or "").strip() if meta else ""
    except Exception:
        title = ""
    return PdfContent(pages=tuple(pages), title=title, warnings=tuple(warnings))


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}-{prev}" if prev > start else str(start))
        if n is not None:
            start = prev = n
    return ", ".join(out)
