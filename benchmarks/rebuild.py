#!/usr/bin/env python3
"""The serve path in one process: a warm build rebuilt with nothing changed, and after one
meeting changed.

    python benchmarks/rebuild.py CONTENT_DIR OUTPUT_DIR --json RESULT.json [--edits 10] [--repeats 5]

Drives `site_gen.serve.SiteBuilder`, the object `site-gen serve` builds with, without its
HTTP server, file watcher and debounce: its first build, then `repeats` builds with nothing
reported changed, then `edits` builds each after one meeting file was edited (a sentence
added to its first paragraph, as `edit_latency.py` does) and reported changed. Writes the
wall and CPU seconds of each build to RESULT.json and restores every edited file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks.edit_latency import edited, spread  # noqa: E402
from site_gen.pipeline import BuildOptions  # noqa: E402
from site_gen.serve import SiteBuilder  # noqa: E402


def timed_build(builder: SiteBuilder, changed: list[Path], cpu: list[float] | None = None) -> float:
    """Wall seconds of one build; its CPU seconds (steadier on a busy machine) go to `cpu`."""
    started, started_cpu = time.perf_counter(), time.process_time()
    builder.build(changed)
    seconds = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    if builder.failure is not None:
        raise SystemExit("\n".join(str(error) for error in builder.failure.errors))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    content = args.content.absolute()
    log: list[str] = []
    builder = SiteBuilder(BuildOptions(content_dir=content, output_dir=args.output, include_drafts=True),
                          log=log.append)
    result = {"first_build": timed_build(builder, []), "no_change_cpu": [], "one_meeting_cpu": []}
    result["no_change"] = [timed_build(builder, [], result["no_change_cpu"]) for _ in range(args.repeats)]
    chosen = spread(sorted((content / "meetings").glob("*.md")), args.edits)
    originals = {path: path.read_bytes() for path in chosen}
    result["one_meeting"] = []
    try:
        for number, path in enumerate(chosen):
            marker = f"Ombyggnad {number} för mätning."
            path.write_text(edited(originals[path].decode("utf-8"), marker), encoding="utf-8")
            result["one_meeting"].append(timed_build(builder, [path], result["one_meeting_cpu"]))
            page = args.output / "moten" / path.stem / "index.html"
            if marker not in page.read_text(encoding="utf-8"):
                raise SystemExit(f"{page} lacks the edit")
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    result["log"] = log
    args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
