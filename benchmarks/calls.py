#!/usr/bin/env python3
"""When the main calls of a whole build start and end, in each of its processes.

    python benchmarks/calls.py --content DIR --output DIR [--jobs N]

Makes the build `benchmarks/build_only.py` makes (without the search index; delete the
output directory first for a cold build), with the functions in `CALLS` wrapped to note
when each call starts and ends. Prints, for each process (p0 is this one) and function:
the calls, their milliseconds in all, and when the first started and the last ended
(milliseconds from the start of the build). Then how long the process that finished its
share of the linking first waited for the other (`library._resolve_batch`).

`benchmarks/timeline.py` shows how busy each process is; this shows what it is busy with.
The wrappers cost about a microsecond a call. A wrapper takes the name of the function it
wraps, so a worker is sent it in a pickle as it would be sent the function.
"""

from __future__ import annotations

import collections
import functools
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.build_only import build_options  # noqa: E402
from site_gen.cli import import_pipeline  # noqa: E402

CALLS = {
    "site_gen.parallel": ["start_workers"],
    "site_gen.load": ["load_records", "_load_numbered"],
    "site_gen.library": ["build_library", "outline", "_with_indexes", "_resolve_batch"],
    "site_gen.whole_build": ["compile_templates", "write_whole_site", "render_and_write", "write_checked"],
    "site_gen.views": ["meeting_summaries"],
}
"""Module → the functions in it to time."""


def wrap_calls(log: str, started: float) -> None:
    """Replace each function in `CALLS`, wherever `site_gen` holds it, by one that appends
    (process, name, start, end) to the file `log` once the call returns or raises."""
    for module_name, names in CALLS.items():
        module = importlib.import_module(module_name)
        for name in names:
            function = getattr(module, name)
            timed = _timed(function, name, log, started)
            for holder in list(sys.modules.values()):
                if getattr(holder, "__name__", "").startswith("site_gen") and getattr(holder, name, None) is function:
                    setattr(holder, name, timed)


def _timed(function, name: str, log: str, started: float):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            end = time.perf_counter()
            with open(log, "a") as out:  # one short line a call: appended whole, from any process
                out.write(f"{os.getpid()} {name} {(start - started) * 1000:.2f} {(end - started) * 1000:.2f}\n")
    return timed


def summary(lines: list[str]) -> list[str]:
    """The report of the calls noted in `lines`."""
    processes: list[str] = []
    calls: dict[tuple[str, str], list[tuple[float, float]]] = collections.defaultdict(list)
    for line in lines:
        pid, name, start, end = line.split()
        if pid not in processes:
            processes.append(pid)
        calls[(pid, name)].append((float(start), float(end)))
    rows = sorted(calls.items(), key=lambda item: min(start for start, _ in item[1]))
    report = [f"{'process':8} {'function':20} {'calls':>5} {'ms':>8} {'first start':>12} {'last end':>9}"]
    for (pid, name), spans in rows:
        report.append(f"p{processes.index(pid):<7} {name:20} {len(spans):5} {sum(e - s for s, e in spans):8.1f} "
                      f"{min(s for s, _ in spans):12.1f} {max(e for _, e in spans):9.1f}")
    linking_ends = sorted(max(e for _, e in spans) for (_, name), spans in calls.items() if name == "_resolve_batch")
    if len(linking_ends) > 1:
        report.append(f"linking: the first process to finish waited {linking_ends[-1] - linking_ends[0]:.1f} ms for the last")
    return report


def main() -> int:
    options = build_options(__doc__.split("\n")[0])
    pipeline = import_pipeline()
    with tempfile.NamedTemporaryFile("r", prefix="site-gen-calls-", suffix=".txt") as log:
        started = time.perf_counter()
        wrap_calls(log.name, started)
        pipeline.build_site(options)
        print("\n".join(summary(log.read().splitlines())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
