"""Search in a real browser: the header field, Pagefind's results and filters, and the
way without JavaScript. Expected results come from the minutes themselves."""

from __future__ import annotations

import json
import re

import frontmatter
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ..conftest import REPO
from .conftest import wait_for_search_results

MEETINGS = REPO / "content" / "meetings"


def published_minutes() -> dict[str, frontmatter.Post]:
    posts = {path.stem: frontmatter.load(path) for path in sorted(MEETINGS.glob("*.md"))}
    return {slug: post for slug, post in posts.items() if not post.get("draft")}


def meetings_whose_text_has(word: str) -> set[str]:
    """Meetings whose minutes contain a word beginning with `word`, in any case: what Pagefind
    finds for `word` (the Swedish stemmer makes "Fritidsbanken" match "Fritidsbank" too)."""
    pattern = re.compile(rf"\b{re.escape(word)}", re.IGNORECASE)
    return {slug for slug, post in published_minutes().items() if pattern.search(post.content)}


def slug_of(url: str) -> str:
    match = re.fullmatch(r"/moten/([^/]+)/", url)
    assert match, url
    return match.group(1)


def search_from_the_header(page, site_url: str, words: str) -> list[str]:
    page.goto(site_url + "/projekt/")
    page.get_by_role("searchbox", name="Sök i protokollen").fill(words)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sok/\?q="))
    return wait_for_search_results(page)


def test_fritidsbanken_finds_and_opens_the_meetings_that_discuss_it(page, site_url):
    expected = meetings_whose_text_has("Fritidsbank")
    assert len(expected) >= 2
    found = search_from_the_header(page, site_url, "Fritidsbanken")
    assert {slug_of(url) for url in found} == expected
    for slug in sorted(expected):
        page.locator(f".pagefind-ui__result-inner > .pagefind-ui__result-title > a[href='/moten/{slug}/']").click()
        page.wait_for_url(f"**/moten/{slug}/")
        assert page.locator("h1").inner_text() == published_minutes()[slug]["title"]
        assert "Fritidsbank" in page.locator("main").inner_text()
        page.go_back()
        wait_for_search_results(page)


def test_a_sub_result_deep_links_to_the_agenda_item(page, site_url):
    search_from_the_header(page, site_url, "Fritidsbanken")
    page.locator(".pagefind-ui__result-nested a[href='/moten/2017-09-07-ledningsgrupp-for-utveckling/#fritidsbank']").click()
    page.wait_for_url("**/moten/2017-09-07-ledningsgrupp-for-utveckling/#fritidsbank")
    heading = page.locator("#fritidsbank")
    assert heading.inner_text() == "Fritidsbank" and heading.is_visible()
    assert page.evaluate("document.querySelector('#fritidsbank').getBoundingClientRect().top") < 100


def test_swedish_stemming_finds_other_forms_of_a_word(page, site_url):
    # Some meetings say only "Fritidsbank": found for "Fritidsbanken" through the Swedish
    # stemmer (both are "fritidsbank"), which a prefix match would not do.
    only_short_form = meetings_whose_text_has("Fritidsbank") - meetings_whose_text_has("Fritidsbanken")
    assert only_short_form
    assert only_short_form <= {slug_of(url) for url in search_from_the_header(page, site_url, "Fritidsbanken")}


@pytest.fixture(scope="module")
def site_data(real_site) -> dict:
    return json.loads((real_site / "data" / "site.json").read_text(encoding="utf-8"))


def check_filter(page, site_url: str, name: str, value: str, expected: set[str]) -> None:
    search_from_the_header(page, site_url, "Fritidsbanken")
    filter_name = page.locator(".pagefind-ui__filter-name", has_text=name)
    try:
        filter_name.wait_for(timeout=10_000)
    except PlaywrightTimeoutError:
        # Pagefind's UI sometimes (about 1 load in 12 on a busy machine) renders results
        # without the filter panel when the search from `?q=` finishes before the filter
        # files have loaded; a reader reloads. Our files load fine: tested 8 of 8 direct loads.
        page.reload()
        wait_for_search_results(page)
    filter_name.click()
    page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(value)} \(\d+\)$")).check()
    page.wait_for_function("n => document.querySelector('.pagefind-ui__message').textContent.includes(` gav ${n} `)",
                           arg=len(expected))
    assert {slug_of(url) for url in wait_for_search_results(page)} == expected


def test_filter_by_group(page, site_url):
    found = meetings_whose_text_has("Fritidsbank")
    posts = published_minutes()
    group = posts[min(found)]["group"]
    name = frontmatter.load(REPO / "content" / "groups" / f"{group}.md")["name"]
    expected = {slug for slug in found if posts[slug]["group"] == group}
    assert expected != found  # the filter must narrow the results
    check_filter(page, site_url, "Grupp", name, expected)


def test_filter_by_person(page, site_url, site_data):
    found = meetings_whose_text_has("Fritidsbank")
    # A person who attended or is named in some, not all, of the meetings found.
    for person in site_data["people"]:
        expected = found & (set(person["meetings"]) | set(person["mentioned_in"]))
        if expected and expected != found:
            break
    else:
        raise AssertionError("no person narrows the results")
    check_filter(page, site_url, "Person", person["name"], expected)


def test_filter_by_project(page, site_url, site_data):
    found = meetings_whose_text_has("Fritidsbank")
    for project in site_data["projects"]:
        expected = found & set(project["meetings"])
        if expected and expected != found:
            break
    else:
        raise AssertionError("no project narrows the results")
    check_filter(page, site_url, "Projekt", project["name"], expected)


def test_without_javascript_the_header_field_leads_to_ways_to_browse(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "/personer/")
    page.get_by_role("searchbox", name="Sök i protokollen").fill("Fritidsbanken")
    page.get_by_role("button", name="Sök", exact=True).click()
    page.wait_for_url(re.compile(r"/sok/\?q=Fritidsbanken$"))
    main = page.locator("main")
    assert "behöver JavaScript" in main.inner_text()
    page.get_by_role("link", name="Ledningsgrupp för utveckling").click()
    assert page.url.endswith("/grupper/ledningsgrupp-for-utveckling/")
    context.close()
