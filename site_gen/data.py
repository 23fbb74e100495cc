"""The machine-readable export, `/data/site.json` (documented in the README)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator

from .model import Library, Meeting, group_url, meeting_url, organization_url, person_url, project_url

LineCache = dict[str, dict[str, tuple[tuple, bytes, bytes]]]
"""Section → slug → (the objects the entry was made from, its encoded line, the line's digest):
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
    lines cost nothing there either. At 10,000 meetings the file is 23 MB."""
    cache = {} if cache is None else cache
    sections = {section: cache.setdefault(section, {}) for section in SECTIONS}
    entries: dict[str, list[tuple[tuple, bytes, bytes]]] = {section: [] for section in SECTIONS}
    meetings, meeting_entries = sections["meetings"], entries["meetings"]
    for slug, meeting in library.meetings.items():  # most of the file: the loop is kept lean
        entry = meetings.get(slug)
        if entry is None or entry[0][0] is not meeting:
            entry = meetings[slug] = _encoded((meeting,), meeting_data(meeting))
        meeting_entries.append(entry)
    for section, slug, inputs, make in _other_entries(library):
        entry = sections[section].get(slug)
        if entry is None or len(entry[0]) != len(inputs) or any(a is not b for a, b in zip(entry[0], inputs)):
            entry = sections[section][slug] = _encoded(inputs, make())
        entries[section].append(entry)
    parts, digests = [b"{\n"], []
    for number, section in enumerate(SECTIONS):
        lines = [entry[1] for entry in entries[section]]
        parts += [b",\n" if number else b"", *_section(section, lines)]
        digests += [section.encode(), *(entry[2] for entry in entries[section])]
        if len(sections[section]) > len(lines):  # entries that are gone
            kept = {id(entry) for entry in entries[section]}
            sections[section] = cache[section] = {k: e for k, e in sections[section].items() if id(e) in kept}
    return b"".join([*parts, b"\n}\n"]), hashlib.blake2b(b"".join(digests), digest_size=16).digest()


def _encoded(inputs: tuple, data: dict) -> tuple[tuple, bytes, bytes]:
    line = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return inputs, line, hashlib.blake2b(line, digest_size=16).digest()


def _section(key: str, lines: list[bytes]) -> list[bytes]:
    """A section's opening, lines and closing (the lines joined once: they are most of the file)."""
    if not lines:
        return [f'  "{key}": []'.encode()]
    return [f'  "{key}": [\n    '.encode(), b",\n    ".join(lines), b"\n  ]"]
