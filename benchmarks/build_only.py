#!/usr/bin/env python3
"""site-gen's one-shot build without the search index, as a process of its own.

    python benchmarks/build_only.py --content DIR --output DIR [--jobs N]

The build `python build.py build` makes (`site_gen.oneshot.build_site`), with
`search_index=False`: the issue compares the build with the peers and reports Pagefind's
indexing apart. Prints the pages and files written and the seconds of each stage, and
ends as `build.py` does (`site_gen.cli.run`: without freeing the build's objects one by one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from site_gen.cli import exit_now  # noqa: E402
from site_gen.errors import BuildFailed  # noqa: E402
from site_gen.options import BuildOptions  # noqa: E402


_report = None


def build_options(description: str) -> BuildOptions:
    """The build this script makes, from the command line (`--content`, `--output`, `--jobs`);
    `benchmarks/calls.py` makes the same one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: one per available CPU)")
    args = parser.parse_args()
    return BuildOptions(content_dir=args.content, output_dir=args.output, search_index=False, jobs=args.jobs)


def main() -> int:
    options = build_options(__doc__.split("\n")[0])
    # Imported as `build.py` imports it: after the options, with nothing else imported before.
    from site_gen.oneshot import build_site

    try:
        report = build_site(options)
    except BuildFailed as failure:
        for error in failure.errors:
            print(error, file=sys.stderr)
        return 1
    global _report  # freed by the exit, not before it (see `site_gen.cli.run`)
    _report = report
    stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in report.stages.items())
    print(f"{report.pages} pages ({report.written} files) in {report.seconds:.2f} s: {stages}")
    return 0


if __name__ == "__main__":
    exit_now(main())
