"""How a one-shot build starts (`site_gen.oneshot`): loading while the rest is imported."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_gen import views, whole_build
from site_gen.errors import BuildFailed
from site_gen.markdown import refused_urls

from .conftest import REPO, build, generate_corpus

HEAVY = ("jinja2", "markdown_it", "site_gen.markdown", "site_gen.render", "site_gen.library", "site_gen.pipeline",
         "hashlib", "shutil", "html", "gzip")
"""What the loaders are forked without: imported meanwhile, by this process alone (the last four
by jinja2 and the pipeline; before the fork, they took 7.6 ms in all)."""


def test_the_loaders_start_with_only_what_loading_needs_imported():
    # A module that loading imports and that imports markdown-it or Jinja would make the
    # build's process import it before the loaders can start (and they would not need it).
    # The command line's module is imported first, as `build.py` imports it.
    code = f"import sys, site_gen.cli, site_gen.oneshot; print([m for m in {HEAVY!r} if m in sys.modules])"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


MEANWHILE = """
import sys
from pathlib import Path
from site_gen import parallel
from site_gen.load import load_records
done = []

def steps():
    for number in range(3):
        done.append(number)
        yield ()

workers = parallel.start_workers(1)
assert workers, "could not fork"
try:
    shared = load_records(Path(sys.argv[1]), workers=workers, meanwhile=steps())
finally:
    for worker in workers:
        worker.close()
print(done)
done.clear()
alone = load_records(Path(sys.argv[1]), meanwhile=steps())
print(done, shared == alone, len(alone.meetings))
"""


def test_loading_does_other_work_in_steps_meanwhile_with_workers_or_without(tmp_path):
    # In a process of its own: a thread left running by another test would rightly keep it
    # from forking a worker (`parallel.can_fork`).
    generate_corpus(80, tmp_path)
    run = subprocess.run([sys.executable, "-c", MEANWHILE, str(tmp_path / "content")], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["[0, 1, 2]", "[0, 1, 2] True 80"]


def test_the_settings_read_while_loading_are_reported_after_the_content_s_problems(site):
    # `site.toml` is read in a step of `oneshot._meanwhile`; its problem waits for the load's.
    content = site({"site.toml": "title = 1\n"})
    with pytest.raises(BuildFailed) as failure:
        build(content)
    assert [str(error) for error in failure.value.errors] == [
        f"{content / 'site.toml'}:1: 'title' ska vara en text inom citattecken"]
    (content / "meetings").mkdir()
    (content / "meetings" / "2020-01-13-styrgruppen.md").write_text("Inget front matter\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build(content)
    assert [error.message for error in failure.value.errors] == [
        "filen måste börja med en rad '---' följd av front matter (YAML) och en rad '---'"]
    # Nor does a build that failed leave its compiled templates to the next one in this process.
    assert whole_build._compiled is None


def test_a_render_worker_compiles_its_templates_in_an_idle_thread(monkeypatch):
    seen = []
    compile_templates = whole_build.compile_templates

    def noted(*args):
        seen.append((threading.current_thread() is threading.main_thread(), os.sched_getscheduler(0)))
        compile_templates(*args)

    monkeypatch.setattr(whole_build, "compile_templates", noted)
    try:
        whole_build.compile_when_idle(REPO / "templates", {views.MEETING_TEMPLATE})
        compiled = {template.name for template in whole_build._compiled[1].cache.values()}
    finally:
        whole_build.end_build()
    assert seen == [(False, os.SCHED_IDLE)]
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # this thread, which renders, as before
    assert views.MEETING_TEMPLATE not in compiled and {"base.html", "person.html"} <= compiled


def test_what_an_idle_compile_raises_is_raised_in_the_worker(monkeypatch):
    def broken(*args):
        raise ValueError("trasig mall")

    monkeypatch.setattr(whole_build, "compile_templates", broken)
    with pytest.raises(ValueError, match="trasig mall"):
        whole_build.compile_when_idle(REPO / "templates", set())


@given(st.text(alphabet=st.sampled_from("ab :/()!&#;\\*_`\n\t\"'javscript:http.exmpl@"), max_size=80)
       | st.text(max_size=80).map(lambda text: text.replace("[", "").replace("<", "")))
def test_a_text_without_brackets_has_no_link_to_refuse(text):
    # Loading skips parsing a description without '[' or '<' (`load._description`): without
    # either, CommonMark has no link, image or autolink (raw HTML and linkify are off).
    assert refused_urls(text) == []
