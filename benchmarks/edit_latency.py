#!/usr/bin/env python3
"""Edit → page and every dependent page updated on disk, in `site-gen serve`.

    python benchmarks/edit_latency.py CONTENT_DIR [--edits 20] [--output DIR]

Starts the real `site-gen serve` on a free loopback port, waits for the first
build, then edits one meeting file at a time (a different meeting each time,
appending a unique sentence to its first paragraph, as typing does; with
`--structural` also removing an attendee) and measures from the moment
the file is saved until the server reports a new build visible whose page on disk
contains the new sentence: the long-poll endpoint answers only after every changed
file has been written, so the time covers the meeting's page and all pages that
depend on it. A build may start while the file is still being written (the save is
a truncate and then a write, and a busy machine can pause between the two); that
build fails or misses the edit, and the next one, after the rest of the save, counts.
Prints the median, min and max, and restores every edited file.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def get(url: str, timeout: float = 120) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def edited(text: str, marker: str, *, structural: bool = False) -> str:
    """The meeting file `text` with `marker` appended to its first paragraph, as typing does;
    `structural` also removes the last attendee ("  - Name", or "  - name: …" and its "    …" lines)."""
    head, _, body = text.partition("\n---\n")
    if structural:
        lines = head.split("\n")
        last = max(i for i, line in enumerate(lines) if line.startswith("  - "))
        end = last + 1
        while end < len(lines) and lines[end].startswith("    "):
            end += 1
        head = "\n".join(lines[:last] + lines[end:])
    return head + "\n---\n" + re.sub(r"(\n\n[^#\-\n][^\n]*)", lambda m: m.group(1) + " " + marker, body, count=1)


def spread(meetings: list[Path], count: int) -> list[Path]:
    """`count` meetings spread over the sorted list (a different one each time while they last)."""
    step = max(1, len(meetings) // count)
    return [meetings[(number * step) % len(meetings)] for number in range(count)]


@dataclass(frozen=True)
class Edit:
    ms: float
    """From the save until a visible build had written the edit."""
    builds: int
    """Builds that became visible in that time (more than 1: one started mid-save)."""


def measure(content: Path, edits: int, output: Path, *, structural: bool = False, log=print,
            patience: float = 60) -> list[Edit]:
    """Time `edits` edits, one meeting at a time; fail if an edit is not on disk after `patience` s."""
    chosen = spread(sorted((content / "meetings").glob("*.md")), edits)
    originals = {path: path.read_bytes() for path in chosen}
    command = [sys.executable, str(REPO / "build.py"), "serve", "--content", str(content),
               "--port", "0", "--output", str(output)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = re.search(r"http://[^/]+", server.stdout.readline()).group(0)
        said: list[str] = []  # read all along, so that a full pipe never stalls the server
        threading.Thread(target=lambda: said.extend(server.stdout), daemon=True).start()
        started = time.perf_counter()
        epoch = int(re.search(r"const epoch = (\d+);", get(url + "/")).group(1))
        log(f"first build visible after {time.perf_counter() - started:.1f} s; {len(chosen)} edits")
        results = []
        for number, path in enumerate(chosen):
            marker = f"Mätpunkt {number} för redigering."
            page = output / "moten" / path.stem / "index.html"
            saved = time.perf_counter()
            path.write_text(edited(originals[path].decode("utf-8"), marker, structural=structural), encoding="utf-8")
            builds = 0
            while True:
                visible = int(get(f"{url}/_livereload/{epoch}"))
                builds += visible - epoch
                epoch = visible
                if marker in page.read_text(encoding="utf-8"):
                    break
                if time.perf_counter() - saved > patience:
                    raise AssertionError(f"{page} lacks the edit after {builds} builds; the server said:\n"
                                         + "".join(said[-20:]))
            results.append(Edit((time.perf_counter() - saved) * 1000, builds))
            if builds > 1:
                log(f"edit {number + 1} ({path.name}) took {builds} builds")
            time.sleep(0.2)  # let the editor's next save be a separate burst
        return results
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--output", type=Path, default=None, help="where serve builds (default: a temporary dir)")
    parser.add_argument("--structural", action="store_true",
                        help="also remove the meeting's last attendee (people, group and index pages change too)")
    args = parser.parse_args()
    output = args.output or Path(tempfile.mkdtemp(prefix="latency-")) / "site"
    results = measure(args.content, args.edits, output, structural=args.structural,
                      log=lambda line: print(line, flush=True))
    timings = [edit.ms for edit in results]
    print(f"edit → all dependent pages on disk: median {statistics.median(timings):.0f} ms, "
          f"min {min(timings):.0f} ms, max {max(timings):.0f} ms (n={len(timings)})")


if __name__ == "__main__":
    main()
