"""Screenshots of every tab in every interface language, for a visual check of layout, RTL and localisation.

    python bench/screens.py [--index DIR] [--out tests/artifacts/screens]

Starts the app on 127.0.0.1 (a free port) over ``--index`` (default ./index; an empty index gets the demo
corpus first), then with headless Chromium (/usr/bin/chromium, no Playwright browser download) saves
``<lang>-chat.png`` (an example question answered), ``<lang>-workbench.png`` (a search), ``<lang>-compare.png``,
``<lang>-operator.png`` (after login) and ``ru-editions.png`` into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's regassist, also when another one is installed
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALES = {"ru": "ru-RU", "en": "en-US", "ar": "ar-SA", "tr": "tr-TR"}
SEARCHES = {
    "ru": "налог на имущество",
    "en": "income tax exemption",
    "ar": "الإعفاء من ضريبة الدخل",
    "tr": "kurumlar vergisi istisnası",
}
COMPARE = ("alabuga", "duqm")
PASSWORD = "screens-only-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=None, help="index folder (default: REGASSIST_INDEX_DIR or ./index)")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "screens")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--langs", default="ru,en,ar,tr")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from regassist import webapp
    from regassist.config import Settings

    settings = Settings.load(index_dir=args.index, host="127.0.0.1", operator_password=PASSWORD)
    webapp.ensure_index(settings)
    _, server = webapp.start_server(settings, port=0)
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
            for lang in args.langs.split(","):
                page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=LOCALES[lang])

                def shot(name: str, *, full: bool = False, lang: str = lang, page=page) -> None:
                    page.wait_for_timeout(600)
                    path = args.out / f"{lang}-{name}.png"
                    page.screenshot(path=str(path), full_page=full)
                    saved.append(path)

                def open_page(lang: str = lang, page=page) -> None:
                    page.goto(f"{server.url}?lang={lang}")
                    page.wait_for_selector("#ra-transcript", timeout=60_000)
                    page.wait_for_timeout(800)

                open_page()
                page.locator(".ra-example").first.click()
                page.wait_for_selector("#ra-transcript .ra-card, #ra-transcript .ra-refused", timeout=180_000)
                shot("chat", full=True)

                open_page()
                page.click("button[role=tab][data-tab-id=workbench]")
                page.fill("#ra-query textarea", SEARCHES[lang])
                page.click("#ra-search")
                page.wait_for_selector("#ra-search-out .ra-hit, #ra-search-out .ra-none", timeout=120_000)
                shot("workbench")

                page.click("button[role=tab][data-tab-id=wb-compare]")
                for zone in COMPARE:
                    page.click("#ra-cmp-zones input")
                    page.keyboard.type(zone)
                    page.wait_for_timeout(300)
                    page.keyboard.press("Enter")
                page.keyboard.press("Escape")
                page.mouse.click(5, 5)
                page.click("#ra-compare")
                page.wait_for_selector("#ra-cmp-out .ra-cmp, #ra-cmp-out .ra-none", timeout=180_000)
                shot("compare", full=True)

                if lang == "ru":
                    page.click("button[role=tab][data-tab-id=wb-editions]")
                    page.click("#ra-series input")
                    page.keyboard.press("ArrowDown")
                    page.keyboard.press("Enter")
                    page.wait_for_timeout(1500)
                    page.click("#ra-diff-btn")
                    page.wait_for_selector("#ra-diff-out .ra-diff, #ra-diff-out .ra-none", timeout=60_000)
                    shot("editions")

                open_page()
                page.click("button[role=tab][data-tab-id=operator]")
                page.fill("#ra-password input", PASSWORD)
                page.click("#ra-login-btn")
                page.wait_for_selector("#ra-docs table", timeout=30_000)
                shot("operator", full=True)
                page.close()
            browser.close()
    finally:
        server.close()
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"{time.perf_counter() - t0:.0f} s")
