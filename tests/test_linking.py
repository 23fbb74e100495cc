"""The linking rules, one fixture case each (tests/fixtures/linking.txt)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from site_gen.library import build_library
from site_gen.linking import (
    _PLAIN, PERSON, PROJECT, FirstNames, NameIndex, NamePattern, TextNames, find_names, names_in_texts,
)
from site_gen.load import load_records
from site_gen.markdown import fill_links

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
    assert fill_links(meeting.body, None) == expected, f"{FIXTURES.name}:{line}: {title}"


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


PEOPLE_NAMES = ["Ann Abrahamsson", "Anna Berg", "Anna", "Annas Anna", "Åsa Öberg", "Hélène Ström-Ek", "Leif Redestig",
                "Ann-Kristin Ek", "Leifs Bil", "Per Sjö", "Per"]
OTHER_NAMES = ["Fritidsbanken", "Fritidsbank", "Vård- och omsorgsförvaltningen", "Ria – Hela människan", "Ria",
               "Polisen", "Socialförvaltningen", "Bostad först", "IT", "Kiosk", "Sjöstad 2.0", "Sis", "Åkeriet"]
FRAGMENTS = [*PEOPLE_NAMES, *OTHER_NAMES, *(n.upper() for n in OTHER_NAMES), *(n.lower() for n in PEOPLE_NAMES),
             "s", "S", "-", " ", " ", ", ", "x", "projektet", "\n", "é", "É", "ı", "ſ", "\u212a", "\u0130", "_", "2",
             "Ann", "Anne", "Leif", "Kı", "ſis", "\u212aiosk", "RİA", "ria", "Åke", "Polis", "banken"]


@pytest.mark.parametrize("others", [[n.casefold() for n in OTHER_NAMES], None], ids=["names", "first names"])
def test_name_pattern_finds_exactly_what_the_whole_alternation_finds(others):
    # The fast search tries the pattern only where a name's first word starts; it must find
    # what the plain alternation (the definition of the linking rules) finds, also for case
    # pairs only `re` knows (ı/i, ſ/s, the Kelvin sign), genitives and hyphens.
    pattern = NamePattern(PEOPLE_NAMES, "p", others=others)
    assert not pattern.exhaustive
    rng = random.Random(20261122)
    for _ in range(4000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 14)))
        fast = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert fast == [(m.span(), m.groupdict()) for m in pattern.whole.finditer(text)], repr(text)


def test_name_pattern_falls_back_to_the_whole_alternation_for_unusual_names():
    pattern = NamePattern(["Anna Berg"], "p", others=["ışık", "(kvarnen)"])
    assert pattern.exhaustive
    text = "Anna Berg och IŞIK, ışıks och (Kvarnen)."
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.whole.finditer(text)]


def test_plain_letters_pair_up_in_re_exactly_as_in_lower():
    # The fast search compares plain words by `str.lower()`; `re` must agree on those letters.
    letters = [chr(c) for c in range(0x250) if _PLAIN.fullmatch(chr(c))]
    for a in letters:
        matcher = re.compile(re.escape(a), re.IGNORECASE)
        assert [b for b in letters if matcher.fullmatch(b)] == [b for b in letters if b.lower() == a.lower()], a


def test_a_name_that_re_matches_but_casefold_does_not_still_links(site):
    # `re` pairs 'İ' with 'i' case-insensitively; casefold() makes 'İ' 'i̇'. The build crashed
    # with a KeyError on the organisation 'Ria' written 'RİA'.
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("## Punkt\n\nRİA var med.\n")})
    meeting = build_library(load_records(content)).meetings["2020-01-13-styrgruppen"]
    assert meeting.organizations == ("ria",)


def test_names_in_a_meetings_texts_are_those_found_text_by_text():
    # A meeting's texts are searched joined by a separator (one search, not one per text); each
    # text must get exactly what searching it alone finds: no name across two texts, the same
    # word boundaries at their ends (hyphens, genitives, case pairs), first names as well.
    index = NameIndex()
    for number, name in enumerate(PEOPLE_NAMES):
        index.add(PERSON, f"person-{number}", [name])
    for number, name in enumerate(OTHER_NAMES):
        index.add(PROJECT, f"project-{number}", [name])
    first_names = FirstNames([("Anna", "person-2"), ("Per", "person-9"), ("Leif", "person-6"), ("Ann", "person-0"),
                              ("Ann", "person-7")])
    across = [["Anna", "Berg"], ["Leif", "Redestig"], ["Annas", "Anna"], ["x-", "Anna"], ["Bostad", "först"],
              ["Per", "Sjö"], ["Per", ""], ["", "Per Sjö"], ["Ann", "Kristin Ek"], ["Ria", "s"], ["Ria", "-projektet"]]
    rng = random.Random(20261204)
    cases = [["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 8))]
             for _ in range(600)]
    for texts in [*across, *cases]:
        alone = [TextNames(find_names(text, index, first_names),
                           [(m.start(), m.group("f")) for m in index.known_first_names(text)]) for text in texts]
        assert names_in_texts(texts, index, first_names) == alone, repr(texts)
    assert names_in_texts([], index, first_names) == []
