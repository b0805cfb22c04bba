"""PDF: pypdf page by page, with Arabic visual-order repair and clear errors for what cannot be read."""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass

from regassist.errors import LoadError

logger = logging.getLogger(__name__)

MAX_PAGE_CHARS = 200_000  # a page with more text than this is a generated bomb, not a page of a law
try:  # pypdf's resource limits (decompressed stream size, content stream tokens); pypdf >= 5.x
    from pypdf.errors import LimitReachedError as _LIMIT_REACHED
except ImportError:  # pragma: no cover - older pypdf: nothing to single out
    _LIMIT_REACHED = ()  # type: ignore[assignment,misc]


class _GuardTripped(Exception):
    """Raised from pypdf's visitor callbacks to stop a page's extraction."""


class _PageGuard:
    """pypdf visitor callbacks that stop one page's text extraction once its text passes ``max_chars`` or
    the document's ``deadline`` (time.monotonic) passes. Once tripped it raises on every later callback:
    pypdf swallows exceptions raised inside a Form XObject, the next operator of the page stops it."""

    def __init__(self, deadline: float, max_chars: int) -> None:
        self.deadline = deadline
        self.max_chars = max_chars
        self.chars = 0
        self.operators = 0
        self.tripped = ""  # "", "time" or "chars"

    def on_operator(self, *_: object) -> None:
        self.operators += 1
        if not self.tripped and self.operators % 512 == 0 and time.monotonic() > self.deadline:
            self.tripped = "time"
        if self.tripped:
            raise _GuardTripped(self.tripped)

    def on_text(self, text: str, *_: object) -> None:
        self.chars += len(text)
        if not self.tripped and self.chars > self.max_chars:
            self.tripped = "chars"
        if self.tripped:
            raise _GuardTripped(self.tripped)


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
        # Reliability fix (issue 8): the checks between pages came too late for one hostile page -- a Form
        # XObject drawn 4,000 times took 80 s before the character cap below could look at the text, and
        # pypdf's own safety limits (75 MB per inflated stream, 2M tokens per content stream) were reported
        # as "no text layer, run OCR". The guard watches the extraction as it runs and stops it.
        guard = _PageGuard(deadline=started + timeout_s, max_chars=MAX_PAGE_CHARS)
        try:
            text = page.extract_text(visitor_operand_before=guard.on_operator, visitor_text=guard.on_text) or ""
        except _GuardTripped:
            text = ""
        except _LIMIT_REACHED as err:
            detail = (str(err).strip().splitlines() or [err.__class__.__name__])[0].rstrip(".")
            raise LoadError(
                name, f"page {number} is over the PDF reader's safety limits, a decompression bomb? (pypdf: {detail})"
            ) from err
        except Exception as err:
            warnings.append(f"page {number}: text could not be extracted ({err.__class__.__name__})")
            text = ""
        if guard.tripped == "time":
            raise LoadError(name, f"reading took longer than {timeout_s:.0f} s (at page {number} of {n_pages})")
        if guard.tripped == "chars" or len(text) > MAX_PAGE_CHARS:
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
