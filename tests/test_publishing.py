"""Publishing: sitemap, robots.txt, canonical and Open Graph tags, the 404 page, the
accessibility statement, "edit this page" links and the settings behind them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_gen.cli import main
from site_gen.markdown import relative_url

from .conftest import REPO, LinkCollector, TextExtractor, build, meeting_file
from .test_errors import only_error, shown

BASE = "https://example.se/protokoll/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ONE_MEETING = {"meetings/2020-01-13-styrgruppen.md": meeting_file("## Fritidsbank\n\nLeif pratade om Bostad först.\n")}


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html"))


def url_of(output: Path, page: Path) -> str:
    relative = page.relative_to(output).as_posix()
    return "/" + relative.removesuffix("index.html")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The real content built with a base URL, as it would be published."""
    output = tmp_path_factory.mktemp("published") / "public"
    build(REPO / "content", output, base_url=BASE.rstrip("/"))
    return output


def head_of(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return html[: html.index("</head>")]


def meta(head: str, prop: str) -> str | None:
    match = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', head)
    return match.group(1) if match else None


# --- sitemap and robots.txt -------------------------------------------------------------


def test_sitemap_lists_every_page_once_with_absolute_addresses(published):
    urlset = ET.parse(published / "sitemap.xml").getroot()
    assert urlset.tag == SITEMAP + "urlset"
    locations = [url.find(SITEMAP + "loc").text for url in urlset.findall(SITEMAP + "url")]
    pages = [BASE + url_of(published, page).lstrip("/") for page in html_pages(published) if page.name != "404.html"]
    assert sorted(locations) == sorted(pages) and len(set(locations)) == len(locations)
    assert BASE + "tillganglighet/" in locations and BASE + "404.html" not in locations


def test_robots_txt_allows_everything_and_points_to_the_sitemap(published, real_site):
    assert (published / "robots.txt").read_text(encoding="utf-8") == (
        f"User-agent: *\nDisallow:\nSitemap: {BASE}sitemap.xml\n")
    # Without a base URL there is no sitemap (its addresses must be absolute), and nothing points to one.
    assert not (real_site / "sitemap.xml").exists()
    assert (real_site / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow:\n"


# --- canonical links and Open Graph ------------------------------------------------------


def test_meeting_page_has_canonical_and_open_graph_tags(published):
    head = head_of(published / "moten" / "2017-05-29-gemensam-utvecklingsgrupp" / "index.html")
    address = BASE + "moten/2017-05-29-gemensam-utvecklingsgrupp/"
    assert f'<link rel="canonical" href="{address}">' in head
    assert meta(head, "og:url") == address
    assert meta(head, "og:title") == "Gemensam utvecklingsgrupp 29 maj"
    assert meta(head, "og:type") == "article"
    assert meta(head, "og:locale") == "sv_SE"
    assert meta(head, "og:site_name") == "Utveckling av socialt arbete i Helsingborg"
    description = "Protokoll från Gemensam utvecklingsgrupp, måndag 29 maj 2017. Dagordning: Hälsa/hälsodag, "
    assert meta(head, "og:description").startswith(description)
    assert f'<meta name="description" content="{description}' in head
    # Printed minutes say where they came from (hidden on screen, shown by the print stylesheet).
    page = (published / "moten" / "2017-05-29-gemensam-utvecklingsgrupp" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="print-only">Protokollet på webben: {address}</p>' in page


def test_every_page_but_the_404_has_a_canonical_link_to_itself(published):
    for page in html_pages(published):
        head = head_of(page)
        if page.name == "404.html":
            assert "canonical" not in head and '<meta name="robots" content="noindex">' in head
            continue
        assert f'<link rel="canonical" href="{BASE}{url_of(published, page).lstrip("/")}">' in head, page
        assert meta(head, "og:type") in ("article", "website"), page


def test_without_a_base_url_there_are_no_absolute_addresses(real_site):
    head = head_of(real_site / "moten" / "2017-05-29-gemensam-utvecklingsgrupp" / "index.html")
    assert "canonical" not in head and "og:" not in head


# --- 404 ---------------------------------------------------------------------------------


def links_of(page: Path) -> list[str]:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.links


def test_404_links_from_the_site_address_when_it_is_known(published):
    links = links_of(published / "404.html")
    assert BASE in links and BASE + "moten/" in links and BASE + "assets/style.css" in links
    for link in links:  # a relative link would break at the depths a host serves the page from
        assert link.startswith((BASE, "#")), link
    html = (published / "404.html").read_text(encoding="utf-8")
    assert "<h1>Sidan finns inte</h1>" in html and '<meta name="robots" content="noindex">' in html


def test_404_without_an_address_links_from_the_host_root(real_site):
    links = links_of(real_site / "404.html")
    assert "/" in links and "/moten/" in links and "/assets/style.css" in links
    for link in links:
        assert link.startswith(("/", "#")) and not link.startswith("//"), link


# --- the accessibility statement ---------------------------------------------------------


def test_accessibility_statement_has_the_parts_digg_requires(real_site):
    html = (real_site / "tillganglighet" / "index.html").read_text(encoding="utf-8")
    text = TextExtractor.text(html)
    assert "<h1>Tillgänglighet för Utveckling av socialt arbete i Helsingborg</h1>" in html
    for part in (
        "lagen (2018:1937) om tillgänglighet till digital offentlig service",
        "Webbplatsen är delvis förenlig med lagen",  # compliance level
        "Innehåll som inte är tillgängligt",  # known gaps
        "3.1.2 Språk för delar",
        "Hur vi testat webbplatsen",  # method
        "Vi har gjort en självskattning",
        "Senaste bedömningen gjordes den 22 november 2026",  # assessment date
        "Rapportera brister i webbplatsens tillgänglighet",  # feedback
        "Tillsyn",
    ):
        assert part in text, part
    assert '<a href="https://www.digg.se/tdosanmalan">' in html  # DIGG's reporting function


def test_every_page_links_the_statement_from_its_footer(published):
    for page in html_pages(published):
        html = page.read_text(encoding="utf-8")
        footer = html[html.index('<footer class="site-footer">'):]
        collector = LinkCollector()
        collector.feed(footer)
        if page.name == "404.html":
            assert BASE + "tillganglighet/" in collector.links
            continue
        assert relative_url("/tillganglighet/", url_of(published, page)) in collector.links, page


@pytest.mark.parametrize(("settings", "href", "text"), [
    ('accessibility_contact = "tillganglighet@example.se"\n', "mailto:tillganglighet@example.se",
     "tillganglighet@example.se"),
    ('accessibility_contact = "https://example.se/synpunkter"\n', "https://example.se/synpunkter",
     "https://example.se/synpunkter"),
    ('repository_url = "https://github.com/org/protokoll"\n', "https://github.com/org/protokoll",
     "webbplatsens källkodsarkiv"),  # the default when no contact is set
])
def test_statement_gives_the_feedback_contact(site, settings, href, text):
    content = site({**ONE_MEETING, "site.toml": f'publisher = "Socialförvaltningen"\n{settings}'})
    report = build(content)
    html = (content.parent / "public" / "tillganglighet" / "index.html").read_text(encoding="utf-8")
    assert f'meddela oss: <a href="{href}">{text}</a>' in html
    assert "Socialförvaltningen står bakom den här webbplatsen." in html
    assert not any("accessibility_contact" in str(n) for n in report.notices)


def test_missing_contact_is_said_on_the_page_and_warned_at_build(site, capsys):
    content = site(ONE_MEETING)
    assert main(["build", "--content", str(content), "--output", str(content.parent / "public")]) == 0
    err = capsys.readouterr().err
    assert f"{shown(content, 'site.toml')}: varning: accessibility_contact saknas" in err
    assert "varning: base_url saknas: ingen sitemap.xml" in err
    html = (content.parent / "public" / "tillganglighet" / "index.html").read_text(encoding="utf-8")
    assert "Webbplatsens utgivare har ännu inte angett någon kontaktväg." in html
    # Publishing settings, not content: `check --strict` does not fail on them.
    assert main(["check", "--strict", "--content", str(content)]) == 0


@pytest.mark.parametrize("value", ["tillganglighet", "ftp://example.se/", "a@b"])
def test_a_contact_that_is_no_address_stops_the_build(site, value):
    content = site({"site.toml": f'title = "Protokoll"\naccessibility_contact = "{value}"\n'})
    assert only_error(content) == (
        f"{shown(content, 'site.toml')}:2: 'accessibility_contact' ska vara en e-postadress "
        "eller en webbadress som börjar med https://")


# --- "edit this page" ----------------------------------------------------------------------


def test_edit_links_point_to_each_page_source_file(site):
    content = site({
        **ONE_MEETING,
        "site.toml": 'repository_url = "https://github.com/org/protokoll"\n'
                     'edit_url = "https://github.com/org/protokoll/edit/main/content/"\n',
    })
    build(content)
    output = content.parent / "public"
    prefix = "https://github.com/org/protokoll/edit/main/content/"
    edited = {}
    for page in html_pages(output):
        html = page.read_text(encoding="utf-8")
        assert '<a href="https://github.com/org/protokoll">Källkod och innehåll</a>' in html or page.name == "404.html"
        match = re.search(r'<a href="([^"]*)">Föreslå en ändring av den här sidan</a>', html)
        if match:
            assert match.group(1).startswith(prefix)
            source = match.group(1).removeprefix(prefix)
            assert (content / source).is_file(), source  # the link names a real file
            edited[url_of(output, page)] = source
    assert edited["/moten/2020-01-13-styrgruppen/"] == "meetings/2020-01-13-styrgruppen.md"
    assert edited["/personer/leif-redestig/"] == "people/leif-redestig.md"
    assert edited["/projekt/fritidsbanken/"] == "projects/fritidsbanken.md"
    assert edited["/grupper/styrgruppen/"] == "groups/styrgruppen.md"
    assert edited["/organisationer/ria/"] == "organizations/ria.md"
    # Pages made from many files, or from none, have no single source to edit.
    assert not {"/", "/moten/", "/personer/", "/tillganglighet/", "/404.html"} & set(edited)
    every_record = sum(1 for _ in content.rglob("*.md"))
    assert len(edited) == every_record


def test_no_edit_links_without_the_setting(real_site):
    for page in html_pages(real_site):
        assert "Föreslå en ändring" not in page.read_text(encoding="utf-8")

