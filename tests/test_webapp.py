"""The web app (regassist.webapp): a real server on 127.0.0.1 over a small index built with the real e5 model.

API-level checks go through ``gradio_client`` (ask, search, compare, documents) and plain HTTP (/health, /source).
The operator console's private endpoints are called the way the browser calls them (the queue protocol with a
session hash): with a login they work and the upload is searchable at once; without one every call is refused
server-side, also when the client is forced to call the private function by its fn_index.
"""

from __future__ import annotations

import http.client
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from regassist.config import Settings

gradio = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from regassist import webapp  # noqa: E402
from regassist.webapp import (  # noqa: E402
    LoginLocked,
    OperatorGate,
    csv_safe,
    diff_tokens,
    is_loopback,
    render_transcript,
    safe_upload_name,
    source_view_html,
    split_for_streaming,
)
from regassist.webtext import TEXT, UI_LANGS, best_lang, t  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DUQM_PDF = ROOT / "corpus" / "ar" / "oman_duqm_handbook.pdf"
PASSWORD = "correct horse battery staple"
AR_QUESTION = "ما مدة الإعفاء من ضريبة الدخل في منطقة الدقم؟"

EDITION_OLD = """Harbour Free Zone fee schedule (teaching example), edition 2023

Article 1. Licence fee
The annual licence fee is 1 200 USD for every licensed enterprise.

Article 2. Office rent
Office rent in the zone is 15 USD per square metre per month.
"""
EDITION_NEW = """Harbour Free Zone fee schedule (teaching example), edition 2025

Article 1. Licence fee
The annual licence fee is 1 500 USD for every licensed enterprise.

Article 2. Office rent
Office rent in the zone is 18 USD per square metre per month.
"""
UPLOAD_TEXT = """Zephyrium technopark rules (test upload)

Article 1. Residents of the Zephyrium technopark pay a reduced land rent of 7 USD per square metre.
Article 2. The <script>alert('x')</script> tag and <img src=x onerror=alert(1)> must be shown as text.
"""


# ------------------------------------------------------------------------------------------------
# A small index, built once per session with the real model; each module works on its own copy.
# ------------------------------------------------------------------------------------------------


def build_web_index(base: Settings, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared e5 index (fixture corpus) plus the Duqm PDF (Arabic, 8 pages) and two editions of a series.

    Built once per session on a copy of ``e5_index``, whose cached vectors spare re-embedding the fixture corpus.
    """
    from regassist.ingest import Indexer

    root = tmp_path_factory.getbasetemp() / "web-pristine"
    if (root / ".built").exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(base.index_dir, root / "index")
    extra = root / "extra"
    extra.mkdir()
    shutil.copy(DUQM_PDF, extra / DUQM_PDF.name)
    shutil.copy(DUQM_PDF.with_name(DUQM_PDF.name + ".meta.json"), extra / (DUQM_PDF.name + ".meta.json"))
    for name, text, edition in (
        ("fees_2023.txt", EDITION_OLD, "2023-01-01"),
        ("fees_2025.txt", EDITION_NEW, "2025-01-01"),
    ):
        (extra / name).write_text(text, encoding="utf-8")
        meta = {
            "lang": "en",
            "doc_type": "guide",
            "country": "OM",
            "zone": "harbour",
            "edition": edition,
            "series": "harbour_fees",
        }
        (extra / f"{name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache")
    report = Indexer(settings, embedder=embedder).ingest([extra])
    assert report.n_failed == 0, [r.error for r in report.results if r.error]
    (root / ".built").touch()
    return root


def working_index(pristine: Path, dest: Path) -> Path:
    shutil.copytree(pristine / "index", dest)
    return dest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, e5: Any, e5_index: Settings) -> Iterator[tuple[Any, Any]]:
    pristine = build_web_index(e5_index, e5, tmp_path_factory)
    index_dir = working_index(pristine, tmp_path_factory.mktemp("web") / "index")
    settings = Settings(
        index_dir=index_dir,
        cache_dir=pristine / "cache",
        host="127.0.0.1",
        port=0,
        operator_password=PASSWORD,
        concurrency=2,
    )
    web, srv = webapp.start_server(settings, embedder=e5, port=0)
    yield web, srv
    srv.close()


@pytest.fixture(scope="module")
def client(server: tuple[Any, Any]) -> Iterator[Any]:
    from gradio_client import Client

    c = Client(server[1].url, verbose=False)
    yield c
    c.close()


def fn_index(web: Any, name: str) -> int:
    """The fn_index of the event whose handler is WebApp.<name>."""
    for index, fn in web.blocks.fns.items():
        if getattr(fn.fn, "__name__", "") == name:
            return int(index)
    raise KeyError(name)


def queue_call(base: str, fn: int, data: list[Any], session: str, timeout: float = 120.0) -> dict[str, Any]:
    """Call an event through the queue the way the browser does; the final message (success or error)."""
    with httpx.Client(base_url=base, timeout=timeout) as h:
        r = h.post(
            "gradio_api/queue/join",
            json={"data": data, "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None},
        )
        r.raise_for_status()
        event_id = r.json()["event_id"]
        with h.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event_id and msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("no process_completed message")


def upload(base: str, name: str, data: bytes) -> dict[str, Any]:
    r = httpx.post(f"{base}gradio_api/upload", files={"files": (name, data)}, timeout=30)
    r.raise_for_status()
    path = r.json()[0]
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def raw_get(url: str, path: str) -> int:
    """GET with the path sent exactly as written (no client-side normalisation of '..')."""
    parsed = httpx.URL(url)
    conn = http.client.HTTPConnection(parsed.host, parsed.port, timeout=10)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


# ------------------------------------------------------------------------------------------------
# HTTP routes
# ------------------------------------------------------------------------------------------------


def test_health_reports_the_index(server: tuple[Any, Any]) -> None:
    web, srv = server
    r = httpx.get(srv.url + "health", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["documents"] == len(web.registry.documents()) >= 10
    assert body["chunks"] > body["documents"]
    assert isinstance(body["generation"], int) and body["generation"] > 0


def test_source_route_serves_only_registered_documents(server: tuple[Any, Any]) -> None:
    web, srv = server
    for path in (
        "/source/../../etc/passwd",
        "/source/..%2F..%2Fetc%2Fpasswd",
        "/source/%2Fetc%2Fpasswd",
        "/source/0123456789abcdef",
        "/source/abc",
        "/source/0123456789abcdef?path=/etc/passwd",
    ):
        assert raw_get(srv.url, path) == 404, path
    pdf = next(d for d in web.registry.documents() if d.source.endswith(".pdf") and d.lang == "ar")
    r = httpx.get(f"{srv.url}source/{pdf.doc_id}", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text_doc = next(d for d in web.registry.documents() if d.source.endswith("ar_nizam.txt"))
    full = web.registry.document(text_doc.doc_id).text
    start = full.index("تعفى")
    r = httpx.get(f"{srv.url}source/{text_doc.doc_id}", params={"start": start, "end": start + 20, "ui": "ar"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<mark id="q">' + full[start : start + 20] + "</mark>" in r.text
    assert (
        "script-src" not in r.headers["content-security-policy"]
        and "default-src 'none'" in r.headers["content-security-policy"]
    )


# ------------------------------------------------------------------------------------------------
# Public API through gradio_client
# ------------------------------------------------------------------------------------------------


def test_api_lists_only_public_endpoints(client: Any) -> None:
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/ask", "/search", "/compare", "/documents"}


def test_ask_in_arabic_cites_the_pdf_page(server: tuple[Any, Any], client: Any) -> None:
    web, srv = server
    answer = client.predict(AR_QUESTION, "", api_name="/ask")
    assert answer["lang"] == "ar" and not answer["refused"]
    assert answer["citations"], answer
    c = answer["citations"][0]
    doc = web.registry.document(c["doc_id"])
    assert c["quote"] in doc.text  # verbatim
    assert "/" not in c["source"]  # no server paths through the API
    assert c["format"] == "pdf" and c["url"] == f"source/{c['doc_id']}?ui=ar#page={c['page']}"
    assert doc.page_of(doc.text.index(c["quote"])) == c["page"]
    r = httpx.get(srv.url + c["url"].split("#")[0], timeout=10)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_ask_refuses_when_the_documents_do_not_answer(client: Any) -> None:
    answer = client.predict("How many penguins live in Antarctica?", "en", api_name="/ask")
    assert answer["refused"] is True
    assert answer["citations"] == []
    assert answer["closest"] and all(d["title"] for d in answer["closest"])


def test_search_with_filters(client: Any) -> None:
    everything = client.predict("income tax exemption", api_name="/search")["hits"]
    assert {h["country"] for h in everything} >= {"OM", "RU"}
    ru = client.predict("income tax exemption", "RU", api_name="/search")["hits"]
    assert ru and {h["country"] for h in ru} == {"RU"}
    laws = client.predict("income tax exemption", "", "", "law", api_name="/search")["hits"]
    assert laws and {h["doc_type"] for h in laws} == {"law"}
    recent = client.predict("licence fee", "", "", "", "", "2024-01-01", api_name="/search")["hits"]
    assert recent and all(h["edition"] >= "2024" for h in recent)
    for h in ru:
        assert {"score", "text", "page", "section", "title"} <= set(h)


def test_compare_zones(client: Any) -> None:
    result = client.predict("duqm,RU", "profit_tax,tax_holiday", "en", api_name="/compare")
    assert result["zones"] == ["duqm", "RU"]
    assert result["rows"][0][1:] == ["Duqm", "Russia"]
    cited = [c for c in result["cells"] if c["citation"]]
    assert any(c["zone"] == "duqm" for c in cited), result["cells"]
    with pytest.raises(Exception, match="Unknown"):
        client.predict("atlantis-zone,RU", "", "en", api_name="/compare")


# ------------------------------------------------------------------------------------------------
# Operator console: authorised works, everything else is refused server-side
# ------------------------------------------------------------------------------------------------


def test_operator_upload_with_login_is_searchable_at_once(server: tuple[Any, Any], client: Any) -> None:
    web, srv = server
    before = httpx.get(srv.url + "health").json()
    session = uuid.uuid4().hex[:11]
    login = queue_call(srv.url, fn_index(web, "op_login"), [PASSWORD, "en"], session)
    assert login["success"], login
    f = upload(srv.url, "../../zephyrium rules.md", UPLOAD_TEXT.encode())
    done = queue_call(
        srv.url, fn_index(web, "op_ingest"), [None, [f], "om", "", "guide", "auto", "2025-05-01", "", "en"], session
    )
    assert done["success"], done
    results_html = done["output"]["data"][0]
    assert "added" in results_html
    stored = list((web.settings.index_dir / "uploads").iterdir())
    assert [p.name for p in stored] == ["zephyrium rules.md"]  # sanitised, inside uploads/
    after = httpx.get(srv.url + "health").json()
    assert after["documents"] == before["documents"] + 1 and after["generation"] > before["generation"]
    hits = client.predict("Zephyrium technopark land rent", api_name="/search")["hits"]
    assert hits and hits[0]["title"].startswith("Zephyrium"), hits[:2]
    assert hits[0]["country"] == "OM" and hits[0]["edition"] == "2025-05-01"
    # the document's text view escapes its markup
    view = httpx.get(f"{srv.url}source/{hits[0]['doc_id']}").text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in view and "<script>" not in view
    assert "&lt;img src=x onerror=alert(1)&gt;" in view
    # re-ingest keeps the document and its metadata, then remove it again through the console
    again = queue_call(srv.url, fn_index(web, "op_reingest"), [None, hits[0]["doc_id"], "en"], session)
    assert again["success"], again
    assert "added" in again["output"]["data"][0]
    info = web.registry.doc_info(hits[0]["doc_id"])
    assert info is not None and info.country == "OM" and info.edition == "2025-05-01"
    removed = queue_call(srv.url, fn_index(web, "op_remove"), [None, hits[0]["doc_id"], "en"], session)
    assert removed["success"], removed
    assert httpx.get(srv.url + "health").json()["documents"] == before["documents"]
    assert not any(h["title"].startswith("Zephyrium") for h in client.predict("Zephyrium", api_name="/search")["hits"])


def test_operator_actions_without_login_are_refused(server: tuple[Any, Any], client: Any) -> None:
    web, srv = server
    docs_before = httpx.get(srv.url + "health").json()["documents"]
    victim = web.registry.documents()[0].doc_id
    ingest, remove, documents = (fn_index(web, n) for n in ("op_ingest", "op_remove", "op_documents"))
    # 1. the client library will not call private endpoints ...
    with pytest.raises(Exception):  # noqa: B017
        client.predict(None, [], "", "", "auto", "auto", "", "", "en", fn_index=ingest)
    # 2. ... and when forced to, the server refuses: no session token
    endpoint = client.endpoints[remove]
    endpoint.is_valid = True
    try:
        with pytest.raises(Exception, match="Operator login required"):
            client.predict(victim, "en", fn_index=remove)
    finally:
        endpoint.is_valid = False
    # 3. the raw queue protocol, a fresh session without login, and after a wrong password
    session = uuid.uuid4().hex[:11]
    f = upload(srv.url, "intruder.md", b"# Intruder\n\nThis must never be indexed.\n")
    for data, fn in (
        ([None, [f], "", "", "auto", "auto", "", "", "en"], ingest),
        ([None, victim, "en"], remove),
        ([None, "en"], documents),
    ):
        msg = queue_call(srv.url, fn, data, session)
        assert msg["success"] is False and "Operator login required" in json.dumps(msg, ensure_ascii=False), msg
    wrong = queue_call(srv.url, fn_index(web, "op_login"), ["guess", "en"], session)
    assert wrong["success"] and "Wrong password" in json.dumps(wrong["output"]["data"])
    msg = queue_call(srv.url, remove, [None, victim, "en"], session)
    assert msg["success"] is False
    assert httpx.get(srv.url + "health").json()["documents"] == docs_before
    assert web.registry.doc_info(victim) is not None
    assert not (web.settings.index_dir / "uploads" / "intruder.md").exists()


# ------------------------------------------------------------------------------------------------
# Chat, feedback, workbench pieces (server-side functions, real model)
# ------------------------------------------------------------------------------------------------


def test_chat_streams_sentence_by_sentence_then_shows_cards(server: tuple[Any, Any]) -> None:
    web, _ = server
    start = web.chat_start(AR_QUESTION, [], "en")
    assert start[2] == "ar"  # the interface follows the asker's language
    frames = list(web.chat_answer(AR_QUESTION, [], "ar"))
    assert len(frames) >= 2  # partial text first, then the final answer
    partial, final = frames[0][0], frames[-1][0]
    assert "ra-card" not in partial and "ra-card" in final and "<mark>" in final
    assert 'class="ra-answer-text" dir="rtl" lang="ar"' in final
    assert "#page=" in final
    history = frames[-1][1]
    assert len(history) == 1 and history[0]["answer"]["citations"]
    status, comment, history = web.feedback_up("useful", history, "en")
    assert status == t("feedback_thanks", "en") and comment == ""
    row = web.registry.conn.execute("SELECT question, rating, comment FROM feedback ORDER BY id DESC").fetchone()
    assert tuple(row) == (AR_QUESTION, 1, "useful")
    assert web.feedback_down("", history, "en")[0] == t("feedback_done", "en")  # one vote per answer


def test_editions_diff_marks_changed_numbers(server: tuple[Any, Any]) -> None:
    web, _ = server
    assert "harbour_fees" in [v for _, v in web.series_choices()]
    left, right = web.ui_pick_series("harbour_fees")
    html_out = web.ui_diff(left["value"], right["value"], "en")
    assert '<del class="ra-del"><b class="ra-num">1 200</b></del>' in html_out
    assert '<ins class="ra-ins"><b class="ra-num">1 500</b></ins>' in html_out
    assert "2023" in html_out and "2025" in html_out
    assert web.ui_diff(left["value"], left["value"], "en") == f'<p class="ra-none">{t("pick_two", "en")}</p>'


def test_search_ui_exports_csv(server: tuple[Any, Any]) -> None:
    import csv

    web, _ = server
    html_out, download = web.ui_search("=HYPERLINK licence fee", ["OM"], [], [], [], "", "", 5, "en")
    assert "ra-hit" in html_out
    with open(download["value"], encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["rank", "score"] and len(rows) > 1
    assert {r[rows[0].index("country")] for r in rows[1:]} == {"OM"}
    with pytest.raises(gradio.Error):
        web.ui_search("fee", [], [], [], [], "last year", "", 5, "en")


def test_oversized_and_hostile_uploads_are_rejected(server: tuple[Any, Any], tmp_path: Path) -> None:
    import dataclasses

    web, _ = server
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ....")
    settings = web.settings
    web.settings = dataclasses.replace(settings, max_file_bytes=1024)
    try:
        rows = web.ingest_uploads([str(big), str(exe)], {}, "en")
    finally:
        web.settings = settings
    assert [r["status"] for r in rows] == ["rejected", "rejected"]
    assert "size limit" in rows[0]["notes"] and "unsupported" in rows[1]["notes"]
    assert not (web.settings.index_dir / "uploads" / "big.txt").exists()


# ------------------------------------------------------------------------------------------------
# Pure functions
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini.md", "win.ini.md"),
        ("a\x00b.md", "ab.md"),
        (".hidden.md", "hidden.md"),
        ("x..y.TXT", "x.y.txt"),
        ("e\u0301te\u0301.md", "été.md"),  # NFC
        ("evil\u202etxt.md", "eviltxt.md"),  # no bidi override
        ("نظام المنطقة.pdf", "نظام المنطقة.pdf"),
    ],
)
def test_safe_upload_name(name: str, expected: str) -> None:
    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", ["", "..", "../", ".md", "manifest.json", "x.meta.json", "a.exe", "noext", "/"])
def test_safe_upload_name_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        safe_upload_name(name)


def test_safe_upload_name_limits_length() -> None:
    name = safe_upload_name("ж" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= 120


def test_operator_gate_rate_limits_and_expires_tokens() -> None:
    now = [1000.0]
    gate = OperatorGate("pw", loopback_only=False, max_failures=3, window_s=60, token_ttl_s=100, clock=lambda: now[0])
    assert gate.mode == "password" and not gate.check(None) and not gate.check("forged")
    for _ in range(3):
        with pytest.raises(PermissionError):
            gate.login("nope", "10.0.0.1")
    with pytest.raises(LoginLocked):
        gate.login("pw", "10.0.0.1")  # locked even with the right password
    token = gate.login("pw", "10.0.0.2")  # another client is not locked
    assert gate.check(token)
    now[0] += 61
    token = gate.login("pw", "10.0.0.1")  # the window has passed
    now[0] += 101
    assert not gate.check(token)  # expired
    token = gate.login("pw", "10.0.0.1")
    gate.logout(token)
    assert not gate.check(token)


def test_operator_gate_modes() -> None:
    assert OperatorGate("", loopback_only=True).mode == "open"
    disabled = OperatorGate("", loopback_only=False)
    assert disabled.mode == "disabled" and not disabled.check("anything")
    with pytest.raises(PermissionError):
        disabled.login("", "127.0.0.1")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_rendering_escapes_document_text() -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    turn = {
        "q": evil,
        "qlang": "en",
        "answer": {
            "text": f"{evil} [1]",
            "lang": "ar",
            "refused": False,
            "closest": [],
            "citations": [
                {
                    "n": 1,
                    "doc_id": "0123456789abcdef",
                    "title": evil,
                    "page": 2,
                    "section": evil,
                    "quote": evil,
                    "lang": "ar",
                    "edition": evil,
                    "format": "pdf",
                    "start": 0,
                    "end": 5,
                    "before": evil,
                    "after": evil,
                }
            ],
        },
    }
    out = render_transcript([turn], "ar")
    assert "<script" not in out and "<img" not in out and 'onerror="' not in out
    assert "&lt;script&gt;" in out
    assert 'href="source/0123456789abcdef?ui=ar#page=2"' in out
    assert '<a class="ra-ref" href="#cite-0-1">[1]</a>' in out
    refused = {
        "q": "?",
        "qlang": "en",
        "answer": {
            "text": "No.",
            "lang": "en",
            "refused": True,
            "citations": [],
            "closest": [{"doc_id": "0123456789abcdef", "title": evil, "page": 1, "format": "text"}],
        },
    }
    out = render_transcript([refused], "en")
    assert "ra-refused" in out and "<script" not in out and t("closest", "en") in out


def test_source_view_marks_the_quote_on_its_page() -> None:
    from regassist.documents import Document

    text = "Page one <b>bold</b>.\n\nPage two has the quote here."
    doc = Document("0123456789abcdef", "x.txt", "T <i>", "en", "guide", text, page_starts=(0, text.index("Page two")))
    start = text.index("the quote")
    out = source_view_html(doc, start, start + 9, "ar")
    assert '<section id="page=2">' in out and '<mark id="q">the quote</mark>' in out
    assert "&lt;b&gt;bold&lt;/b&gt;" in out and "<b>" not in out and "&lt;i&gt;" in out
    assert 'dir="rtl"' in out  # the page chrome follows the interface language
    assert "<mark" not in source_view_html(doc, 5, 10**9, "en")  # out-of-range spans are ignored


def test_streaming_pieces_join_back() -> None:
    text = "First sentence. Second one! Third? • bullet\n• another [1]. Последнее предложение. جملة؟ أخرى"
    pieces = split_for_streaming(text)
    assert "".join(pieces) == text and len(pieces) >= 5


def test_diff_tokens_keeps_thousands_together() -> None:
    _, _, changes, numbers = diff_tokens("Rent 1 000 RUB, rate 2 %.", "Rent 1 500 RUB, rate 0 %, new 7.")
    assert numbers == [("1 000", "1 500"), ("2", "0")] and changes >= 2


def test_csv_cells_cannot_be_formulas() -> None:
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("-5%") == "-5%" and csv_safe("+7") == "+7" and csv_safe("text") == "text"


def test_interface_text_is_complete_in_four_languages() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in TEXT.items():
        assert set(texts) == set(UI_LANGS), key
        for lang in UI_LANGS:
            assert texts[lang].strip(), (key, lang)
            assert fields(texts[lang]) == fields(texts["en"]), (key, lang)
    assert best_lang("ar-SA,ar;q=0.9,en;q=0.8") == "ar"
    assert best_lang("de-DE,tr;q=0.5,ru;q=0.7") == "ru"
    assert best_lang(None) == "en" and best_lang("zz") == "en"


def test_console_is_disabled_without_password_off_loopback() -> None:
    from regassist.webapp import WebApp

    exposed = WebApp(Settings(host="0.0.0.0", operator_password=""), assistant=object())
    login_box, panel, notice = exposed.op_visibility()
    assert login_box["visible"] is False and panel["visible"] is False and notice == "op_disabled"
    assert "REGASSIST_OPERATOR_PASSWORD" in t("op_disabled", "ar")
    with pytest.raises(gradio.Error, match="Operator login required"):
        exposed._authorise("any-token", None, "en")
    local = WebApp(Settings(host="127.0.0.1", operator_password=""), assistant=object())
    assert local.op_visibility()[2] == "op_open"
    local._authorise(None, None, "en")  # open on loopback


def test_empty_index_gets_the_demo_corpus_first(settings: Settings, fake_embedder: Any, corpus_dir: Path) -> None:
    from regassist.store import Registry

    lines: list[str] = []
    webapp.ensure_index(settings, corpus_dir, embedder=fake_embedder, echo=lines.append)
    registry = Registry(settings.index_dir)
    n = registry.stats()["documents"]
    registry.close()
    assert n >= 5 and "empty" in lines[0]
    webapp.ensure_index(settings, corpus_dir, embedder=fake_embedder, echo=lines.append)  # not empty: nothing to do
    assert len(lines) == 2


def test_cli_has_a_serve_command() -> None:
    from click.testing import CliRunner

    from regassist.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output
