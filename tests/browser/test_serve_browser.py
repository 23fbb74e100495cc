"""`site-gen serve` in a real browser: an open page reloads itself after a content edit,
and search works on the served site (its index is made on demand)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from ..conftest import REPO
from .conftest import wait_for_search_results

MEETING = "meetings/2017-09-07-ledningsgrupp-for-utveckling.md"
MEETING_URL = "/moten/2017-09-07-ledningsgrupp-for-utveckling/"


@pytest.fixture
def served(tmp_path):
    """A copy of the real content served by a real `site-gen serve` on a free port."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--content", str(content), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    yield content, f"http://127.0.0.1:{match.group(1)}"
    process.terminate()
    process.wait(timeout=10)


def edit(content, old: str, new: str) -> None:
    path = content / MEETING
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_open_page_shows_a_content_edit_by_itself(page, served):
    content, url = served
    page.goto(url + MEETING_URL)
    assert "Projektet har bromsat in." in page.locator("main").inner_text()
    page.evaluate("window.__notReloaded = true")  # gone once the page reloads itself
    edit(content, "Projektet har bromsat in.", "Projektet har tagit fart igen.")
    page.wait_for_function("document.querySelector('main').innerText.includes('Projektet har tagit fart igen.')",
                           timeout=15_000)
    assert page.evaluate("window.__notReloaded === undefined")
    assert page.url == url + MEETING_URL


def test_search_on_the_served_site_follows_edits(page, served):
    content, url = served
    page.goto(url + "/sok/?q=zebrafinkar")
    assert wait_for_search_results(page) == []
    edit(content, "Projektet har bromsat in.", "Projektet har bromsat in. Zebrafinkar.")
    # The search page reloads itself after the rebuild and searches again in the new index.
    page.wait_for_function("document.querySelector('.pagefind-ui__message')?.textContent.includes('gav 1 träff')",
                           timeout=15_000)
    assert wait_for_search_results(page) == [MEETING_URL]
