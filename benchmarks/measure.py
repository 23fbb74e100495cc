"""Measuring one command: wall time, CPU time and peak memory of its whole process tree.

Stdlib only, Linux (`/proc`, `os.wait4`). The command runs in a session of its own, so
every process it starts (a worker pool, a shell's children) shares its session id and
counts towards its memory; on a timeout the whole session is killed.
"""

from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.02
"""How often the tree's resident memory is summed: short next to any build we time."""
RESCAN_EVERY = 5
"""Look for new processes in the tree every this many samples (listing /proc costs more)."""


@dataclass(frozen=True)
class Sample:
    """One run of a command."""

    wall: float
    """Seconds from start until the command's first process was reaped."""
    cpu: float
    """User + system seconds of the command and every descendant it waited for."""
    peak_rss: int
    """Bytes: the largest sum of resident memory over the process tree seen while sampling,
    and never less than the largest single process (the kernel's own high-water mark)."""
    exit_code: int
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class ProcessTree:
    """The processes of one session, found in /proc, and the largest sum of their RSS."""

    def __init__(self, session: int):
        self.session = session
        self.members: set[int] = {session}
        self.others: set[int] = set()
        """Pids seen that belong to another session (checked once: a build is short
        next to how long the kernel takes to reuse a pid)."""
        self.peak = 0

    def rescan(self) -> None:
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in self.members or pid in self.others:
                continue
            if _session_of(pid) == self.session:
                self.members.add(pid)
            else:
                self.others.add(pid)

    def sample(self) -> None:
        total = 0
        for pid in list(self.members):
            rss = _rss(pid)
            if rss is None:
                self.members.discard(pid)
            else:
                total += rss
        self.peak = max(self.peak, total)

    def watch(self, stop: threading.Event) -> None:
        tick = 0
        while not stop.is_set():
            if tick % RESCAN_EVERY == 0:
                self.rescan()
            self.sample()
            tick += 1
            stop.wait(SAMPLE_SECONDS)


def _session_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[3])  # after "pid (comm)": state, ppid, pgrp, session


def _rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    log: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Sample:
    """Run `command` once in `cwd`, its output appended to `log`, and measure it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        output.write(f"$ {' '.join(map(str, command))}  (in {cwd})\n".encode())
        output.flush()
        started = time.monotonic()
        process = subprocess.Popen(list(command), cwd=cwd, env=None if env is None else dict(env),
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        tree = ProcessTree(process.pid)
        stop = threading.Event()
        watcher = threading.Thread(target=tree.watch, args=(stop,), daemon=True)
        watcher.start()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            _kill_session(process.pid)

        killer = threading.Timer(timeout, expire)
        killer.start()
        # A blocking wait4 on the main thread: the wall time ends when the process does,
        # not at the next poll.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        killer.cancel()
        stop.set()
        watcher.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        _kill_session(process.pid)  # anything the command left running
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
                  peak_rss=max(tree.peak, usage.ru_maxrss * 1024),  # ru_maxrss is in KiB on Linux
                  exit_code=process.returncode, timed_out=expired.is_set())


def _kill_session(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def growth_exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of log(time) over log(N): 1.0 is linear, 2.0 quadratic.

    `points` are (N, seconds). None with fewer than two distinct sizes or a time ≤ 0,
    where no slope can be fitted.
    """
    usable = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(usable) != len(points) or len({x for x, _ in usable}) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    spread = sum((x - mean_x) ** 2 for x, _ in usable)
    return sum((x - mean_x) * (y - mean_y) for x, y in usable) / spread
