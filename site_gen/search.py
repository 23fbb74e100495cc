"""Stage 5, index: the full-text search index of a written site, made by Pagefind.

Pagefind reads the finished HTML and writes a static index (`/pagefind/`) that the
search page queries in the reader's browser: no server is needed. What it indexes is
decided in the templates: only elements marked `data-pagefind-body` (the minutes),
with `data-pagefind-filter` for group, person and project, and sub-results for every
heading with an id (the agenda items). The language comes from `<html lang="sv">`,
which selects Pagefind's Swedish stemmer ("Fritidsbanken" finds "Fritidsbank").

A one-shot build indexes the staging directory before it is swapped in, so a
published site always has the index of its own pages. `serve` indexes on demand:
see `site_gen/serve.py`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, ContentError, display_path

SEARCH_URL = "/sok/"
INDEX_DIR = "pagefind"
"""The index's folder in the output directory; the search page loads its scripts from there."""
TIMEOUT = 600.0
"""Seconds before an indexing run counts as hung (N=1,000 takes about 2 s)."""


@dataclass(frozen=True)
class IndexReport:
    pages: int
    """Pages Pagefind indexed (those with `data-pagefind-body`)."""
    languages: tuple[str, ...]
    """Languages of the indexes written, e.g. ('sv',)."""
    seconds: float


def pagefind_binary() -> Path | None:
    """The Pagefind executable that `pagefind[bin]` installs (or `PAGEFIND_BINARY_PATH`, or one on PATH)."""
    from pagefind.service import get_executable  # the Python API's own lookup, so both agree

    return get_executable()


def index_site(site_dir: Path, shown: Path | None = None) -> IndexReport:
    """Write `site_dir/pagefind/` for the HTML in `site_dir`, replacing an older index.

    Raises `BuildFailed` with a message saying what to do when Pagefind is missing or
    fails; its path is `shown` (the output directory when `site_dir` is a staging copy).
    """
    started = time.perf_counter()
    where = display_path(shown or site_dir)
    binary = pagefind_binary()
    if binary is None or not binary.exists():
        raise _failed(where, "Pagefind saknas – installera projektet igen (pip install -e .), "
                                "det installerar paketet pagefind[bin]")
    shutil.rmtree(site_dir / INDEX_DIR, ignore_errors=True)
    command = [str(binary), "--site", str(site_dir), "--output-subdir", INDEX_DIR, "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _failed(where, f"Pagefind kunde inte köras: {exc}") from exc
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip() or f"slutkod {result.returncode}").splitlines()
        raise _failed(where, f"Pagefind misslyckades: {output[-1]}")
    entry = site_dir / INDEX_DIR / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
    except (OSError, ValueError, KeyError) as exc:
        raise _failed(where, f"Pagefind skrev inget giltigt index ({entry.name}): {exc}") from exc
    return IndexReport(
        pages=sum(language["page_count"] for language in languages.values()),
        languages=tuple(sorted(languages)),
        seconds=time.perf_counter() - started,
    )


def _failed(where: str, message: str) -> BuildFailed:
    return BuildFailed([ContentError(where, 0, f"sökindexet kunde inte byggas: {message}")])
