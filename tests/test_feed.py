"""`/feed.xml`: parsed with the standard library's XML parser and checked against RFC 4287's rules."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest

from site_gen.feed import FEED_ENTRIES
from site_gen.identity import NAMESPACE, stable_uuid

from .conftest import REPO, LinkCollector, TextExtractor, build, meeting_file

A = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def one(parent: ET.Element, name: str) -> ET.Element:
    found = parent.findall(A + name)
    assert len(found) == 1, (name, found)
    return found[0]


def timestamp(element: ET.Element) -> dt.datetime:
    value = dt.datetime.fromisoformat(element.text)
    assert value.tzinfo is not None, element.text  # RFC 3339 date-time: an offset is required
    return value


def check_atom(feed: ET.Element) -> list[ET.Element]:
    """The RFC 4287 MUSTs we can see; returns the entries."""
    assert feed.tag == A + "feed"
    for name in ("id", "title", "updated"):
        one(feed, name)
    assert feed.findall(A + "author")  # no entry has its own, so the feed must have one
    entries = feed.findall(A + "entry")
    ids = [one(feed, "id").text] + [one(entry, "id").text for entry in entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == len(ids)
    timestamp(one(feed, "updated"))
    for entry in entries:
        one(entry, "title")
        timestamp(one(entry, "updated"))
        alternates = [link for link in entry.findall(A + "link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1
        assert one(entry, "content").get("type") == "html"
    return entries


def load(output: Path) -> ET.Element:
    return ET.parse(output / "feed.xml").getroot()


@pytest.mark.parametrize("title, name", [
    ("Protokoll", "feed"), ("Protokoll", "2016-02-08-gemensam-utvecklingsgrupp"),
    ("Ledningsgrupp för utveckling", "2018-05-14-lgu"), ("", ""), ("Å\nÄ", "ö\u0301 – 😀"),
])
def test_stable_uuid_is_the_name_based_uuid_of_rfc_4122(title, name):
    expected = uuid.uuid5(uuid.UUID(bytes=NAMESPACE), f"{title}\n{name}")
    assert stable_uuid(title, name) == str(expected)
    assert uuid.UUID(stable_uuid(title, name)).version == 5


def test_real_feed_lists_the_meetings_newest_first_with_their_minutes(real_site):
    feed = load(real_site)
    entries = check_atom(feed)
    assert feed.get(XML_LANG) == "sv"
    assert one(feed, "title").text == "Utveckling av socialt arbete i Helsingborg"
    assert [one(e, "title").text for e in entries] == [
        "Ledningsgrupp för utveckling 8 mars 2018",
        "Ledningsgrupp för utveckling 7 september 2017",
        "Gemensam utvecklingsgrupp 29 maj",
        "Ledningsgrupp för utveckling 18 maj",
        "Gemensam utvecklingsgrupp 8 februari",
    ]
    # Dates come from the meetings (midnight in Sweden, summer or winter time), not the clock.
    assert one(feed, "updated").text == "2018-03-08T00:00:00+01:00"
    assert one(entries[2], "updated").text == "2017-05-29T00:00:00+02:00"
    minutes = one(entries[2], "content").text  # the XML parser has undone one level of escaping
    # Attendees as the meeting page shows them: people who are not public by their initials.
    assert minutes.startswith("<p>Närvarande: Maria Berglund, M. L., I. K., Anne Eskilsson, ")
    assert "Marianne" not in (real_site / "feed.xml").read_text(encoding="utf-8")
    text = TextExtractor.text(minutes)
    assert "Vi bestämde att vi ska ha ett möte till innan semestrarna: 19 juni, klockan 12:00 på Bredgatan." in text
    assert one(entries[2], "category").get("label") == "Gemensam utvecklingsgrupp"


def test_relative_links_resolve_from_where_the_feed_is(real_site):
    """Without a base URL every link is a relative reference: resolved against the feed's own
    address (and the content's xml:base) they reach real pages."""
    feed_address = "https://example.org/protokoll/feed.xml"
    feed = load(real_site)
    targets = []
    for link in feed.iter(A + "link"):
        targets.append(urljoin(feed_address, link.get("href")))
    for content in feed.iter(A + "content"):
        base = urljoin(feed_address, content.get(XML_BASE))
        collector = LinkCollector()
        collector.feed(content.text)
        targets += [urljoin(base, href) for href in collector.links]
    assert "https://example.org/protokoll/projekt/fritidsbanken/" in targets
    for target in targets:
        assert target.startswith("https://example.org/protokoll/"), target
        path = target.removeprefix("https://example.org/protokoll/").split("#")[0]
        assert (real_site / path).is_file() or (real_site / path / "index.html").is_file(), target


def test_with_a_base_url_every_link_is_absolute_and_ids_do_not_change(tmp_path, real_site):
    build(REPO / "content", tmp_path / "out", base_url="https://example.se/protokoll")
    feed = load(tmp_path / "out")
    entries = check_atom(feed)
    links = {link.get("rel"): link.get("href") for link in feed.findall(A + "link")}
    assert links == {"self": "https://example.se/protokoll/feed.xml", "alternate": "https://example.se/protokoll/"}
    collector = LinkCollector()
    collector.feed(one(entries[0], "content").text)
    assert collector.links and all(href.startswith(("https://example.se/protokoll/", "#")) for href in collector.links)
    # Ids name the meeting, not the address: moving the site must not duplicate entries in readers.
    assert [one(e, "id").text for e in entries] == [one(e, "id").text for e in load(real_site).findall(A + "entry")]


def test_markup_in_titles_and_minutes_is_text(site):
    content = site({
        "meetings/2020-01-13-styrgruppen.md": meeting_file(
            "## Punkt\n\nVi jämförde 3 < 5 & <b>fet</b> text.\n", extra="title: 'Möte <&> \"AT&T\"'\n"),
    })
    build(content)
    raw = (content.parent / "public" / "feed.xml").read_text(encoding="utf-8")
    assert "<b>" not in raw and "&amp;lt;b&amp;gt;fet" in raw  # escaped on the page, and again as XML text
    [entry] = check_atom(ET.fromstring(raw))
    assert one(entry, "title").text == 'Möte <&> "AT&T"'
    # Raw HTML in the minutes is text on the page, so in the feed's HTML it is escaped once more.
    assert "<p>Vi jämförde 3 &lt; 5 &amp; &lt;b&gt;fet&lt;/b&gt; text.</p>" in one(entry, "content").text


def test_only_the_newest_meetings_are_in_the_feed(site):
    start = dt.date(2020, 1, 6)
    meetings = {}
    for week in range(FEED_ENTRIES + 3):
        date = (start + dt.timedelta(weeks=week)).isoformat()
        meetings[f"meetings/{date}-styrgruppen.md"] = meeting_file("Text.\n", date=date)
    content = site(meetings)
    build(content)
    entries = check_atom(load(content.parent / "public"))
    dates = [one(e, "published").text[:10] for e in entries]
    assert len(entries) == FEED_ENTRIES
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == (start + dt.timedelta(weeks=FEED_ENTRIES + 2)).isoformat()


def test_a_site_without_meetings_has_a_valid_empty_feed(site):
    content = site()
    build(content)
    feed = load(content.parent / "public")
    assert check_atom(feed) == []


@pytest.mark.parametrize("page", ["index.html", "moten/2017-05-29-gemensam-utvecklingsgrupp/index.html"])
def test_pages_announce_the_feed_and_the_calendar(real_site, page):
    html = (real_site / page).read_text(encoding="utf-8")
    prefix = "" if page == "index.html" else "../../"
    assert f'<link rel="alternate" type="application/atom+xml" href="{prefix}feed.xml"' in html
    assert f'<link rel="alternate" type="text/calendar" href="{prefix}kalender.ics"' in html
