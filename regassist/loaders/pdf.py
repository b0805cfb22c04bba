"""PDF: pypdf page by page, with Arabic visual-order repair and clear errors for what cannot be read."""

from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import dataclass

from regassist.errors import LoadError

logger = logging.getLogger(__name__)

MAX_PAGE_CHARS = 200_000  # a page with more text than this is a generated bomb, not a page of a law
try:  # pypdf's resource limits (decompressed stream size, content stream tokens); pypdf >= 5.x
    from pypdf.errors import LimitReachedError as _LIMIT_REACHED
except ImportError:  # pragma: no cover - older pypdf: nothing to single out
    _LIMIT_REACHED = ()  # type: ignore[assignment,misc]


# Reliability fix (issue 8), with _PageGuard and _page_work below: pypdf's own limits (75 MB per inflated
# stream, 2M tokens per content stream, 5,000 form invocations per page) keep memory low, but one hostile page
# could still take minutes -- a 1 KB PDF drawing a text-filled Form XObject 4,000 times took 80 s before the
# character cap could look at the text -- and hitting those limits was reported as "no text layer, run OCR".
GUARD_WORK_BYTES = 4_000_000  # estimated content bytes pypdf walks for one page; above this it is watched
_MAY_SHOW_TEXT = re.compile(rb"T[jJ]|['\"]|Do")  # text-showing operators, or a form drawn (found anywhere)
_FORM_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _page_work(content: bytes, resources: object) -> int:
    """Estimated bytes of content operators pypdf walks for one page: its content, plus each time a Form
    XObject that may show text is drawn, that form's own estimate (nested forms multiply). Stops counting
    past the limit."""
    memo: dict[int, int] = {}

    def work(data: bytes, res: object, depth: int) -> int:
        total = len(data)
        xobjects = res.get("/XObject") if hasattr(res, "get") else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        if not xobjects or depth > 30:
            return total
        for match in _FORM_DRAWN.finditer(data):
            name = "/" + _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)).decode("latin-1")
            form = xobjects.get(name)
            form = form.get_object() if form is not None else None
            if form is None or form.get("/Subtype") != "/Form":
                continue
            if id(form) not in memo:
                memo[id(form)] = 0  # a form drawing itself adds nothing (pypdf skips the cycle too)
                form_data = form.get_data()  # a form that cannot show text costs nothing: pypdf skips it
                if _MAY_SHOW_TEXT.search(form_data):
                    memo[id(form)] = work(form_data, form.get("/Resources") or res, depth + 1)
            total += memo[id(form)]
            if total > GUARD_WORK_BYTES:
                break
        return total

    return work(content, resources, 0)


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
        # Reliability fix (issue 8): a page with much work (see _page_work) is extracted under a guard that
        # stops it at the character cap or the deadline. Others keep pypdf's fast path: with visitors pypdf
        # also walks content that cannot show text (a vector emblem drawn on every page), which it skips
        # without them.
        guard = _PageGuard(deadline=started + timeout_s, max_chars=MAX_PAGE_CHARS)
        try:
            contents = page.get_contents()
            content = contents.get_data() if contents is not None else b""
            if _MAY_SHOW_TEXT.search(content) and _page_work(content, page.get("/Resources")) > GUARD_WORK_BYTES:
                text = page.extract_text(visitor_operand_before=guard.on_operator, visitor_text=guard.on_text) or ""
            else:
                text = page.extract_text() or ""
        except _GuardTripped:
            text = ""
        except _LIMIT_REACHED as err:
            detail = (str(err).strip().splitlines() or [err.__class__.__name__])[0].rstrip(".")
            raise LoadError(
                name, f"page {number} is over the PDF reader's safety limits, a decompression bomb? (pypdf: {detail})"
            ) from err
        except Exception as err:  # noqa: BLE001 - deliberate: one failure must not stop the caller
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
    except Exception:  # noqa: BLE001 - deliberate: one failure must not stop the caller
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
