"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, against the real site on loopback.

There is no skip: when the browser is missing the tests fail, as CI must.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

PAGE_TYPES = {
    "home": "/",
    "meetings": "/moten/",
    "meeting": "/moten/2017-09-07-ledningsgrupp-for-utveckling/",
    "people": "/personer/",
    "person": "/personer/leif-redestig/",
    "projects": "/projekt/",
    "project": "/projekt/fritidsbanken/",
    "groups": "/grupper/",
    "group": "/grupper/gemensam-utvecklingsgrupp/",
    "organisations": "/organisationer/",
    "organisation": "/organisationer/fontanhuset/",
    "search": "/sok/",
    "search results": "/sok/?q=Fritidsbanken",
    "accessibility statement": "/tillganglighet/",
    "not found": "/404.html",
}
"""One page of every type of the real site, by name."""
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="session")
def site_url(real_site: Path):
    """The real site served by a plain static server on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(real_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def wait_for_search_results(page) -> list[str]:
    """After a search on /sok/: wait until Pagefind's UI shows every result it announced; their URLs."""
    message = page.locator(".pagefind-ui__message")
    message.filter(has_text="träff").wait_for()  # "Fritidsbanken gav 2 träffar", "… gav inga träffar"
    words = message.inner_text().split(" gav ")[1].split()
    count = 0 if words[0] == "inga" else int(words[0])
    selector = ".pagefind-ui__result-inner > .pagefind-ui__result-title > a"  # pages, not their sub-results
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[selector, count])
    return [link.get_attribute("href") for link in page.locator(selector).all()]
