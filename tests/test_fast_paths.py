"""Optimisations give byte-identical output to the simple path they stand in for."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import markupsafe
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from site_gen import library, linking, markdown, parallel, privacy, render, views, whole_build
from site_gen.errors import BuildFailed, Problems, display_path
from site_gen.load import load_records
from site_gen.pipeline import BuildOptions, Site, build_site

from .conftest import REPO, generate_corpus
from .test_errors import tree_digest


def test_views_attribute_lookup_gives_what_jinja_gives():
    ours, plain = render.create_environment(REPO / "templates"), jinja2.Environment()
    view = {"title": "Möte", "items": [1, 2], "get": "nyckel"}
    for name in ("title", "items", "get", "keys", "missing"):
        expected, found = plain.getattr(view, name), ours.getattr(view, name)
        if isinstance(expected, jinja2.Undefined):
            assert isinstance(found, jinja2.Undefined), name
        else:
            assert found == expected, name


@given(st.one_of(st.text(alphabet=st.sampled_from("&<>'\"aö –\n\0"), max_size=40), st.text(max_size=40),
                 st.integers(), st.none(), st.builds(markupsafe.Markup, st.text(max_size=20))))
def test_output_escape_gives_what_markupsafe_gives(value):
    assert render.escape_output(value) == markupsafe.escape(value)


class _Record:
    title = "attribut"
    items = ("a", "b")


_WRITTEN = st.one_of(st.text(alphabet=st.sampled_from("&<>'\"aö –"), max_size=12), st.integers(), st.none(),
                     st.builds(markupsafe.Markup, st.text(alphabet=st.sampled_from("<b>&ö"), max_size=12)))
"""Values a template writes out: strings with and without what escaping replaces, numbers,
None and Markup."""


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["title", "items", "get", "name", "keys"]), _WRITTEN),
       st.sampled_from([dict, views.MeetingSummary, markupsafe.Markup]))
@example({"title": "&", "name": "<", "get": ">", "items": "'", "keys": '"'}, dict)
@example({"title": markupsafe.Markup("<b>"), "name": 3, "items": None}, views.MeetingSummary)
def test_templates_compiled_by_our_environment_write_what_jinja_s_write(view, kind):
    # `a.b` and `{{ … }}` are written out in our templates' code (`render._CodeGenerator`).
    source = ("{% for key in ['title', 'items', 'get', 'name', 'keys', 'missing'] %}{{ key }}="
              "{% if page[key] is defined %}{{ page[key] }}{% endif %};{% endfor %}"
              "{{ page.title is defined }}{{ page.items is defined }}{{ page.keys is defined }}"
              "{{ page.missing is defined }}{{ record.title }}{{ record.items | join }}{{ page.get is defined }}"
              "{% macro show(x) %}{{ x.title if x.title is defined else '-' }}{% endmacro %}{{ show(page) }}"
              "{{ page.name if page.name is defined else 'ingen' }}")
    page = kind(view) if kind is not markupsafe.Markup else markupsafe.Markup(str(view))
    ours = render.create_environment(REPO / "templates").from_string(source)
    plain = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    assert ours.render(page=page, record=_Record()) == plain.render(page=page, record=_Record())


def test_a_missing_key_fails_as_jinja_s_does():
    for environment in (render.create_environment(REPO / "templates"),
                        jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)):
        with pytest.raises(jinja2.UndefinedError, match="has no attribute 'missing'"):
            environment.from_string("{{ page.missing }}").render(page={"title": "x"})


_TRICKY = "a Öß_-.,\n\t\u00a0" + "09" + "\u0663\uff11\U0001d7ce" + "\u00bd\u2460" + "\ud800"
"""Letters, '_', punctuation, whitespace (a no-break space), ASCII digits, other digits (Arabic-
Indic, full-width, mathematical), numbers that are not digits (½, ①) and a lone surrogate."""


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60) | st.text(max_size=60))
def test_words_of_gives_what_the_word_regex_finds(text):
    assert linking.words_of(text) == set(re.findall(r"\w+", text))


_DIGITS = st.characters(categories=["Nd"])


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60) | st.text(max_size=60),
       st.text(alphabet=_DIGITS, min_size=6, max_size=8), st.integers(min_value=0))
def test_the_identity_number_prefilter_passes_every_six_digits(text, digits, position):
    if re.search(r"\d{6}", text):
        assert privacy._may_hold_six_digits(text)
    position %= len(text) + 1
    assert privacy._may_hold_six_digits(text[:position] + digits + text[position:])  # digits of any script
    assert not privacy._may_hold_six_digits("Mötet 2017-05-29 kl. 13:30, telefon 042-10 50 00")


_URL_PARTS = st.sampled_from(["moten", "personer", "x", "moten-2", ".", "..", "", "#a", "?q=1", "a#b", ".well-known"])


@given(st.lists(_URL_PARTS, max_size=4).map(lambda parts: "/" + "/".join(parts) + "/"),
       st.lists(_URL_PARTS, max_size=4).map(lambda parts: "/" + "/".join(parts)) | st.sampled_from(
           ["//cdn.example/x", "https://example.se/", "mailto:a@b.se", "#punkt", "/moten", "/moten#a"]),
       st.sampled_from([None, "/", "https://example.se/protokoll/"]))
def test_page_links_give_what_relative_url_gives(page_url, target, link_root):
    assert render.PageLinks(page_url, link_root)[target] == _link(target, page_url, link_root)


def _link(target: str, page_url: str, link_root: str | None) -> str:
    if link_root and target.startswith("/") and not target.startswith("//"):
        return link_root + target.lstrip("/")
    return markdown.relative_url(target, page_url)


_PAGE_URLS = st.lists(_URL_PARTS, max_size=3).map(lambda parts: "/" + "/".join(parts) + "/")
_TARGETS = st.lists(_URL_PARTS, max_size=3).map(lambda parts: "/" + "/".join(parts)) | st.sampled_from(
    ["/moten/", "/moten/a/", "/personer/x/", "/x/", "//cdn.example/x", "#punkt"])


@given(st.lists(st.tuples(_PAGE_URLS, st.lists(_TARGETS, max_size=4)), max_size=6),
       st.sampled_from([None, "/", "https://example.se/protokoll/"]))
def test_pages_that_share_what_they_know_of_links_give_what_relative_url_gives(pages, link_root):
    known: dict = {}  # as one `Renderer` keeps it for every page it renders
    for page_url, targets in pages:
        links = render.PageLinks(page_url, link_root, known)
        for target in [*targets, *targets]:
            assert links[target] == _link(target, page_url, link_root), (page_url, target)
        assert all(link == _link(target, page_url, link_root) for target, link in links.items())


def test_site_rendered_with_our_environment_equals_plain_jinja(tmp_path, monkeypatch):
    options = BuildOptions(content_dir=REPO / "content", output_dir=tmp_path / "ours", include_drafts=True,
                           search_index=False)
    build_site(options)
    monkeypatch.setattr(render, "_Environment", jinja2.Environment)
    build_site(dataclasses.replace(options, output_dir=tmp_path / "plain"))
    assert tree_digest(tmp_path / "ours") == tree_digest(tmp_path / "plain")


def test_a_template_failing_halfway_through_a_streamed_build_changes_nothing(tmp_path):
    # A whole build writes each page as soon as it is rendered, into a directory beside the
    # output; a failure on a later page must leave the previous site as it was, and no trace.
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    output = tmp_path / "public"
    options = BuildOptions(content_dir=REPO / "content", output_dir=output, templates_dir=templates, search_index=False)
    build_site(options)
    before = tree_digest(output)
    (templates / "organization.html").write_text('{% extends "base.html" %}{% block main %}{{ page.nothing }}'
                                                 '{% endblock %}', encoding="utf-8")
    with pytest.raises(BuildFailed, match="organization.html"):
        build_site(options)
    assert tree_digest(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "templates"]


def test_display_path_gives_the_resolved_path_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "real" / "meetings").mkdir(parents=True)
    (tmp_path / "real" / "meetings" / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "meetings" / "b.md").symlink_to(tmp_path / "real" / "meetings" / "a.md")
    (tmp_path / "top.md").write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    paths = ["top.md", "./top.md", "real/meetings/a.md", "linked/meetings/a.md", "real/meetings/b.md",
             "real/meetings/../meetings/a.md", "real/..", ".", "real", "linked", "missing/x.md",
             str(tmp_path / "real/meetings/a.md"), "/tmp", str(tmp_path), f"../{tmp_path.name}",
             f"../{tmp_path.name}/real"]
    for path in map(Path, paths):
        try:
            expected = str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            expected = str(path)
        assert display_path(path) == expected, path


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_meetings_resolved_by_two_processes_give_the_same_site_and_problems(tmp_path, monkeypatch, start_method):
    generate_corpus(120, tmp_path)
    content = tmp_path / "content"
    monkeypatch.setattr(library, "PARALLEL_FROM", 1)  # a small site, so that the test is quick
    monkeypatch.setattr(parallel, "start_method", lambda: multiprocessing.get_context(start_method))
    for jobs in (1, 2):
        build_site(BuildOptions(content_dir=content, output_dir=tmp_path / f"jobs-{jobs}", jobs=jobs, search_index=False))
    assert tree_digest(tmp_path / "jobs-1") == tree_digest(tmp_path / "jobs-2")
    records, outcomes = load_records(content), []
    for jobs in (1, 2):
        problems = Problems()
        built = library.build_library(records, problems=problems, jobs=jobs)
        outcomes.append((list(built.meetings.items()), problems.warnings))
    assert outcomes[0] == outcomes[1] and outcomes[0][1]  # the same meetings and warnings, in order
    broken = content / "meetings" / sorted(os.listdir(content / "meetings"))[-1]
    broken.write_text(broken.read_text(encoding="utf-8").replace("attendees:", "attendees:\n  - Okänd Person"),
                      encoding="utf-8")
    failures = []
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as failure:
            library.build_library(load_records(content), jobs=jobs)
        failures.append(failure.value.errors)
    assert failures[0] == failures[1] and "okänd person 'Okänd Person'" in str(failures[0])


@pytest.mark.parametrize("drafts", [False, True])
def test_a_whole_build_writes_what_a_build_from_the_whole_library_writes(tmp_path, drafts):
    # A whole build writes each meeting's page from the library's outline, in the process that
    # links its minutes; a build that keeps what it learns (serve's) makes every page from the
    # whole library, after every meeting is linked. The real minutes name people who are not
    # public; a draft is published or not, and is a neighbour of the meeting before it.
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    last = sorted((content / "meetings").glob("*.md"))[-1]
    draft = content / "meetings" / "2018-03-22-ledningsgrupp-for-utveckling.md"
    draft.write_text(last.read_text(encoding="utf-8").replace("date: 2018-03-08", "date: 2018-03-22", 1)
                     .replace("\ndraft: false", "\ndraft: true", 1)
                     .replace("title: ", "title: Utkast ", 1), encoding="utf-8")
    options = BuildOptions(content_dir=content, output_dir=tmp_path / "whole", include_drafts=drafts, search_index=False)
    build_site(options)
    Site(dataclasses.replace(options, output_dir=tmp_path / "kept")).build()
    whole, kept = tree_digest(tmp_path / "whole"), tree_digest(tmp_path / "kept")
    assert ("moten/2018-03-22-ledningsgrupp-for-utveckling/index.html" in whole) == drafts
    assert whole == kept


WORKER_CALLS = """
import sys
from pathlib import Path
from site_gen import parallel
from site_gen.pipeline import BuildOptions, Site, build_site
calls = []
send = parallel.ForkedWorker.send
parallel.ForkedWorker.send = lambda self, *args: calls.append(1) or send(self, *args)
build_site(BuildOptions(content_dir=Path(sys.argv[1]), output_dir=Path(sys.argv[2]), jobs=int(sys.argv[3]),
                        search_index=False))
print(len(calls))
"""


def test_pages_rendered_by_a_worker_process_give_the_same_site(tmp_path):
    # In a process of its own: a thread left running by another test would rightly keep
    # the build from forking workers (`parallel.can_fork`).
    generate_corpus(60, tmp_path)
    calls = {}
    for jobs in (1, 2):
        build = subprocess.run([sys.executable, "-c", WORKER_CALLS, str(tmp_path / "content"),
                                str(tmp_path / f"jobs-{jobs}"), str(jobs)],
                               cwd=REPO, capture_output=True, text=True, check=True)
        calls[jobs] = int(build.stdout)
    assert calls[1] == 0 and calls[2] >= 2  # with two jobs, the worker rendered more than one batch
    assert tree_digest(tmp_path / "jobs-1") == tree_digest(tmp_path / "jobs-2")
    # Every page made from the whole library, in this process, as serve makes them.
    Site(BuildOptions(content_dir=tmp_path / "content", output_dir=tmp_path / "kept", search_index=False)).build()
    assert tree_digest(tmp_path / "jobs-2") == tree_digest(tmp_path / "kept")


def test_templates_are_compiled_in_advance_with_those_they_use(tmp_path):
    # This process compiles the meeting page's templates before the linking worker is forked
    # (which inherits them); the render worker all but the meeting page's, which it never renders.
    templates = REPO / "templates"
    try:
        whole_build.compile_templates(templates, [views.MEETING_TEMPLATE])
        compiled = {template.name for template in whole_build._compiled[1].cache.values()}
        assert compiled == {"meeting.html", "base.html"}
        whole_build.end_build()
        whole_build.compile_templates(templates, None, {views.MEETING_TEMPLATE})
        compiled = {template.name for template in whole_build._compiled[1].cache.values()}
        assert views.MEETING_TEMPLATE not in compiled and {"base.html", "person.html", "macros.html"} <= compiled
        # Both stages of the build render with the one environment.
        environment = whole_build._compiled[1]
        whole_build.start_job(whole_build.RenderJob(templates, None, str(tmp_path), None))
        assert whole_build._writing.renderer.env is environment
    finally:
        whole_build.end_build()
    assert whole_build._compiled is None and whole_build._writing is None


@pytest.mark.parametrize("meetings, template, fault, reported", [
    # people's pages: rendered by the worker forked at the start, most of them
    (60, "person.html", "{{ page.nothing }}", "nothing"),
    # meetings' pages: written by both processes that link
    (library.PARALLEL_FROM, "meeting.html", "{{ page.nothing }}", "nothing"),
    # compiled in advance by the worker (`whole_build.compile_templates`), reported by the render
    (60, "person.html", "{% if %}", "Expected an expression"),
])
def test_a_template_failing_in_a_worker_process_fails_the_build_at_its_line(tmp_path, meetings, template, fault,
                                                                             reported):
    generate_corpus(meetings, tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    broken = templates / template
    broken.write_text(broken.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}" + fault, 1),
                      encoding="utf-8")
    # In a process of its own, as the worker test above; a worker left behind would keep it from ending.
    build = subprocess.run([sys.executable, "build.py", "build", "--content", str(tmp_path / "content"),
                            "--output", str(tmp_path / "public"), "--templates", str(templates), "--jobs", "2"],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    assert build.returncode == 1
    assert template in build.stderr and reported in build.stderr and "Traceback" not in build.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "templates"]  # no site, no half-written tree


def test_content_read_by_worker_processes_gives_the_same_errors(tmp_path):
    generate_corpus(80, tmp_path)
    meetings = sorted((tmp_path / "content" / "meetings").iterdir())
    for broken in meetings[5], meetings[40], meetings[-1]:  # read by this process and by the worker
        text = broken.read_text(encoding="utf-8")
        broken.write_text(text.replace("attendees:", "attendees:\n  - Okänd Person", 1)
                          .replace("\nnote_taker:", "\nnext_meeting: 2020-13-45\nnote_taker:", 1), encoding="utf-8")
    outcomes = []
    for jobs in (1, 2):
        build = subprocess.run([sys.executable, "build.py", "build", "--content", str(tmp_path / "content"),
                                "--output", str(tmp_path / f"public-{jobs}"), "--jobs", str(jobs)],
                               cwd=REPO, capture_output=True, text=True, timeout=120)
        outcomes.append((build.returncode, build.stderr))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and outcomes[0][1].count("'next_meeting' ska") == 3, outcomes[0][1]
