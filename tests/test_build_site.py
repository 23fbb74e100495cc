"""Small sites built end to end in a temporary directory."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_gen.errors import BuildFailed

from .conftest import LinkCollector, TextExtractor, build, meeting_file
from .test_errors import tree_digest

TWO_MEETINGS = {
    "meetings/2020-01-13-styrgruppen.md": meeting_file(
        "## Fritidsbank\n\nLeif och Ann Abrahamsson pratade om Fritidsbanken med Ria.\n",
        ["Leif Redestig", "name: Ann Abrahamsson\n    affiliation: Ria"],
        extra="title: Styrgruppen 13 januari\nnote_taker: Leif Redestig\n",
    ),
    "meetings/2020-02-03-styrgruppen.md": meeting_file(
        "## Boende\n\nBostad först växer. Eva Ek nämndes.\n", ["Leif Redestig"], date="2020-02-03",
    ),
}


def read(output: Path, url: str) -> str:
    return (output / url.lstrip("/") / "index.html").read_text(encoding="utf-8")


def test_every_page_type_is_written(site):
    content = site(TWO_MEETINGS)
    report = build(content)
    output = content.parent / "public"
    expected = [
        "/", "/moten/", "/personer/", "/projekt/", "/grupper/", "/organisationer/", "/sok/",
        "/moten/2020-01-13-styrgruppen/", "/personer/leif-redestig/", "/projekt/fritidsbanken/",
        "/grupper/styrgruppen/", "/organisationer/ria/", "/tillganglighet/",
    ]
    for url in expected:
        assert read(output, url).startswith('<!doctype html>\n<html lang="sv">'), url
    assert (output / "404.html").read_text(encoding="utf-8").startswith("<!doctype html>\n<html lang=\"sv\">")
    assert report.pages == 7 + 2 + 2 + 7 + 2 + 1 + 2  # indexes and search, statement and 404, then the records
    assert (output / "assets" / "style.css").is_file()


def test_meeting_page_shows_the_record(site):
    content = site(TWO_MEETINGS)
    build(content)
    html = read(content.parent / "public", "/moten/2020-01-13-styrgruppen/")
    text = TextExtractor.text(html)
    assert "<h1>Styrgruppen 13 januari</h1>" in html
    assert "måndag 13 januari 2020" in text
    assert 'href="../../personer/ann-abrahamsson/">Ann Abrahamsson</a>, <a href="../../organisationer/ria/">Ria</a>' in html
    assert "Leif Redestig (antecknar)" in text
    assert '<h2 id="fritidsbank">Fritidsbank</h2>' in html
    assert '<a href="#fritidsbank">Fritidsbank</a>' in html  # table of contents
    assert 'rel="next" href="../2020-02-03-styrgruppen/"' in html
    assert 'rel="prev"' not in html


def test_person_page_lists_attended_and_mentioned_meetings(site):
    content = site(TWO_MEETINGS)
    build(content)
    output = content.parent / "public"
    leif = TextExtractor.text(read(output, "/personer/leif-redestig/"))
    assert "Närvarande vid 2 möten" in leif
    assert leif.index("Styrgruppen 3 februari 2020") < leif.index("Styrgruppen 13 januari")  # newest first
    eva = TextExtractor.text(read(output, "/personer/eva-ek/"))
    assert "Närvarande vid 0 möten" in eva and "Nämns i Styrgruppen 3 februari 2020" in eva
    ann = TextExtractor.text(read(output, "/personer/ann-abrahamsson/"))
    assert "Organisationer Ria – Hela människan Socialförvaltningen" in ann  # Swedish order: R before S
    assert "Projekt Fritidsbanken" in ann


def test_project_timeline_deep_links_to_items(site):
    content = site(TWO_MEETINGS)
    build(content)
    html = read(content.parent / "public", "/projekt/fritidsbanken/")
    assert '<a href="../../moten/2020-01-13-styrgruppen/#fritidsbank">Fritidsbank</a>' in html
    assert "<p>Leif och Ann Abrahamsson pratade om Fritidsbanken med Ria.</p>" in html  # excerpt
    text = TextExtractor.text(html)
    assert "Personer Ann Abrahamsson Leif Redestig" in text
    assert "Organisationer Ria – Hela människan" in text


def test_group_page_ranks_members_by_attendance(site):
    content = site(TWO_MEETINGS)
    build(content)
    text = TextExtractor.text(read(content.parent / "public", "/grupper/styrgruppen/"))
    assert "Leif Redestig 2 ja Ann Abrahamsson 1 –" in text
    assert "Möts: Första måndagen i månaden" in text


def test_site_json_has_the_documented_shape(site):
    content = site(TWO_MEETINGS)
    build(content)
    data = json.loads((content.parent / "public" / "data" / "site.json").read_text(encoding="utf-8"))
    assert list(data) == ["meetings", "people", "projects", "groups", "organizations"]
    meeting = data["meetings"][0]
    assert meeting == {
        "slug": "2020-01-13-styrgruppen",
        "url": "/moten/2020-01-13-styrgruppen/",
        "title": "Styrgruppen 13 januari",
        "date": "2020-01-13",
        "group": "styrgruppen",
        "attendees": [{"person": "leif-redestig", "affiliation": None}, {"person": "ann-abrahamsson", "affiliation": "Ria"}],
        "note_taker": "leif-redestig",
        "status": "preliminary",
        "approved_by": [],
        "approved_on": None,
        "projects": ["fritidsbanken"],
        "items": [{"title": "Fritidsbank", "anchor": "fritidsbank", "projects": ["fritidsbanken"],
                   "people": ["leif-redestig", "ann-abrahamsson"]}],
        "next_meeting": None,
    }
    eva = next(p for p in data["people"] if p["slug"] == "eva-ek")
    assert eva == {"slug": "eva-ek", "url": "/personer/eva-ek/", "name": "Eva Ek", "meetings": [],
                   "mentioned_in": ["2020-02-03-styrgruppen"], "organizations": []}
    assert {"slug": "fritidsbanken", "url": "/projekt/fritidsbanken/", "name": "Fritidsbanken",
            "status": "active", "meetings": ["2020-01-13-styrgruppen"]} in data["projects"]
    assert data["groups"][0]["meetings"] == ["2020-01-13-styrgruppen", "2020-02-03-styrgruppen"]
    ria = next(o for o in data["organizations"] if o["slug"] == "ria")
    assert ria["people"] == ["ann-abrahamsson"]


def test_builds_are_byte_identical(site, tmp_path):
    content = site(TWO_MEETINGS)
    build(content, tmp_path / "one")
    build(content, tmp_path / "two")
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one == two and len(one) > 20
    assert any(path.startswith("pagefind/filter/") for path in one)  # the search index too


def test_rebuild_removes_pages_of_deleted_sources(site):
    content = site(TWO_MEETINGS)
    build(content)
    (content / "meetings" / "2020-02-03-styrgruppen.md").unlink()
    build(content)
    assert not (content.parent / "public" / "moten" / "2020-02-03-styrgruppen").exists()


def test_drafts_are_left_out(site):
    content = site({**TWO_MEETINGS, "meetings/2020-03-02-styrgruppen.md": meeting_file(
        "Hemligt.\n", date="2020-03-02", extra="draft: true\n")})
    build(content)
    assert not (content.parent / "public" / "moten" / "2020-03-02-styrgruppen").exists()
    build(content, include_drafts=True)
    assert (content.parent / "public" / "moten" / "2020-03-02-styrgruppen" / "index.html").exists()


def test_front_matter_is_escaped_and_content_is_not_a_template(site):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file(
        "Text {{ site.title }} och {% raw %}.\n", extra='title: "<script>alert(1)</script>"\n')})
    build(content)
    html = read(content.parent / "public", "/moten/2020-01-13-styrgruppen/")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Text {{ site.title }} och {% raw %}." in html


def test_every_internal_link_resolves(site):
    content = site(TWO_MEETINGS)
    build(content)
    assert_links_resolve(content.parent / "public")


def assert_links_resolve(output: Path) -> int:
    """Follow every relative href/src of every page; return how many were checked.

    Only 404.html links from the root ('/moten/'): a host serves it at any depth."""
    checked = 0
    for page in sorted(output.rglob("*.html")):
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        page_dir = page.parent.relative_to(output).as_posix()
        for link in collector.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#"):
                continue
            assert not link.startswith("/") or page == output / "404.html", f"{page}: root-relative link {link}"
            target = output / posixpath.normpath(posixpath.join(page_dir, parts.path.lstrip("/")))
            if link.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(output)}: broken link {link}"
            if parts.fragment and target.suffix == ".html":
                ids = LinkCollector()
                ids.feed(target.read_text(encoding="utf-8"))
                assert parts.fragment in ids.ids, f"{page.relative_to(output)}: missing anchor {link}"
            checked += 1
    return checked


def test_meeting_page_shows_the_announced_next_meeting(site):
    content = site({
        # Unquoted 13:30 is accepted in a time field: the loader keeps the text as written.
        "meetings/2020-01-13-styrgruppen.md": meeting_file(
            "Text.\n", extra="next_meeting:\n  date: 2020-02-03\n  time: 13:30\n  place: Bredgatan, plan 2\n"),
        "meetings/2020-02-03-styrgruppen.md": meeting_file(
            "Text.\n", date="2020-02-03", extra="next_meeting:\n  date: 2020-03-02\n"),
    })
    build(content)
    output = content.parent / "public"
    first = read(output, "/moten/2020-01-13-styrgruppen/")
    assert "Nästa möte: måndag 3 februari 2020, klockan 13:30, Bredgatan, plan 2" in TextExtractor.text(first)
    # Its minutes are published, so it links there.
    assert ('Nästa möte: <a href="../2020-02-03-styrgruppen/"><time datetime="2020-02-03T13:30">'
            "måndag 3 februari 2020, klockan 13:30</time></a>, Bredgatan, plan 2</p>") in first
    second = read(output, "/moten/2020-02-03-styrgruppen/")
    assert 'Nästa möte: <time datetime="2020-03-02">måndag 2 mars 2020</time></p>' in second
    data = json.loads((output / "data" / "site.json").read_text(encoding="utf-8"))
    assert [m["next_meeting"] for m in data["meetings"]] == [
        {"date": "2020-02-03", "time": "13:30", "place": "Bredgatan, plan 2"},
        {"date": "2020-03-02", "time": None, "place": None},
    ]


def test_minutes_are_preliminary_until_approved(site):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("## Punkt\n\nText.\n")})
    build(content)
    text = TextExtractor.text(read(content.parent / "public", "/moten/2020-01-13-styrgruppen/"))
    assert "Ej justerat (preliminärt protokoll)" in text
    assert "UTKAST" not in text


def test_approved_minutes_say_by_whom_and_when(site):
    extra = "status: approved\napproved_by: [Leif Redestig, Ann Abrahamsson]\napproved_on: 2020-01-20\n"
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("## Punkt\n\nText.\n", extra=extra)})
    build(content)
    html = read(content.parent / "public", "/moten/2020-01-13-styrgruppen/")
    text = TextExtractor.text(html)
    assert "Justerat 20 januari 2020 av Leif Redestig och Ann Abrahamsson" in text
    assert '<time datetime="2020-01-20">' in html
    assert '<a href="../../personer/leif-redestig/">Leif Redestig</a>' in html
    data = json.loads((content.parent / "public" / "data" / "site.json").read_text(encoding="utf-8"))
    assert data["meetings"][0]["status"] == "approved"
    assert data["meetings"][0]["approved_by"] == [{"person": "leif-redestig"}, {"person": "ann-abrahamsson"}]
    assert data["meetings"][0]["approved_on"] == "2020-01-20"


@pytest.mark.parametrize("extra, message", [
    ("status: klar\n", "'status' kan inte vara 'klar' – använd en av: preliminary, approved"),
    ("approved_on: 2020-02-30\n", "datumet 2020-02-30 finns inte"),
    ("approved_by: [Okänd Person]\n", "okänd person 'Okänd Person'"),
])
def test_bad_status_fields_are_errors_at_their_line(site, extra, message):
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("Text.\n", extra=extra)})
    with pytest.raises(BuildFailed) as failure:
        build(content)
    assert f"2020-01-13-styrgruppen.md:6: {message}" in str(failure.value)


def test_drafts_are_marked_when_built(site):
    content = site({**TWO_MEETINGS, "meetings/2020-03-02-styrgruppen.md": meeting_file(
        "Hemligt.\n", date="2020-03-02", extra="draft: true\n")})
    build(content, include_drafts=True)
    html = read(content.parent / "public", "/moten/2020-03-02-styrgruppen/")
    assert "<title>UTKAST:" in html
    assert "<strong>UTKAST</strong>" in html
    listing = TextExtractor.text(read(content.parent / "public", "/moten/"))
    assert "utkast" in listing
