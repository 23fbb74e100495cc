"""The site's model: plain, frozen, picklable data with identity by slug.

`load` produces the *records* (what each file says, references still as the editor
wrote them); `library` resolves every reference and produces the `Library`, which
adds the cross-reference indexes. Nothing here knows about HTML or templates.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_STATUSES = {
    "planned": "Planerat",
    "active": "Pågående",
    "paused": "Vilande",
    "completed": "Avslutat",
}
"""Allowed `status` values of a project, with the label the site shows."""

VISIBILITIES = ("public", "initials", "hidden")
"""Allowed `visibility` values of a person: how the public site may show them.
- public: name, page, links;
- initials: no page; the name is shown as initials ('B. N.') wherever it would appear;
- hidden: no page; shown as a neutral phrase ('en representant för RSMH', 'en deltagare')."""

MEETING_STATUSES = {"preliminary": "Ej justerat", "approved": "Justerat"}
"""Allowed `status` values of a meeting's minutes, with the label the site shows."""


@dataclass(frozen=True)
class Origin:
    """Where a record came from, for error messages and 'edit this page' links."""

    path: Path
    """The file on disk."""
    shown_path: str
    """The path as error messages show it."""
    source_path: str
    """The path relative to the content directory, with '/' separators."""
    body_line: int
    """File line of the first body line."""
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    """File line of each front matter key."""

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


# --- Records: one per file, as written ------------------------------------------------


@dataclass(frozen=True)
class Person:
    slug: str
    """Identity and URL part: `/personer/<slug>/`."""
    name: str
    """Full name as displayed, 'Förnamn Efternamn'."""
    aliases: tuple[str, ...]
    """Other spellings of the full name used in the minutes; they link like the name."""
    organizations: tuple[str, ...]
    """Slugs of the organisations the person belongs to (resolved by `library`)."""
    role: str | None
    """A role or title the minutes give, shown under the name."""
    origin: Origin
    visibility: str = "public"
    """A value of `VISIBILITIES`."""

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"


@dataclass(frozen=True)
class Organization:
    slug: str
    """`/organisationer/<slug>/`."""
    name: str
    aliases: tuple[str, ...]
    """Other forms of the name used in the minutes ('Ria' for 'Ria – Hela människan')."""
    description: str
    """Markdown."""
    origin: Origin


@dataclass(frozen=True)
class Project:
    slug: str
    """`/projekt/<slug>/`."""
    name: str
    aliases: tuple[str, ...]
    """Inflections and other forms used in the minutes ('Fritidsbank')."""
    status: str
    """A key of `PROJECT_STATUSES`."""
    organizations: tuple[str, ...]
    """Slugs of organisations the front matter names as involved."""
    people: tuple[str, ...]
    """Slugs of people the front matter names as involved."""
    description: str
    """Markdown."""
    origin: Origin


@dataclass(frozen=True)
class Group:
    slug: str
    """`/grupper/<slug>/`."""
    name: str
    meeting_times: str | None
    """When the group meets, as the minutes say it."""
    description: str
    """Markdown."""
    origin: Origin


@dataclass(frozen=True)
class AttendeeEntry:
    """One attendee as written in a meeting's front matter, not yet resolved."""

    ref: str
    """Name, alias or slug of a person."""
    affiliation: str | None
    """The affiliation the minutes give for this meeting."""
    line: int


@dataclass(frozen=True)
class NextMeeting:
    """The next meeting as a meeting's minutes announce it (`next_meeting` in front matter)."""

    date: dt.date
    time: dt.time | None
    """Start time, local time in Sweden; None when the minutes give none."""
    place: str | None
    """Where, as the minutes say it."""


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting as its file says it; `library` turns it into a `Meeting`."""

    slug: str
    """`<date>-<group>`, from the file name; `/moten/<slug>/`."""
    title: str
    date: dt.date
    group_ref: str
    note_taker_ref: str | None
    attendees: tuple[AttendeeEntry, ...]
    project_refs: tuple[tuple[str, int], ...]
    """Projects named in front matter, each with its line."""
    draft: bool
    status: str
    """A key of `MEETING_STATUSES`."""
    approved_by_refs: tuple[tuple[str, int], ...]
    """Who approved ('justerade') the minutes, each with its line."""
    approved_on: dt.date | None
    body: str
    """Markdown."""
    origin: Origin
    next_meeting: NextMeeting | None = None
    """The next meeting, when the minutes announce one."""


# --- Resolved model -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedHTML:
    """HTML whose links to the site's own pages are left open: a page writes them relative to
    itself, a feed absolute (`markdown.fill_links`)."""

    fragments: tuple[str, ...]
    """The HTML around the open link targets: one more than `targets`."""
    targets: tuple[str, ...]
    """Root-relative link targets ('/personer/x/'), in order."""


@dataclass(frozen=True)
class PersonRef:
    """A person as the public site may show them in one meeting."""

    slug: str | None
    """The person's slug; None when the person is not public (no page, no slug in the output)."""
    withheld_as: str | None = None
    """For a person who is not public: what the site shows instead ('B. N.', 'en deltagare')."""


@dataclass(frozen=True)
class Attendance:
    person: PersonRef
    affiliation: str | None
    """As the minutes give it for this meeting (None for a hidden person: the phrase carries it)."""
    organization: str | None
    """Slug of the organisation the affiliation names, if it names one."""


@dataclass(frozen=True)
class AgendaItem:
    """One heading of the minutes and the text under it."""

    title: str
    anchor: str
    """The heading's `id`: a slug of its text, unique within the page."""
    level: int
    """2 for an agenda item, 3 for a sub-item."""
    excerpt: str
    """The start of the item's text, plain, for timelines."""
    people: tuple[str, ...]
    """Slugs of people mentioned in the item (heading or text), in order of first mention."""
    projects: tuple[str, ...]
    organizations: tuple[str, ...]


@dataclass(frozen=True)
class Meeting:
    slug: str
    """`<date>-<group>`; the page is `/moten/<slug>/`."""
    title: str
    date: dt.date
    group: str
    """Group slug."""
    note_taker: PersonRef | None
    attendees: tuple[Attendance, ...]
    items: tuple[AgendaItem, ...]
    projects: tuple[str, ...]
    """Every project discussed: named in the text or in front matter."""
    mentioned_people: tuple[str, ...]
    """Public people mentioned in the text, attendees included."""
    organizations: tuple[str, ...]
    """Organisations mentioned in the text or represented by an attendee."""
    body: LinkedHTML | None = field(repr=False)
    """The minutes as HTML, every name linked (a tenth of the parsed tokens' memory). None once
    the meeting's page is written, in a whole build, for meetings the feed does not show
    (`whole_build.MeetingPageWriter`): only the page and the feed show the minutes."""
    draft: bool
    status: str
    """A key of `MEETING_STATUSES`."""
    approved_by: tuple[PersonRef, ...]
    approved_on: dt.date | None
    origin: Origin
    next_meeting: NextMeeting | None = None
    """The next meeting, when the minutes announce one."""

    @property
    def url(self) -> str:
        return meeting_url(self.slug)


def meeting_url(slug: str) -> str:
    return f"/moten/{slug}/"


def person_url(slug: str) -> str:
    return f"/personer/{slug}/"


def project_url(slug: str) -> str:
    return f"/projekt/{slug}/"


def group_url(slug: str) -> str:
    return f"/grupper/{slug}/"


def organization_url(slug: str) -> str:
    return f"/organisationer/{slug}/"


@dataclass(frozen=True)
class Library:
    """Everything the site knows, resolved, with the indexes pages need.

    Every mapping is keyed by slug and iterates in a deterministic order
    (meetings by date, the rest by slug).
    """

    meetings: dict[str, Meeting]
    people: dict[str, Person]
    """Public people only: the others have no page and appear nowhere by name."""
    projects: dict[str, Project]
    groups: dict[str, Group]
    organizations: dict[str, Organization]
    meetings_by_group: dict[str, tuple[str, ...]]
    """Group slug → meeting slugs, oldest first."""
    meetings_attended: dict[str, tuple[str, ...]]
    """Person slug → meetings attended, oldest first."""
    meetings_mentioned: dict[str, tuple[str, ...]]
    """Person slug → meetings where the person is mentioned without attending."""
    meetings_by_project: dict[str, tuple[str, ...]]
    """Project slug → meetings that discuss it, oldest first."""
    meetings_by_organization: dict[str, tuple[str, ...]]
    """Organisation slug → meetings where an attendee represented it, oldest first."""
    people_by_organization: dict[str, tuple[str, ...]]
    """Organisation slug → its people: members by front matter and attendees who represented it."""
    organizations_by_person: dict[str, tuple[str, ...]]
    """The inverse: person slug → organisations, sorted by slug."""
    attendance_by_group: dict[str, dict[str, int]]
    """Group slug → person slug → how many of the group's meetings the person attended."""
    item_projects_by_organization: dict[str, dict[str, int]]
    """Organisation slug → project slug → how many agenda items mention both."""
    item_projects_by_person: dict[str, dict[str, int]]
    """Person slug → project slug → how many agenda items mention both."""
    withheld_people: dict[str, Person] = field(default_factory=dict)
    """People who are not public, for the leak check alone (`privacy`): nothing renders them."""
    withheld_attendees: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Meeting slug → slugs of its attendees who are not public, for the leak check alone (by slug)."""

    def meeting_on(self, group: str, date: dt.date) -> Meeting | None:
        """The group's published meeting on `date` (the first, if it met twice that day), if any."""
        slugs = self.meetings_by_group.get(group, ())
        position = bisect.bisect_left(slugs, date, key=lambda slug: self.meetings[slug].date)  # oldest first
        found = self.meetings[slugs[position]] if position < len(slugs) else None
        return found if found is not None and found.date == date else None
