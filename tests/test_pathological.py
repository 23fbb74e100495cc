"""Pathological Markdown finishes: a build of minutes made to trip up a parser completes.

The build runs in a subprocess with a generous time limit, so a hang (or quadratic time:
100,000 brackets once took ten seconds, 20,000 identical headings two minutes, a 10 MB line
of names hours) fails this test instead of hanging the suite. There is no other timing here.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO, meeting_file

HANG_GUARD = 120.0
"""Seconds: about ten times what the whole build takes on a slow machine."""

BODIES = {
    "brackets": "[" * 100_000,
    "entity-refs": "[[" * 50_000 + "x" * 1000,
    "closed-entity-refs": "[[Leif Redestig]] " * 20_000,
    "stars": "*" * 100_000,
    "emphasis": "*a **b _c __d " * 10_000,
    "backticks": "`" * 100_000,
    "link-openers": "[a](" * 25_000,
    "angle-brackets": "<" * 100_000,
    "entities": "&#" * 50_000,
    "nested-lists": "".join("  " * depth + "- x\n" for depth in range(1000)),
    "list-markers": "- " * 100_000 + "x",
    "blockquotes": ">" * 100_000 + " x",
    "nested-blockquotes": "".join(">" * depth + " x\n" for depth in range(1, 1000)),
    "long-line": "ord " * 2_500_000,  # a 10 MB line
    "long-line-of-names": "Leif och Eva Ek pratade om Fritidsbanken. " * 12_500,  # 0.5 MB, 37,500 links
    "same-heading": "## Punkt\n\n" * 10_000,
    "table": "|a|b|\n|-|-|\n" + "|x|y|\n" * 10_000,
}


def test_pathological_markdown_builds_in_bounded_time(site):
    files = {
        f"meetings/2020-01-{day:02d}-styrgruppen.md": meeting_file(f"## {name}\n\n{body}\n", date=f"2020-01-{day:02d}")
        for day, (name, body) in enumerate(BODIES.items(), start=1)
    }
    content = site(files)
    output = content.parent / "public"
    try:
        result = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--content", str(content), "--output", str(output)],
            capture_output=True, text=True, timeout=HANG_GUARD,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the build did not finish in {HANG_GUARD:.0f} s") from None
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    for day in range(1, len(BODIES) + 1):
        assert (output / "moten" / f"2020-01-{day:02d}-styrgruppen" / "index.html").is_file()
