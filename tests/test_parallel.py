"""`parallel.shared_map` and `parallel.shared_stream` give what doing the work here gives.

Run in processes of their own: a thread left running by another test would rightly keep
them from forking (`parallel.can_fork`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from site_gen import parallel

REPO = Path(__file__).resolve().parent.parent

SHARED_MAP = """
import sys
from site_gen import parallel

def work(state, item):
    return (state, item * item)

count, chunk = int(sys.argv[1]), int(sys.argv[2])
items = list(range(count))
print(list(parallel.shared_map(work, "s", items, 3, chunk)) == [("s", i * i) for i in items])
"""

SHARED_MAP_FAILING = """
import multiprocessing
import os
import sys
import time
from site_gen import parallel

def work(parent, item):
    here = os.getpid() == parent
    if here == (sys.argv[1] == "this_process"):
        raise ValueError(f"item {item} failed in {sys.argv[1]}")
    time.sleep(0.002)  # the other side is slow: the failing side surely takes a chunk
    return item

try:
    list(parallel.shared_map(work, os.getpid(), list(range(200)), 3, 5))
except ValueError as exc:
    print(str(exc).split()[-1])
print(multiprocessing.active_children() == [])
"""

SHARED_MAP_KILLED = """
import os
import signal
import time
from site_gen import parallel

def work(parent, item):
    if os.getpid() != parent:  # a worker dies without a word, as under the kernel's OOM killer
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)  # so that the worker, starting, finds chunks left to take
    return item

try:
    list(parallel.shared_map(work, os.getpid(), list(range(200)), 2, 5))
except RuntimeError as exc:
    print(str(exc).replace(" ", "_"))
"""

SHARED_STREAM = """
import sys
from site_gen import parallel

def work(items):
    return [-item for item, _ in items]

count, batch, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[5])
made = []

def items():  # made as asked for, as pages are; `size` bytes each (large ones fill the pipe)
    for item in range(count):
        made.append(item)
        yield item, "x" * size

def steps():  # other work of this process, a step at a time
    for step in range(count // 10 + 2):
        yield [f"step {step}"] if step % 2 else []

workers = parallel.start_workers(int(sys.argv[3]))
total = count if sys.argv[6] == "1" else None
results = list(parallel.shared_stream(work, items(), workers, batch, meanwhile=steps(), small_results=sys.argv[4] == "1",
                                      total=total))
expected = [-i for i in range(count)] + [f"step {step}" for step in range(count // 10 + 2) if step % 2]
print(sorted(results, key=str) == sorted(expected, key=str) and made == list(range(count)))
print(all(not worker.busy for worker in workers))
for worker in workers:
    worker.close()
"""


@pytest.mark.parametrize(("count", "chunk"), [(0, 7), (1, 7), (2, 7), (5, 1), (1000, 7), (1000, 1000)])
def test_shared_map_gives_every_result_in_order(count, chunk):
    run = subprocess.run([sys.executable, "-c", SHARED_MAP, str(count), str(chunk)], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True"]


@pytest.mark.parametrize("where", ["this_process", "a_worker"])
def test_shared_map_raises_what_any_process_raised_and_leaves_no_worker(where):
    """Whichever process fails (this one, or a worker), its exception is raised by
    `shared_map`, and no worker outlives it."""
    run = subprocess.run([sys.executable, "-c", SHARED_MAP_FAILING, where], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [where, "True"]


def test_shared_map_raises_when_a_worker_dies_instead_of_waiting_for_it():
    run = subprocess.run([sys.executable, "-c", SHARED_MAP_KILLED], cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["a_worker_of_the_build_ended_before_its_work_was_done"]


FORKED_WORKER = """
import os
import threading
from site_gen import parallel

def fail(text):
    raise ValueError(text)

def unpicklable():
    return threading.Lock()

def end_at_once():
    os._exit(3)

worker, = parallel.start_workers(1)
worker.call(fail, "trasig")
try:
    worker.result()
except ValueError as exc:
    print("raised", exc)
worker.call(unpicklable)
try:
    worker.result()
except RuntimeError as exc:
    print("unpicklable", "could not send a lock" in str(exc))
worker.call(pow, 2, 10)
print("answered", worker.result())
worker.send(memoryview(b"not a pickle"))  # the worker cannot read its call: it ends, and never returns here
try:
    worker.result()
except EOFError:
    print("ended")
worker.close()
worker.close()
killed, = parallel.start_workers(1)
killed.call(end_at_once)  # a worker that dies without a word, as under the kernel's OOM killer
try:
    killed.result()
except EOFError:
    print("died")
busy, = parallel.start_workers(1)
busy.call(__import__("time").sleep, 60)
busy.close()  # at work nobody waits for: killed, and waited for
print("closed")
"""


def test_a_forked_worker_answers_raises_and_ends_and_never_returns_into_the_code_that_forked_it():
    run = subprocess.run([sys.executable, "-c", FORKED_WORKER], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=False)
    # Each line once, and nothing else: printed by this process alone, never by a worker gone on
    # with the code that forked it.
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.splitlines() == ["raised trasig", "unpicklable True", "answered 1024", "ended", "died", "closed"]


@pytest.mark.parametrize("total", [False, True], ids=["count unknown", "count known"])
@pytest.mark.parametrize("small_results", [False, True], ids=["one batch ahead", "eight batches ahead"])
@pytest.mark.parametrize(("count", "batch", "workers", "size"), [
    (0, 4, 2, 1), (1, 4, 2, 1), (7, 4, 2, 1), (1000, 4, 2, 1), (1000, 64, 2, 1), (1000, 64, 1, 1), (25, 4, 0, 1),
    (60, 4, 1, 300_000),  # batches larger than the pipe: kept until they fit, never waited on
])
def test_shared_stream_gives_every_result_once_and_leaves_no_worker_busy(count, batch, workers, size, small_results,
                                                                         total):
    run = subprocess.run([sys.executable, "-c", SHARED_STREAM, str(count), str(batch), str(workers),
                          str(int(small_results)), str(size), str(int(total))], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


@pytest.mark.parametrize(("left", "batch", "workers", "expected"), [
    (1000, 64, 1, 64),  # plenty left: the whole batch
    (100, 64, 1, 25),  # a quarter of what is left: a worker holds two batches, this process the rest
    (100, 64, 3, 12),
    (20, 64, 1, 8),  # never fewer than eight items: each batch has costs of its own
    (0, 64, 1, 8),
    (1000, 4, 1, 4),  # unless the batch is smaller
])
def test_a_workers_batches_shrink_as_the_items_run_out(left, batch, workers, expected):
    assert parallel._share(left, batch, workers) == expected


@pytest.mark.parametrize(("count", "batch", "processes", "sizes"), [
    (100, 25, 2, [25, 18, 14, 10, 8, 8, 8, 8, 1]),  # a quarter of what is left, at least eight
    (100, 25, 1, [25, 25, 25, 25]),  # one process waits for nobody
    (10, 25, 2, [8, 2]),
    (0, 25, 2, []),
])
def test_batches_for_shared_map_are_shorter_at_the_end(count, batch, processes, sizes):
    made = parallel.batches(list(range(count)), batch, processes)
    assert [len(b) for b in made] == sizes
    assert [item for b in made for item in b] == list(range(count))


class _Shared(dict):
    """Stands for an object the receiving process holds already."""


def _held(key):
    return {"held": key}


def test_a_message_pickles_objects_of_the_reducers_types_by_reference():
    import pickle

    from site_gen.parallel import ForkedWorker

    shared = _Shared(key="a", large="x" * 10_000)
    message = ForkedWorker.message(sorted, [shared, shared, {"plain": 1}], reducers={_Shared: lambda s: (_held, (s["key"],))})
    work, (items,) = pickle.loads(message)
    assert work is sorted and items == [{"held": "a"}, {"held": "a"}, {"plain": 1}]
    assert len(message) < 1_000  # the large value was never sent
    assert pickle.loads(ForkedWorker.message(sorted, shared))[1] == (shared,)  # without reducers: the object itself
