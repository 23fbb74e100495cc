"""The Atom feed, `/feed.xml` (RFC 4287): the latest meetings, newest first, with their minutes.

Written with ElementTree, so every text and attribute is escaped by the XML writer;
an entry's minutes are HTML carried as `type="html"` text.

Addresses. With a base URL every link is absolute, also inside the minutes. Without
one the feed still works: its links are relative references, which RFC 4287 allows
and which resolve against the feed's own address (RFC 3986 §5.1.3), like the site's
pages do; each entry's content carries `xml:base` set to its page, because the
minutes link relative to their page. Ids never contain an address (see `identity`).

Dates are the meetings' dates (midnight, Swedish time), never the clock, so the same
content gives the same feed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

from markupsafe import Markup

from .config import SiteConfig
from .identity import stable_uuid
from .markdown import fill_links, relative_url
from .model import Library, Meeting
from .swedish import local_timestamp

FEED_URL = "/feed.xml"
FEED_ENTRIES = 20
"""The newest meetings in the feed; readers keep older entries themselves."""
ATOM = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"
"""`updated` is required; a site without meetings has nothing to date it by."""

ET.register_namespace("", ATOM)


def feed_meetings(meetings: dict[str, Meeting]) -> list[Meeting]:
    """The meetings the feed shows, newest first (`meetings` in date order)."""
    return list(itertools.islice(reversed(meetings.values()), FEED_ENTRIES))


def atom_feed(library: Library, config: SiteConfig) -> bytes:
    """The newest meetings with their minutes; with a base URL, the minutes' links are absolute."""
    newest = feed_meetings(library.meetings)
    address = _Addresses(config.base_url)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: config.language})
    _text(feed, "title", config.title)
    if config.description:
        _text(feed, "subtitle", config.description)
    _link(feed, "self", address.of(FEED_URL), "application/atom+xml")
    _link(feed, "alternate", address.of("/"), "text/html")
    _text(feed, "id", "urn:uuid:" + stable_uuid(config.title, "feed"))
    _text(feed, "updated", _timestamp(newest[0]) if newest else EMPTY_FEED_UPDATED)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", config.title)
    _text(feed, "generator", "site-gen")
    for meeting in newest:
        assert meeting.body is not None, "a whole build keeps the minutes of the feed's meetings"
        body = fill_links(meeting.body, meeting.url, site_base=config.base_url)
        _entry(feed, meeting, library, config, address, body)
    ET.indent(feed)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n").encode("utf-8")


class _Addresses:
    """Site paths as the feed writes them: absolute under the base URL, else relative to the feed."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def of(self, url: str) -> str:
        return self.base_url + url.lstrip("/") if self.base_url else relative_url(url, FEED_URL)


def _entry(feed: ET.Element, meeting: Meeting, library: Library, config: SiteConfig, address: _Addresses,
           body: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "title", meeting.title)
    _link(entry, "alternate", address.of(meeting.url), "text/html")
    _text(entry, "id", "urn:uuid:" + stable_uuid(config.title, meeting.slug))
    _text(entry, "published", _timestamp(meeting))
    _text(entry, "updated", _timestamp(meeting))
    group = library.groups[meeting.group]
    ET.SubElement(entry, f"{{{ATOM}}}category", {"term": group.slug, "label": group.name})
    # As the meeting page shows them: people who are not public by initials or a phrase (see `privacy`).
    names = [library.people[a.person.slug].name if a.person.slug else a.person.withheld_as or ""
             for a in meeting.attendees]
    attendees = Markup("<p>Närvarande: {}.</p>\n").format(", ".join(names)) if names else Markup("")
    content = _text(entry, "content", str(attendees + Markup(body)))
    content.set("type", "html")
    content.set(XML_BASE, address.of(meeting.url))


def _timestamp(meeting: Meeting) -> str:
    """Midnight of the meeting's day in Sweden: the record gives a date, not a time."""
    return local_timestamp(dt.datetime.combine(meeting.date, dt.time(0)))


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "type": media_type, "href": href})
