"""The benchmark harness's own parts (benchmarks/): the growth fit, the peers' corpus
conversion, the process-tree measurement, and one small run of the whole command on
site-gen alone. No peer is installed or run here, and no speed is asserted."""

from __future__ import annotations

import json
import math
import platform
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from benchmarks import calls, convert, gen_corpus, timeline
from benchmarks.measure import growth_exponent, run_measured
from benchmarks.run import _environment, _tree_digest, interpreter

REPO = Path(__file__).resolve().parent.parent
MIB = 2**20


def test_growth_exponent_is_the_slope_of_log_time_over_log_n():
    assert growth_exponent([(100, 0.5), (1000, 5.0), (10000, 50.0)]) == pytest.approx(1.0)
    assert growth_exponent([(100, 0.01), (1000, 1.0), (10000, 100.0)]) == pytest.approx(2.0)
    # a least-squares fit over every point, not the slope between the two ends
    points = [(100, 1.0), (200, 10.0), (10000, 100.0)]
    logs = [(math.log(n), math.log(t)) for n, t in points]
    expected = statistics.linear_regression([x for x, _ in logs], [y for _, y in logs]).slope
    assert growth_exponent(points) == pytest.approx(expected)
    assert abs(expected - (logs[2][1] - logs[0][1]) / (logs[2][0] - logs[0][0])) > 0.1


def test_growth_exponent_needs_two_sizes():
    assert growth_exponent([(1000, 2.0)]) is None
    assert growth_exponent([(1000, 2.0), (1000, 3.0)]) is None
    assert growth_exponent([(100, 0.0), (1000, 3.0)]) is None


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    gen_corpus.generate(10, out, seed=1)
    return out / "content"


def _source_body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_read_corpus_resolves_names_groups_and_discussed_projects(corpus_dir):
    corpus = convert.read_corpus(corpus_dir)
    assert len(corpus.meetings) == 10
    first = corpus.meetings[0]
    source = corpus_dir / "meetings" / f"{first.slug}.md"
    front = yaml.safe_load(source.read_text(encoding="utf-8").split("---\n")[1])
    names = [entry["name"] if isinstance(entry, dict) else entry for entry in front["attendees"]]
    assert [corpus.people[slug].name for slug in first.attendees] == names
    assert corpus.people[first.note_taker].name == front["note_taker"]
    assert first.body == _source_body(source)
    for meeting in corpus.meetings:
        for slug, project in corpus.projects.items():
            assert (slug in meeting.projects) == (project.name.casefold() in meeting.body.casefold())
    assert any(meeting.projects for meeting in corpus.meetings)


def _front_matter(path: Path) -> tuple[dict, str]:
    return convert.split_front_matter(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("tool", sorted(convert.LAYOUTS))
def test_each_peer_gets_the_identical_minutes(tool, corpus_dir, tmp_path):
    corpus = convert.read_corpus(corpus_dir)
    site = tmp_path / tool
    convert.LAYOUTS[tool](corpus, site)
    meetings_dir = {"hugo": "content/meetings", "eleventy": "src/meetings", "pelican": "content/meetings",
                    "mkdocs": "docs/meetings"}[tool]
    written = sorted(p.name for p in (site / meetings_dir).glob("*.md") if p.name != "_index.md")
    assert written == sorted(p.name for p in (corpus_dir / "meetings").glob("*.md"))
    for meeting in corpus.meetings:
        text = (site / meetings_dir / f"{meeting.slug}.md").read_text(encoding="utf-8")
        assert text.endswith(meeting.body)
    # the adapter came along
    config = {"hugo": "hugo.toml", "eleventy": "eleventy.config.mjs", "pelican": "pelicanconf.py",
              "mkdocs": "mkdocs.yml"}[tool]
    assert (site / config).is_file()


def test_hugo_layout_keys_taxonomies_by_slug_with_named_term_pages(corpus_dir, tmp_path):
    corpus = convert.read_corpus(corpus_dir)
    convert.lay_out_hugo(corpus, tmp_path)
    meeting = corpus.meetings[3]
    front, _ = _front_matter(tmp_path / "content" / "meetings" / f"{meeting.slug}.md")
    assert front["people"] == list(meeting.attendees)
    assert front["projects"] == list(meeting.projects)
    assert front["groups"] == [meeting.group]
    for person in corpus.people.values():
        term, _ = _front_matter(tmp_path / "content" / "people" / person.slug / "_index.md")
        assert term["title"] == person.name
    assert sorted(p.name for p in (tmp_path / "content" / "projects").iterdir() if p.is_dir()) == sorted(corpus.projects)


def test_pelican_layout_uses_its_own_metadata(corpus_dir, tmp_path):
    corpus = convert.read_corpus(corpus_dir)
    convert.lay_out_pelican(corpus, tmp_path)
    meeting = corpus.meetings[0]
    head = (tmp_path / "content" / "meetings" / f"{meeting.slug}.md").read_text(encoding="utf-8").split("\n\n")[0]
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    assert fields["Authors"] == ", ".join(corpus.people[slug].name for slug in meeting.attendees)
    assert fields["Category"] == corpus.groups[meeting.group].name
    assert fields["Slug"] == meeting.slug


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_peak_memory_is_the_sum_over_the_process_tree(tmp_path):
    # Two children hold 80 MiB each at the same time: no single process reaches 160 MiB.
    code = """
        import multiprocessing, time
        def hold(_):
            block = bytearray(80 * 2**20)
            time.sleep(1.0)
        if __name__ == "__main__":
            children = [multiprocessing.Process(target=hold, args=(n,)) for n in range(2)]
            for child in children: child.start()
            for child in children: child.join()
    """
    sample = run_measured(_python(code), cwd=tmp_path, log=tmp_path / "log", timeout=60)
    assert sample.ok
    assert sample.peak_rss >= 160 * MIB
    single = run_measured(_python("block = bytearray(80 * 2**20)"), cwd=tmp_path, log=tmp_path / "log", timeout=60)
    assert 80 * MIB <= single.peak_rss < 160 * MIB


def test_timeline_shows_each_process_busy_when_it_is(tmp_path):
    # The parent spins alone for 0.3 s, then waits while a child it forks spins for 0.3 s and
    # then waits for a grandchild that spins for 0.3 s.
    code = """
        import os, time
        def spin(seconds):
            end = time.process_time() + seconds
            while time.process_time() < end: pass
        spin(0.3)
        if os.fork() == 0:
            spin(0.3)
            if os.fork() == 0:
                spin(0.3)
                os._exit(0)
            os.wait()
            os._exit(0)
        os.wait()
    """
    samples = timeline.sample(_python(code))
    pids = list(dict.fromkeys(pid for _, pid, _ in samples))
    assert len(pids) == 3
    cpu = {pid: max(used for _, p, used in samples if p == pid) for pid in pids}
    assert cpu[pids[0]] >= 0.25e9 and cpu[pids[1]] >= 0.2e9 and cpu[pids[2]] >= 0.2e9
    child_started = min(at for at, p, _ in samples if p == pids[1])
    assert child_started >= 0.25e9  # after the parent's own 0.3 s
    rows = timeline.report(samples, 100)
    assert rows[0].split() == ["ms", "p0", "p1", "p2", "sum"]
    slices = [[float(cell) for cell in row.split()[:4]] for row in rows[1:-1]]
    assert [sum(row[column] for row in slices) >= 200 for column in (1, 2, 3)] == [True, True, True]
    # Each starts only after the one before it has spun.
    assert min(row[0] for row in slices if row[2] > 0) >= 200 and min(row[0] for row in slices if row[3] > 0) >= 400


def test_calls_reports_each_function_by_process_and_the_wait_at_the_end_of_linking():
    lines = ["11 build_library 10.00 90.00", "11 _resolve_batch 20.00 50.00", "22 _resolve_batch 21.00 40.00",
             "11 _resolve_batch 50.00 80.00", "22 _resolve_batch 40.50 75.50"]
    report = calls.summary(lines)
    assert report[1].split() == ["p0", "build_library", "1", "80.0", "10.0", "90.0"]
    assert report[2].split() == ["p0", "_resolve_batch", "2", "60.0", "20.0", "80.0"]
    assert report[3].split() == ["p1", "_resolve_batch", "2", "54.0", "21.0", "75.5"]
    assert report[-1] == "linking: the first process to finish waited 4.5 ms for the last"


def test_calls_times_a_whole_build_in_every_process(corpus_dir, tmp_path):
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "calls.py"), "--content", str(corpus_dir),
                          "--output", str(tmp_path / "out"), "--jobs", "2"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in run.stdout.splitlines()[1:]}
    assert rows[("p0", "build_library")][0] == "1" and float(rows[("p0", "build_library")][1]) > 0
    assert ("p0", "write_whole_site") in rows
    # The worker forked at the start read files and rendered pages, and said so from its own process.
    assert {name for process, name in rows if process != "p0"} >= {"_load_numbered", "render_and_write"}
    assert (tmp_path / "out" / "index.html").is_file()


def test_a_build_past_its_timeout_is_killed_and_marked(tmp_path):
    sample = run_measured(_python("import time; time.sleep(60)"), cwd=tmp_path, log=tmp_path / "log", timeout=0.5)
    assert sample.timed_out and not sample.ok
    assert sample.wall < 30


def test_the_command_measures_site_gen_and_leaves_the_corpus_as_it_was(tmp_path):
    work = tmp_path / "work"
    command = [sys.executable, str(REPO / "benchmarks" / "run.py"), "--sizes", "10,20", "--tools", "site-gen",
               "--runs", "1", "--edits", "2", "--rebuild-edits", "2", "--work", str(work),
               "--json", str(tmp_path / "result.json")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    for n in ("10", "20"):
        place = result["sizes"][n]["work"]
        cold = place["cold"]["site-gen"]
        assert len(cold["samples"]) == 1 and cold["samples"][0]["exit_code"] == 0
        assert cold["pages"] > int(n)  # meetings plus people, projects, groups and indexes
        assert len(place["cli"]["no_change"]) == 1 and len(place["cli"]["one_meeting"]) == 1
        assert len(place["serve_path"]["one_meeting"]) == len(place["serve_path"]["one_meeting_cpu"]) == 2
        assert [edit["builds"] >= 1 for edit in place["edits"]] == [True, True]
        # every edit was restored: the corpus is still the one its stamp describes
        stamp = json.loads((work / f"corpus-{n}" / "corpus.json").read_text(encoding="utf-8"))
        assert stamp["digest"] == _tree_digest(work / f"corpus-{n}" / "content")
    assert "Growth with N" in run.stdout and "| 20 |" in run.stdout
    # the interpreter, which makes a difference of its own, is recorded and reported
    assert result["machine"]["interpreter"] == interpreter() and interpreter() in run.stdout
    assert interpreter().startswith(f"{platform.python_implementation()} {platform.python_version()} (")
    assert interpreter().endswith(("shared libpython)", "libpython linked in)"))


def test_tools_run_with_a_bytecode_cache_as_on_a_users_machine(tmp_path, monkeypatch):
    """A build after the warm-up must not compile site-gen's code again, even where the caller's
    environment forbids writing bytecode."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("SITE_GEN_PROBE", "kept")
    (tmp_path / "probe.py").write_text("import os\nprint(os.environ['SITE_GEN_PROBE'])\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", "import probe"], cwd=tmp_path, env=_environment(tmp_path),
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "kept"  # the rest of the caller's environment is passed on
    assert list((tmp_path / "__pycache__").glob("probe.*.pyc"))
