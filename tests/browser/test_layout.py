"""Layout in real Chromium: no sideways scrolling at 320 px, printed minutes without
navigation, and a keyboard focus that can be seen."""

from __future__ import annotations

import pytest

from .conftest import PAGE_TYPES

WIDE_CONTENT = {
    "meeting with long words": "/moten/2018-03-08-ledningsgrupp-for-utveckling/",  # "Lågtröskelsysselsättning"
}
"""Besides one page of every type: the pages most likely to be too wide (the group page has the widest table)."""


@pytest.mark.parametrize("path", [*PAGE_TYPES.values(), *WIDE_CONTENT.values()],
                         ids=[*PAGE_TYPES.keys(), *WIDE_CONTENT.keys()])
def test_no_horizontal_scrolling_at_320_px(page, site_url, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(site_url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    overflowing = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 320.5)"
        ".map(e => e.tagName + '.' + e.className)")
    assert overflowing == []


def display(page, selector: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).display")


def test_printed_minutes_have_no_navigation(page, site_url):
    page.goto(site_url + "/moten/2017-05-29-gemensam-utvecklingsgrupp/")
    assert display(page, ".site-header") != "none"
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-footer", ".skip-link", ".toc", ".pager", ".minutes-related"):
        assert display(page, selector) == "none", selector
    assert display(page, "#protokoll") == "block"
    assert page.locator("h1").is_visible() and page.get_by_text("Nästa möte: måndag 19 juni 2017").is_visible()


def test_printing_shows_where_external_links_lead(page, site_url):
    page.goto(site_url + "/tillganglighet/")
    script = "getComputedStyle(document.querySelector('a[href=\"https://www.digg.se/tdosanmalan\"]'), '::after').content"
    assert page.evaluate(script) == "none"
    page.emulate_media(media="print")
    assert page.evaluate(script) == '" (https://www.digg.se/tdosanmalan)"'


@pytest.mark.parametrize("path", ["/", "/moten/2017-05-29-gemensam-utvecklingsgrupp/"])
def test_keyboard_focus_is_visible(page, site_url, path):
    page.goto(site_url + path)
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement, s = getComputedStyle(e);"
            " const r = e.getBoundingClientRect();"
            " return {text: e.textContent.trim(), style: s.outlineStyle, width: parseFloat(s.outlineWidth),"
            " color: s.outlineColor, visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight}; })()")
        assert focused["style"] == "solid" and focused["width"] >= 2, focused
        assert focused["visible"], focused  # scrolled into view, not off-screen
        seen.append(focused["text"])
    assert seen[0] == "Hoppa till huvudinnehållet"
    assert len(set(seen)) > 5  # focus moved through the page
