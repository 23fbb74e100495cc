#!/usr/bin/env python3
"""Edit → page and every dependent page updated on disk, in `site-gen serve`.

    python benchmarks/edit_latency.py CONTENT_DIR [--edits 20] [--output DIR]

Starts the real `site-gen serve` on a free loopback port, waits for the first
build, then edits one meeting file at a time (a different meeting each time,
appending a unique sentence to its first paragraph, as typing does; with
`--structural` also removing an attendee) and measures from the moment
the file is saved until the server reports the new build visible: its long-poll
endpoint answers only after every changed file has been written, so the time
covers the meeting's page and all pages that depend on it. It also checks that
the page on disk contains the new sentence. Prints the median, min and max, and
restores every edited file.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def get(url: str, timeout: float = 120) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--output", type=Path, default=None, help="where serve builds (default: a temporary dir)")
    parser.add_argument("--structural", action="store_true",
                        help="also remove the meeting's last attendee (people, group and index pages change too)")
    args = parser.parse_args()
    output = args.output or Path(tempfile.mkdtemp(prefix="latency-")) / "site"
    meetings = sorted((args.content / "meetings").glob("*.md"))
    step = max(1, len(meetings) // args.edits)
    chosen = [meetings[(number * step) % len(meetings)] for number in range(args.edits)]
    originals = {path: path.read_bytes() for path in chosen}
    command = [sys.executable, str(REPO / "build.py"), "serve", "--content", str(args.content),
               "--port", "0", "--output", str(output)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = re.search(r"http://[^/]+", server.stdout.readline()).group(0)
        started = time.perf_counter()
        epoch = int(re.search(r"const epoch = (\d+);", get(url + "/")).group(1))
        print(f"first build visible after {time.perf_counter() - started:.1f} s; {len(chosen)} edits", flush=True)
        timings = []
        for number, path in enumerate(chosen):
            marker = f"Mätpunkt {number} för redigering."
            text = originals[path].decode("utf-8")
            head, _, body = text.partition("\n---\n")
            if args.structural:  # drop the last attendee: "  - Name", or "  - name: …" and its "    …" lines
                lines = head.split("\n")
                last = max(i for i, line in enumerate(lines) if line.startswith("  - "))
                end = last + 1
                while end < len(lines) and lines[end].startswith("    "):
                    end += 1
                head = "\n".join(lines[:last] + lines[end:])
            edited = head + "\n---\n" + re.sub(r"(\n\n[^#\-\n][^\n]*)", lambda m: m.group(1) + " " + marker, body, count=1)
            saved = time.perf_counter()
            path.write_text(edited, encoding="utf-8")
            epoch = int(get(f"{url}/_livereload/{epoch}"))
            elapsed = time.perf_counter() - saved
            page = output / "moten" / path.stem / "index.html"
            assert marker in page.read_text(encoding="utf-8"), f"{page} lacks the edit"
            timings.append(elapsed * 1000)
            time.sleep(0.2)  # let the editor's next save be a separate burst
        print(f"edit → all dependent pages on disk: median {statistics.median(timings):.0f} ms, "
              f"min {min(timings):.0f} ms, max {max(timings):.0f} ms (n={len(timings)})")
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
