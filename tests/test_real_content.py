"""The real record: content/ built, checked against facts from the minutes and the original texts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import frontmatter
import pytest

from site_gen.privacy import initials

from .conftest import REPO, TextExtractor
from .test_build_site import assert_links_resolve

SEEDS = sorted((REPO / "tests" / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def data(real_site: Path) -> dict:
    return json.loads((real_site / "data" / "site.json").read_text(encoding="utf-8"))


def by_slug(entries: list[dict]) -> dict[str, dict]:
    return {e["slug"]: e for e in entries}


def page_text(real_site: Path, url: str) -> str:
    return TextExtractor.text((real_site / url.strip("/") / "index.html").read_text(encoding="utf-8"))


def test_five_meetings_with_their_dates_and_groups(data):
    assert [(m["date"], m["group"]) for m in data["meetings"]] == [
        ("2016-02-08", "gemensam-utvecklingsgrupp"),
        ("2017-05-18", "ledningsgrupp-for-utveckling"),
        ("2017-05-29", "gemensam-utvecklingsgrupp"),
        ("2017-09-07", "ledningsgrupp-for-utveckling"),
        ("2018-03-08", "ledningsgrupp-for-utveckling"),
    ]


def test_who_attended_2016_02_08(data):
    meeting = by_slug(data["meetings"])["2016-02-08-gemensam-utvecklingsgrupp"]
    # Service users are published with initials (visibility: initials), without a slug.
    assert [(a["person"] or a["shown_as"], a["affiliation"]) for a in meeting["attendees"]] == [
        ("david-bergstrom", "socialförvaltningen"),
        ("A. H.", "brukarmentor"),
        ("niclas-wenkel", "Bryggan"),
        ("leif-redestig", "socialförvaltningen"),
        ("catrin-albrektsson", "Ria"),
        ("B. N.", None),
        ("ake-malmen", "socialförvaltningen"),
        ("johan-larsson", "Bryggan"),
    ]
    assert meeting["note_taker"] == "david-bergstrom"


def test_which_meetings_discussed_fritidsbanken(data, real_site):
    assert by_slug(data["projects"])["fritidsbanken"]["meetings"] == [
        "2016-02-08-gemensam-utvecklingsgrupp", "2017-09-07-ledningsgrupp-for-utveckling",
    ]
    html = (real_site / "projekt" / "fritidsbanken" / "index.html").read_text(encoding="utf-8")
    # The timeline deep-links every agenda item that mentions it, including the follow-up list.
    for anchor in ("2016-02-08-gemensam-utvecklingsgrupp/#fritidsbank",
                   "2016-02-08-gemensam-utvecklingsgrupp/#folja-upp-vara-arbetsgrupper-till-varen",
                   "2017-09-07-ledningsgrupp-for-utveckling/#fritidsbank"):
        assert f'href="../../moten/{anchor}"' in html


def test_first_names_resolve_to_the_single_attendee(data):
    meetings = by_slug(data["meetings"])

    def people_of(meeting: str, title: str) -> list[str]:
        return next(i["people"] for i in meetings[meeting]["items"] if i["title"] == title)

    assert "leif-redestig" in people_of("2016-02-08-gemensam-utvecklingsgrupp", "Fritidsbank")
    assert people_of("2016-02-08-gemensam-utvecklingsgrupp", "Sip-gruppen") == ["ake-malmen"]
    assert "samir-kafedzic" in people_of("2017-09-07-ledningsgrupp-for-utveckling", "Fritidsbank")
    # "Ann kallar till ett möte": Ann Abrahamsson, never Anne Eskilsson, who also attended.
    assert people_of("2017-05-18-ledningsgrupp-for-utveckling", "Kommunikation på arbetsmarknadsförvaltningen") == [
        "ann-abrahamsson"]
    assert "maria-berglund" in people_of("2017-05-29-gemensam-utvecklingsgrupp", "Övrigt")
    assert "gosta-strand" in people_of("2018-03-08-ledningsgrupp-for-utveckling", "Utvecklingsarbete som insats")
    # "Eva och Göran presenterade Källaren": nobody attending has those names.
    assert people_of("2018-03-08-ledningsgrupp-for-utveckling", "Källaren, G8 och G7") == []


def test_people_mentioned_without_attending(data):
    people = by_slug(data["people"])
    assert people["palle-lundberg"]["mentioned_in"] == ["2017-05-18-ledningsgrupp-for-utveckling"]
    assert people["palle-lundberg"]["meetings"] == []
    assert people["kalle-pettersson"]["mentioned_in"] == ["2017-09-07-ledningsgrupp-for-utveckling"]
    assert people["johanna-callegari"]["mentioned_in"] == ["2016-02-08-gemensam-utvecklingsgrupp"]
    assert people["therese-jarland"]["mentioned_in"] == ["2017-05-29-gemensam-utvecklingsgrupp"]
    assert "allan-hedman" not in people  # visibility: initials


def test_every_public_person_named_in_full_has_a_page(data):
    names = {p["name"] for p in data["people"]}
    for name in ("Palle Lundberg", "Arne Kristiansen", "Kalle Pettersson", "Therese Jarland",
                 "Johanna Callegari", "Joakim Uppsäll-Sjögren", "Åke Malmén"):
        assert name in names
    assert "Ann-Kristin Sörensen" not in names  # visibility: initials


def test_organisations_represented_at_meetings(data):
    organizations = by_slug(data["organizations"])
    assert organizations["fontanhuset"]["people"] == []  # both representatives are published with initials
    assert "catrin-albrektsson" in organizations["ria-hela-manniskan"]["people"]  # "Ria" is an alias
    assert "maria-berglund" in organizations["ria-hela-manniskan"]["people"]  # "Ria/Hela människan" too


def test_people_index_is_in_swedish_order(real_site):
    text = page_text(real_site, "/personer/")
    letters = re.findall(r"(?<= )[A-ZÅÄÖ](?= [A-ZÅÄÖ][a-zåäöé])", text)
    assert letters == sorted(set(letters), key=lambda c: "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ".index(c))
    assert text.index("Ann Abrahamsson") < text.index("Anne Eskilsson") < text.index("Leif Redestig")
    assert text.index("Jörgen Wahlström") < text.index("Niclas Wenkel")


def withhold(text: str) -> str:
    """The seed as published: the names of people who are not public replaced by their initials."""
    for path in (REPO / "content" / "people").glob("*.md"):
        person = frontmatter.load(path)
        if person.get("visibility") == "initials":
            text = text.replace(person["name"], initials(person["name"]))
    return text


def test_withheld_people_appear_nowhere(real_site):
    """Their full names and their slugs (file names) are in no byte of the output."""
    withheld = {path.stem: frontmatter.load(path) for path in (REPO / "content" / "people").glob("*.md")}
    withheld = {slug: p for slug, p in withheld.items() if p.get("visibility", "public") != "public"}
    assert len(withheld) >= 10
    for path in real_site.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            for slug, person in withheld.items():
                assert person["name"] not in text and slug not in text, (person["name"], path)


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_every_line_of_the_original_minutes_is_published_in_order(real_site, seed):
    """Nothing lost, nothing reworded: each line of the original appears, in order, on the meeting page."""
    html = (real_site / "moten" / seed.stem / "index.html").read_text(encoding="utf-8")
    main = html[html.index("<main"):html.index("</main>")]
    attendees = TextExtractor.text(main[main.index('<ul class="attendees">'):main.index("</ul>", main.index('class="attendees"'))])
    body = TextExtractor.text(main[main.index('<div class="prose" id="protokoll">'):])
    seed_text = withhold(seed.read_text("utf-8"))
    lines = [" ".join(line.replace("**", "").removeprefix("- ").split()) for line in seed_text.splitlines()]
    title, attendee_heading, *rest = [line for line in lines if line]
    assert f"<h1>{title}</h1>" in main
    assert attendee_heading == "Närvarande" and '<h2 id="narvarande">Närvarande</h2>' in main
    position = 0
    for line in rest:
        if line in attendees:
            continue  # an attendee line: the attendee list shows it ("Name, affiliation (antecknar)")
        found = body.find(line, position)
        assert found >= 0, f"{seed.name}: missing or out of order: {line!r}"
        position = found + len(line)


def test_all_links_of_the_real_site_resolve(real_site):
    assert assert_links_resolve(real_site) > 500
