"""`site-gen build` with nothing changed leaves the site as it is; any change builds it again."""

from __future__ import annotations

import functools
import gc
import os
import re
import shutil
import subprocess
import sys

import pytest
from site_gen.cli import main

from .conftest import REPO
from .test_errors import tree_digest

UNCHANGED = "Inget har ändrats sedan förra bygget"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    return tmp_path


def build(project, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["build", "--content", str(project / "content"), "--output", str(project / "public"),
                 "--templates", str(project / "templates"), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stamps(folder):
    return {p: p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_a_build_with_nothing_changed_writes_nothing_and_says_so(project, capsys):
    code, out, first_err = build(project, capsys)
    assert code == 0 and out.startswith("Byggde")
    before = stamps(project / "public")
    code, out, err = build(project, capsys)
    assert code == 0 and out.startswith(UNCHANGED) and "78 sidor" in out
    assert err == first_err and "base_url saknas" in err  # the notices again
    assert stamps(project / "public") == before
    assert (project / ".cache" / "site-gen").is_dir()


def test_an_edit_that_keeps_size_and_time_stamp_is_still_seen(project, capsys):
    build(project, capsys)
    meeting = next((project / "content" / "meetings").glob("*.md"))
    stat = meeting.stat()
    text = meeting.read_text(encoding="utf-8")
    changed = text.replace("a", "e", 1)
    assert changed != text and len(changed.encode()) == len(text.encode())
    meeting.write_text(changed, encoding="utf-8")
    os.utime(meeting, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a save within the same clock tick
    code, out, _ = build(project, capsys)
    assert code == 0 and out.startswith("Byggde")


@pytest.mark.parametrize("change", ["template", "output edited", "output file added", "output removed", "drafts",
                                    "base url", "force", "new content file"])
def test_any_change_builds_the_whole_site_again(project, capsys, change):
    build(project, capsys)
    clean = tree_digest(project / "public")
    extra = []
    if change == "template":
        base = project / "templates" / "base.html"
        base.write_text(base.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "output edited":
        (project / "public" / "index.html").write_text("handredigerad", encoding="utf-8")
    elif change == "output file added":
        (project / "public" / "extra.html").write_text("x", encoding="utf-8")
    elif change == "output removed":
        shutil.rmtree(project / "public")
    elif change == "drafts":
        extra = ["--drafts"]
    elif change == "base url":
        extra = ["--base-url", "https://example.se/protokoll/"]
    elif change == "force":
        extra = ["--force"]
    else:
        (project / "content" / "projects" / "nytt-projekt.md").write_text("---\nname: Nytt projekt\n---\n\nText.\n",
                                                                         encoding="utf-8")
    code, out, err = build(project, capsys, *extra)
    assert code == 0 and out.startswith("Byggde"), err
    if change.startswith("output") or change == "force":
        assert tree_digest(project / "public") == clean  # the site as a clean build makes it
    code, out, _ = build(project, capsys, *([] if change == "force" else extra))
    assert out.startswith(UNCHANGED)


def test_after_a_failed_build_the_site_is_built_again_once_fixed(project, capsys):
    build(project, capsys)
    meeting = next((project / "content" / "meetings").glob("*.md"))
    text = meeting.read_text(encoding="utf-8")
    meeting.write_text(text.replace("title:", "title: [", 1), encoding="utf-8")
    code, _, err = build(project, capsys)
    assert code == 1 and "ogiltig YAML" in err
    meeting.write_text(text.replace("\n\n", "\n\nEn ny mening.\n\n", 1), encoding="utf-8")
    code, out, _ = build(project, capsys)
    assert code == 0 and out.startswith("Byggde")
    assert "En ny mening." in (project / "public" / "moten" / meeting.stem / "index.html").read_text(encoding="utf-8")


def test_the_first_import_of_the_pipeline_is_frozen_and_the_collector_on_again():
    """`cli.import_pipeline` in a fresh process: the collector is on afterwards, and what the
    imports made is frozen (this process has imported the pipeline long since)."""
    code = ("import gc, sys; from site_gen import cli; cli.import_pipeline(); "
            "print(gc.isenabled(), gc.get_freeze_count() > 10_000, 'site_gen.pipeline' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "True"]


def test_a_build_leaves_the_cycle_collector_as_it_found_it(project, capsys):
    """Whatever the pipeline's import did (`cli.import_pipeline`), a build leaves the collector
    on and nothing frozen (`oneshot.fewer_collections` unfreezes), built or failed."""
    assert gc.isenabled()
    code, _, _ = build(project, capsys)
    assert code == 0 and gc.isenabled() and gc.get_freeze_count() == 0
    (project / "content" / "site.toml").write_text("title = \n", encoding="utf-8")
    code, _, _ = build(project, capsys)
    assert code == 1 and gc.isenabled() and gc.get_freeze_count() == 0


def test_the_command_ends_at_once_yet_says_and_writes_everything(project):
    """`build.py` ends its process without freeing the build's objects (`cli.run`): what it
    prints through a pipe, the site and the record of the build must all be there."""
    command = [sys.executable, str(REPO / "build.py"), "build", "--content", "content", "--output", "public"]
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # as in a shell
    run = functools.partial(subprocess.run, command, cwd=project, capture_output=True, text=True, timeout=120,
                            env=buffered)
    first = run()
    assert first.returncode == 0, first.stderr
    pages = int(re.search(r"Byggde (\d+) sidor", first.stdout).group(1))
    assert pages == len(list((project / "public").rglob("*.html"))) > 10
    again = run()
    assert again.returncode == 0 and UNCHANGED in again.stdout, again.stdout  # the record was written
    (project / "content" / "site.toml").write_text("title = \n", encoding="utf-8")
    failed = run()
    assert failed.returncode == 1 and "site.toml:1:" in failed.stderr and "Inget skrevs" in failed.stderr, failed.stderr
