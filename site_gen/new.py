"""`site-gen new meeting`: a new minutes file prefilled from the group's history.

The file lists the group's regular attendees (the editor deletes absentees), with
the affiliation each gave last time, the usual note taker and an agenda skeleton.
The date defaults to the group's next regular meeting when its `meeting_times`
says one in words we understand ("Första måndagen i månaden, klockan 13:30"),
else today.
"""

from __future__ import annotations

import calendar
import json
import datetime as dt
import re
from collections import Counter
from pathlib import Path

from .errors import ContentError
from .model import Library
from .swedish import WEEKDAYS, format_date, person_sort_key

RECENT_MEETINGS = 6
"""How many of the group's latest meetings decide who its regular attendees are."""

_ORDINALS = {"första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "sista": -1}
_MONTHLY = re.compile(
    r"(?P<ordinal>första|andra|tredje|fjärde|sista)\s+(?P<weekday>måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag)"
    r"(?:en)?\s+i\s+månaden",
    re.IGNORECASE,
)


def next_regular_date(meeting_times: str | None, today: dt.date) -> dt.date | None:
    """The first date on or after `today` that 'första måndagen i månaden' describes."""
    match = _MONTHLY.search(meeting_times or "")
    if not match:
        return None
    ordinal = _ORDINALS[match.group("ordinal").lower()]
    weekday = WEEKDAYS.index(match.group("weekday").lower())
    year, month = today.year, today.month
    for _ in range(13):
        days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if dt.date(year, month, d).weekday() == weekday]
        candidate = dt.date(year, month, days[ordinal - 1] if ordinal > 0 else days[-1])
        if candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _yaml_text(value: str) -> str:
    """A YAML scalar for `value`: plain when that is safe, else double-quoted (JSON is valid YAML)."""
    if re.fullmatch(r"[\w(][\w .,()/–-]*", value) and not re.fullmatch(r"(?i)(yes|no|on|off|y|n|true|false|null|~)|[\d.:_-]+", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def new_meeting_text(library: Library, group: str, date: dt.date) -> str:
    meetings = [library.meetings[s] for s in library.meetings_by_group.get(group, ())]
    recent = meetings[-RECENT_MEETINGS:]
    counts = Counter(a.person.slug for m in recent for a in m.attendees)
    # At least half of the recent meetings; after a single meeting, everyone who came.
    regular = {p for p, n in counts.items() if n >= max(1, (len(recent) + 1) // 2)}
    # The latest minutes' order first (the list editors know), then the others by attendance.
    latest = [a.person.slug for a in recent[-1].attendees if a.person.slug in regular] if recent else []
    others = sorted(regular - set(latest), key=lambda p: (-counts[p], person_sort_key(library.people[p].name)))
    last_affiliation = {a.person.slug: a.affiliation for m in recent for a in m.attendees}
    note_takers = Counter(m.note_taker.slug for m in meetings if m.note_taker)
    lines = ["---", f"title: {_yaml_text(f'{library.groups[group].name} {format_date(date)}')}",
             f"date: {date.isoformat()}", f"group: {group}"]
    if note_takers:
        lines.append(f"note_taker: {_yaml_text(library.people[note_takers.most_common(1)[0][0]].name)}")
    lines.append("# Ta bort den som inte var där och lägg till den som kom." if regular else "# Skriv deltagarna här.")
    lines.append("attendees:" if regular else "attendees: []")
    for person in latest + others:
        name, affiliation = library.people[person].name, last_affiliation.get(person)
        lines += ([f"  - name: {_yaml_text(name)}", f"    affiliation: {_yaml_text(affiliation)}"]
                  if affiliation else [f"  - {_yaml_text(name)}"])
    lines += ["draft: true", "---", "", "## Första punkten", "", "Skriv protokollet här.", "", "## Övrigt", ""]
    return "\n".join(lines)


def create_meeting_file(content_dir: Path, library: Library, group_ref: str, date: dt.date | None,
                        today: dt.date) -> Path | ContentError:
    """Write the new file, or say why not (unknown group, file exists)."""
    group = next((slug for slug, g in library.groups.items() if group_ref in (slug, g.name)), None)
    if group is None:
        known = ", ".join(library.groups)
        return ContentError(str(content_dir / "groups"), 0, f"okänd grupp '{group_ref}' – kända grupper: {known}")
    date = date or next_regular_date(library.groups[group].meeting_times, today) or today
    path = content_dir / "meetings" / f"{date.isoformat()}-{group}.md"
    if path.exists():
        return ContentError(str(path), 0, "filen finns redan – ingenting skrevs över; ange ett annat --date")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
        file.write(new_meeting_text(library, group, date))
    return path
