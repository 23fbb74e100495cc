"""Every page type renders in Chromium without console errors, and the reader can navigate."""

from __future__ import annotations

import pytest

from .conftest import PAGE_TYPES


@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_page_renders_without_console_errors(page, site_url, path):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    response = page.goto(site_url + path)
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").count() == 1
    # The stylesheet loaded and applied (a relative link from any depth).
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid"
    assert problems == []


def test_reader_follows_names_from_minutes_to_person_and_back(page, site_url):
    page.goto(site_url + "/moten/2016-02-08-gemensam-utvecklingsgrupp/")
    page.get_by_role("link", name="Leif", exact=True).click()  # "Leif ska skicka ut förslag …"
    assert page.url.endswith("/personer/leif-redestig/")
    assert page.locator("h1").inner_text() == "Leif Redestig"
    page.get_by_role("link", name="Gemensam utvecklingsgrupp 8 februari").first.click()
    assert page.url.endswith("/moten/2016-02-08-gemensam-utvecklingsgrupp/")


def test_project_timeline_deep_links_scroll_to_the_agenda_item(page, site_url):
    page.goto(site_url + "/projekt/fritidsbanken/")
    page.get_by_role("link", name="Fritidsbank").first.click()
    assert page.url.endswith("/moten/2017-09-07-ledningsgrupp-for-utveckling/#fritidsbank")
    heading = page.locator("#fritidsbank")
    assert heading.inner_text() == "Fritidsbank"
    assert heading.is_visible()
    assert page.evaluate("document.querySelector('#fritidsbank').getBoundingClientRect().top") < 100


def test_skip_link_is_first_and_moves_focus_to_main(page, site_url):
    page.goto(site_url + "/personer/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Hoppa till huvudinnehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#huvudinnehall"


def test_every_internal_link_resolves_in_the_browser(page, site_url, real_site):
    """Crawl from the home page, following every link as the browser resolves it: every page
    answers 200, every #fragment names an element of its page, and every page is reached."""
    ids: dict[str, set[str]] = {}
    queue, broken, wanted = [site_url + "/"], [], []
    while queue:
        url = queue.pop()
        if url in ids:
            continue
        ids[url] = set()
        if not url.endswith("/"):  # a file (feed, calendar, data): fetched, since navigating may download it
            fetched = page.request.get(url)
            if fetched.status != 200:
                broken.append(f"{url}: {fetched.status}")
            if "text/html" not in fetched.headers.get("content-type", ""):
                continue
        response = page.goto(url)
        if response is None or response.status != 200:
            broken.append(f"{url}: {response.status if response else 'no response'}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        ids[url] = set(page.eval_on_selector_all("[id]", "elements => elements.map(e => e.id)"))
        links = page.eval_on_selector_all("a[href], form[action]", "links => links.map(a => a.href || a.action)")
        for link in links:
            target, _, fragment = link.partition("#")
            if target.startswith(site_url):
                queue.append(target)
                if fragment:
                    wanted.append((url, target, fragment))
    broken += [f"{url}: {target}#{fragment}" for url, target, fragment in wanted if fragment not in ids[target]]
    assert broken == []
    # Every page but 404.html, which no page links to: a host serves it for missing paths
    # (tests/test_subpath.py follows its links).
    built = {"/" + p.relative_to(real_site).as_posix().removesuffix("index.html") for p in real_site.rglob("*.html")
             if p.name != "404.html"}
    assert {site_url + path for path in built} <= set(ids) and len(wanted) > 50
