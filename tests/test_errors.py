"""Bad content: every problem reported as `path:line: message`, exit 1, nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from site_gen.cli import main
from site_gen.errors import BuildFailed

from .conftest import build, meeting_file, write_files

MEETING = "meetings/2020-01-13-styrgruppen.md"


def errors_of(content: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failure:
        build(content)
    return [str(e) for e in failure.value.errors]


def only_error(content: Path) -> str:
    errors = errors_of(content)
    assert len(errors) == 1, errors
    return errors[0]


def shown(content: Path, relative: str) -> str:
    """How messages name a file: relative to the working directory when possible."""
    path = (content / relative).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nattendees: [Leif Redestig\n---\n", 5, "ogiltig YAML"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\ndate: 2020-01-14\n---\n", 4, "finns två gånger (första gången på rad 2)"),
    ("---\ndate: 2020-02-30\ngroup: styrgruppen\n---\n", 2, "datumet 2020-02-30 finns inte"),
    ("---\ndate: 13/1 2020\ngroup: styrgruppen\n---\n", 2, "ÅÅÅÅ-MM-DD"),
    ("---\ngroup: styrgruppen\n---\n", 2, "fältet 'date' saknas"),
    ("---\ndate: 2020-01-13\ngroup: styrgrupen\n---\n", 3, "okänd grupp 'styrgrupen'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\natendees: [Leif Redestig]\n---\n", 4, "menade du 'attendees'?"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\ntitle: no\n---\n", 4, 'skriv det inom citattecken, title: "no"'),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\ndraft: yes\n---\n", 4, "'draft' ska vara true eller false, inte yes"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\ndraft: true\n---\n\n[[Okänd]]\n", 7, "[[Okänd]] pekar inte på"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\n", 1, "front matter avslutas aldrig"),
    ("date: 2020-01-13\n", 1, "måste börja med en rad '---'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nx: !!python/object/apply:os.system [ls]\n---\n", 4, "!!python stöds inte"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\n---\n\n# Rubrik\n", 6, "börjar med ##"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\n---\n\nText.\n\nMer om [[Okänd Person]] här.\n", 8, "[[Okänd Person]] pekar inte på"),
    # next_meeting: the next meeting as the minutes announce it
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting: 2020-02-03\n---\n", 4,
     "'next_meeting' ska ha sina fält indragna på egna rader under 'next_meeting:'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  time: \"13:30\"\n---\n", 5,
     "fältet 'next_meeting.date' saknas – lägg till 'date: …' under 'next_meeting:'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-02-30\n---\n", 5,
     "datumet 2020-02-30 finns inte"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 3 februari\n---\n", 5,
     "'next_meeting.date' ska vara ett datum som ÅÅÅÅ-MM-DD, inte '3 februari'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-01-13\n---\n", 5,
     "nästa möte (2020-01-13) ska vara efter det här mötet (2020-01-13)"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-02-03\n  time: \"25:00\"\n---\n", 6,
     "'next_meeting.time' ska vara ett klockslag som TT:MM, till exempel time: \"13:30\", inte '25:00'"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-02-03\n  time: 13.30\n---\n", 6,
     "'next_meeting.time' ska vara ett klockslag som TT:MM, till exempel time: \"13:30\", inte 13.3"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-02-03\n  plats: Bredgatan\n---\n", 6,
     "okänt fält 'next_meeting.plats' – menade du 'place'?"),
    ("---\ndate: 2020-01-13\ngroup: styrgruppen\nnext_meeting:\n  date: 2020-02-03\n  place: [a, b]\n---\n", 6,
     "'next_meeting.place' ska vara en text"),
])
def test_meeting_problem_is_reported_with_its_line(site, text, line, words):
    content = site({MEETING: text})
    error = only_error(content)
    assert error.startswith(f"{shown(content, MEETING)}:{line}: "), error
    assert words in error


@pytest.mark.parametrize(("name", "ok"), [
    ("2020-01-13-styrgruppen", True), ("2020-01-13-styrgruppen-2", True), ("2020-01-13 Styrgruppen", True),
    ("2020-01-14-styrgruppen", False), ("2020-01-13-styrgruppenx", False), ("2020-01-13-styrgruppen-1", False),
    ("protokoll", False),
])
def test_meeting_file_name_is_date_and_group(site, name, ok):
    content = site({f"meetings/{name}.md": meeting_file("Text.\n")})
    if ok:
        assert len(build(content).library.meetings) == 1
    else:
        assert only_error(content).endswith("filnamnet ska vara datum och grupp: byt namn till '2020-01-13-styrgruppen.md'")


def test_unknown_attendee_points_at_its_line(site):
    text = meeting_file("Text.\n", ["Leif Redestig", "Okänd Okändsson", "Ann Abrahamsson"])
    content = site({MEETING: text})
    error = only_error(content)
    assert error == (
        f"{shown(content, MEETING)}:6: okänd person 'Okänd Okändsson' – rätta stavningen "
        "eller skapa content/people/okand-okandsson.md"
    )


def test_every_unreadable_file_is_reported(site):
    # Files that cannot be read are all reported together; references are checked
    # once every file reads (a broken person file would make its name "unknown").
    content = site({
        MEETING: meeting_file("[[Ingen]]\n", ["Nobody Known"]),
        "meetings/2020-02-03-styrgruppen.md": "---\ndate: 2020-02-30\ngroup: styrgruppen\n---\n",
        "people/trasig.md": "---\nname: [\n---\n",
    })
    errors = errors_of(content)
    assert [e.split(": ")[0] for e in errors] == [
        f"{shown(content, 'meetings/2020-02-03-styrgruppen.md')}:2",
        f"{shown(content, 'people/trasig.md')}:3",
    ], errors


def test_reference_problems_are_all_reported(site):
    content = site({MEETING: meeting_file("[[Ingen]]\n", ["Nobody Known"], extra="note_taker: Ingen Alls\n")})
    errors = errors_of(content)
    assert [e.split(": ", 1)[0].rsplit(":", 1)[1] for e in errors] == ["5", "6", "8"], errors


def test_two_files_claiming_one_url_name_both(site):
    content = site({"projects/Fritidsbanken.md": "---\nname: Fritidsbanken 2\naliases: [FB]\n---\n"})
    error = only_error(content)
    assert "projects/fritidsbanken.md" in error and "projects/Fritidsbanken.md" in error
    assert "samma adress" in error


def test_a_name_may_mean_only_one_thing(site):
    content = site({"organizations/fritid.md": "---\nname: Fritid\naliases: [fritidsbank]\n---\n"})
    error = only_error(content)
    assert error.startswith(f"{shown(content, 'organizations/fritid.md')}:3: namnet 'fritidsbank' används redan")


def test_utf8_bom_and_crlf_are_accepted(site):
    text = "\ufeff" + meeting_file("## Punkt\r\n\r\nLeif kommer.\r\n").replace("\n", "\r\n")
    content = site({MEETING: text})
    report = build(content)
    assert report.library.meetings["2020-01-13-styrgruppen"].items[0].people == ("leif-redestig",)


def test_a_file_not_in_utf8_is_named_with_the_line_of_its_first_foreign_character(site):
    text = meeting_file("## Punkt\n\nLeif kommer.\n\nMötet avslutas.\n")
    content = site({MEETING: text})
    (content / MEETING).write_bytes(text.encode("cp1252"))  # as an editor set to Windows-1252 saves it
    assert only_error(content) == f"{shown(content, MEETING)}:11: filen är inte UTF-8 – spara den som UTF-8 i redigeraren"


def test_line_ends_of_every_kind_read_as_text_mode_reads_them(site):
    body = "## Punkt\r\rLeif kommer.\r\n\r\n## Övrigt\n\nInget."
    content = site({MEETING: meeting_file(body).replace("\n", "\r", 3)})
    report = build(content)
    assert [item.title for item in report.library.meetings["2020-01-13-styrgruppen"].items] == ["Punkt", "Övrigt"]
    assert report.library.meetings["2020-01-13-styrgruppen"].items[0].people == ("leif-redestig",)


def test_template_syntax_error_names_template_and_line(site, tmp_path):
    templates = tmp_path / "templates"
    write_files(templates, {"base.html": "<html>\n{% block main %}\n</html>\n"})
    for name in ("home", "meetings", "meeting", "people", "person", "projects", "project",
                 "groups", "group", "organizations", "organization"):
        write_files(templates, {f"{name}.html": '{% extends "base.html" %}'})
    content = site()
    with pytest.raises(BuildFailed) as failure:
        build(content, templates_dir=templates)
    (error,) = failure.value.errors
    assert str(error).endswith("base.html:3: fel i mallen: Unexpected end of template. Jinja was looking for the "
                               "following tags: 'endblock'. The innermost block that needs to be closed is 'block'.")


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_cli_failure_exits_1_and_leaves_previous_output_untouched(site, capsys):
    content = site({MEETING: meeting_file("## Punkt\n\nText.\n")})
    output = content.parent / "public"
    assert main(["--content", str(content), "--output", str(output)]) == 0
    assert "Byggde" in capsys.readouterr().out
    before = tree_digest(output)

    (content / MEETING).write_text("---\ndate: 2020-13-01\ngroup: styrgruppen\n---\n", encoding="utf-8")
    assert main(["build", "--content", str(content), "--output", str(output)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{shown(content, MEETING)}:2: datumet 2020-13-01 finns inte – kontrollera månad och dag"
    assert err[-1] == "Bygget avbröts: 1 problem att rätta. Inget skrevs."
    assert tree_digest(output) == before
    # no staging left behind (the record of the last build is in .cache, see site_gen/uptodate.py)
    assert sorted(p.name for p in output.parent.iterdir() if p.name != ".cache") == ["content", "public"]


@pytest.mark.parametrize("where", ["content", "content/public", "."])
def test_output_may_not_overlap_content(site, where):
    content = site()
    error = only_error_of_build(content, content.parent / where)
    assert "utdatakatalogen får inte" in error


def test_existing_foreign_directory_is_never_replaced(site):
    content = site()
    foreign = content.parent / "documents"
    write_files(foreign, {"important.txt": "keep me"})
    error = only_error_of_build(content, foreign)
    assert "inte skapad av site-gen" in error
    assert (foreign / "important.txt").read_text() == "keep me"


def only_error_of_build(content: Path, output: Path) -> str:
    with pytest.raises(BuildFailed) as failure:
        build(content, output)
    (error,) = failure.value.errors
    return str(error)
