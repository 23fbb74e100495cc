#!/usr/bin/env python3
"""How busy each process of a command is over time: CPU milliseconds per process in each
slice of wall time (Linux only).

    python benchmarks/timeline.py [--slice MS] -- COMMAND [ARG ...]

For example, where a whole build over two cores leaves a core idle (a cold build: delete
the output directory first):

    python benchmarks/timeline.py -- .venv/bin/python benchmarks/build_only.py \\
        --content /dev/shm/site-gen-bench/corpus-1000/content --output /dev/shm/timeline-out

Runs COMMAND and, every 2 ms until it ends, reads the CPU time of it and of every process
under it from `/proc/<pid>/schedstat` (nanoseconds on a CPU, unlike the 10 ms ticks of
`/proc/<pid>/stat`). Prints one row per slice: each process's CPU milliseconds in it, in
the order the processes were first seen (p0 is COMMAND), and their sum with a bar. A slice
of 20 ms on two cores holds at most 40 ms of CPU; the sampler itself uses about 1.4 ms of
CPU per 20 ms, which the rows do not count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

NS_PER_MS = 1_000_000


def descendants(pid: int) -> list[int]:
    """`pid` and every process under it that is still running."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                todo += [int(child) for child in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:  # ended meanwhile
            continue
    return found


def cpu_ns(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def sample(command: list[str]) -> list[tuple[int, int, int]]:
    """(nanoseconds since the start, pid, its CPU nanoseconds so far) every 2 ms, until COMMAND ends."""
    started = time.monotonic_ns()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    samples = []
    while process.poll() is None:
        now = time.monotonic_ns() - started
        for pid in descendants(process.pid):
            used = cpu_ns(pid)
            if used is not None:
                samples.append((now, pid, used))
        time.sleep(0.002)
    return samples


def report(samples: list[tuple[int, int, int]], slice_ms: int) -> list[str]:
    slice_ns = slice_ms * NS_PER_MS
    pids: list[int] = []
    last: dict[int, int] = {}
    used: defaultdict[int, Counter[int]] = defaultdict(Counter)
    for at, pid, total in samples:
        if pid not in last:
            pids.append(pid)
            last[pid] = 0
        used[at // slice_ns][pid] += total - last[pid]
        last[pid] = total
    lines = ["   ms " + " ".join(f"{f'p{n}':>6}" for n in range(len(pids))) + "    sum"]
    for number in sorted(used):
        row = used[number]
        busy = sum(row.values())
        cells = " ".join(f"{row[pid] / NS_PER_MS:6.1f}" for pid in pids)
        lines.append(f"{number * slice_ms:5d} {cells} | {busy / NS_PER_MS:5.1f} {'#' * round(busy / slice_ns * 20)}")
    totals = ", ".join(f"p{n} {last[pid] / NS_PER_MS:.0f} ms" for n, pid in enumerate(pids))
    lines.append(f"CPU seen by the end: {totals}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slice", type=int, default=20, help="milliseconds of wall time per row (20)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or not Path("/proc/self/schedstat").exists():
        parser.error("give a command after --, on Linux")
    print("\n".join(report(sample(command), args.slice)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
