"""Stage 2, model: resolve every reference and build the cross-reference indexes.

This is the only place that turns names into slugs. It reads the records from
`load`, reports every unknown or clashing reference, links the names in each
meeting's text (see `linking`) and returns one `Library` that the render stage
reads and never changes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .errors import ContentError, Problems
from .linking import GROUP, ORGANIZATION, PERSON, PROJECT, NameIndex
from .load import Records
from .minutes import link_minutes
from .model import (
    Attendance, Group, Library, Meeting, MeetingRecord, Organization, Person, PersonRef, Project, meeting_url,
)
from .privacy import replace_names, withheld_as
from .swedish import format_date, slugify

_KIND_WORDS = {PERSON: "personen", PROJECT: "projektet", ORGANIZATION: "organisationen", GROUP: "gruppen"}
_UNKNOWN = {PERSON: "okänd person", PROJECT: "okänt projekt", ORGANIZATION: "okänd organisation", GROUP: "okänd grupp"}
_FOLDERS = {PERSON: "people", PROJECT: "projects", ORGANIZATION: "organizations", GROUP: "groups"}


MeetingCache = dict[str, tuple[tuple, Meeting, tuple[ContentError, ...], tuple[str, ...], tuple[str, ...]]]
"""Meeting slug → (what resolving it depended on, the resolved meeting, its warnings, the pages
it links to by hand, its withheld attendees): reused while its file, every name and those pages
are unchanged."""


def build_library(
    records: Records,
    *,
    include_drafts: bool = False,
    problems: Problems | None = None,
    meeting_cache: MeetingCache | None = None,
    withhold: bool = True,
) -> Library:
    """Resolve `records` into a `Library`; raise `BuildFailed` listing every problem.

    Warnings (which only `check --strict` fails on) are added to `problems` when given.
    `meeting_cache`, kept by the caller between builds, saves resolving unchanged meetings again.
    `withhold=False` treats everyone as public: only for editors' tools that write content
    (`new`), never for output.
    """
    problems = Problems() if problems is None else problems
    meeting_cache = {} if meeting_cache is None else meeting_cache
    _check_unique_slugs(records, problems)
    withheld = {p.slug for p in records.people if withhold and not p.is_public}
    index = _name_index(records, withheld, problems)
    people = {p.slug: _resolve_person(p, index, problems) for p in records.people}
    withheld_people = {slug: people.pop(slug) for slug in sorted(withheld)}
    projects = {p.slug: _resolve_project(p, index, withheld_people, problems) for p in records.projects}
    groups = {g.slug: g for g in records.groups}
    organizations = {o.slug: o for o in records.organizations}
    # Drafts are resolved (so their problems are reported) even when they are not published.
    memo = _MeetingMemo(index, problems, meeting_cache, _People(people, withheld_people, organizations))
    resolved = [memo.resolve(record, groups) for record in records.meetings]
    for gone in set(meeting_cache) - {r.slug for r in records.meetings}:
        del meeting_cache[gone]
    meetings = [m for m in resolved if include_drafts or not m.draft]
    problems.raise_if_any()
    meetings.sort(key=lambda m: (m.date, m.slug))
    published = {m.slug: m for m in meetings}
    library = _with_indexes(records, people, projects, published)
    library = replace(
        library,
        withheld_people=withheld_people,
        withheld_attendees={s: w for s, w in memo.withheld_attendees.items() if s in published},
    )
    if withheld_people:
        library = _withhold_in_descriptions(library)

    for slug, project in library.projects.items():
        if slug not in library.meetings_by_project:
            problems.warn(project.origin.shown_path, project.origin.line("name"), f"projektet '{project.name}' nämns inte i något protokoll")
    return library


def _check_unique_slugs(records: Records, problems: Problems) -> None:
    """Two files of one kind must not claim one URL (e.g. 'Fritidsbanken.md' and 'fritidsbanken.md')."""
    for kind in (records.meetings, records.people, records.projects, records.groups, records.organizations):
        first_owner: dict[str, str] = {}
        for record in kind:
            shown = record.origin.shown_path
            if record.slug in first_owner:
                problems.error(shown, 0, f"ger samma adress som {first_owner[record.slug]} – byt namn på en av filerna")
            else:
                first_owner[record.slug] = shown


def _name_index(records: Records, withheld: set[str], problems: Problems) -> NameIndex:
    index = NameIndex()
    entries: list[tuple[str, Person | Project | Organization]] = [
        *((PERSON, p) for p in records.people),
        *((PROJECT, p) for p in records.projects),
        *((ORGANIZATION, o) for o in records.organizations),
        *((GROUP, g) for g in records.groups),
    ]
    for kind, record in entries:
        names = (record.name, *getattr(record, "aliases", ()))
        visibility = record.visibility if kind == PERSON and record.slug in withheld else "public"
        for name, owner in index.add(kind, record.slug, names, visibility=visibility):
            key = "name" if name == record.name else "aliases"
            problems.error(
                record.origin.shown_path, record.origin.line(key),
                f"namnet '{name}' används redan av {_KIND_WORDS[owner.kind]} i "
                f"{_FOLDERS[owner.kind]}/{owner.slug}.md – ett namn får bara betyda en sak",
            )
    for meeting in records.meetings:
        index.add_page(meeting_url(meeting.slug))
    return index


def _resolve_refs(
    refs: Iterable[tuple[str, int]], kind: str, shown_path: str, index: NameIndex, problems: Problems
) -> tuple[str, ...]:
    """Slugs of the (reference, line) pairs, in order, once each; unknown ones are reported."""
    slugs = []
    for ref, line in refs:
        target = index.lookup(ref, kind)
        if target is None:
            problems.error(shown_path, line, _unknown(kind, ref))
        elif target.slug not in slugs:
            slugs.append(target.slug)
    return tuple(slugs)


def _field_refs(record: Person | Project, key: str) -> list[tuple[str, int]]:
    return [(ref, record.origin.line(key)) for ref in getattr(record, key)]


def _unknown(kind: str, ref: str) -> str:
    return f"{_UNKNOWN[kind]} '{ref}' – rätta stavningen eller skapa content/{_FOLDERS[kind]}/{slugify(ref)}.md"


def _resolve_person(person: Person, index: NameIndex, problems: Problems) -> Person:
    shown = person.origin.shown_path
    organizations = _resolve_refs(_field_refs(person, "organizations"), ORGANIZATION, shown, index, problems)
    return replace(person, organizations=organizations)


def _resolve_project(project: Project, index: NameIndex, withheld: dict[str, Person], problems: Problems) -> Project:
    shown = project.origin.shown_path
    people = _resolve_refs(_field_refs(project, "people"), PERSON, shown, index, problems)
    return replace(
        project,
        organizations=_resolve_refs(_field_refs(project, "organizations"), ORGANIZATION, shown, index, problems),
        people=tuple(slug for slug in people if slug not in withheld),
    )


@dataclass(frozen=True)
class _People:
    """Everyone a meeting can name: the public, the withheld, and the organisations they represent."""

    public: dict[str, Person]
    withheld: dict[str, Person]
    organizations: dict[str, Organization]

    def person(self, slug: str) -> Person:
        return self.public.get(slug) or self.withheld[slug]

    def ref(self, slug: str, organization: str | None = None, attending: bool = True) -> PersonRef:
        """How the meeting may show this person: by slug, or as initials or a phrase."""
        if slug in self.public:
            return PersonRef(slug)
        name = self.organizations[organization].name if organization else None
        return PersonRef(None, withheld_as(self.withheld[slug], name, attending))

    def attendance(self, slug: str, affiliation: str | None, organization: str | None) -> Attendance:
        hidden = slug in self.withheld and self.withheld[slug].visibility == "hidden"
        # A hidden person's phrase already names the organisation; any other affiliation text could identify them.
        return Attendance(self.ref(slug, organization), None if hidden else affiliation, organization)


def _resolve_meeting(
    record: MeetingRecord,
    index: NameIndex,
    everyone: _People,
    groups: dict[str, Group],
    problems: Problems,
) -> tuple[Meeting, tuple[str, ...], tuple[str, ...]]:
    """The resolved meeting, the pages its minutes link to by hand, and its withheld attendees."""
    shown = record.origin.shown_path
    group = index.lookup(record.group_ref, GROUP)
    if group is None:
        problems.error(shown, record.origin.line("group"), _unknown(GROUP, record.group_ref))
    elif not _is_meeting_slug(record.slug, f"{record.date.isoformat()}-{group.slug}"):
        problems.error(shown, 0, f"filnamnet ska vara datum och grupp: byt namn till '{record.date.isoformat()}-{group.slug}.md'")

    attendees: list[tuple[str, str | None, str | None]] = []
    """(person slug, affiliation, organisation slug)"""
    present: set[str] = set()
    for entry in record.attendees:
        person = index.lookup(entry.ref, PERSON)
        if person is None:
            problems.error(shown, entry.line, _unknown(PERSON, entry.ref))
            continue
        if person.slug in present:
            problems.error(shown, entry.line, f"'{entry.ref}' står två gånger bland deltagarna")
            continue
        present.add(person.slug)
        organization = index.lookup(entry.affiliation, ORGANIZATION) if entry.affiliation else None
        attendees.append((person.slug, entry.affiliation, organization.slug if organization else None))

    note_taker_ref = [(record.note_taker_ref, record.origin.line("note_taker"))] if record.note_taker_ref else []
    note_taker = next(iter(_resolve_refs(note_taker_ref, PERSON, shown, index, problems)), None)
    approved_by = _resolve_refs(record.approved_by_refs, PERSON, shown, index, problems)
    explicit_projects = _resolve_refs(record.project_refs, PROJECT, shown, index, problems)

    represented_by = {slug: org for slug, _, org in attendees}
    shown_as = {  # what the minutes show for each withheld person
        slug: everyone.ref(slug, represented_by.get(slug), attending=slug in represented_by).withheld_as
        for slug in everyone.withheld
    }
    attendee_names = [(everyone.person(slug).first_name, slug) for slug, _, _ in attendees]
    minutes = link_minutes(record, index, attendee_names, problems, shown_as)
    represented = [org for _, _, org in attendees if org]
    meeting = Meeting(
        slug=record.slug,
        title=record.title or f"{groups[group.slug].name if group else 'Möte'} {format_date(record.date)}",
        date=record.date,
        group=group.slug if group else "",
        note_taker=everyone.ref(note_taker, represented_by.get(note_taker)) if note_taker else None,
        attendees=tuple(everyone.attendance(*attendee) for attendee in attendees),
        items=minutes.items,
        projects=_unique([*minutes.projects, *explicit_projects]),
        mentioned_people=minutes.people,
        organizations=_unique([*represented, *minutes.organizations]),
        body_tokens=minutes.tokens,
        draft=record.draft,
        status=record.status,
        approved_by=tuple(everyone.ref(slug, represented_by.get(slug)) for slug in approved_by),
        approved_on=record.approved_on,
        origin=record.origin,
        next_meeting=record.next_meeting,
    )
    withheld_attendees = tuple(slug for slug, _, _ in attendees if slug in everyone.withheld)
    return meeting, minutes.internal_links, withheld_attendees


class _MeetingMemo:
    """`_resolve_meeting` with a memo: a meeting is resolved and linked again only when its
    file or any name, alias or slug changed, or a page it links to by hand appeared or went.
    A reused meeting reports its warnings again; meetings with errors are never reused, so
    their errors are reported on every build until fixed."""

    def __init__(self, index: NameIndex, problems: Problems, cache: MeetingCache, everyone: _People):
        self.index, self.problems, self.cache, self.everyone = index, problems, cache, everyone
        self.index_fingerprint = index.fingerprint()
        self.withheld_attendees: dict[str, tuple[str, ...]] = {}

    def resolve(self, record: MeetingRecord, groups: dict[str, Group]) -> Meeting:
        key = (record, self.index_fingerprint)
        cached = self.cache.get(record.slug)
        if cached is not None and cached[0] == key and all(self.index.has_page(u) for u in cached[3]):
            self.problems.warnings.extend(cached[2])
            meeting, withheld = cached[1], cached[4]
        else:
            errors, warnings = len(self.problems.errors), len(self.problems.warnings)
            meeting, internal_links, withheld = _resolve_meeting(record, self.index, self.everyone, groups, self.problems)
            if len(self.problems.errors) == errors:
                self.cache[record.slug] = (key, meeting, tuple(self.problems.warnings[warnings:]), internal_links, withheld)
            else:
                self.cache.pop(record.slug, None)
        if withheld:
            self.withheld_attendees[record.slug] = withheld
        return meeting


def _is_meeting_slug(slug: str, date_and_group: str) -> bool:
    """`<date>-<group>`, or `<date>-<group>-2`, `-3` … for more meetings on one day."""
    suffix = slug.removeprefix(date_and_group)
    return slug.startswith(date_and_group) and (suffix == "" or re.fullmatch(r"-[2-9]|-[1-9][0-9]+", suffix) is not None)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _with_indexes(
    records: Records,
    people: dict[str, Person],
    projects: dict[str, Project],
    meetings: dict[str, Meeting],
) -> Library:
    by_group, attended, mentioned = defaultdict(list), defaultdict(list), defaultdict(list)
    by_project, by_organization, people_by_org = defaultdict(list), defaultdict(list), defaultdict(list)
    for person in people.values():
        for org in person.organizations:
            people_by_org[org].append(person.slug)
    for meeting in meetings.values():
        by_group[meeting.group].append(meeting.slug)
        present = {a.person.slug for a in meeting.attendees if a.person.slug}
        for slug in present:
            attended[slug].append(meeting.slug)
        for slug in meeting.mentioned_people:
            if slug not in present:
                mentioned[slug].append(meeting.slug)
        for slug in meeting.projects:
            by_project[slug].append(meeting.slug)
        for org in _unique(a.organization for a in meeting.attendees if a.organization):
            by_organization[org].append(meeting.slug)
            people_by_org[org].extend(a.person.slug for a in meeting.attendees if a.organization == org and a.person.slug)
    freeze = lambda table: {key: _unique(values) for key, values in sorted(table.items())}  # noqa: E731
    organizations_by_person = defaultdict(set)
    for org, members in people_by_org.items():
        for person in members:
            organizations_by_person[person].add(org)
    return Library(
        meetings=meetings,
        people=dict(sorted(people.items())),
        projects=dict(sorted(projects.items())),
        groups={g.slug: g for g in sorted(records.groups, key=lambda g: g.slug)},
        organizations={o.slug: o for o in sorted(records.organizations, key=lambda o: o.slug)},
        meetings_by_group=freeze(by_group),
        meetings_attended=freeze(attended),
        meetings_mentioned=freeze(mentioned),
        meetings_by_project=freeze(by_project),
        meetings_by_organization=freeze(by_organization),
        people_by_organization=freeze(people_by_org),
        organizations_by_person={p: tuple(sorted(orgs)) for p, orgs in sorted(organizations_by_person.items())},
    )


def _withhold_in_descriptions(library: Library) -> Library:
    """Descriptions of projects, organisations and groups with non-public people's names replaced
    (they are not linked like the minutes, so this is where their names are caught)."""
    people = tuple(library.withheld_people.values())
    withhold = lambda records: {  # noqa: E731
        slug: replace(r, description=replace_names(r.description, people)) for slug, r in records.items()
    }
    return replace(
        library,
        projects=withhold(library.projects),
        organizations=withhold(library.organizations),
        groups=withhold(library.groups),
    )
