"""The library's cross-reference indexes: built from every meeting, or updated for a few.

Each index maps a slug (a group, person, project or organisation) to what refers to it.
`build_indexes` walks every meeting. `update_indexes` starts from the previous library's
indexes and recomputes only the entries of slugs that a changed meeting refers to now or
referred to before, so an edit costs what the changed meetings touch, not the size of
the site. Both give equal indexes in the same order (`tests/test_library.py` compares).
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Callable, TypeVar

from .model import Library, Meeting, Person

Index = dict[str, tuple[str, ...]]
V = TypeVar("V")

MEETING_INDEXES = (
    "meetings_by_group", "meetings_attended", "meetings_mentioned", "meetings_by_project", "meetings_by_organization",
)
"""The indexes from a slug to meetings, oldest first."""

Change = tuple[Meeting | None, Meeting | None]
"""A meeting as it was in the previous library and as it is now (None: not published)."""


def meeting_keys(meeting: Meeting) -> dict[str, tuple[str, ...]]:
    """The slugs under which each index lists `meeting`."""
    present = unique(a.person.slug for a in meeting.attendees if a.person.slug)  # public attendees
    return {
        "meetings_by_group": (meeting.group,),
        "meetings_attended": present,
        "meetings_mentioned": tuple(slug for slug in meeting.mentioned_people if slug not in present),
        "meetings_by_project": meeting.projects,
        "meetings_by_organization": unique(a.organization for a in meeting.attendees if a.organization),
    }


def build_indexes(people: dict[str, Person], meetings: dict[str, Meeting]) -> dict[str, Index]:
    """Every index, from all people (in file order) and all meetings (in date order)."""
    tables: dict[str, defaultdict[str, list[str]]] = {name: defaultdict(list) for name in MEETING_INDEXES}
    people_by_org: defaultdict[str, list[str]] = defaultdict(list)
    for org, members in members_by_organization(people).items():
        people_by_org[org].extend(members)
    attendance: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for meeting in meetings.values():
        keys = meeting_keys(meeting)  # once: this loop runs over every meeting, between two stages
        for name, values in keys.items():
            table = tables[name]
            for key in values:
                table[key].append(meeting.slug)
        if keys["meetings_by_organization"]:
            representatives = _representatives(meeting)
            for org in keys["meetings_by_organization"]:
                people_by_org[org].extend(representatives.get(org, ()))
        attendance[meeting.group].update(keys["meetings_attended"])  # `_attendance`, from the keys made
    indexes = {name: _frozen(table) for name, table in tables.items()}
    indexes["people_by_organization"] = _frozen(people_by_org)
    organizations_by_person: defaultdict[str, set[str]] = defaultdict(set)
    for org, members in indexes["people_by_organization"].items():
        for person in members:
            organizations_by_person[person].add(org)
    indexes["organizations_by_person"] = {p: tuple(sorted(orgs)) for p, orgs in sorted(organizations_by_person.items())}
    # Every meeting counted into one table per index (a Counter per meeting was a third of this function).
    by_organization, by_person = _count_item_projects(meetings.values(), ("organizations", "people"))
    tables_counted = {
        "attendance_by_group": attendance,
        "item_projects_by_organization": by_organization,
        "item_projects_by_person": by_person,
    }
    assert tables_counted.keys() == COUNTED.keys()
    for name, table in tables_counted.items():
        indexes[name] = {key: dict(counts) for key, counts in sorted(table.items()) if counts}
    return indexes


def update_indexes(
    previous: Library, meetings: dict[str, Meeting], changes: list[Change], members: dict[str, tuple[str, ...]]
) -> dict[str, Index]:
    """The indexes of `meetings`, which differ from `previous.meetings` by `changes` alone.

    `members` is `members_by_organization` of the (unchanged) people.
    """
    changed = {(old or new).slug for old, new in changes}  # type: ignore[union-attr]
    position = lambda slug: (meetings[slug].date, slug)  # noqa: E731
    indexes = {}
    for name in MEETING_INDEXES:
        keys_before = {key: old.slug for old, _ in changes if old for key in meeting_keys(old)[name]}
        added: defaultdict[str, list[str]] = defaultdict(list)
        for _, new in changes:
            if new is not None:
                for key in meeting_keys(new)[name]:
                    added[key].append(new.slug)
        indexes[name] = _updated(getattr(previous, name), keys_before.keys() | added.keys(), lambda key, current: (
            _insert([s for s in current if s not in changed], added.get(key, ()), position)))
    by_org = indexes["meetings_by_organization"]
    touched = set().union(*(_organizations_touched(old, new) for old, new in changes))
    people_by_org = _updated(previous.people_by_organization, touched, lambda org, _: unique([
        *members.get(org, ()),
        *(person for slug in by_org.get(org, ()) for person in _representatives(meetings[slug]).get(org, ())),
    ]))
    indexes["people_by_organization"] = people_by_org
    indexes["organizations_by_person"] = _inverse_updated(
        previous.organizations_by_person, previous.people_by_organization, people_by_org, touched)
    for name, counted in COUNTED.items():
        indexes[name] = _counts_updated(getattr(previous, name), counted, changes)
    return indexes


def _attendance(meeting: Meeting) -> dict[str, Counter[str]]:
    return {meeting.group: Counter(meeting_keys(meeting)["meetings_attended"])}


def _count_item_projects(meetings: Iterable[Meeting], fields: tuple[str, ...]) -> list[dict[str, dict[str, int]]]:
    """For each of `fields` ("organizations", "people"), a table: for each slug the meetings'
    agenda items name there, how many times those items mention each project, in the order
    first counted."""
    tables: list[dict[str, dict[str, int]]] = [defaultdict(dict) for _ in fields]
    for meeting in meetings:
        for item in meeting.items:
            if not item.projects:
                continue
            for table, field in zip(tables, fields):
                for slug in getattr(item, field):
                    counts = table[slug]
                    for project in item.projects:
                        counts[project] = counts.get(project, 0) + 1
    return tables


def _item_projects(field: str) -> Callable[[Meeting], Mapping[str, Mapping[str, int]]]:
    """For each organisation (or person) an item mentions, the projects the item mentions."""
    return lambda meeting: _count_item_projects((meeting,), (field,))[0]


COUNTED: dict[str, Callable[[Meeting], Mapping[str, Mapping[str, int]]]] = {
    "attendance_by_group": _attendance,
    "item_projects_by_organization": _item_projects("organizations"),
    "item_projects_by_person": _item_projects("people"),
}
"""The indexes that count, and what one meeting adds to each: kept by adding and
subtracting the counts of changed meetings, so that a busy group costs nothing."""


def _counts_updated(previous: dict[str, dict[str, int]], counted: Callable[[Meeting], Mapping[str, Mapping[str, int]]],
                    changes: list[Change]) -> dict[str, dict[str, int]]:
    delta: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for old, new in changes:
        for key, counts in (counted(old) if old is not None else {}).items():
            delta[key].subtract(counts)
        for key, counts in (counted(new) if new is not None else {}).items():
            delta[key].update(counts)

    def entry(key: str, current: dict[str, int]) -> dict[str, int]:
        counts = Counter(current)
        counts.update(delta[key])
        return {item: n for item, n in counts.items() if n > 0}

    return _updated(previous, [k for k, d in delta.items() if any(d.values())], entry)


def _organizations_touched(old: Meeting | None, new: Meeting | None) -> set[str]:
    """Organisations whose people may change: those whose representatives in the meeting
    changed, or all it names if it appeared, went or moved (people are listed in the order
    they first represented an organisation)."""
    before = _representatives(old) if old is not None else {}
    after = _representatives(new) if new is not None else {}
    if old is None or new is None or old.date != new.date:
        return before.keys() | after.keys()
    return {org for org in before.keys() | after.keys() if before.get(org) != after.get(org)}


def _representatives(meeting: Meeting) -> dict[str, list[str]]:
    """Organisation → the public attendees who represented it, in the minutes' order (people who
    are not public are in no list)."""
    representatives: defaultdict[str, list[str]] = defaultdict(list)
    for attendance in meeting.attendees:
        if attendance.organization and attendance.person.slug:
            representatives[attendance.organization].append(attendance.person.slug)
    return representatives


def members_by_organization(people: dict[str, Person]) -> dict[str, tuple[str, ...]]:
    """Organisation → the people whose front matter names it, in the order of `people`."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    for person in people.values():
        for org in person.organizations:
            members[org].append(person.slug)
    return {org: tuple(slugs) for org, slugs in members.items()}


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _frozen(table: dict[str, list[str]]) -> Index:
    """Sorted by key; keys with nothing under them (an organisation represented only by people
    who are not public) are left out, as `update_indexes` leaves them out."""
    return {key: unique(values) for key, values in sorted(table.items()) if values}


def _insert(kept: list[str], added: Iterable[str], position: Callable[[str], tuple]) -> tuple[str, ...]:
    for slug in added:
        bisect.insort(kept, slug, key=position)
    return tuple(kept)


def _updated(previous: dict[str, V], keys: Iterable[str], entry: Callable[[str, V], V]) -> dict[str, V]:
    """`previous` with the entries of `keys` recomputed by `entry(key, previous entry)`;
    empty entries are dropped, and the keys stay sorted. An entry that comes out equal
    stays the same object, so that what is cached by it downstream (lines of site.json)
    stays valid."""
    table = dict(previous)
    reorder = False
    for key in keys:
        current = previous.get(key, ())
        value = entry(key, current)  # type: ignore[arg-type]
        if value == current:
            continue
        if value:
            reorder |= key not in table
            table[key] = value
        elif key in table:
            del table[key]
    return dict(sorted(table.items())) if reorder else table


def _inverse_updated(previous: Index, before: Index, after: Index, orgs: Iterable[str]) -> Index:
    """`organizations_by_person` after the people of `orgs` changed from `before` to `after`."""
    gained: defaultdict[str, set[str]] = defaultdict(set)
    lost: defaultdict[str, set[str]] = defaultdict(set)
    for org in orgs:
        old, new = set(before.get(org, ())), set(after.get(org, ()))
        for person in new - old:
            gained[person].add(org)
        for person in old - new:
            lost[person].add(org)
    return _updated(previous, gained.keys() | lost.keys(), lambda person, current: (
        tuple(sorted((set(current) | gained[person]) - lost[person]))))
