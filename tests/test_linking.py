"""The linking rules, one fixture case each (tests/fixtures/linking.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen.library import build_library
from site_gen.load import load_records
from site_gen.markdown import render_tokens

from .conftest import meeting_file

FIXTURES = Path(__file__).parent / "fixtures" / "linking.txt"


def read_cases(path: Path) -> list[tuple[int, str, list[str], str, str]]:
    """Cases of five '.'-separated parts: title, attendees, Markdown, expected HTML."""
    cases, lines, number = [], path.read_text(encoding="utf-8").split("\n"), 0
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        start, parts, current = number + 1, [], [lines[number]]
        number += 1
        while len(parts) < 4:
            if lines[number] == ".":
                parts.append("\n".join(current))
                current = []
            else:
                current.append(lines[number])
            number += 1
        title, attendees, markdown, html = parts
        names = [n.strip() for n in attendees.removeprefix("attendees:").split(";")]
        cases.append((start, title, names, markdown + "\n", html + "\n"))
    return cases


CASES = read_cases(FIXTURES)


@pytest.mark.parametrize(("line", "title", "attendees", "markdown", "expected"), CASES, ids=[c[1] for c in CASES])
def test_linking_rule(site, line, title, attendees, markdown, expected):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file(markdown, attendees)})
    library = build_library(load_records(content))
    meeting = library.meetings["2020-01-13-styrgruppen"]
    assert render_tokens(meeting.body_tokens, None) == expected, f"{FIXTURES.name}:{line}: {title}"


def test_fixture_file_has_all_cases():
    # Guards the parser: a broken separator would silently merge cases.
    assert len(CASES) == 19


def test_mentions_are_recorded_per_item(site):
    body = """
        Inledning med Eva Ek.

        ## Fritidsbank

        Leif och Ria tar fram ett avtal.

        ## [[bostad-forst|Boende]]

        Ingen nämns här.
        """
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file(body, ["Leif Redestig"])})
    library = build_library(load_records(content))
    meeting = library.meetings["2020-01-13-styrgruppen"]
    first, second = meeting.items
    assert (first.title, first.projects, first.people, first.organizations) == (
        "Fritidsbank", ("fritidsbanken",), ("leif-redestig",), ("ria",))
    assert (second.title, second.projects, second.people) == ("Boende", ("bostad-forst",), ())
    assert meeting.mentioned_people == ("eva-ek", "leif-redestig")
    assert library.meetings_mentioned["eva-ek"] == ("2020-01-13-styrgruppen",)
    assert "leif-redestig" not in library.meetings_mentioned  # attended, so not "mentioned without attending"
    assert library.meetings_by_project["bostad-forst"] == ("2020-01-13-styrgruppen",)


def test_anchors_are_unique_and_stable(site):
    body = "## Övrigt\n\nA\n\n## Övrigt\n\nB\n\n## Närvarande\n\nC\n\n## !!!\n\nD\n"
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file(body)})
    meeting = build_library(load_records(content)).meetings["2020-01-13-styrgruppen"]
    # "narvarande" is taken by the page's attendee heading; an empty slug gets a number.
    assert [i.anchor for i in meeting.items] == ["ovrigt", "ovrigt-2", "narvarande-2", "punkt-4"]
