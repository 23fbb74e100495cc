"""The machine-readable export, `/data/site.json` (documented in the README)."""

from __future__ import annotations

import json

from .model import Library, group_url, meeting_url, organization_url, person_url, project_url


def site_data(library: Library) -> dict:
    lib = library
    return {
        "meetings": [
            {
                "slug": m.slug,
                "url": meeting_url(m.slug),
                "title": m.title,
                "date": m.date.isoformat(),
                "group": m.group,
                "attendees": [{"person": a.person, "affiliation": a.affiliation} for a in m.attendees],
                "note_taker": m.note_taker,
                "projects": list(m.projects),
                "items": [
                    {"title": i.title, "anchor": i.anchor, "projects": list(i.projects), "people": list(i.people)}
                    for i in m.items
                ],
            }
            for m in lib.meetings.values()
        ],
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


def site_json(library: Library) -> bytes:
    """One entry per line: readable and diff-friendly, and written by the fast C encoder
    (which `indent` would rule out)."""
    sections = []
    for key, entries in site_data(library).items():
        lines = ",\n".join("    " + json.dumps(entry, ensure_ascii=False) for entry in entries)
        sections.append(f'  "{key}": [\n{lines}\n  ]' if entries else f'  "{key}": []')
    return ("{\n" + ",\n".join(sections) + "\n}\n").encode("utf-8")
