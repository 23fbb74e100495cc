"""`site-gen new meeting`: prefilled from the group's history, never overwrites."""

from __future__ import annotations

import datetime as dt

import pytest

from site_gen.cli import main
from site_gen.new import next_regular_date

from .conftest import build, meeting_file


@pytest.mark.parametrize(("times", "today", "expected"), [
    ("Första måndagen i månaden, klockan 13:30", dt.date(2026, 11, 22), dt.date(2026, 12, 7)),
    ("Första måndagen i månaden, klockan 13:30", dt.date(2026, 12, 7), dt.date(2026, 12, 7)),
    ("första tisdagen i månaden", dt.date(2026, 12, 2), dt.date(2027, 1, 5)),
    ("Sista fredagen i månaden", dt.date(2026, 2, 1), dt.date(2026, 2, 27)),
    ("Tredje onsdagen i månaden", dt.date(2026, 3, 19), dt.date(2026, 4, 15)),
    ("Varannan vecka", dt.date(2026, 1, 1), None),
    (None, dt.date(2026, 1, 1), None),
])
def test_next_regular_date(times, today, expected):
    assert next_regular_date(times, today) == expected


MEETINGS = {
    f"meetings/2020-0{month}-0{day}-styrgruppen.md": meeting_file(
        "Text.\n", attendees, date=f"2020-0{month}-0{day}", extra="note_taker: Leif Redestig\n")
    for month, day, attendees in [
        (1, 6, ["Leif Redestig", "name: Ann Abrahamsson\n    affiliation: 'Ria: gruppen #1'", "Eva Ek"]),
        (2, 3, ["Leif Redestig", "Ann Abrahamsson"]),
        (3, 2, ["Leif Redestig", "name: Ann Abrahamsson\n    affiliation: Ria", "Eva Berg"]),
    ]
}


def test_new_meeting_is_prefilled_and_builds(site, capsys):
    content = site(MEETINGS)
    assert main(["new", "meeting", "--group", "styrgruppen", "--date", "2020-04-06", "--content", str(content)]) == 0
    assert "Skapade" in capsys.readouterr().out
    text = (content / "meetings" / "2020-04-06-styrgruppen.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Styrgruppen 6 april 2020\ndate: 2020-04-06\ngroup: styrgruppen\n"
                           "note_taker: Leif Redestig\n")
    # Regular attendees (at least half of the recent meetings), with their latest affiliation; Eva Ek came once.
    assert "attendees:\n  - Leif Redestig\n  - name: Ann Abrahamsson\n    affiliation: Ria\n" in text
    assert "Eva" not in text
    assert "draft: true\n---\n\n## Första punkten\n" in text
    meeting = build(content, include_drafts=True).library.meetings["2020-04-06-styrgruppen"]
    assert [a.person.slug for a in meeting.attendees] == ["leif-redestig", "ann-abrahamsson"]


def test_values_that_need_quotes_are_quoted(site):
    content = site({"meetings/2020-02-03-styrgruppen.md": meeting_file(
        "T.\n", ["name: Ann Abrahamsson\n    affiliation: 'Ria: gruppen #1'", "Leif Redestig"], date="2020-02-03")})
    assert main(["new", "meeting", "--group", "Styrgruppen", "--date", "2020-03-02", "--content", str(content)]) == 0
    text = (content / "meetings" / "2020-03-02-styrgruppen.md").read_text(encoding="utf-8")
    assert '    affiliation: "Ria: gruppen #1"\n' in text
    meeting = build(content, include_drafts=True).library.meetings["2020-03-02-styrgruppen"]
    assert meeting.attendees[0].affiliation == "Ria: gruppen #1"


def test_new_refuses_to_overwrite(site, capsys):
    content = site(MEETINGS)
    path = content / "meetings" / "2020-02-03-styrgruppen.md"
    before = path.read_bytes()
    assert main(["new", "meeting", "--group", "styrgruppen", "--date", "2020-02-03", "--content", str(content)]) == 1
    assert "filen finns redan" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_new_with_unknown_group_fails(site, capsys):
    content = site(MEETINGS)
    assert main(["new", "meeting", "--group", "okänd", "--content", str(content)]) == 1
    assert "okänd grupp 'okänd' – kända grupper: styrgruppen" in capsys.readouterr().err


def test_default_date_is_the_groups_next_regular_meeting(site):
    from site_gen.library import build_library
    from site_gen.load import load_records
    from site_gen.new import create_meeting_file

    content = site(MEETINGS)  # styrgruppen meets "Första måndagen i månaden"
    library = build_library(load_records(content))
    path = create_meeting_file(content, library, "styrgruppen", None, today=dt.date(2026, 11, 22))
    assert path == content / "meetings" / "2026-12-07-styrgruppen.md"
