"""The machine-readable export, `/data/site.json` (documented in the README)."""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .model import Library, Meeting, PersonRef, group_url, meeting_url, organization_url, person_url, project_url

Entry = tuple[tuple, bytes, bytes]
"""An entry of the file: (the objects it was made from, its encoded line, the line's digest)."""


@dataclass
class DataCache:
    """What `site_json` keeps between builds, to encode only entries made from other objects
    than last time (the model reuses the objects of everything unchanged)."""

    meetings: tuple[list[str], list[Meeting], list[Entry]] = ([], [], [])
    """The meetings' slugs, objects and entries, in order, as last time."""
    others: dict[str, dict[str, Entry]] = field(default_factory=dict)
    """Section → slug → entry, for the other sections."""


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


def site_json(library: Library, cache: DataCache | None = None) -> tuple[bytes, bytes]:
    """The file's bytes and a digest of them. One entry per line: readable, diff-friendly, and
    written by the fast C encoder (which `indent` would rule out).

    `cache`, kept between builds, saves encoding the entries whose inputs are the same
    objects as last time; the file's digest is made of the lines' digests, so unchanged
    lines cost nothing there either. At 10,000 meetings the file is 23 MB."""
    cache = DataCache() if cache is None else cache
    entries: dict[str, list[Entry]] = {section: [] for section in SECTIONS}
    entries["meetings"] = _meeting_entries(library.meetings, cache)
    others = {section: cache.others.get(section, {}) for section in SECTIONS[1:]}
    for section, slug, inputs, make in _other_entries(library):
        entry = others[section].get(slug)
        if entry is None or len(entry[0]) != len(inputs) or any(a is not b for a, b in zip(entry[0], inputs)):
            entry = _encoded(inputs, make())
        entries[section].append(entry)
    cache.others = {section: {e[0][0].slug: e for e in entries[section]} for section in SECTIONS[1:]}
    parts, digests = [b"{\n"], []
    for number, section in enumerate(SECTIONS):
        parts += [b",\n" if number else b"", *_section(section, [entry[1] for entry in entries[section]])]
        digests += [section.encode(), *(entry[2] for entry in entries[section])]
    parts.append(b"\n}\n")
    return b"".join(parts), hashlib.blake2b(b"".join(digests), digest_size=16).digest()


def _section(key: str, lines: list[bytes]) -> list[bytes]:
    """A section's opening, its lines with separators between them, and its closing (joined
    with the rest of the file in one go: the meetings are 20 MB at N=10,000)."""
    if not lines:
        return [f'  "{key}": []'.encode()]
    separated = [b",\n    "] * (2 * len(lines) - 1)
    separated[0::2] = lines
    return [f'  "{key}": [\n    '.encode(), *separated, b"\n  ]"]


def _meeting_entries(meetings: dict[str, Meeting], cache: DataCache) -> list[Entry]:
    """The meetings' entries, in order: most of the file."""
    for _ in encode_meetings(meetings, cache):
        pass
    return cache.meetings[2]


def encode_meetings(meetings: dict[str, Meeting], cache: DataCache, step: int = 100) -> Iterator[None]:
    """The meetings' entries into `cache`, where `site_json` finds them: pausing after every
    `step` meetings encoded, so that a caller can do other work in between (a whole build
    hands its workers pages to render). When the meetings are the same as last time, in the
    same order, only those that are other objects are looked at (found in C)."""
    slugs, values = list(meetings), list(meetings.values())
    last_slugs, last_values, last_entries = cache.meetings
    entries: list[Entry | None]
    if last_slugs == slugs:
        entries = list(last_entries)
        changed = list(itertools.compress(range(len(values)), map(operator.is_not, values, last_values)))
    else:
        known = dict(zip(last_slugs, last_entries))
        entries = [entry if (entry := known.get(slug)) is not None and entry[0][0] is meeting else None
                   for slug, meeting in meetings.items()]
        changed = [position for position, entry in enumerate(entries) if entry is None]
    for count, position in enumerate(changed, 1):
        entries[position] = _encoded((values[position],), meeting_data(values[position]))
        if count % step == 0:
            yield
    cache.meetings = (slugs, values, entries)  # type: ignore[assignment]  # every entry is made now


_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)
"""`json.dumps(…, ensure_ascii=False)`, made once, without its check for cycles: an entry is a
tree made here, of dicts, lists, strings and numbers (a fifth less time for N=1,000)."""


def _encoded(inputs: tuple, data: dict) -> tuple[tuple, bytes, bytes]:
    line = _ENCODER.encode(data).encode("utf-8")
    return inputs, line, hashlib.blake2b(line, digest_size=16).digest()


