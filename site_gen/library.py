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
from dataclasses import replace

from .errors import ContentError, Problems
from .linking import GROUP, ORGANIZATION, PERSON, PROJECT, NameIndex
from .load import Records
from .minutes import link_minutes
from .model import Attendance, Group, Library, Meeting, MeetingRecord, Organization, Person, Project, meeting_url
from .swedish import format_date, slugify

_KIND_WORDS = {PERSON: "personen", PROJECT: "projektet", ORGANIZATION: "organisationen", GROUP: "gruppen"}
_UNKNOWN = {PERSON: "okänd person", PROJECT: "okänt projekt", ORGANIZATION: "okänd organisation", GROUP: "okänd grupp"}
_FOLDERS = {PERSON: "people", PROJECT: "projects", ORGANIZATION: "organizations", GROUP: "groups"}


MeetingCache = dict[str, tuple[tuple, Meeting, tuple[ContentError, ...], tuple[str, ...]]]
"""Meeting slug → (what resolving it depended on, the resolved meeting, its warnings, the pages
it links to by hand): reused while its file, every name and those pages are unchanged."""


def build_library(
    records: Records,
    *,
    include_drafts: bool = False,
    problems: Problems | None = None,
    meeting_cache: MeetingCache | None = None,
) -> Library:
    """Resolve `records` into a `Library`; raise `BuildFailed` listing every problem.

    Warnings (which only `check --strict` fails on) are added to `problems` when given.
    `meeting_cache`, kept by the caller between builds, saves resolving unchanged meetings again.
    """
    problems = Problems() if problems is None else problems
    meeting_cache = {} if meeting_cache is None else meeting_cache
    _check_unique_slugs(records, problems)
    index = _name_index(records, problems)
    people = {p.slug: _resolve_person(p, index, problems) for p in records.people}
    projects = {p.slug: _resolve_project(p, index, problems) for p in records.projects}
    groups = {g.slug: g for g in records.groups}
    # Drafts are resolved (so their problems are reported) even when they are not published.
    memo = _MeetingMemo(index, problems, meeting_cache)
    resolved = [memo.resolve(record, people, groups) for record in records.meetings]
    for gone in set(meeting_cache) - {r.slug for r in records.meetings}:
        del meeting_cache[gone]
    meetings = [m for m in resolved if include_drafts or not m.draft]
    problems.raise_if_any()
    meetings.sort(key=lambda m: (m.date, m.slug))
    library = _with_indexes(records, people, projects, {m.slug: m for m in meetings})
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


def _name_index(records: Records, problems: Problems) -> NameIndex:
    index = NameIndex()
    entries: list[tuple[str, Person | Project | Organization]] = [
        *((PERSON, p) for p in records.people),
        *((PROJECT, p) for p in records.projects),
        *((ORGANIZATION, o) for o in records.organizations),
        *((GROUP, g) for g in records.groups),
    ]
    for kind, record in entries:
        names = (record.name, *getattr(record, "aliases", ()))
        for name, owner in index.add(kind, record.slug, names):
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


def _resolve_project(project: Project, index: NameIndex, problems: Problems) -> Project:
    shown = project.origin.shown_path
    return replace(
        project,
        organizations=_resolve_refs(_field_refs(project, "organizations"), ORGANIZATION, shown, index, problems),
        people=_resolve_refs(_field_refs(project, "people"), PERSON, shown, index, problems),
    )


def _resolve_meeting(
    record: MeetingRecord,
    index: NameIndex,
    people: dict[str, Person],
    groups: dict[str, Group],
    problems: Problems,
) -> tuple[Meeting, tuple[str, ...]]:
    """The resolved meeting, and the pages its minutes link to by hand."""
    shown = record.origin.shown_path
    group = index.lookup(record.group_ref, GROUP)
    if group is None:
        problems.error(shown, record.origin.line("group"), _unknown(GROUP, record.group_ref))
    elif not _is_meeting_slug(record.slug, f"{record.date.isoformat()}-{group.slug}"):
        problems.error(shown, 0, f"filnamnet ska vara datum och grupp: byt namn till '{record.date.isoformat()}-{group.slug}.md'")

    attendees: list[Attendance] = []
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
        attendees.append(Attendance(person.slug, entry.affiliation, organization.slug if organization else None))

    note_taker_ref = [(record.note_taker_ref, record.origin.line("note_taker"))] if record.note_taker_ref else []
    note_taker = next(iter(_resolve_refs(note_taker_ref, PERSON, shown, index, problems)), None)
    explicit_projects = _resolve_refs(record.project_refs, PROJECT, shown, index, problems)

    attendee_names = [(people[a.person].first_name, a.person) for a in attendees if a.person in people]
    minutes = link_minutes(record, index, attendee_names, problems)
    represented = [a.organization for a in attendees if a.organization]
    meeting = Meeting(
        slug=record.slug,
        title=record.title or f"{groups[group.slug].name if group else 'Möte'} {format_date(record.date)}",
        date=record.date,
        group=group.slug if group else "",
        note_taker=note_taker,
        attendees=tuple(attendees),
        items=minutes.items,
        projects=_unique([*minutes.projects, *explicit_projects]),
        mentioned_people=minutes.people,
        organizations=_unique([*represented, *minutes.organizations]),
        body_tokens=minutes.tokens,
        draft=record.draft,
        origin=record.origin,
        next_meeting=record.next_meeting,
    )
    return meeting, minutes.internal_links


class _MeetingMemo:
    """`_resolve_meeting` with a memo: a meeting is resolved and linked again only when its
    file or any name, alias or slug changed, or a page it links to by hand appeared or went.
    A reused meeting reports its warnings again; meetings with errors are never reused, so
    their errors are reported on every build until fixed."""

    def __init__(self, index: NameIndex, problems: Problems, cache: MeetingCache):
        self.index, self.problems, self.cache = index, problems, cache
        self.index_fingerprint = index.fingerprint()

    def resolve(self, record: MeetingRecord, people: dict[str, Person], groups: dict[str, Group]) -> Meeting:
        key = (record, self.index_fingerprint)
        cached = self.cache.get(record.slug)
        if cached is not None and cached[0] == key and all(self.index.has_page(u) for u in cached[3]):
            self.problems.warnings.extend(cached[2])
            return cached[1]
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        meeting, internal_links = _resolve_meeting(record, self.index, people, groups, self.problems)
        if len(self.problems.errors) == errors:
            self.cache[record.slug] = (key, meeting, tuple(self.problems.warnings[warnings:]), internal_links)
        else:
            self.cache.pop(record.slug, None)
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
        present = {a.person for a in meeting.attendees}
        for slug in present:
            attended[slug].append(meeting.slug)
        for slug in meeting.mentioned_people:
            if slug not in present:
                mentioned[slug].append(meeting.slug)
        for slug in meeting.projects:
            by_project[slug].append(meeting.slug)
        for org in _unique(a.organization for a in meeting.attendees if a.organization):
            by_organization[org].append(meeting.slug)
            people_by_org[org].extend(a.person for a in meeting.attendees if a.organization == org)
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
