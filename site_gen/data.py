"""The machine-readable export, `/data/site.json` (documented in the README)."""

from __future__ import annotations

import json

from .model import Library, Meeting, PersonRef, group_url, meeting_url, organization_url, person_url, project_url

MeetingLines = dict[str, tuple[Meeting, str]]
"""Meeting slug → (the meeting object, its encoded line): reused while the memoized meeting is the same object."""


def meeting_data(m: Meeting) -> dict:
    return {
        "slug": m.slug,
        "url": meeting_url(m.slug),
        "title": m.title,
        "date": m.date.isoformat(),
        "group": m.group,
        "attendees": [{**_person(a.person), "affiliation": a.affiliation} for a in m.attendees],
        "note_taker": m.note_taker.slug if m.note_taker else None,
        "status": m.status,
        "approved_by": [_person(ref) for ref in m.approved_by],
        "approved_on": m.approved_on.isoformat() if m.approved_on else None,
        "projects": list(m.projects),
        "items": [
            {"title": i.title, "anchor": i.anchor, "projects": list(i.projects), "people": list(i.people)}
            for i in m.items
        ],
        "next_meeting": {
            "date": m.next_meeting.date.isoformat(),
            "time": m.next_meeting.time.strftime("%H:%M") if m.next_meeting.time else None,
            "place": m.next_meeting.place,
        } if m.next_meeting else None,
    }


def _person(ref: PersonRef) -> dict:
    """A public person by slug; anyone else by what the site shows instead ('B. N.'), with no slug."""
    return {"person": ref.slug} if ref.slug is not None else {"person": None, "shown_as": ref.withheld_as}


def _other_data(lib: Library) -> dict:
    return {
        "people": [
            {
                "slug": slug,
                "url": person_url(slug),
                "name": p.name,
                "meetings": list(lib.meetings_attended.get(slug, ())),
                "mentioned_in": list(lib.meetings_mentioned.get(slug, ())),
                "organizations": list(lib.organizations_by_person.get(slug, ())),
            }
            for slug, p in lib.people.items()
        ],
        "projects": [
            {
                "slug": slug,
                "url": project_url(slug),
                "name": p.name,
                "status": p.status,
                "meetings": list(lib.meetings_by_project.get(slug, ())),
            }
            for slug, p in lib.projects.items()
        ],
        "groups": [
            {"slug": slug, "url": group_url(slug), "name": g.name, "meetings": list(lib.meetings_by_group.get(slug, ()))}
            for slug, g in lib.groups.items()
        ],
        "organizations": [
            {
                "slug": slug,
                "url": organization_url(slug),
                "name": o.name,
                "people": list(lib.people_by_organization.get(slug, ())),
            }
            for slug, o in lib.organizations.items()
        ],
    }


def site_json(library: Library, meeting_lines: MeetingLines | None = None) -> bytes:
    """One entry per line: readable, diff-friendly, and written by the fast C encoder
    (which `indent` would rule out). `meeting_lines`, kept between builds, saves
    encoding the meetings that did not change."""
    cache = {} if meeting_lines is None else meeting_lines
    meetings = []
    for meeting in library.meetings.values():
        cached = cache.get(meeting.slug)
        if cached is None or cached[0] is not meeting:
            cached = cache[meeting.slug] = (meeting, json.dumps(meeting_data(meeting), ensure_ascii=False))
        meetings.append(cached[1])
    for gone in cache.keys() - library.meetings.keys():
        del cache[gone]
    sections = [_section("meetings", meetings)]
    for key, entries in _other_data(library).items():
        sections.append(_section(key, [json.dumps(entry, ensure_ascii=False) for entry in entries]))
    return ("{\n" + ",\n".join(sections) + "\n}\n").encode("utf-8")


def _section(key: str, lines: list[str]) -> str:
    body = ",\n".join("    " + line for line in lines)
    return f'  "{key}": [\n{body}\n  ]' if lines else f'  "{key}": []'
