"""Stage 2, model: resolve every reference and build the cross-reference indexes.

This is the only place that turns names into slugs. It reads the records from
`load`, reports every unknown or clashing reference, links the names in each
meeting's text (see `linking`) and returns one `Library` that the render stage
reads and never changes.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from .errors import ContentError, Problems
from .indexes import Change, build_indexes, members_by_organization, unique, update_indexes
from .linking import GROUP, ORGANIZATION, PERSON, PROJECT, NameIndex, Target
from .load import Records
from .markdown import render_open_links
from .minutes import link_minutes
from .model import (
    Attendance, Group, Library, Meeting, MeetingRecord, Organization, Person, PersonRef, Project, meeting_url,
)
from .parallel import batches, shared_map
from .privacy import replace_names, withheld_as
from .swedish import format_date, slugify

_KIND_WORDS = {PERSON: "personen", PROJECT: "projektet", ORGANIZATION: "organisationen", GROUP: "gruppen"}
_UNKNOWN = {PERSON: "okänd person", PROJECT: "okänt projekt", ORGANIZATION: "okänd organisation", GROUP: "okänd grupp"}
_FOLDERS = {PERSON: "people", PROJECT: "projects", ORGANIZATION: "organizations", GROUP: "groups"}


MeetingCache = dict[str, tuple[tuple, Meeting, tuple[ContentError, ...], tuple[str, ...], tuple[str, ...]]]
"""Meeting slug → (what resolving it depended on, the resolved meeting, its warnings, the pages
it links to by hand, its withheld attendees): reused while its file, every name and those pages
are unchanged."""


@dataclass(frozen=True)
class _Resolved:
    """The inputs and results of a successful `build_library`, for the next one."""

    records: Records
    meeting_records: dict[str, MeetingRecord]
    """`records.meetings` by slug."""
    include_drafts: bool
    withhold: bool
    index: NameIndex
    everyone: _People
    """The people, resolved; the public ones in file order."""
    groups: dict[str, Group]
    members: dict[str, tuple[str, ...]]
    """`members_by_organization(people)`."""
    library: Library


@dataclass
class ModelCache:
    """What `build_library` keeps between builds of one site (serve) to redo only what changed:
    resolved meetings (reused while their file and every name are unchanged), and the last
    library, whose indexes are updated when nothing but meetings changed."""

    meetings: MeetingCache = field(default_factory=dict)
    last: _Resolved | None = None


MeetingWork = Callable[[list[tuple[Meeting, tuple[str, ...]]]], list[tuple[Meeting, tuple[ContentError, ...]]]]
"""Work on meetings in the process that resolved them, a batch at a time (`MODEL_BATCH`), given
each meeting and its withheld attendees: for each, the meeting to keep in the library and any
errors. A whole build writes the meetings' pages there (`whole_build.MeetingPageWriter`), so
that neither the pages nor the minutes travel between processes. It must pickle where workers
are spawned."""


def build_library(
    records: Records,
    *,
    include_drafts: bool = False,
    problems: Problems | None = None,
    cache: ModelCache | None = None,
    jobs: int = 1,
    withhold: bool = True,
    meeting_work: Callable[[Library], MeetingWork] | None = None,
) -> Library:
    """Resolve `records` into a `Library`; raise `BuildFailed` listing every problem.

    Warnings (which only `check --strict` fails on) are added to `problems` when given.
    `cache`, kept by the caller between builds, saves resolving unchanged meetings again,
    and after changes to meetings alone, rebuilding the indexes. With `jobs` > 1, many
    meetings to resolve are resolved by that many processes. `withhold=False` treats
    everyone as public: only for editors' tools that write content (`new`), never for output.
    `meeting_work(outline)`, given the library as known before any minutes are linked
    (`outline`), is done on each meeting resolved without errors (only in a build that
    resolves every meeting: never with a filled `cache`).
    """
    warnings_wanted = problems is not None
    problems = Problems() if problems is None else problems
    cache = ModelCache() if cache is None else cache
    last, cache.last = cache.last, None  # set again only when this build succeeds
    if last is not None and _only_meetings_changed(records, last, include_drafts, withhold):
        assert meeting_work is None, "meeting_work is for builds that resolve every meeting"
        library = _update_library(records, last, problems, cache, warnings_wanted)
    else:
        library = _build_library(records, include_drafts, withhold, problems, cache, jobs, meeting_work)
    for slug, project in library.projects.items():
        if slug not in library.meetings_by_project:
            problems.warn(project.origin.shown_path, project.origin.line("name"), f"projektet '{project.name}' nämns inte i något protokoll")
    return library


def _build_library(
    records: Records, include_drafts: bool, withhold: bool, problems: Problems, cache: ModelCache, jobs: int = 1,
    meeting_work: Callable[[Library], MeetingWork] | None = None,
) -> Library:
    """The whole library from `records` (the simple path; cached meetings are reused)."""
    _check_unique_slugs(records, problems)
    withheld = {p.slug for p in records.people if withhold and not p.is_public}
    index = _name_index(records, withheld, problems)
    people = {p.slug: _resolve_person(p, index, problems) for p in records.people}
    withheld_people = {slug: people.pop(slug) for slug in sorted(withheld)}
    projects = {p.slug: _resolve_project(p, index, withheld_people, problems) for p in records.projects}
    groups = {g.slug: g for g in records.groups}
    organizations = {o.slug: o for o in records.organizations}
    # Drafts are resolved (so their problems are reported) even when they are not published.
    everyone = _People(people, withheld_people, organizations)
    work = None
    if meeting_work is not None:
        assert not cache.meetings, "meeting_work is for builds that resolve every meeting"
        work = meeting_work(outline(records, index, people, withheld_people, projects, groups, include_drafts))
    memo = _MeetingMemo(index, problems, cache.meetings, everyone, work)
    resolved = memo.resolve_all(records.meetings, groups, jobs)
    for gone in set(cache.meetings) - {r.slug for r in records.meetings}:
        del cache.meetings[gone]
    meetings = [m for m in resolved if include_drafts or not m.draft]
    problems.raise_if_any()
    meetings.sort(key=lambda m: (m.date, m.slug))
    published = {m.slug: m for m in meetings}
    library = _with_indexes(records, people, projects, published)
    library = replace(
        library,
        withheld_people=withheld_people,
        withheld_attendees={s: w for s, w in sorted(memo.withheld_attendees.items()) if s in published},
    )
    if withheld_people:
        library = _withhold_in_descriptions(library)
    cache.last = _Resolved(records, {r.slug: r for r in records.meetings}, include_drafts, withhold, index, everyone,
                           groups, members_by_organization(people), library)
    return library


def _only_meetings_changed(records: Records, last: _Resolved, include_drafts: bool, withhold: bool) -> bool:
    # Tuples of the same (cached) records compare by identity, element by element, in C.
    before = last.records
    return (include_drafts == last.include_drafts and withhold == last.withhold and records.people == before.people
            and records.projects == before.projects and records.groups == before.groups
            and records.organizations == before.organizations)


def _update_library(
    records: Records, last: _Resolved, problems: Problems, cache: ModelCache, warnings_wanted: bool
) -> Library:
    """The library after changes to meeting files alone: only changed meetings are resolved,
    and only the index entries they touch are recomputed."""
    changed, removed, current = _changed_meetings(records.meetings, last)
    if current is None:  # two files, one URL: the whole build reports it
        return _build_library(records, last.include_drafts, last.withhold, problems, cache)
    index = last.index
    for slug in removed:
        index.remove_page(meeting_url(slug))
    for slug in changed:
        index.add_page(meeting_url(slug))
    # Meetings whose minutes link by hand to a page that is gone are linked again (to report it).
    gone = {meeting_url(slug) for slug in removed}
    if gone:
        changed |= {slug for slug in current if slug not in changed and gone.intersection(cache.meetings[slug][3])}
    memo = _MeetingMemo(index, problems, cache.meetings, last.everyone)
    resolved: dict[str, Meeting] = {}
    if warnings_wanted:  # in file order, as in a whole build
        for record in records.meetings:
            if record.slug in changed:
                resolved[record.slug] = memo.resolve(record, last.groups)
            else:
                problems.warnings.extend(cache.meetings[record.slug][2])
    for slug in changed - resolved.keys():
        resolved[slug] = memo.resolve(current[slug], last.groups)
    for slug in removed:
        cache.meetings.pop(slug, None)
    problems.raise_if_any()  # `cache.last` stays None: the next build is a whole one
    published = last.library.meetings
    changes: list[Change] = []
    for slug in changed | removed:
        new = resolved.get(slug)
        new = new if new is not None and (last.include_drafts or not new.draft) else None
        if published.get(slug) is not new:
            changes.append((published.get(slug), new))
    meetings = _updated_meetings(published, changes)
    withheld_attendees = dict(last.library.withheld_attendees)
    for old, new in changes:
        withheld_attendees.pop((old or new).slug, None)  # type: ignore[union-attr]
        if new is not None and new.slug in memo.withheld_attendees:
            withheld_attendees[new.slug] = memo.withheld_attendees[new.slug]
    withheld_attendees = dict(sorted(withheld_attendees.items()))
    library = replace(last.library, meetings=meetings, withheld_attendees=withheld_attendees,
                      **update_indexes(last.library, meetings, changes, last.members))
    cache.last = replace(last, records=records, meeting_records=current, library=library)
    return library


def _changed_meetings(
    meetings: tuple[MeetingRecord, ...], last: _Resolved
) -> tuple[set[str], set[str], dict[str, MeetingRecord] | None]:
    """Slugs of meeting records that are new or changed, slugs of those gone, and the records by
    slug (None if two files give one slug). Records of unchanged files are the same objects."""
    before = last.records.meetings
    if len(meetings) == len(before):  # files edited, none added or removed: compare in place, in C
        positions = list(itertools.compress(range(len(meetings)), map(operator.is_not, meetings, before)))
        if all(meetings[i].slug == before[i].slug for i in positions):
            current = dict(last.meeting_records)
            current.update((meetings[i].slug, meetings[i]) for i in positions)
            return {meetings[i].slug for i in positions}, set(), current
    current = {r.slug: r for r in meetings}
    if len(current) != len(meetings):
        return set(), set(), None
    previous = last.meeting_records
    changed = {slug for slug, record in current.items() if previous.get(slug) is not record}
    return changed, previous.keys() - current.keys(), current


def _updated_meetings(meetings: dict[str, Meeting], changes: list[Change]) -> dict[str, Meeting]:
    """`meetings` (by date) with the changes made: in place when no date changed, else sorted again."""
    updated = dict(meetings)
    in_place = True
    for old, new in changes:
        if old is not None and new is not None and old.date == new.date:
            updated[new.slug] = new
            continue
        in_place = False
        if old is not None:
            del updated[old.slug]
        if new is not None:
            updated[new.slug] = new
    return updated if in_place else dict(sorted(updated.items(), key=lambda item: (item[1].date, item[0])))


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
    _refs: dict[str, PersonRef] = field(default_factory=dict, compare=False, repr=False)
    """A public person's one ref, by slug."""
    _attendances: dict[tuple[str, str | None, str | None], Attendance] = field(
        default_factory=dict, compare=False, repr=False)
    """One object for each distinct attendance (`attendance`)."""

    def person(self, slug: str) -> Person:
        return self.public.get(slug) or self.withheld[slug]

    def ref(self, slug: str, organization: str | None = None, attending: bool = True) -> PersonRef:
        """How the meeting may show this person: by slug, or as initials or a phrase."""
        if slug in self.public:
            ref = self._refs.get(slug)
            if ref is None:
                ref = self._refs[slug] = PersonRef(slug)
            return ref
        name = self.organizations[organization].name if organization else None
        return PersonRef(None, withheld_as(self.withheld[slug], name, attending))

    def attendance(self, slug: str, affiliation: str | None, organization: str | None) -> Attendance:
        """How the meeting shows an attendee. People attend meeting after meeting with the same
        affiliation: each distinct attendance is one object, which takes memory once and is
        pickled once per batch of meetings a worker sends (pickle refers back to what it wrote)."""
        key = (slug, affiliation, organization)
        found = self._attendances.get(key)
        if found is None:
            hidden = slug in self.withheld and self.withheld[slug].visibility == "hidden"
            # A hidden person's phrase already names the organisation; any other affiliation text could identify them.
            found = self._attendances[key] = Attendance(self.ref(slug, organization), None if hidden else affiliation,
                                                        organization)
        return found


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
        title=_meeting_title(record, group, groups),
        date=record.date,
        group=group.slug if group else "",
        note_taker=everyone.ref(note_taker, represented_by.get(note_taker)) if note_taker else None,
        attendees=tuple(everyone.attendance(*attendee) for attendee in attendees),
        items=minutes.items,
        projects=unique([*minutes.projects, *explicit_projects]),
        mentioned_people=minutes.people,
        organizations=unique([*represented, *minutes.organizations]),
        body=render_open_links(minutes.tokens),
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

    def __init__(self, index: NameIndex, problems: Problems, cache: MeetingCache, everyone: _People,
                 work: MeetingWork | None = None):
        self.index, self.problems, self.cache, self.everyone, self.work = index, problems, cache, everyone, work
        self.index_fingerprint = index.fingerprint()
        self.withheld_attendees: dict[str, tuple[str, ...]] = {}

    def resolve(self, record: MeetingRecord, groups: dict[str, Group], done: Resolved | None = None) -> Meeting:
        """The meeting (from the memo, or `done` if resolved elsewhere, or resolved now);
        its errors and warnings go to `problems`."""
        key = (record, self.index_fingerprint)
        if done is None and self._reusable(record, key):
            cached = self.cache[record.slug]
            self.problems.warnings.extend(cached[2])
            meeting, withheld = cached[1], cached[4]
        else:
            meeting, internal_links, withheld, errors, warnings = done or _resolve_alone(
                record, self.index, self.everyone, groups)
            self.problems.errors.extend(errors)
            self.problems.warnings.extend(warnings)
            if not errors:
                self.cache[record.slug] = (key, meeting, warnings, internal_links, withheld)
            else:
                self.cache.pop(record.slug, None)
        if withheld:
            self.withheld_attendees[record.slug] = withheld
        return meeting

    def resolve_all(self, records: tuple[MeetingRecord, ...], groups: dict[str, Group], jobs: int) -> list[Meeting]:
        """Every meeting, in order; with `jobs` > 1 and enough of them to resolve, those are
        resolved by that many processes (the same code: the results are the same)."""
        todo = [r for r in records if not self._reusable(r, (r, self.index_fingerprint))]
        jobs = jobs if len(todo) >= PARALLEL_FROM else 1
        results = shared_map(_resolve_batch, (self.index, self.everyone, groups, self.work),
                             batches(todo, MODEL_BATCH, jobs), jobs, chunk=1)
        done = dict(zip(map(id, todo), itertools.chain.from_iterable(results)))
        return [self.resolve(record, groups, done.get(id(record))) for record in records]

    def _reusable(self, record: MeetingRecord, key: tuple) -> bool:
        cached = self.cache.get(record.slug)
        return cached is not None and cached[0] == key and all(self.index.has_page(u) for u in cached[3])


Resolved = tuple[Meeting, tuple[str, ...], tuple[str, ...], tuple[ContentError, ...], tuple[ContentError, ...]]
"""A meeting resolved: the meeting, the pages its minutes link to by hand, its withheld
attendees, its errors and its warnings."""

MODEL_BATCH = 25
"""Meetings a process takes at a time, and resolves before `MeetingWork` is done on them:
rendering each page right after linking its minutes, in turn, took 7 % longer than linking
fifty and then rendering fifty (the processor's caches hold the code and data of one of the
two at a time). At the end of the model stage, no process waits for another longer than a
batch takes (`parallel.shared_map`): 25 rather than 50 made N=1,000 3 % faster, N=10,000
no slower. The last batches are shorter (`parallel.batches`): the process that finished first
then waited 1.7 ms on average for the other at N=1,000, instead of 8.2 ms."""

PARALLEL_FROM = 400
"""Fewer meetings to resolve than this are resolved in this process: starting a worker
costs about as much as resolving a few hundred meetings."""


def _resolve_alone(record: MeetingRecord, index: NameIndex, everyone: _People, groups: dict[str, Group]) -> Resolved:
    problems = Problems()
    meeting, internal_links, withheld = _resolve_meeting(record, index, everyone, groups, problems)
    return meeting, internal_links, withheld, tuple(problems.errors), tuple(problems.warnings)


def _resolve_batch(
    names: tuple[NameIndex, _People, dict[str, Group], MeetingWork | None], records: list[MeetingRecord]
) -> list[Resolved]:
    """`_resolve_alone` for each record, then the `MeetingWork` on those resolved without errors
    (module level, so that `parallel.shared_map` can send it to a worker)."""
    index, everyone, groups, work = names
    resolved = [_resolve_alone(record, index, everyone, groups) for record in records]
    if work is None:
        return resolved
    sound = [position for position, (_, _, _, errors, _) in enumerate(resolved) if not errors]
    for position, (meeting, errors) in zip(sound, work([(resolved[p][0], resolved[p][2]) for p in sound])):
        _, internal_links, withheld, _, warnings = resolved[position]
        resolved[position] = meeting, internal_links, withheld, errors, warnings
    return resolved


def _meeting_title(record: MeetingRecord, group: Target | None, groups: dict[str, Group]) -> str:
    """The title of the minutes, or the group's name and the date."""
    return record.title or f"{groups[group.slug].name if group else 'Möte'} {format_date(record.date)}"


def outline(
    records: Records, index: NameIndex, people: dict[str, Person], withheld_people: dict[str, Person],
    projects: dict[str, Project], groups: dict[str, Group], include_drafts: bool,
) -> Library:
    """The library as known before any minutes are linked: people, projects, groups and
    organisations, and of each published meeting what its front matter says of it alone (title,
    date, group, draft, status); its minutes, attendees and mentions are empty, and so is every
    index but `meetings_by_group`. Enough for a meeting's own page (`views.meeting_pages`),
    which shows its own minutes and only the titles and dates of the others. Descriptions are
    as written: no page made from the outline shows them."""
    stubs = []
    for record in records.meetings:
        if record.draft and not include_drafts:
            continue
        group = index.lookup(record.group_ref, GROUP)
        stubs.append(Meeting(
            slug=record.slug, title=_meeting_title(record, group, groups), date=record.date,
            group=group.slug if group else "", note_taker=None, attendees=(), items=(), projects=(),
            mentioned_people=(), organizations=(), body=None, draft=record.draft, status=record.status,
            approved_by=(), approved_on=record.approved_on, origin=record.origin, next_meeting=record.next_meeting,
        ))
    stubs.sort(key=lambda m: (m.date, m.slug))
    meetings = {m.slug: m for m in stubs}
    by_group: dict[str, list[str]] = {}
    for meeting in stubs:
        by_group.setdefault(meeting.group, []).append(meeting.slug)
    indexes = build_indexes({}, {})  # every index, empty
    indexes["meetings_by_group"] = {group: tuple(slugs) for group, slugs in by_group.items()}
    return replace(_with_indexes(records, people, projects, meetings, indexes), withheld_people=withheld_people)


def _is_meeting_slug(slug: str, date_and_group: str) -> bool:
    """`<date>-<group>`, or `<date>-<group>-2`, `-3` … for more meetings on one day."""
    suffix = slug.removeprefix(date_and_group)
    return slug.startswith(date_and_group) and (suffix == "" or re.fullmatch(r"-[2-9]|-[1-9][0-9]+", suffix) is not None)


def _with_indexes(
    records: Records,
    people: dict[str, Person],
    projects: dict[str, Project],
    meetings: dict[str, Meeting],
    indexes: dict[str, dict] | None = None,
) -> Library:
    """The library of these people, projects and meetings, with `indexes` (those of the meetings
    when not given: `build_indexes`)."""
    return Library(
        meetings=meetings,
        people=dict(sorted(people.items())),
        projects=dict(sorted(projects.items())),
        groups={g.slug: g for g in sorted(records.groups, key=lambda g: g.slug)},
        organizations={o.slug: o for o in sorted(records.organizations, key=lambda o: o.slug)},
        **(build_indexes(people, meetings) if indexes is None else indexes),
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
