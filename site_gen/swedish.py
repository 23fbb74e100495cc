"""Swedish language rules the site needs: slugs, alphabetical order and dates."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """Lowercase ASCII slug: å, ä → a; ö → o; é → e; other runs of non-alphanumerics → '-'.

    Accents are removed by Unicode decomposition, so 'Åke Malmén' → 'ake-malmen'. Remembered:
    agenda headings, which each get a slug as an anchor, recur from meeting to meeting
    ('Övrigt', 'Nästa möte'), and decomposing is slow (a character at a time).
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    return _NON_ALNUM.sub("-", ascii_only).strip("-")


# Swedish collation, simplified: a–z, then å, ä, ö (mapped to the three characters
# after "z" in ASCII). Letters with other diacritics sort with their base letter
# (é with e); æ sorts with ä, ø with ö and ü with y, as Swedish dictionaries do.
# V and W are separate letters (SAOL since 2006).
_AFTER_Z = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}


def _collation_letters(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text.casefold()):
        if char in _AFTER_Z:
            out.append(_AFTER_Z[char])
        else:
            out.extend(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple[str, str]:
    """Key for Swedish alphabetical order: Å, Ä, Ö after Z; É with E.

    The original text breaks ties, so the order is total and output deterministic.
    """
    return (_collation_letters(text), text)


@functools.lru_cache(maxsize=65536)
def person_sort_key(name: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """People sort by family name, then given names, as in Swedish directories."""
    given, _, family = name.rpartition(" ")
    return (sort_key(family or given), sort_key(given))


def family_initial(name: str) -> str:
    """The letter a person is filed under in an A–Ö index."""
    family = name.rpartition(" ")[2] or name
    first = unicodedata.normalize("NFC", family[:1].upper())
    if first in "ÅÄÖ":
        return first
    base = "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
    return base or "#"


def format_date(date: dt.date) -> str:
    """'18 maj 2017'."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def format_date_with_weekday(date: dt.date) -> str:
    """'torsdag 18 maj 2017'."""
    return f"{WEEKDAYS[date.weekday()]} {format_date(date)}"


# Swedish time: CET (+01:00), and CEST (+02:00) from 01:00 UTC on the last Sunday of March
# to 01:00 UTC on the last Sunday of October, the EU rule in force since 1996. Written out
# here (and as the VTIMEZONE of `ical`) so that builds need no time zone database;
# `tests/test_calendar.py` checks it against the system's tzdata.
TIME_ZONE = "Europe/Stockholm"


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


def utc_offset(local: dt.datetime) -> dt.timedelta:
    """The UTC offset of a Swedish local time. Like `zoneinfo` (fold=0), the repeated hour in
    October counts as summer time and the skipped hour in March (02:00–03:00) as winter time."""
    summer_starts = dt.datetime.combine(_last_sunday(local.year, 3), dt.time(3))
    summer_ends = dt.datetime.combine(_last_sunday(local.year, 10), dt.time(3))
    return dt.timedelta(hours=2 if summer_starts <= local < summer_ends else 1)


def local_timestamp(local: dt.datetime) -> str:
    """RFC 3339 time with the Swedish offset: '2017-05-29T00:00:00+02:00'."""
    return local.replace(tzinfo=dt.timezone(utc_offset(local))).isoformat()


def format_seconds(seconds: float) -> str:
    """'1,47' for 1.47: seconds as the messages print them, with a decimal comma."""
    return f"{seconds:.2f}".replace(".", ",")
