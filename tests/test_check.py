"""`site-gen check`: errors and warnings with lines, --strict, nothing written."""

from __future__ import annotations

from site_gen.cli import main

from .conftest import meeting_file
from .test_errors import shown

MEETING = "meetings/2020-01-13-styrgruppen.md"


def test_warnings_pass_without_strict_and_fail_with_it(site, capsys):
    body = "Text.\n\nEva pratade med Leif.\n\nFritidsbanken växer.\n"
    content = site({MEETING: meeting_file(body, ["Eva Ek", "Eva Berg", "Leif Redestig"])})
    assert main(["check", "--content", str(content)]) == 0
    err = capsys.readouterr()
    assert "0 fel, 2 varningar" in err.out
    assert main(["check", "--strict", "--content", str(content)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"{shown(content, MEETING)}:11: varning: förnamnet 'Eva' länkas inte (två deltagare heter så) – "
        "skriv hela namnet, [[Förnamn Efternamn]] eller [[!Eva]]",
        f"{shown(content, 'projects/bostad-forst.md')}:2: varning: projektet 'Bostad först' nämns inte i något protokoll",
        f"{shown(content, '.')}: 0 fel, 2 varningar",
    ]
    assert not (content.parent / "public").exists()


def test_first_name_of_someone_absent_is_a_warning(site):
    from site_gen.check import check_content

    content = site({MEETING: meeting_file("Fritidsbanken och Bostad först. Ann ringde.\n", ["Leif Redestig"])})
    (warning,) = check_content(content)
    assert warning.warning and warning.line == 7 and "'Ann' länkas inte (ingen deltagare heter så)" in warning.message


def test_errors_fail_check_and_are_listed(site, capsys):
    content = site({MEETING: meeting_file("Text.\n", ["Okänd Person"])})
    assert main(["check", "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert f"{shown(content, MEETING)}:5: okänd person 'Okänd Person'" in err
    assert "1 fel" in err


def test_text_in_a_person_file_is_a_warning(site):
    from site_gen.check import check_content

    content = site({"people/leif-redestig.md": "---\nname: Leif Redestig\n---\nArbetar med fritid.\n"})
    warnings = [w for w in check_content(content) if "personfil" in w.message]
    assert [(w.line, w.warning) for w in warnings] == [(4, True)]


def test_broken_internal_links_are_errors(site):
    from site_gen.check import check_content

    body = ("[ok](/personer/eva-ek/) [ok](../../projekt/fritidsbanken/#x) [ok](../2020-01-13-styrgruppen/)\n\n"
            "[fel](/personer/nobody/) och [fel](../../projekt/saknas/)\n")
    content = site({MEETING: meeting_file(body)})
    errors = [e for e in check_content(content) if not e.warning]
    assert sorted((e.line, e.message.split(" pekar")[0]) for e in errors) == [
        (9, "länken ../../projekt/saknas/"), (9, "länken /personer/nobody/"),
    ]
