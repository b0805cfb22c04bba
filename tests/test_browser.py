"""A real browser (headless Debian Chromium through Playwright) against the web app on 127.0.0.1.

It asks an Arabic question and checks what the investor sees: an Arabic answer laid out right-to-left, at least
one citation card, and a link that opens the cited PDF at its page (``#page=N``). Screenshots go to
``tests/artifacts/`` (git-ignored). Skipped only when Chromium (``/usr/bin/chromium``) or the ``playwright`` package
is missing; Playwright's own browser download is never used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)
pytest.importorskip("gradio")

try:
    from test_webapp import AR_QUESTION, PASSWORD, build_web_index, working_index
except ImportError:  # run as a package (python -m pytest --import-mode=importlib)
    from tests.test_webapp import AR_QUESTION, PASSWORD, build_web_index, working_index


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, e5: Any, e5_index: Any) -> Iterator[str]:
    from regassist import webapp
    from regassist.config import Settings

    pristine = build_web_index(e5_index, e5, tmp_path_factory)
    index_dir = working_index(pristine, tmp_path_factory.mktemp("browser") / "index")
    settings = Settings(
        index_dir=index_dir, cache_dir=pristine / "cache", host="127.0.0.1", port=0, operator_password=PASSWORD
    )
    _, srv = webapp.start_server(settings, embedder=e5, port=0)
    yield srv.url
    srv.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_arabic_question_gets_a_right_to_left_answer_with_cited_pdf_page(app_url: str, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(app_url + "?lang=en")
        page.wait_for_selector("#ra-transcript .ra-empty", timeout=30_000)
        assert page.evaluate("document.documentElement.dir") in ("", "ltr")
        page.fill("#ra-question textarea", AR_QUESTION)
        page.click("#ra-ask")
        page.wait_for_selector("#ra-transcript .ra-card", timeout=90_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "browser-arabic-answer.png"), full_page=True)

        answer = page.locator("#ra-transcript .ra-a").last.locator(".ra-answer-text")
        text = answer.inner_text()
        assert re.search(r"[\u0600-\u06ff]{3,}", text), text  # Arabic words
        assert answer.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert answer.get_attribute("lang") == "ar"
        cards = page.locator("#ra-transcript .ra-a").last.locator(".ra-card")
        assert cards.count() >= 1
        quote = cards.first.locator(".ra-quote mark").inner_text()
        assert quote.strip()
        hrefs = cards.first.locator("a.ra-open").evaluate_all("els => els.map(e => e.href)")
        assert hrefs and re.search(r"/source/[0-9a-f]{16}\?ui=ar#page=\d+$", hrefs[0]), hrefs
        # the interface followed the asker's language: page direction and the tab labels (a chained event,
        # so it may land a moment after the answer on a loaded machine)
        page.wait_for_function("document.documentElement.dir === 'rtl'", timeout=15_000)
        assert page.locator("button[role=tab][data-tab-id=chat]").inner_text().strip() == "أسئلة المستثمر"
        # the link opens the registered PDF
        r = httpx.get(hrefs[0].split("#")[0], timeout=10)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert not errors, errors
    finally:
        page.close()


def test_operator_console_needs_login_in_the_browser(app_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="tr-TR")
    try:
        page.goto(app_url + "?lang=tr")
        page.wait_for_selector("#ra-transcript", timeout=30_000)
        page.click("button[role=tab][data-tab-id=operator]")
        page.wait_for_selector("#ra-password input", timeout=10_000)
        assert not page.locator("#ra-files").is_visible()  # nothing of the console before login
        page.fill("#ra-password input", "wrong")
        page.click("#ra-login-btn")
        page.wait_for_selector("#ra-login-msg :text('Parola yanlış.')", timeout=10_000)
        assert not page.locator("#ra-files").is_visible()
        page.fill("#ra-password input", PASSWORD)
        page.click("#ra-login-btn")
        page.wait_for_selector("#ra-files", state="visible", timeout=10_000)
        page.wait_for_selector("#ra-docs table", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "browser-operator-tr.png"), full_page=False)
        assert page.locator("#ra-docs").inner_text().count("\n") >= 10  # the document list is shown
    finally:
        page.close()
