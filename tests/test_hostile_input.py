"""Hostile and malformed input: front matter, YAML, file names, symbolic links, output paths."""

from __future__ import annotations

import os
import re
import textwrap
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_gen.cli import main
from site_gen.errors import BuildFailed
from site_gen.options import DEFAULT_TEMPLATES
from site_gen.render import create_environment
from site_gen.write import fresh_path, safe_join

from .conftest import BASE_SITE, build, meeting_file, write_files
from .test_errors import errors_of, only_error, shown, tree_digest

MEETING = "meetings/2020-01-13-styrgruppen.md"

# --- Templates and front matter ------------------------------------------------------------


def test_every_template_is_autoescaped_and_marks_nothing_safe():
    env = create_environment(DEFAULT_TEMPLATES)
    names = env.list_templates()
    assert len(names) >= 10
    for name in names:
        assert name.endswith(".html"), name
        enabled = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        assert enabled is True, name
        source = (DEFAULT_TEMPLATES / name).read_text(encoding="utf-8")
        for unsafe in ("|safe", "| safe", "autoescape false", "Markup"):
            assert unsafe not in source, f"{name} uses {unsafe}"
    rendered = env.from_string("{{ value }}").render(value='<script>"x"</script>')
    assert rendered == "&lt;script&gt;&#34;x&#34;&lt;/script&gt;"


XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\'{{7*7}}{% if 1 %}x{% endif %}'
"""Every front matter text of the site carries this."""


class TagCollector(HTMLParser):
    """The tags of a page, its event handler attributes and the scripts that are not our own."""

    OUR_SCRIPTS = re.compile(r"(\.\./)*(assets|pagefind)/[\w.-]+\.js")

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.event_attributes: list[str] = []
        self.foreign_scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.event_attributes += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            src = dict(attrs).get("src") or "(inline)"
            if not self.OUR_SCRIPTS.fullmatch(src):
                self.foreign_scripts.append(src)


def test_front_matter_values_are_escaped_on_every_page(site):
    quoted = '"' + XSS.replace("\\", "\\\\").replace('"', '\\"') + '"'
    content = site({
        "site.toml": f"title = {quoted}\ndescription = {quoted}\n",
        "groups/styrgruppen.md": f"---\nname: Styr {quoted[1:]}\nmeeting_times: {quoted}\n---\n",
        "people/eva-ek.md": f"---\nname: Eva {quoted[1:]}\nrole: {quoted}\naliases: [{quoted}]\n---\n",
        "projects/fritidsbanken.md": f"---\nname: Fri {quoted[1:]}\n---\n",
        "organizations/ria.md": f"---\nname: Ria {quoted[1:]}\n---\n",
        MEETING: meeting_file("## Punkt\n\nText.\n", ["Leif Redestig", f"name: eva-ek\n    affiliation: {quoted}"],
                              extra=f"title: {quoted}\n"),
    })
    build(content)
    output = content.parent / "public"
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 15
    for page in pages:
        html = page.read_text(encoding="utf-8")
        collector = TagCollector()
        collector.feed(html)
        assert "img" not in collector.tags and collector.foreign_scripts == [], page
        assert collector.event_attributes == [], page
        assert "49" not in html and "{{7*7}}" in html, page
        assert "{% if 1 %}x{% endif %}" in html, page


def test_content_is_never_compiled_as_a_template(site):
    content = site({MEETING: meeting_file("Text {{ site.title }}, {% raw %} och {{ 7*7 }}.\n")})
    build(content)
    html = (content.parent / "public" / "moten" / "2020-01-13-styrgruppen" / "index.html").read_text("utf-8")
    assert "Text {{ site.title }}, {% raw %} och {{ 7*7 }}." in html


@pytest.mark.parametrize(("key", "value"), [
    ("repository_url", "javascript:alert(1)"),
    ("repository_url", "JAVASCRIPT://example.se/%0aalert(1)"),
    ("edit_url", "data:text/html,x"),
    ("base_url", " https://example.se/"),
    ("base_url", "//example.se/"),
    ("repository_url", "ftp://example.se/"),
])
def test_urls_in_site_settings_pass_the_allow_list(site, key, value):
    content = site({"site.toml": f'title = "T"\n{key} = "{value}"\n'})
    error = only_error(content)
    assert error.startswith(f"{shown(content, 'site.toml')}:2: '{key}' ska vara en webbadress"), error


def test_base_url_option_passes_the_allow_list(site, capsys):
    content = site()
    assert main(["build", "--content", str(content), "--output", str(content.parent / "public"),
                 "--base-url", "javascript:alert(1)"]) == 1
    assert "--base-url: 'javascript:alert(1)' ska vara en webbadress" in capsys.readouterr().err
    assert not (content.parent / "public").exists()


# --- YAML ----------------------------------------------------------------------------------

HEAD = "---\ndate: 2020-01-13\ngroup: styrgruppen\n"


@pytest.mark.parametrize(("front_matter", "line", "words"), [
    ("x: !!python/object/apply:os.system [ls]\n", 4, "!!python stöds inte"),
    ("x: !!python/object:os.system {}\n", 4, "!!python stöds inte"),
    ("x: !!python/name:os.system\n", 4, "!!python stöds inte"),
    ("x: !!python/object/new:subprocess.Popen [[ls]]\n", 4, "!!python stöds inte"),
    ("title: 12:30\n", 4, 'title: "12:30"'),
    ("title: 012\n", 4, 'title: "012"'),
    ("title: no\n", 4, 'title: "no"'),
    ("title: 0x1A\n", 4, 'title: "0x1A"'),
    ("title: 1e3\n", 4, 'title: "1e3"'),
    ("draft: on\n", 4, "'draft' ska vara true eller false, inte on"),
    ("title: a\ntitle: b\n", 5, "nyckeln 'title' finns två gånger (första gången på rad 4)"),
    ("title: [" * 3000 + "]" * 3000 + "\n", 2, "för många nivåer"),
])
def test_unsafe_and_ambiguous_yaml_is_an_error_with_its_line(site, front_matter, line, words):
    content = site({MEETING: HEAD + front_matter + "---\n"})
    error = only_error(content)
    assert error.startswith(f"{shown(content, MEETING)}:{line}: "), error
    assert words in error, error


def test_yaml_escapes_of_a_character_outside_the_bmp_are_joined_and_halves_refused(site):
    # Found by tests/test_properties.py: YAML reads "\\ud83d\\ude00" as two lone surrogates,
    # which crashed the build when the page was encoded.
    content = site({"people/eva-ek.md": '---\nname: "Eva \\ud83d\\ude00 Ek"\n---\n'})
    assert build(content).library.people["eva-ek"].name == "Eva \U0001F600 Ek"
    content = site({"people/eva-ek.md": '---\nname: Eva Ek\nrole: "\\udc00"\n---\n'})
    assert only_error(content) == (f"{shown(content, 'people/eva-ek.md')}:3: ogiltig YAML: \\udc00 är ett halvt "
                                   "tecken – skriv tecknet som det är, inte som \\u-kod")


def test_yaml_aliases_do_not_explode(site):
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9))
    content = site({"people/eva-ek.md": "---\nname: Eva Ek\nl0: &l0 [lol]\n" + laughs + "---\n"})
    errors = errors_of(content)
    assert len(errors) == 9 and all("okänt fält 'l" in e for e in errors), errors


def test_missing_closing_line_is_an_error(site):
    content = site({"people/eva-ek.md": "---\nname: Eva Ek\n"})
    assert only_error(content) == (
        f"{shown(content, 'people/eva-ek.md')}:1: front matter avslutas aldrig: lägg till en rad med bara '---' efter den")


def test_utf8_bom_is_accepted_in_every_kind_of_file(site):
    content = site({name: "\ufeff" + textwrap.dedent(text).lstrip() for name, text in BASE_SITE.items()} | {
        "site.toml": '\ufefftitle = "Med BOM"\n', MEETING: "\ufeff" + meeting_file("Text.\n")})
    report = build(content)
    assert report.library.people["eva-ek"].name == "Eva Ek"
    assert "Med BOM" in (content.parent / "public" / "index.html").read_text(encoding="utf-8")


# --- File names and output paths -----------------------------------------------------------


def fresh_path_of(root: Path, relative: str) -> Path:
    return Path(fresh_path(str(root), relative))


@pytest.mark.parametrize("relative", [
    "../x", "../../etc/passwd", "/etc/passwd", "a/../../x", "../public-x/index.html", "..", ".", "", "a//../../x",
])
@pytest.mark.parametrize("join", [safe_join, fresh_path_of])
def test_nothing_is_written_outside_the_output_directory(tmp_path, relative, join):
    root = tmp_path / "public"
    root.mkdir()
    with pytest.raises(ValueError):
        join(root, relative)


@pytest.mark.parametrize("join", [safe_join, fresh_path_of])
def test_paths_inside_are_joined(tmp_path, join):
    root = (tmp_path / "public").resolve()
    root.mkdir()
    assert join(root, "moten/x/index.html") == root / "moten" / "x" / "index.html"
    assert join(root, "%2e%2e/x") == root / "%2e%2e" / "x"  # a name, not a step up


@pytest.mark.parametrize("name", ["..", "...x", "%2e%2e", "x..%2f..%2fy", "x\\..\\..\\y", "-"])
def test_hostile_file_names_stay_inside_the_output(site, name):
    content = site()
    path = content / "people" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\nname: Nils Namnlös\n---\n", encoding="utf-8")
    before = set(content.parent.parent.rglob("*"))
    try:
        report = build(content)
    except BuildFailed as failure:  # a name without letters or digits
        assert [str(e) for e in failure.errors] == [f"{shown(content, path.relative_to(content).as_posix())}: "
                                                    "filnamnet måste innehålla bokstäver eller siffror"]
    else:
        slugs = [s for s, p in report.library.people.items() if p.name == "Nils Namnlös"]
        # Names starting with '.' are hidden (editors' temp files) and skipped; others get a plain slug.
        assert slugs == ([] if name.startswith(".") else [slugs[0]])
        assert all(slug.replace("-", "").isalnum() for slug in slugs)
    public = content.parent / "public"
    for new in set(content.parent.parent.rglob("*")) - before:
        assert new.is_relative_to(public), new


def test_two_files_one_url_by_case_or_unicode_normalisation_name_both(site):
    nfc = unicodedata.normalize("NFC", "Åke Malmén")
    nfd = unicodedata.normalize("NFD", "Åke Malmén")
    assert nfc != nfd
    content = site({f"people/{nfc}.md": "---\nname: Åke Malmén\n---\n",
                    f"people/{nfd}.md": "---\nname: Åke Malmen\n---\n",
                    "people/ÅKE MALMÉN.md": "---\nname: Åke Malmeen\n---\n"})
    errors = errors_of(content)
    assert len(errors) == 2 and all("ger samma adress som" in e for e in errors), errors
    named = "\n".join(errors)
    for name in (nfc, nfd, "ÅKE MALMÉN"):
        assert f"people/{name}.md" in named


def test_symlinked_file_outside_content_is_refused(site, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: Hemlig Person\n---\n", encoding="utf-8")
    content = site()
    os.symlink(secret, content / "people" / "hemlig.md")
    assert only_error(content) == (f"{shown(content, 'people')}/hemlig.md: filen är en symbolisk länk till en "
                                   "fil utanför innehållskatalogen och läses inte – kopiera in filen i stället")
    assert not (content.parent / "public").exists()


def test_symlink_inside_content_is_read(site):
    content = site({"shared/nils.md": "---\nname: Nils Nilsson\n---\n"})
    os.symlink(content / "shared" / "nils.md", content / "people" / "nils-nilsson.md")
    assert build(content).library.people["nils-nilsson"].name == "Nils Nilsson"


def test_symlinked_folder_outside_content_is_refused(site, tmp_path):
    elsewhere = write_files(tmp_path / "elsewhere", {"x.md": "---\nname: Projekt Utanför\n---\n"})
    content = site()
    os.symlink(elsewhere, content / "projects-elsewhere")  # not a content folder: never read
    (content / "organizations").rename(tmp_path / "organizations")
    os.symlink(tmp_path / "organizations", content / "organizations")
    error = only_error(content)
    assert error.startswith(f"{shown(content, '.')}/organizations: mappen är en symbolisk länk till "), error
    assert "utanför innehållskatalogen" in error


@pytest.mark.parametrize("where", ["content", "content/public", "content/a/b", "."])
def test_output_may_not_be_or_be_in_content_or_hold_it(site, where):
    content = site()
    with pytest.raises(BuildFailed) as failure:
        build(content, content.parent / where)
    (error,) = failure.value.errors
    assert "utdatakatalogen får inte vara innehållskatalogen" in str(error)
    assert tree_digest(content)  # untouched, still there


def test_output_that_is_a_symlink_to_content_is_refused(site):
    content = site()
    os.symlink(content, content.parent / "public")
    with pytest.raises(BuildFailed):
        build(content, content.parent / "public")
    assert (content / "people" / "eva-ek.md").is_file()
