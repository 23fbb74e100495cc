"""Sharing the heavy, independent work of a whole build out over processes.

A whole build links every meeting's minutes and renders every page; each of those is
independent of the others, and together they are most of the build. `shared_map` does
a share of them in this process and hands the rest to worker processes, which get what
they work on once, when they start. The results are the same as doing them all here, in
the same order (`tests/test_fast_paths.py` compares).
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    """Whether worker processes can be forked safely: on Linux, with no other thread running.
    A forked worker shares what this process has built; forking while other threads run (serve)
    can deadlock, and macOS refuses to fork safely."""
    return sys.platform == "linux" and threading.active_count() == 1


def start_method() -> multiprocessing.context.BaseContext:
    """'fork' where it is safe, else 'spawn'. A spawned worker imports the program's main module
    again, which hangs a program that builds outside an `if __name__ == "__main__":`."""
    return multiprocessing.get_context("fork" if can_fork() else "spawn")


def shared_map(work: Callable[[Any, T], R], state: Any, items: Sequence[T], jobs: int, chunk: int) -> Iterator[R]:
    """`work(state, item)` for every item, in order, as they are asked for: the first share
    in this process, the rest by `jobs` - 1 workers in chunks of `chunk` items (so that
    neither side ever holds all of the workers' results at once). `work` must be a
    module-level function; `state` and `items` must pickle unless workers fork.

    This process starts at once and takes a little more (workers take time to start).
    """
    if jobs < 2:
        yield from (work(state, item) for item in items)
        return
    own = len(items) * 11 // (10 * jobs)
    ranges = [(start, min(start + chunk, len(items))) for start in range(own, len(items), chunk)]
    # The garbage collector writes into every object it examines, which would make a forked
    # worker copy every page of memory it shares with this process: leave them out of its scans.
    gc.freeze()
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs - 1, mp_context=start_method(),
                                                  initializer=_start_worker, initargs=(work, state, items))
    try:
        futures = [pool.submit(_work_on, *span) for span in ranges]
        for item in items[:own]:
            yield work(state, item)
        for future in futures:
            yield from future.result()
    finally:
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


_worker: tuple[Callable[[Any, Any], Any], Any, Sequence[Any]] | None = None
"""In a worker process: the work, its state and the items, given once when it starts."""


def _start_worker(work: Callable[[Any, Any], Any], state: Any, items: Sequence[Any]) -> None:
    global _worker
    _worker = (work, state, items)


def _work_on(start: int, end: int) -> list[Any]:
    assert _worker is not None
    work, state, items = _worker
    return [work(state, item) for item in items[start:end]]
