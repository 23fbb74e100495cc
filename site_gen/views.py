"""Stage 3a, views: what each page shows, prepared from the `Library`.

Every page is a `Page`: its URL, its template and a plain dict the template
renders without further logic (sorted, formatted, linked). URLs here are
root-relative; templates pass them through the `url` filter, which makes them
relative to the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .config import SiteConfig
from .markdown import fill_links, render_markdown
from .model import (
    MEETING_STATUSES,
    PROJECT_STATUSES,
    Group,
    Library,
    Meeting,
    PersonRef,
    group_url,
    meeting_url,
    organization_url,
    person_url,
    project_url,
)
from .search import SEARCH_URL
from .swedish import family_initial, format_date, format_date_with_weekday, person_sort_key, sort_key

View = dict[str, Any]
Summaries = dict[str, tuple[Meeting, Group, View]]
"""Meeting slug → (the meeting and group a summary was made from, the summary); views never change it."""
LATEST_MEETINGS = 5


@dataclass(frozen=True)
class Page:
    url: str
    """Root-relative URL; '/x/' is written as 'x/index.html'."""
    template: str
    title: str
    """The page's own title; the layout appends the site's name."""
    view: View
    source_path: str | None = None
    """The content file behind the page, for 'edit this page'."""
    description: str | None = None
    """A sentence on what the page shows (meta description, Open Graph); the site's description when None."""
    links_from_root: bool = False
    """Links start at the site's root (`base_url`, else '/') instead of at the page: for the
    404 page, which a static host serves at any depth, where a relative link leads astray."""


INDEX_PAGES = ("/", "/moten/", "/personer/", "/projekt/", "/grupper/", "/organisationer/", SEARCH_URL)
"""Pages that summarise everything: any change to a meeting may change them."""
ACCESSIBILITY_URL = "/tillganglighet/"
NOT_FOUND_URL = "/404.html"
"""A static host serves it for any missing path, at any depth (see `Page.links_from_root`)."""
FIXED_PAGES = (ACCESSIBILITY_URL, NOT_FOUND_URL)
"""Pages that show nothing from the content folders: only the settings and templates change them."""
MEETING_TEMPLATE = "meeting.html"
"""The template of every meeting's page: a whole build compiles it in advance where they are written."""


def site_pages(
    library: Library,
    config: SiteConfig,
    only: set[str] | None = None,
    summaries: Summaries | None = None,
    meetings: bool = True,
) -> Iterator[Page]:
    """The site's pages, or only those whose URL is in `only` (views are built for those alone).
    Each view is built when its page is reached, so a caller that renders pages as they come
    never holds them all.

    `summaries`, kept between builds, saves making again how lists show each unchanged meeting.
    `meetings=False` leaves out the meetings' own pages (a whole build writes them where their
    minutes are linked: `meeting_pages`).
    """
    views = _Views(library, {} if summaries is None else summaries)
    lib = library
    wanted = (lambda url: True) if only is None else only.__contains__
    for url, template, title, make_view in (
        ("/", "home.html", config.title, views.home),
        ("/moten/", "meetings.html", "Möten", views.meetings_index),
        ("/personer/", "people.html", "Personer", views.people_index),
        ("/projekt/", "projects.html", "Projekt", views.projects_index),
        ("/grupper/", "groups.html", "Grupper", views.groups_index),
        ("/organisationer/", "organizations.html", "Organisationer", views.organizations_index),
        (SEARCH_URL, "search.html", "Sök", views.search_page),
        (ACCESSIBILITY_URL, "accessibility.html", "Tillgänglighet", lambda: accessibility(config)),
    ):
        if wanted(url):
            yield Page(url, template, title, make_view(), None)
    if wanted(NOT_FOUND_URL):
        yield Page(NOT_FOUND_URL, "404.html", "Sidan finns inte", {}, links_from_root=True)
    if meetings:
        wanted_meetings = lib.meetings if only is None else (s for s in lib.meetings if meeting_url(s) in only)
        for slug in wanted_meetings:
            yield views.meeting_page(lib.meetings[slug])
    kinds = (
        (lib.people, person_url, "person.html", lambda p: p.name, views.person),
        (lib.projects, project_url, "project.html", lambda p: p.name, views.project),
        (lib.groups, group_url, "group.html", lambda g: g.name, views.group),
        (lib.organizations, organization_url, "organization.html", lambda o: o.name, views.organization),
    )
    for records, url_of, template, title_of, view_of in kinds:
        slugs = records if only is None else (s for s in records if url_of(s) in only)
        for slug in slugs:
            record = records[slug]
            yield Page(url_of(slug), template, title_of(record), view_of(slug), record.origin.source_path)


class MeetingSummary(dict):
    """A meeting's summary (`_Views.meeting_summary`) that a whole build's render workers hold
    already: a page's view goes to them with each meeting it lists as a reference, not as
    the summary again (`whole_build.write_whole_site`). The people who attend most are listed
    with thousands of meetings: at N=10,000, the views of the pages a worker renders pickle
    in 0.1 s instead of 0.23 s, and unpickle in 0.1 s instead of 0.7 s."""

    __slots__ = ()


def meeting_summaries(library: Library) -> Summaries:
    """Every meeting's summary, as a `MeetingSummary`: a whole build makes them all first, to
    hand to its workers before any page that lists them (`/moten/` lists every meeting)."""
    summaries: Summaries = {}
    views = _Views(library, summaries)
    for slug in library.meetings:
        views.meeting_summary(slug)
    return {slug: (meeting, group, MeetingSummary(summary)) for slug, (meeting, group, summary) in summaries.items()}


def meeting_pages(library: Library) -> Callable[[Meeting], Page]:
    """A meeting's page, for each meeting given, from `library` for everything but the meeting
    itself: the names of people, projects and groups, and the titles and dates of the other
    meetings. So the library may be `library.outline`'s, made before any minutes are linked."""
    return _Views(library, {}).meeting_page


def page_count(library: Library) -> int:
    """How many pages the site has (`len(page_urls(library))`, without making them)."""
    return len(INDEX_PAGES) + len(FIXED_PAGES) + sum(map(len, (
        library.meetings, library.people, library.projects, library.groups, library.organizations)))


def page_urls(library: Library) -> list[str]:
    """Every page URL, without building any view."""
    return [
        *INDEX_PAGES,
        *FIXED_PAGES,
        *(m.url for m in library.meetings.values()),
        *(person_url(s) for s in library.people),
        *(project_url(s) for s in library.projects),
        *(group_url(s) for s in library.groups),
        *(organization_url(s) for s in library.organizations),
    ]


class _Views:
    """Builds the view of each page; holds the library so builders stay short."""

    def __init__(self, library: Library, summaries: Summaries):
        self.lib = library
        self._summaries = summaries
        self._current: dict[str, View] = {}
        """The summaries `meeting_summary` has found current in this build (lists name a
        meeting many times: people's pages at N=10,000 list 200,000 meetings in all)."""
        self._group_positions: dict[str, dict[str, int]] = {}

    # --- small shared pieces -----------------------------------------------------

    def person_link(self, slug: str) -> View:
        return {"name": self.lib.people[slug].name, "url": person_url(slug)}

    def person_ref(self, ref: PersonRef) -> View:
        """A person as one meeting shows them: a link, or (not public) initials or a phrase without one."""
        if ref.slug is not None:
            return self.person_link(ref.slug)
        shown = ref.withheld_as or ""
        return {"name": shown[:1].upper() + shown[1:], "url": None}

    def project_link(self, slug: str) -> View:
        project = self.lib.projects[slug]
        return {"name": project.name, "url": project_url(slug), "status": PROJECT_STATUSES[project.status]}

    def organization_link(self, slug: str) -> View:
        return {"name": self.lib.organizations[slug].name, "url": organization_url(slug)}

    def group_link(self, slug: str) -> View:
        return {"name": self.lib.groups[slug].name, "url": group_url(slug)}

    def meeting_summary(self, slug: str) -> View:
        """How lists show a meeting: one object per meeting and group, shared by every page
        that lists it (in this build and, while both are the same objects, later ones)."""
        current = self._current.get(slug)
        if current is not None:
            return current
        meeting = self.lib.meetings[slug]
        group = self.lib.groups[meeting.group]
        cached = self._summaries.get(slug)
        if cached is None or cached[0] is not meeting or cached[1] is not group:
            cached = self._summaries[slug] = (meeting, group, {
                "title": meeting.title,
                "url": meeting.url,
                "date": format_date(meeting.date),
                "date_iso": meeting.date.isoformat(),
                "group": self.group_link(meeting.group),
                "draft": meeting.draft,
            })
        self._current[slug] = cached[2]
        return cached[2]

    def meeting_list(self, slugs: tuple[str, ...]) -> list[View]:
        """Meetings newest first."""
        current, summary = self._current.get, self.meeting_summary
        return [current(slug) or summary(slug) for slug in reversed(slugs)]

    def people_sorted(self, slugs: set[str] | tuple[str, ...]) -> list[View]:
        ordered = sorted(slugs, key=lambda s: person_sort_key(self.lib.people[s].name))
        return [self.person_link(slug) for slug in ordered]

    def by_name(self, links: list[View]) -> list[View]:
        return sorted(links, key=lambda link: sort_key(link["name"]))

    # --- pages -------------------------------------------------------------------

    def home(self) -> View:
        recent = tuple(self.lib.meetings)[-LATEST_MEETINGS:]
        active = [slug for slug, p in self.lib.projects.items() if p.status == "active"]
        return {
            "latest_meetings": self.meeting_list(recent),
            "active_projects": self.by_name([self._project_summary(slug) for slug in active]),
            "groups": self.groups_index()["groups"],
            "counts": {
                "meetings": len(self.lib.meetings),
                "people": len(self.lib.people),
                "projects": len(self.lib.projects),
                "organizations": len(self.lib.organizations),
            },
        }

    def meetings_index(self) -> View:
        years: dict[int, list[View]] = {}
        for meeting in reversed(self.lib.meetings.values()):
            years.setdefault(meeting.date.year, []).append(self.meeting_summary(meeting.slug))
        return {"years": [{"year": year, "meetings": meetings} for year, meetings in years.items()]}

    def description(self, meeting: Meeting) -> str:
        """'Protokoll från Gemensam utvecklingsgrupp, måndag 29 maj 2017. Dagordning: …'"""
        agenda = [item.title for item in meeting.items if item.level == 2]
        text = f"Protokoll från {self.lib.groups[meeting.group].name}, {format_date_with_weekday(meeting.date)}."
        return text + (f" Dagordning: {', '.join(agenda)}." if agenda else "")

    def meeting_page(self, meeting: Meeting) -> Page:
        """The meeting's own page. Everything it shows of the meeting comes from `meeting`, the
        rest from the library (see `meeting_pages`)."""
        return Page(meeting.url, MEETING_TEMPLATE, f"UTKAST: {meeting.title}" if meeting.draft else meeting.title,
                    self.meeting(meeting), meeting.origin.source_path, self.description(meeting))

    def meeting(self, meeting: Meeting) -> View:
        siblings = self.lib.meetings_by_group[meeting.group]
        position = self._positions(meeting.group)[meeting.slug]
        present = {a.person.slug for a in meeting.attendees}
        return {
            "title": meeting.title,
            "date": format_date_with_weekday(meeting.date),
            "date_iso": meeting.date.isoformat(),
            "group": self.group_link(meeting.group),
            "draft": meeting.draft,
            "status": {
                "approved": meeting.status == "approved",
                "label": MEETING_STATUSES[meeting.status],
                "by": [self.person_ref(ref) for ref in meeting.approved_by],
                "on": format_date(meeting.approved_on) if meeting.approved_on else None,
                "on_iso": meeting.approved_on.isoformat() if meeting.approved_on else None,
            },
            "attendees": [
                {
                    **self.person_ref(a.person),
                    "affiliation": a.affiliation,
                    "organization_url": organization_url(a.organization) if a.organization else None,
                    "note_taker": a.person == meeting.note_taker,
                }
                for a in meeting.attendees
            ],
            "note_taker": self.person_ref(meeting.note_taker) if meeting.note_taker else None,
            "toc": table_of_contents(meeting),
            "body": Markup(fill_links(meeting.body, meeting.url)),
            "projects": self.by_name([self.project_link(slug) for slug in meeting.projects]),
            "mentioned": self.people_sorted(tuple(s for s in meeting.mentioned_people if s not in present)),
            "previous": self.meeting_summary(siblings[position - 1]) if position > 0 else None,
            "next": self.meeting_summary(siblings[position + 1]) if position + 1 < len(siblings) else None,
            "next_meeting": self.announced_meeting(meeting),
            "search_filters": self.search_filters(meeting),
        }

    def _positions(self, group: str) -> dict[str, int]:
        """Each meeting's place among its group's (a search through them for every meeting
        page would grow with the square of the meetings)."""
        if group not in self._group_positions:
            self._group_positions[group] = {slug: i for i, slug in enumerate(self.lib.meetings_by_group[group])}
        return self._group_positions[group]

    def announced_meeting(self, meeting: Meeting) -> View | None:
        """The next meeting the minutes announce; linked when its minutes are published."""
        announced = meeting.next_meeting
        if announced is None:
            return None
        held = self.lib.meeting_on(meeting.group, announced.date)
        time = announced.time.strftime("%H:%M") if announced.time else None
        return {
            "date": format_date_with_weekday(announced.date),
            "datetime": f"{announced.date.isoformat()}T{time}" if time else announced.date.isoformat(),
            "time": time,
            "place": announced.place,
            "url": held.url if held else None,
        }

    def search_filters(self, meeting: Meeting) -> list[View]:
        """What the search page can narrow results by: the meeting's group, the public people
        who attended or are named, and the projects discussed (names, as readers know them).
        People who are not public are left out: a filter would tie their meetings together."""
        people = {a.person.slug for a in meeting.attendees if a.person.slug} | set(meeting.mentioned_people)
        return [
            {"name": "Grupp", "values": [self.lib.groups[meeting.group].name]},
            {"name": "Person", "values": [p["name"] for p in self.people_sorted(people)]},
            {"name": "Projekt", "values": sorted((self.lib.projects[p].name for p in meeting.projects), key=sort_key)},
        ]

    def search_page(self) -> View:
        """Without JavaScript the search page cannot search (the index is queried in the
        browser), so it offers the ways to browse instead."""
        return {
            "years": sorted({m.date.year for m in self.lib.meetings.values()}, reverse=True),
            "groups": self.groups_index()["groups"],
        }

    def people_index(self) -> View:
        letters: dict[str, list[View]] = {}
        for slug in sorted(self.lib.people, key=lambda s: person_sort_key(self.lib.people[s].name)):
            person = self.lib.people[slug]
            letters.setdefault(family_initial(person.name), []).append(
                {**self.person_link(slug), "role": person.role, "attended": len(self.lib.meetings_attended.get(slug, ()))}
            )
        return {"letters": [{"letter": letter, "people": people} for letter, people in letters.items()]}

    def person(self, slug: str) -> View:
        person = self.lib.people[slug]
        attended = self.lib.meetings_attended.get(slug, ())
        return {
            "name": person.name,
            "role": person.role,
            "organizations": self.by_name([self.organization_link(o) for o in self.lib.organizations_by_person.get(slug, ())]),
            "attended": self.meeting_list(attended),
            "attendance_count": len(attended),
            "mentioned": self.meeting_list(self.lib.meetings_mentioned.get(slug, ())),
            "projects": self.by_name([self.project_link(p) for p in self._projects_of_person(slug)]),
        }

    def _projects_of_person(self, person: str) -> set[str]:
        """Projects naming the person, and those of agenda items that mention the person."""
        named = {slug for slug, p in self.lib.projects.items() if person in p.people}
        return named | self.lib.item_projects_by_person.get(person, {}).keys()

    def _meetings_of(self, slugs: tuple[str, ...]) -> list[Meeting]:
        return [self.lib.meetings[s] for s in slugs]

    def projects_index(self) -> View:
        by_status = {key: [] for key in PROJECT_STATUSES}
        for slug, project in self.lib.projects.items():
            by_status[project.status].append(self._project_summary(slug))
        order = ("active", "planned", "paused", "completed")
        return {
            "statuses": [
                {"label": PROJECT_STATUSES[key], "projects": self.by_name(by_status[key])}
                for key in order
                if by_status[key]
            ]
        }

    def _project_summary(self, slug: str) -> View:
        meetings = self.lib.meetings_by_project.get(slug, ())
        last = self.lib.meetings[meetings[-1]] if meetings else None
        return {
            **self.project_link(slug),
            "meeting_count": len(meetings),
            "last_discussed": format_date(last.date) if last else None,
            "last_discussed_iso": last.date.isoformat() if last else None,
        }

    def project(self, slug: str) -> View:
        project = self.lib.projects[slug]
        timeline, people, organizations = [], set(project.people), set(project.organizations)
        for meeting in reversed(self._meetings_of(self.lib.meetings_by_project.get(slug, ()))):
            items = [item for item in meeting.items if slug in item.projects]
            for item in items:
                people.update(item.people)
                organizations.update(item.organizations)
            timeline.append({
                "meeting": self.meeting_summary(meeting.slug),  # shared: a worker gets it by reference
                "agenda_items": [
                    {"title": i.title, "url": f"{meeting.url}#{i.anchor}", "excerpt": i.excerpt} for i in items
                ],
            })
        return {
            "name": project.name,
            "status": PROJECT_STATUSES[project.status],
            "description": Markup(render_markdown(project.description, project_url(slug))),
            "timeline": timeline,
            "people": self.people_sorted(people),
            "organizations": self.by_name([self.organization_link(o) for o in organizations]),
        }

    def groups_index(self) -> View:
        groups = [
            {**self.group_link(slug), "meeting_count": len(self.lib.meetings_by_group.get(slug, ())),
             "meeting_times": group.meeting_times}
            for slug, group in self.lib.groups.items()
        ]
        return {"groups": self.by_name(groups)}

    def group(self, slug: str) -> View:
        group = self.lib.groups[slug]
        meetings = self.lib.meetings_by_group.get(slug, ())
        return {
            "name": group.name,
            "meeting_times": group.meeting_times,
            "description": Markup(render_markdown(group.description, group_url(slug))),
            "meetings": self.meeting_list(meetings),
            "members": self._members_by_attendance(slug),
        }

    def _members_by_attendance(self, group: str) -> list[View]:
        # Only public people are counted (`Library.attendance_by_group`): a tally across
        # meetings would tie a withheld person's appearances together.
        counts = self.lib.attendance_by_group.get(group, {})
        regular_from = regular_attendance_threshold(len(self.lib.meetings_by_group.get(group, ())))
        ordered = sorted(counts, key=lambda s: (-counts[s], person_sort_key(self.lib.people[s].name)))
        return [
            {**self.person_link(s), "count": counts[s], "regular": counts[s] >= regular_from} for s in ordered
        ]

    def organizations_index(self) -> View:
        return {
            "organizations": self.by_name([
                {**self.organization_link(slug), "people_count": len(self.lib.people_by_organization.get(slug, ())),
                 "meeting_count": len(self.lib.meetings_by_organization.get(slug, ()))}
                for slug in self.lib.organizations
            ])
        }

    def organization(self, slug: str) -> View:
        organization = self.lib.organizations[slug]
        projects = {p for p, project in self.lib.projects.items() if slug in project.organizations}
        projects |= self.lib.item_projects_by_organization.get(slug, {}).keys()
        return {
            "name": organization.name,
            "aliases": [a for a in organization.aliases if a.casefold() != organization.name.casefold()],
            "description": Markup(render_markdown(organization.description, organization_url(slug))),
            "people": self.people_sorted(self.lib.people_by_organization.get(slug, ())),
            "meetings": self.meeting_list(self.lib.meetings_by_organization.get(slug, ())),
            "projects": self.by_name([self.project_link(p) for p in projects]),
        }


def accessibility(config: SiteConfig) -> View:
    """The accessibility statement's settings; its text is `templates/accessibility.html`."""
    return {"publisher": config.publisher or None, "contact": feedback_contact(config)}


def feedback_contact(config: SiteConfig) -> View | None:
    """Where readers send accessibility feedback: `accessibility_contact` (an e-mail address or
    a web address), else the source repository, else nowhere (the build warns)."""
    contact = config.accessibility_contact
    if contact and "@" in contact and not contact.startswith(("https://", "http://")):
        return {"href": f"mailto:{contact}", "text": contact}
    if contact:
        return {"href": contact, "text": contact}
    if config.repository_url:
        return {"href": config.repository_url, "text": "webbplatsens källkodsarkiv"}
    return None


def table_of_contents(meeting: Meeting) -> list[View]:
    """Agenda items, each `###` sub-item nested under the `##` item before it."""
    toc: list[View] = []
    for item in meeting.items:
        entry = {"title": item.title, "anchor": item.anchor, "children": []}
        if item.level > 2 and toc:
            toc[-1]["children"].append(entry)
        else:
            toc.append(entry)
    return toc


def regular_attendance_threshold(meeting_count: int) -> int:
    """A regular member attended at least half of the group's meetings (and at least two)."""
    return max(2, (meeting_count + 1) // 2)
