"""Output integrity: a killed build leaves the previous site, builds are reproducible, no stale pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_gen.errors import BuildFailed
from site_gen.write import MARKER

from .conftest import REPO, build, generate_corpus, meeting_file
from .test_errors import tree_digest

CORPUS_MEETINGS = 120
"""Large enough that writing the site takes a while, small enough to build in seconds."""


def build_command(content: Path, output: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--content", str(content), "--output", str(output)]


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}."))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A synthetic site from `benchmarks/gen_corpus.py` (its content directory)."""
    return generate_corpus(CORPUS_MEETINGS, tmp_path_factory.mktemp("corpus"))


def test_build_killed_while_writing_leaves_the_previous_site(corpus, tmp_path):
    output = tmp_path / "public"
    subprocess.run(build_command(corpus, output), check=True, capture_output=True)
    before = tree_digest(output)
    assert len(before) > CORPUS_MEETINGS
    meeting = sorted((corpus / "meetings").glob("*.md"))[0]
    original = meeting.read_text(encoding="utf-8")
    meeting.write_text(original + "\nEn ny rad som ändrar sidan.\n", encoding="utf-8")
    try:
        process = subprocess.Popen(build_command(corpus, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        staging = None
        while staging is None and process.poll() is None and time.monotonic() < deadline:
            staging = next((p for p in output.parent.glob(".public.new-*") if _has_files(p)), None)
            time.sleep(0.002)
        assert staging is not None, "the build ended (or hung) before it began writing: no kill was tested"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL

        assert tree_digest(output) == before  # complete, and byte for byte the previous site
        assert leftovers(output) == [staging.name]  # the kill left its half-written site beside it

        subprocess.run(build_command(corpus, output), check=True, capture_output=True)
        assert leftovers(output) == []
        after = tree_digest(output)
        pages = lambda tree: {path for path in tree if not path.startswith("pagefind/")}  # noqa: E731
        assert after != before and pages(after) == pages(before)  # index files are named by content
    finally:
        meeting.write_text(original, encoding="utf-8")


def test_build_killed_between_its_renames_gets_the_previous_site_back(site):
    # The moment between 'public → .public.old-PID' and '.public.new-PID → public', made by hand.
    content = site({"meetings/2020-01-13-styrgruppen.md": meeting_file("Text.\n")})
    output = content.parent / "public"
    build(content)
    before = tree_digest(output)
    dead_pid = _dead_pid()
    output.rename(output.with_name(f".public.old-{dead_pid}"))
    (output.parent / f".public.new-{dead_pid}").mkdir()
    (output.parent / f".public.new-{dead_pid}" / MARKER).write_text("x")
    (content / "people" / "eva-ek.md").write_text("---\nname: Eva\n---\n", encoding="utf-8")  # the next build fails
    with pytest.raises(BuildFailed):
        build(content)
    assert tree_digest(output) == before
    assert leftovers(output) == []


def test_directories_of_a_build_still_running_or_not_ours_are_left_alone(site):
    content = site()
    output = content.parent / "public"
    running = output.parent / f".public.new-{os.getppid()}"  # a live process: a build in progress
    foreign = output.parent / ".public.new-1x"
    unmarked = output.parent / f".public.old-{_dead_pid()}"
    for directory in (running, foreign, unmarked):
        directory.mkdir()
    (running / MARKER).write_text("x")
    (unmarked / "important.txt").write_text("keep")
    build(content)
    assert leftovers(output) == sorted(p.name for p in (running, foreign, unmarked))


def _has_files(directory: Path) -> bool:
    try:
        return any(directory.iterdir())
    except FileNotFoundError:  # renamed into place meanwhile
        return False


def _dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_builds_are_byte_identical_across_processes_clocks_and_hash_seeds(corpus, tmp_path):
    trees = []
    for number, env in enumerate([
        {"PYTHONHASHSEED": "1", "TZ": "UTC"},
        {"PYTHONHASHSEED": "2", "TZ": "Pacific/Kiritimati", "SOURCE_DATE_EPOCH": "0", "LC_ALL": "C"},
    ]):
        output = tmp_path / f"public-{number}"
        subprocess.run(build_command(corpus, output), check=True, capture_output=True, env={**os.environ, **env})
        trees.append(tree_digest(output))
    assert trees[0] == trees[1] and len(trees[0]) > CORPUS_MEETINGS


def test_renamed_and_deleted_sources_leave_no_stale_page(site):
    content = site({
        "meetings/2020-01-13-styrgruppen.md": meeting_file("Text.\n"),
        "meetings/2020-02-03-styrgruppen.md": meeting_file("Text.\n", date="2020-02-03"),
    })
    output = content.parent / "public"
    build(content)
    (content / "people" / "eva-ek.md").rename(content / "people" / "eva-eksson.md")
    (content / "meetings" / "2020-02-03-styrgruppen.md").unlink()
    build(content)
    assert (output / "personer" / "eva-eksson" / "index.html").is_file()
    assert not (output / "personer" / "eva-ek").exists()
    assert not (output / "moten" / "2020-02-03-styrgruppen").exists()
    build(content, content.parent / "clean")
    assert tree_digest(output) == tree_digest(content.parent / "clean")  # nothing more, nothing less
