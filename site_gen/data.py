"""The machine-readable export, `/data/site.json` (documented in the README)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator

from .model import Library, Meeting, group_url, meeting_url, organization_url, person_url, project_url

LineCache = dict[tuple[str, str], tuple[tuple, bytes, bytes]]
"""(section, slug) → (the objects the entry was made from, its encoded line, the line's digest):
reused while every one of those objects is the same (the model reuses unchanged ones)."""


def meeting_data(m: Meeting) -> dict:
    return {
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


def _other_entries(lib: Library) -> Iterator[tuple[str, str, tuple, Callable[[], dict]]]:
    """(section, slug, what the entry is made from, how to make it) after the meetings, in order."""
    for slug, p in lib.people.items():
        inputs = (p, lib.meetings_attended.get(slug, ()), lib.meetings_mentioned.get(slug, ()),
                  lib.organizations_by_person.get(slug, ()))
        yield "people", slug, inputs, lambda slug=slug, i=inputs: {
            "slug": slug, "url": person_url(slug), "name": i[0].name,
            "meetings": list(i[1]), "mentioned_in": list(i[2]), "organizations": list(i[3]),
        }
    for slug, p in lib.projects.items():
        inputs = (p, lib.meetings_by_project.get(slug, ()))
        yield "projects", slug, inputs, lambda slug=slug, i=inputs: {
            "slug": slug, "url": project_url(slug), "name": i[0].name, "status": i[0].status, "meetings": list(i[1]),
        }
    for slug, g in lib.groups.items():
        inputs = (g, lib.meetings_by_group.get(slug, ()))
        yield "groups", slug, inputs, lambda slug=slug, i=inputs: {
            "slug": slug, "url": group_url(slug), "name": i[0].name, "meetings": list(i[1]),
        }
    for slug, o in lib.organizations.items():
        inputs = (o, lib.people_by_organization.get(slug, ()))
        yield "organizations", slug, inputs, lambda slug=slug, i=inputs: {
            "slug": slug, "url": organization_url(slug), "name": i[0].name, "people": list(i[1]),
        }


SECTIONS = ("meetings", "people", "projects", "groups", "organizations")


def site_json(library: Library, cache: LineCache | None = None) -> tuple[bytes, bytes]:
    """The file's bytes and a digest of them. One entry per line: readable, diff-friendly, and
    written by the fast C encoder (which `indent` would rule out).

    `cache`, kept between builds, saves encoding the entries whose inputs are the same
    objects as last time; the file's digest is made of the lines' digests, so unchanged
    lines cost nothing there either."""
    cache = {} if cache is None else cache
    lines: dict[str, list[bytes]] = {section: [] for section in SECTIONS}
    digest = hashlib.blake2b(digest_size=16)
    used = set()

    def add(section: str, slug: str, inputs: tuple, make: Callable[[], dict]) -> None:
        key = (section, slug)
        cached = cache.get(key)
        if cached is None or len(cached[0]) != len(inputs) or any(a is not b for a, b in zip(cached[0], inputs)):
            line = json.dumps(make(), ensure_ascii=False).encode("utf-8")
            cached = cache[key] = (inputs, line, hashlib.blake2b(line, digest_size=16).digest())
        used.add(key)
        lines[section].append(cached[1])
        digest.update(cached[2])

    for slug, meeting in library.meetings.items():
        add("meetings", slug, (meeting,), lambda meeting=meeting: meeting_data(meeting))
    digest.update(b"\0")
    section = "people"
    for entry in _other_entries(library):
        if entry[0] != section:
            section = entry[0]
            digest.update(b"\0" + section.encode())
        add(*entry)
    for gone in cache.keys() - used:
        del cache[gone]
    parts = [b"{\n"]
    for number, section in enumerate(SECTIONS):
        parts += [b",\n" if number else b"", *_section(section, lines[section])]
    return b"".join([*parts, b"\n}\n"]), digest.digest()


def _section(key: str, lines: list[bytes]) -> list[bytes]:
    """A section's opening, lines and closing (the lines joined once: they are most of the file)."""
    if not lines:
        return [f'  "{key}": []'.encode()]
    return [f'  "{key}": [\n    '.encode(), b",\n    ".join(lines), b"\n  ]"]
