"""WCAG 2.1 A and AA in a real browser: axe-core on every page type at phone and desktop
widths in light and dark mode, and keyboard use from the top of the page.

axe-core comes from the PyPI package axe-playwright-python, which ships axe.min.js
(installed with the test extra, so no Node is needed); we use only its script and
call `axe.run` with the WCAG tags ourselves.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import PAGE_TYPES, VIEWPORTS, wait_for_search_results

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.axe_script)
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    assert results["passes"], "axe ran no rule"  # it really ran
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(
            f"{' '.join(n['target'])} – {n['failureSummary']}" for n in v["nodes"])
        for v in results["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORTS.keys())
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_axe_violations(browser, site_url, path, viewport, scheme):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + path)
    if "?q=" in path:  # results, sub-results and the filters, opened, are part of the page
        assert wait_for_search_results(page)
        for summary in page.locator(".pagefind-ui__filter-name").all():
            summary.click()
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    violations = axe_violations(page)
    context.close()
    assert violations == []


def focus_style(page) -> dict[str, str]:
    return page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return {outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow,
                tag: document.activeElement.tagName, text: document.activeElement.textContent.trim().slice(0, 40)};
    }""")


def unfocused_style(page, index: int) -> dict[str, str]:
    """The style of the `index`-th element Tab reached, with focus moved away."""
    return page.evaluate("""i => {
        const element = window.__tabbed[i];
        element.blur();
        const style = getComputedStyle(element);
        return {outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow};
    }""", index)


@pytest.mark.parametrize("path", ["/", "/moten/2017-09-07-ledningsgrupp-for-utveckling/"])
def test_keyboard_from_the_top_skip_link_first_and_a_visible_focus(page, site_url, path):
    page.goto(site_url + path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "huvudinnehall"  # focus is in <main>, not just scrolled
    page.keyboard.press("Tab")  # the next stop is the first link inside main
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    # From the top again: every one of the first stops shows a focus indicator that differs
    # from the same element unfocused (outline or box-shadow).
    page.goto(site_url + path)
    page.evaluate("window.__tabbed = []")
    styles = []
    for _ in range(12):
        page.keyboard.press("Tab")
        page.evaluate("window.__tabbed.push(document.activeElement)")
        styles.append(focus_style(page))
    for index, focused in enumerate(styles):
        unfocused = unfocused_style(page, index)
        assert focused["outline"].startswith("solid") or focused["shadow"] != "none", focused
        assert (focused["outline"], focused["shadow"]) != (unfocused["outline"], unfocused["shadow"]), focused
    assert {"A", "INPUT", "BUTTON"} <= {style["tag"] for style in styles}  # links and the header's search form


def test_the_axe_check_finds_violations(page, site_url):
    """The check above can fail: grey-on-white text, an unlabelled field and an image without text."""
    page.goto(site_url + "/")
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<p style="color:#aaa">Blek text</p><input type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')""")
    assert {violation.split(" ")[0] for violation in axe_violations(page)} == {"color-contrast", "label", "image-alt"}
