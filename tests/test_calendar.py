"""`/kalender.ics`: parsed back by a small RFC 5545 reader written here, from the real content and small sites."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from site_gen.ical import MAX_LINE_OCTETS, escape_text, fold
from site_gen.swedish import utc_offset

from .conftest import build, meeting_file


@dataclass
class Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return next((value for key, _, value in self.properties if key == name), None)

    def params(self, name: str) -> dict[str, str]:
        return next(params for key, params, _ in self.properties if key == name)

    def all(self, name: str) -> list[Component]:
        return [c for c in self.children if c.name == name]


def physical_lines(data: bytes) -> list[bytes]:
    """The file's lines; every one must end in CRLF (no bare LF or CR anywhere)."""
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line
    return lines


def unfold(data: bytes) -> list[str]:
    lines = physical_lines(data)
    for line in lines:
        assert len(line) <= MAX_LINE_OCTETS, line
        line.decode("utf-8")  # a fold never splits a character: each part decodes on its own
    logical: list[str] = []
    for line in lines:
        text = line.decode("utf-8")
        if text.startswith(" "):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    return logical


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            assert following in "\\;,nN", f"bad escape \\{following} in {value!r}"
            out.append("\n" if following in "nN" else following)
        else:
            assert char not in ";,", f"unescaped {char!r} in {value!r}"  # TEXT values escape these
            out.append(char)
    return "".join(out)


def parse(data: bytes) -> Component:
    """The VCALENDAR with its nested components; every BEGIN has its END."""
    stack: list[Component] = []
    roots: list[Component] = []
    for line in unfold(data):
        head, _, value = line.partition(":")
        name, *raw_params = head.split(";")
        if name == "BEGIN":
            component = Component(value)
            (stack[-1].children if stack else roots).append(component)
            stack.append(component)
        elif name == "END":
            assert stack.pop().name == value
        else:
            stack[-1].properties.append((name, dict(p.split("=", 1) for p in raw_params), value))
    assert not stack and [r.name for r in roots] == ["VCALENDAR"]
    return roots[0]


TEXT_PROPERTIES = ("SUMMARY", "DESCRIPTION", "LOCATION", "CATEGORIES", "NAME", "X-WR-CALNAME")


def events_by_start(calendar: Component) -> dict[str, Component]:
    return {event.get("DTSTART"): event for event in calendar.all("VEVENT")}


@pytest.fixture(scope="module")
def real_calendar(real_site: Path) -> Component:
    return parse((real_site / "kalender.ics").read_bytes())


def test_real_calendar_has_every_meeting_and_the_two_announced_ones(real_calendar):
    assert real_calendar.get("VERSION") == "2.0"
    assert real_calendar.get("PRODID")
    events = events_by_start(real_calendar)
    assert sorted(events) == sorted([
        "20160208", "20170518", "20170529", "20170907", "20180308",  # published minutes: all-day
        "20160222T133000", "20170619T120000",  # announced by the minutes before them
    ])
    for event in real_calendar.all("VEVENT"):
        for key in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert event.get(key), (key, event)
        for key, _, value in event.properties:
            if key in TEXT_PROPERTIES:
                unescape(value)
    assert len({e.get("UID") for e in real_calendar.all("VEVENT")}) == 7


def test_real_calendar_times_come_from_the_minutes(real_calendar):
    events = events_by_start(real_calendar)
    # "19 juni, klockan 12:00 på Bredgatan" (29 maj 2017)
    june = events["20170619T120000"]
    assert june.params("DTSTART") == {"TZID": "Europe/Stockholm"}
    assert unescape(june.get("SUMMARY")) == "Gemensam utvecklingsgrupp 19 juni 2017"
    assert unescape(june.get("LOCATION")) == "Bredgatan"
    assert june.get("DTSTAMP") == "20170529T000000Z"  # when the minutes announcing it were written
    assert unescape(june.get("DESCRIPTION")).startswith("Nästa möte enligt protokollet från mötet 29 maj 2017.")
    # "flytta mötetiden … till 13:30, med start på nästa möte 22 februari" (8 februari 2016): no place given.
    february = events["20160222T133000"]
    assert february.get("LOCATION") is None
    # A meeting whose minutes give no time is an all-day event.
    held = events["20170529"]
    assert held.params("DTSTART") == {"VALUE": "DATE"}
    assert held.get("DTEND") == "20170530"
    assert unescape(held.get("SUMMARY")) == "Gemensam utvecklingsgrupp 29 maj"
    assert unescape(held.get("DESCRIPTION")).startswith("Dagordning: Hälsa/hälsodag, Frukostdialog 31 maj, ")
    assert unescape(held.get("CATEGORIES")) == "Gemensam utvecklingsgrupp"
    assert held.get("URL") is None  # no base URL: a URI property cannot be relative


def test_timed_events_carry_the_stockholm_time_zone(real_calendar):
    [zone] = real_calendar.all("VTIMEZONE")
    assert zone.get("TZID") == "Europe/Stockholm"
    [summer], [winter] = zone.all("DAYLIGHT"), zone.all("STANDARD")
    assert (summer.get("TZOFFSETTO"), summer.get("RRULE")) == ("+0200", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
    assert (winter.get("TZOFFSETTO"), winter.get("RRULE")) == ("+0100", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
    assert summer.get("DTSTART").endswith("T020000") and winter.get("DTSTART").endswith("T030000")


def test_swedish_offsets_match_the_time_zone_database():
    """The rule the VTIMEZONE states (and the feed's dates use) agrees with tzdata, every half hour."""
    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    moment, end, wrong = dt.datetime(2000, 1, 1), dt.datetime(2040, 1, 1), []
    while moment < end:
        if utc_offset(moment) != moment.replace(tzinfo=stockholm).utcoffset():
            wrong.append(moment)
        moment += dt.timedelta(minutes=30)
    assert wrong == []


def test_text_is_escaped_and_long_lines_are_folded_by_octets(site):
    title = 'Möte; del 1, med \\ snedstreck och "citat"'
    content = site({
        "meetings/2020-01-13-styrgruppen.md": meeting_file(
            "## Åtgärder för ökad delaktighet i förvaltningsövergripande samverkansärenden\n\nText.\n"
            "## Övrigt, och ännu en punkt; med semikolon\n\nText.\n",
            extra=f"title: '{title}'\nnext_meeting:\n  date: 2020-02-03\n  time: \"09:05\"\n"
                  "  place: \"Rådhuset, sal 3; ingång B\"\n"),
    })
    build(content)
    data = (content.parent / "public" / "kalender.ics").read_bytes()
    assert b"SUMMARY:M\xc3\xb6te\\; del 1\\, med \\\\ snedstreck" in data
    events = events_by_start(parse(data))
    assert unescape(events["20200113"].get("SUMMARY")) == title
    assert unescape(events["20200113"].get("DESCRIPTION")) == (
        "Dagordning: Åtgärder för ökad delaktighet i förvaltningsövergripande samverkansärenden, "
        "Övrigt, och ännu en punkt; med semikolon.")
    assert unescape(events["20200203T090500"].get("LOCATION")) == "Rådhuset, sal 3; ingång B"
    assert any(len(line) == MAX_LINE_OCTETS for line in physical_lines(data))  # something was folded


@pytest.mark.parametrize("text", ["a" * 75, "a" * 76, "å" * 40, "a" + "å" * 40, "x" * 300, "ö" * 200])
def test_fold_keeps_every_line_within_75_octets_and_unfolds_to_the_original(text):
    folded = fold(text).encode("utf-8")
    lines = folded.split(b"\r\n")
    assert all(len(line) <= MAX_LINE_OCTETS for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:])
    assert b"".join([lines[0], *(line[1:] for line in lines[1:])]).decode("utf-8") == text
    assert (len(lines) == 1) == (len(text.encode("utf-8")) <= MAX_LINE_OCTETS)


def test_escape_text_escapes_backslash_first():
    assert escape_text("a\\;b,c\nd") == "a\\\\\\;b\\,c\\nd"


def test_an_announced_meeting_keeps_its_uid_when_its_minutes_arrive(site, tmp_path):
    announcing = meeting_file("Text.\n", extra='next_meeting:\n  date: 2020-02-03\n  time: "13:30"\n  place: Bredgatan\n')
    content = site({"meetings/2020-01-13-styrgruppen.md": announcing})
    build(content, tmp_path / "before")
    before = events_by_start(parse((tmp_path / "before" / "kalender.ics").read_bytes()))["20200203T133000"]
    assert before.get("DTSTAMP") == "20200113T000000Z"
    (content / "meetings" / "2020-02-03-styrgruppen.md").write_text(
        meeting_file("Text.\n", date="2020-02-03"), encoding="utf-8")
    build(content, tmp_path / "after")
    after = parse((tmp_path / "after" / "kalender.ics").read_bytes())
    assert len(after.all("VEVENT")) == 2  # one event for the meeting, not an announced one beside it
    held = events_by_start(after)["20200203T133000"]  # the time and place the announcement gave
    assert held.get("UID") == before.get("UID")
    assert held.get("DTSTAMP") == "20200203T000000Z"  # revised: later than the announcement
    assert unescape(held.get("LOCATION")) == "Bredgatan"


def test_with_a_base_url_events_link_to_their_minutes(site, tmp_path):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("Text.\n")})
    build(content, tmp_path / "out", base_url="https://example.se/protokoll")
    calendar = parse((tmp_path / "out" / "kalender.ics").read_bytes())
    [event] = calendar.all("VEVENT")
    assert event.get("URL") == "https://example.se/protokoll/moten/2020-01-13-styrgruppen/"
    assert calendar.get("URL") == "https://example.se/protokoll/"
