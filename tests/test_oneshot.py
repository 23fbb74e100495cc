"""Loading while doing other work: how a one-shot build will start."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from site_gen.markdown import refused_urls

from .conftest import REPO, generate_corpus

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


@given(st.text(alphabet=st.sampled_from("ab :/()!&#;\\*_`\n\t\"'javscript:http.exmpl@"), max_size=80)
       | st.text(max_size=80).map(lambda text: text.replace("[", "").replace("<", "")))
def test_a_text_without_brackets_has_no_link_to_refuse(text):
    # Loading skips parsing a description without '[' or '<' (`load._description`): without
    # either, CommonMark has no link, image or autolink (raw HTML and linkify are off).
    assert refused_urls(text) == []
