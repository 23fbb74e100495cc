"""The calendar, `/kalender.ics` (iCalendar, RFC 5545): every group's meetings.

One event per published meeting, and one per meeting that minutes announce
(`next_meeting`) without published minutes of their own: the upcoming ones. An
announced meeting and its later minutes are one event (the same UID), so a
subscribed calendar updates it in place instead of showing it twice.

Times. The minutes do not record when a meeting started, so a published meeting is an
all-day event unless an earlier meeting's `next_meeting` gave its time. A group's
`meeting_times` text is not applied to its meetings: it describes the group's habit at
one point, and the record shows it changing ("Vi provar på att flytta mötetiden … till
13:30, med start på nästa möte 22 februari", 2016-02-08), so it would put times on
meetings that the minutes do not give. The minutes give no end time either, so a timed
event has none (RFC 5545 §3.6.1: it then ends when it starts).

A time is Swedish local time, written with TZID=Europe/Stockholm and its VTIMEZONE, not
as a floating time: a floating 13:30 means 13:30 wherever the reader's calendar is,
but the meeting is at 13:30 in Helsingborg.

The output is deterministic: DTSTAMP is the date of the minutes an event's facts come
from (when its information was last revised), never the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .config import SiteConfig
from .identity import stable_uuid
from .model import Library, Meeting, NextMeeting
from .swedish import TIME_ZONE, format_date

CALENDAR_URL = "/kalender.ics"
PRODID = "-//site-gen//Protokoll//SV"
MAX_LINE_OCTETS = 75
"""RFC 5545 §3.1: longer lines are folded (CRLF and a space), counting octets, not characters."""

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TIME_ZONE}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19810329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
"""Swedish time since 1996 (the rule `swedish.utc_offset` implements)."""


@dataclass(frozen=True)
class Event:
    uid: str
    revised: dt.date
    """DTSTAMP: the date of the minutes this event's facts come from."""
    date: dt.date
    start: dt.time | None
    """Swedish local time; None for an all-day event."""
    summary: str
    description: str
    location: str | None
    url: str | None
    """The minutes' page, absolute; None without a base URL (a URI property cannot be relative)."""
    group: str
    """The group's name, as the event's category."""


Announcement = tuple[NextMeeting, Meeting]
"""A `next_meeting` and the meeting whose minutes give it."""

CalendarCache = dict[str, tuple[Meeting, tuple, tuple, str]]
"""Meeting slug → (the meeting object, what else its event shows, its sort key, its encoded event):
reused while the memoized meeting is the same object, as `data.MeetingLines` does."""


def _announcements(library: Library) -> tuple[dict[str, Announcement], dict[tuple[str, dt.date], Announcement]]:
    """Announcements of meetings whose minutes are published (by their slug), and of the others:
    the upcoming ones (by group and date). A later announcement of the same date wins."""
    published: dict[str, Announcement] = {}
    upcoming: dict[tuple[str, dt.date], Announcement] = {}
    for meeting in library.meetings.values():  # by date
        if meeting.next_meeting is None:
            continue
        held = library.meeting_on(meeting.group, meeting.next_meeting.date)
        if held is not None:
            published[held.slug] = (meeting.next_meeting, meeting)
        else:
            upcoming[(meeting.group, meeting.next_meeting.date)] = (meeting.next_meeting, meeting)
    return published, upcoming


def _sort_key(event: Event) -> tuple:
    return (event.date, event.start or dt.time(0), event.uid)


def _page_url(config: SiteConfig, url: str) -> str | None:
    return config.base_url + url.lstrip("/") if config.base_url else None


def _held_event(meeting: Meeting, announced: Announcement | None, library: Library, config: SiteConfig) -> Event:
    agenda = [item.title for item in meeting.items if item.level == 2]
    description = f"Dagordning: {', '.join(agenda)}." if agenda else "Protokollet har ingen dagordning."
    url = _page_url(config, meeting.url)
    return Event(
        uid=stable_uuid(config.title, meeting.slug),
        revised=meeting.date,
        date=meeting.date,
        start=announced[0].time if announced else None,
        summary=meeting.title,
        description=description + (f"\nProtokollet: {url}" if url else ""),
        location=announced[0].place if announced else None,
        url=url,
        group=library.groups[meeting.group].name,
    )


def _announced_event(
    group: str, announcement: NextMeeting, by: Meeting, library: Library, config: SiteConfig
) -> Event:
    name = library.groups[group].name
    url = _page_url(config, by.url)
    description = f"Nästa möte enligt protokollet från mötet {format_date(by.date)}."
    return Event(
        # The slug its minutes will have: the same UID once they are published.
        uid=stable_uuid(config.title, f"{announcement.date.isoformat()}-{group}"),
        revised=by.date,
        date=announcement.date,
        start=announcement.time,
        summary=f"{name} {format_date(announcement.date)}",
        description=description + (f"\nProtokollet: {url}" if url else ""),
        location=announcement.place,
        url=url,
        group=name,
    )


def calendar_file(library: Library, config: SiteConfig, cache: CalendarCache | None = None) -> bytes:
    """The whole calendar. `cache`, kept between builds, saves making the events of meetings
    that did not change again."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape_text(config.title)}",  # RFC 7986
        f"X-WR-CALNAME:{escape_text(config.title)}",  # the same, for clients that predate RFC 7986
        f"X-WR-TIMEZONE:{TIME_ZONE}",
    ]
    if config.description:
        lines += [f"DESCRIPTION:{escape_text(config.description)}", f"X-WR-CALDESC:{escape_text(config.description)}"]
    if config.base_url:
        lines.append(f"URL:{config.base_url}")
    lines += ["REFRESH-INTERVAL;VALUE=DURATION:P1D", *VTIMEZONE]
    head = "".join(fold(line) + "\r\n" for line in lines)
    events = sorted(_encoded_events(library, config, {} if cache is None else cache))
    return (head + "".join(text for _, text in events) + "END:VCALENDAR\r\n").encode("utf-8")


def encode_events(library: Library, config: SiteConfig, cache: CalendarCache, step: int = 100) -> Iterator[None]:
    """The held meetings' events into `cache`, where `calendar_file` finds them: pausing after
    every `step` meetings, so that a caller can do other work in between (as
    `data.encode_meetings`: a whole build hands its workers pages to render)."""
    published, _ = _announcements(library)
    for count, meeting in enumerate(library.meetings.values(), 1):
        _held_entry(meeting, published, library, config, cache)
        if count % step == 0:
            yield


def _held_entry(meeting: Meeting, published: dict[str, Announcement], library: Library, config: SiteConfig,
                cache: CalendarCache) -> tuple[tuple, str]:
    """(sort key, encoded VEVENT) of a meeting held, from `cache` when what it shows is unchanged."""
    announced = published.get(meeting.slug)
    shown = (announced and (announced[0], announced[1].slug), library.groups[meeting.group].name,
             config.title, config.base_url)
    cached = cache.get(meeting.slug)
    if cached is None or cached[0] is not meeting or cached[1] != shown:
        event = _held_event(meeting, announced, library, config)
        cached = cache[meeting.slug] = (meeting, shown, _sort_key(event), encode_event(event))
    return cached[2], cached[3]


def _encoded_events(library: Library, config: SiteConfig, cache: CalendarCache) -> list[tuple[tuple, str]]:
    """(sort key, encoded VEVENT) of every published and every upcoming meeting."""
    published, upcoming = _announcements(library)
    encoded = [_held_entry(meeting, published, library, config, cache) for meeting in library.meetings.values()]
    for gone in cache.keys() - library.meetings.keys():
        del cache[gone]
    for (group, _), (announcement, by) in upcoming.items():
        event = _announced_event(group, announcement, by, library, config)
        encoded.append((_sort_key(event), encode_event(event)))
    return encoded


def encode_event(event: Event) -> str:
    return "\r\n".join(map(fold, event_lines(event))) + "\r\n"


def event_lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_date_value(event.revised)}T000000Z",
    ]
    if event.start is None:
        following = event.date + dt.timedelta(days=1)
        lines += [f"DTSTART;VALUE=DATE:{_date_value(event.date)}", f"DTEND;VALUE=DATE:{_date_value(following)}"]
    else:
        start = event.start
        lines.append(f"DTSTART;TZID={TIME_ZONE}:{_date_value(event.date)}T{start.hour:02}{start.minute:02}{start.second:02}")
    lines += [f"SUMMARY:{escape_text(event.summary)}", f"DESCRIPTION:{escape_text(event.description)}"]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines.append(f"CATEGORIES:{escape_text(event.group)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def _date_value(date: dt.date) -> str:
    """A DATE value (RFC 5545 §3.3.4): 20160208. (`strftime` takes four times as long, for
    three dates of every meeting's event.)"""
    return date.isoformat().replace("-", "")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into parts of at most 75 octets (RFC 5545 §3.1), never inside a
    UTF-8 character; every part after the first starts with a space, which counts."""
    if len(line) <= MAX_LINE_OCTETS and line.isascii():  # an octet a character (most lines): it fits
        return line
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_OCTETS:
        return line
    parts, start, limit = [], 0, MAX_LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: the character began earlier
            end -= 1
        parts.append(data[start:end])
        start, limit = end, MAX_LINE_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")
