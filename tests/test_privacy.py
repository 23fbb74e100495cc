"""Privacy levels: people who are not public never appear by name, and the build proves it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from site_gen.errors import BuildFailed
from site_gen.pipeline import BuildOptions, Site
from site_gen.privacy import find_identity_numbers, initials

from .conftest import REPO, TextExtractor, build, meeting_file

WITHHELD_TERMS = ("bengt", "nilsson")
"""Every spelling of Bengt Nilsson's name and slug contains one of these (casefolded)."""

PEOPLE = {
    "people/bengt-nilsson.md": "---\nname: Bengt Nilsson\naliases: [Bengt N]\nvisibility: initials\n---\n",
    "organizations/rsmh.md": "---\nname: RSMH\n---\nFöreningen där Bengt Nilsson är ordförande.\n",
    "projects/fritidsbanken.md": "---\nname: Fritidsbanken\nstatus: active\npeople: [Bengt Nilsson, Leif Redestig]\n---\nLånar ut.\n",
}

MINUTES = """
## Bengt Nilssons förslag

Bengt berättade om Fritidsbanken. Leif och [[Bengt Nilsson]] ska ses. Bengts idé, och Bengt N håller med.

## Övrigt

[Bengt Nilsson skrev](https://example.org/) något; Leif Redestig svarade.
"""


def site_with(site, visibility: str = "initials", body: str = MINUTES, extra: dict[str, str] | None = None) -> Path:
    people = {**PEOPLE, "people/bengt-nilsson.md": PEOPLE["people/bengt-nilsson.md"].replace("initials", visibility)}
    attendees = ["Leif Redestig", "{name: Bengt Nilsson, affiliation: RSMH}"]
    return site({**people, "meetings/2020-01-13-styrgruppen.md": meeting_file(body, attendees), **(extra or {})})


def every_file(output: Path) -> dict[str, str]:
    return {p.relative_to(output).as_posix(): p.read_bytes().decode("utf-8", "replace").casefold()
            for p in output.rglob("*") if p.is_file()}


def assert_nowhere(output: Path, terms=WITHHELD_TERMS) -> None:
    for path, text in every_file(output).items():
        for term in terms:
            assert term not in text, f"{term!r} in {path}"
        assert "bengt" not in path


def test_initials_replace_the_name_everywhere(site):
    content = site_with(site)
    output = content.parent / "public"
    build(content)
    assert_nowhere(output)
    page = TextExtractor.text((output / "moten/2020-01-13-styrgruppen/index.html").read_text(encoding="utf-8"))
    assert "B. N.:s förslag" in page  # the heading, in the genitive
    assert "B. N. berättade om Fritidsbanken. Leif och B. N. ska ses. B. N.:s idé, och B. N. håller med." in page
    assert "B. N. , RSMH" in page or "B. N., RSMH" in page  # the attendee list, with the affiliation
    assert "B. N. skrev" in page  # the text of an editor's own link
    assert not (output / "personer" / "bengt-nilsson").exists()
    # Organisation and project descriptions and lists.
    assert "ordförande" in every_file(output)["organisationer/rsmh/index.html"]
    assert "b. n. är ordförande" in every_file(output)["organisationer/rsmh/index.html"]


def test_initials_in_the_data_file(site):
    content = site_with(site)
    build(content)
    data = json.loads((content.parent / "public/data/site.json").read_text(encoding="utf-8"))
    meeting = data["meetings"][0]
    assert meeting["attendees"][1] == {"person": None, "shown_as": "B. N.", "affiliation": "RSMH"}
    assert all(p["slug"] != "bengt-nilsson" for p in data["people"])
    assert all("bengt-nilsson" not in item["people"] for item in meeting["items"])
    assert data["meetings"][0]["items"][0]["title"] == "B. N.:s förslag"


def test_hidden_shows_a_phrase_from_the_affiliation(site):
    content = site_with(site, "hidden")
    output = content.parent / "public"
    build(content)
    assert_nowhere(output, (*WITHHELD_TERMS, "b. n."))
    page = TextExtractor.text((output / "moten/2020-01-13-styrgruppen/index.html").read_text(encoding="utf-8"))
    assert "En representant för RSMH" in page  # attendee list, capitalised
    assert "en representant för RSMH berättade om Fritidsbanken" in page
    # Outside the meeting (the organisation's description) there is no affiliation to name.
    assert "en person är ordförande" in every_file(output)["organisationer/rsmh/index.html"]


def test_hidden_attendee_without_organisation_is_a_participant(site):
    people = {**PEOPLE, "people/bengt-nilsson.md": "---\nname: Bengt Nilsson\nvisibility: hidden\n---\n"}
    content = site({**people, "meetings/2020-01-13-styrgruppen.md": meeting_file(
        "## Punkt\n\nBengt tackade.\n", ["Leif Redestig", "{name: Bengt Nilsson, affiliation: brukarmentor}"])})
    build(content)
    page = TextExtractor.text((content.parent / "public/moten/2020-01-13-styrgruppen/index.html").read_text("utf-8"))
    assert "en deltagare tackade" in page
    assert "brukarmentor" not in page  # a free-text affiliation could identify them


def test_non_public_people_are_not_in_lists(site):
    content = site_with(site)
    output = content.parent / "public"
    build(content)
    for page in ("personer/index.html", "grupper/styrgruppen/index.html"):
        text = every_file(output)[page]
        assert "b. n." not in text and "nilsson" not in text, page
    project = TextExtractor.text((output / "projekt/fritidsbanken/index.html").read_text("utf-8"))
    assert "Personer Leif Redestig" in project  # the project's people: B. N. (named in front matter) is not listed


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


@pytest.mark.parametrize("body, marker", [
    ("## Punkt\n\nKoden `Bengt Nilsson` står kvar.\n", "Koden"),
    ("## Punkt\n\n    Bengt i ett kodblock\n", "kodblock"),
    ("## Punkt\n\nText [[!Bengt]] utan länk.\n", "[[!Bengt]]"),
    ("## Punkt\n\nSe [här](https://example.org/bengt-nilsson).\n", "example.org"),
])
def test_a_name_no_replacement_reaches_fails_the_build_at_its_line(site, body, marker):
    content = site_with(site, body=body)
    output = content.parent / "public"
    with pytest.raises(BuildFailed) as failure:
        build(content)
    meeting = content / "meetings/2020-01-13-styrgruppen.md"
    expected = f"2020-01-13-styrgruppen.md:{line_of(meeting, marker)}: "
    shown = [str(e) for e in failure.value.errors]
    assert any(expected in e and "visibility" in e for e in shown), shown
    assert not output.exists()


def test_the_output_scan_catches_what_the_model_missed(site, tmp_path):
    """The last line of defence, tested on its own: a template that prints the name."""
    content = site_with(site)
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "Tack BENGT NILSSON!</footer>"), "utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(content, templates_dir=templates)
    messages = [str(e) for e in failure.value.errors]
    assert any("bengt-nilsson.md:4:" in m and "BENGT NILSSON" in m for m in messages), messages


def test_the_output_scan_finds_the_content_line(site):
    """A name in a field nothing replaces (a meeting title) is placed at its line."""
    content = site_with(site, extra={})
    meeting = content / "meetings/2020-01-13-styrgruppen.md"
    meeting.write_text(meeting.read_text("utf-8").replace("group: styrgruppen\n", "group: styrgruppen\ntitle: Möte hos Bengt Nilsson\n"), "utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(content)
    messages = [str(e) for e in failure.value.errors]
    line = line_of(meeting, "title:")
    assert any(f"2020-01-13-styrgruppen.md:{line}:" in m and "Bengt Nilsson" in m for m in messages), messages


def test_a_first_name_resolved_to_them_is_caught_on_the_page(site, tmp_path):
    content = site_with(site, body="## Punkt\n\nInget namn här.\n")
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    meeting_template = templates / "meeting.html"
    meeting_template.write_text(meeting_template.read_text("utf-8").replace("</article>", "Hej Bengt</article>"), "utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(content, templates_dir=templates)
    assert any("'Bengt'" in str(e) for e in failure.value.errors)


def test_a_first_name_shared_with_a_public_full_name_is_allowed(site):
    """'Bengt' in 'Bengt Ek' (public) is not Bengt Nilsson's first name leaking."""
    extra = {"people/bengt-ek.md": "---\nname: Bengt Ek\n---\n"}
    content = site_with(site, body="## Punkt\n\nBengt Ek och Bengt pratade.\n", extra=extra)
    build(content)
    page = TextExtractor.text((content.parent / "public/moten/2020-01-13-styrgruppen/index.html").read_text("utf-8"))
    assert "Bengt Ek och B. N. pratade." in page


def test_changing_visibility_removes_the_page_in_serve(site, tmp_path):
    content = site_with(site, "public")
    output = tmp_path / "served"
    served = Site(BuildOptions(content_dir=content, output_dir=output))
    served.build()
    assert (output / "personer/bengt-nilsson/index.html").exists()
    person = content / "people/bengt-nilsson.md"
    person.write_text(person.read_text("utf-8").replace("public", "hidden"), "utf-8")
    served.forget([person])
    served.build(in_place=True)
    assert not (output / "personer/bengt-nilsson").exists()
    assert_nowhere(output)


def test_unknown_visibility_is_an_error(site):
    content = site({"people/bengt-nilsson.md": "---\nname: Bengt Nilsson\nvisibility: secret\n---\n"})
    with pytest.raises(BuildFailed) as failure:
        build(content)
    assert "bengt-nilsson.md:3: 'visibility' kan inte vara 'secret' – använd en av: public, initials, hidden" in str(failure.value)


def test_a_link_to_a_withheld_persons_page_is_a_broken_link(site):
    content = site_with(site, body="## Punkt\n\nSe [sidan](/personer/bengt-nilsson/).\n")
    with pytest.raises(BuildFailed) as failure:
        build(content)
    assert "pekar på en sida som inte finns" in str(failure.value)


def test_initials():
    assert initials("Bengt Nilsson") == "B. N."
    assert initials("Ann-Kristin Sörensen") == "A.-K. S."
    assert initials("Åke von Malmén") == "Å. v. M."


@pytest.mark.parametrize("text", [
    "Född 121212-1212 i Lund",      # YYMMDD-NNNN
    "pnr 19121212-1212",            # YYYYMMDD-NNNN
    "nummer 191212121212.",         # YYYYMMDDNNNN, valid check digit
    "1212121212",                   # YYMMDDNNNN, valid check digit
    "samordningsnummer 701063-2391",  # day + 60
    "över hundra: 121212+1212",     # '+' for people over 100
])
def test_identity_numbers_are_found(text):
    assert list(find_identity_numbers(f"rad ett\n{text}\n")) == [2]


@pytest.mark.parametrize("text", [
    "Mötet 2017-05-29 klockan 13:30",
    "telefon 042-10 50 00",
    "1212121213",          # wrong check digit and no separator
    "991399-1234",         # month 13
    "ärende 20171234-5678",  # not a date
])
def test_other_numbers_are_not_identity_numbers(text):
    assert list(find_identity_numbers(text)) == []


def test_an_identity_number_in_content_stops_the_build(site):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("## Punkt\n\nBrukaren 121212-1212 kom.\n")})
    with pytest.raises(BuildFailed) as failure:
        build(content)
    line = line_of(content / "meetings/2020-01-13-styrgruppen.md", "121212-1212")
    assert f"2020-01-13-styrgruppen.md:{line}: ett personnummer" in str(failure.value)


def test_a_first_name_shared_with_a_withheld_attendee_is_an_error(site):
    """'Bengt' with two Bengts present could be the withheld one: it must not be left as it is."""
    extra = {"people/bengt-ek.md": "---\nname: Bengt Ek\n---\n"}
    people = {**PEOPLE, **extra}
    body = "## Punkt\n\nBengt tackade.\n"
    content = site({**people, "meetings/2020-01-13-styrgruppen.md": meeting_file(
        body, ["Bengt Ek", "{name: Bengt Nilsson, affiliation: RSMH}"])})
    with pytest.raises(BuildFailed) as failure:
        build(content)
    line = line_of(content / "meetings/2020-01-13-styrgruppen.md", "Bengt tackade")
    assert f"2020-01-13-styrgruppen.md:{line}: förnamnet 'Bengt' kan syfta på en deltagare som inte visas" in str(failure.value)
