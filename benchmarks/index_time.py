"""Time Pagefind's indexing of a built site, apart from the build: `index_time.py CONTENT [--runs N]`.

Builds CONTENT once without the index into a temporary directory, then indexes it N
times with `site_gen.search.index_site` (what `build` does before the swap and what
`serve` does on the first search after a change) and prints each time and the median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_gen.pipeline import BuildOptions, build_site  # noqa: E402
from site_gen.search import index_site  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as workdir:
        site = Path(workdir) / "site"
        report = build_site(BuildOptions(content_dir=args.content, output_dir=site, search_index=False))
        times = []
        for _ in range(args.runs):
            indexed = index_site(site)
            times.append(indexed.seconds)
            print(f"{indexed.pages} pages indexed of {report.pages} in {indexed.seconds * 1000:.0f} ms", flush=True)
    print(f"median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
