"""Which pages a change to one meeting can change (serve's incremental builds).

After changes to meetings alone, only the pages named here get a view built, a
fingerprint taken and, if that changed, a render. Each rule below follows what a view
in `views` reads; `tests/test_incremental.py` checks the result against whole builds
after long random sequences of edits.
"""

from __future__ import annotations

from .model import Library, Meeting, group_url, meeting_url, organization_url, person_url, project_url
from .views import INDEX_PAGES

PEOPLE_INDEX, PROJECTS_INDEX, ORGANIZATIONS_INDEX, HOME = "/personer/", "/projekt/", "/organisationer/", "/"


def summary_of(meeting: Meeting) -> tuple:
    """What lists of meetings show of a meeting (and where they put it)."""
    return (meeting.title, meeting.date, meeting.group, meeting.draft)


def data_of(meeting: Meeting) -> tuple:
    """Everything about a meeting that the data files (`site.json`, the calendar) hold, or pages
    other than its own show, except the excerpts of its items."""
    items = tuple((i.title, i.anchor, i.level, i.people, i.projects, i.organizations) for i in meeting.items)
    return (summary_of(meeting), meeting.note_taker, meeting.attendees, meeting.projects,
            meeting.mentioned_people, meeting.organizations, meeting.status, meeting.approved_by,
            meeting.approved_on, meeting.next_meeting, items)


def calendar_of(meeting: Meeting) -> tuple:
    """Everything about a meeting that the calendar shows (`ical`): its event and the next
    meeting it announces."""
    agenda = tuple(item.title for item in meeting.items if item.level == 2)
    return (summary_of(meeting), agenda, meeting.next_meeting)


def pages_affected_by(old: Meeting | None, new: Meeting | None, before: Library, after: Library) -> set[str]:
    """The pages whose view may differ between `before` and `after` because the meeting changed
    from `old` to `new` (None: not published)."""
    if old is None or new is None or summary_of(old) != summary_of(new):
        # It appears, goes or moves in lists of meetings: every page that lists it.
        pages = set(INDEX_PAGES)
        for version, library in ((old, before), (new, after)):
            if version is not None:
                pages |= pages_depending_on(version, library)
        return pages
    return {new.url} | _attendance_pages(old, new) | _minutes_pages(old, new)


def _attendance_pages(old: Meeting, new: Meeting) -> set[str]:
    pages: set[str] = set()
    attended_before, attended_now = _attendees(old), _attendees(new)
    if attended_before != attended_now:  # attendance counts, the group's members
        pages |= {PEOPLE_INDEX, group_url(new.group)}
        pages |= {person_url(p) for p in attended_before ^ attended_now}
    # The person's 'mentioned in' list: mentioned without attending.
    mentioned_before = set(old.mentioned_people) - attended_before
    mentioned_now = set(new.mentioned_people) - attended_now
    pages |= {person_url(p) for p in mentioned_before ^ mentioned_now}
    represented_before, represented_now = _represented(old), _represented(new)
    if represented_before != represented_now:  # organisations' people and meetings, people's organisations
        pages.add(ORGANIZATIONS_INDEX)
        for person, org in represented_before ^ represented_now:
            pages.add(organization_url(org))
            if person is not None:  # people who are not public have no page
                pages.add(person_url(person))
        orgs_before, orgs_now = {o for _, o in represented_before}, {o for _, o in represented_now}
        pages |= {organization_url(o) for o in orgs_before ^ orgs_now}
    return pages


def _minutes_pages(old: Meeting, new: Meeting) -> set[str]:
    pages: set[str] = set()
    if set(old.projects) != set(new.projects):  # meeting counts and last dates of projects
        pages |= {PROJECTS_INDEX, HOME}
    for project in set(old.projects) | set(new.projects):  # the project's timeline
        if project not in old.projects or project not in new.projects or (
                _timeline_entry(old, project) != _timeline_entry(new, project)):
            pages.add(project_url(project))
    people = {p for m in (old, new) for item in m.items for p in item.people}
    pages |= {person_url(p) for p in people if _projects_with(old, p, "people") != _projects_with(new, p, "people")}
    orgs = {o for m in (old, new) for item in m.items for o in item.organizations}
    pages |= {organization_url(o) for o in orgs
              if _projects_with(old, o, "organizations") != _projects_with(new, o, "organizations")}
    return pages


def pages_depending_on(meeting: Meeting, library: Library) -> set[str]:
    """The pages that list or link `meeting` (as it is in `library`): its own page, its
    neighbours in its group (their previous/next links) and the meetings that announce it
    (their "next meeting" link), its group, and every person, project and organisation it
    references. The index pages are added by the caller."""
    siblings = library.meetings_by_group.get(meeting.group, ())
    neighbours = set()
    if meeting.slug in siblings:
        position = siblings.index(meeting.slug)
        neighbours = {meeting_url(s) for s in siblings[max(0, position - 1): position + 2]}
    # Earlier meetings that announce this one as their next link to it.
    neighbours.update(
        meeting_url(s) for s in siblings
        if (announced := library.meetings[s].next_meeting) is not None and announced.date == meeting.date
    )
    people = _attendees(meeting) | set(meeting.mentioned_people)
    people |= {ref.slug for ref in (meeting.note_taker, *meeting.approved_by) if ref and ref.slug}
    return {
        meeting.url,
        *neighbours,
        group_url(meeting.group),
        *(person_url(p) for p in people),
        *(project_url(p) for p in meeting.projects),
        *(organization_url(o) for o in meeting.organizations),
    }


def _attendees(meeting: Meeting) -> set[str]:
    """The public attendees (the others have no page and appear in no list)."""
    return {a.person.slug for a in meeting.attendees if a.person.slug}


def _represented(meeting: Meeting) -> set[tuple[str | None, str]]:
    """(person, organisation) for each attendee who represented an organisation (None for a
    person who is not public: the organisation still lists the meeting)."""
    return {(a.person.slug, a.organization) for a in meeting.attendees if a.organization}


def _timeline_entry(meeting: Meeting, project: str) -> list[tuple]:
    """What a project's timeline shows of the meeting's items about it."""
    return [(i.title, i.anchor, i.excerpt, i.people, i.organizations) for i in meeting.items if project in i.projects]


def _projects_with(meeting: Meeting, slug: str, field: str) -> set[str]:
    """The projects of the items that mention the person or organisation `slug`."""
    return {p for item in meeting.items if slug in getattr(item, field) for p in item.projects}
