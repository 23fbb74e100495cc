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

import gzip
import hashlib
import html
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, ContentError, display_path
from .swedish import sort_key

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
    import subprocess  # here, as cbor2 in the index files' functions: only a build that indexes needs them

    import cbor2

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
        for language in languages.values():
            language["hash"] = _make_filters_deterministic(site_dir / INDEX_DIR, language["hash"])
        entry.write_text(json.dumps(json.loads(entry.read_text(encoding="utf-8")) | {"languages": languages},
                                    ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    except (OSError, ValueError, KeyError, IndexError, TypeError, cbor2.CBORError) as exc:
        raise _failed(where, f"Pagefind skrev inget giltigt index ({entry.name}): {exc}") from exc
    return IndexReport(
        pages=sum(language["page_count"] for language in languages.values()),
        languages=tuple(sorted(languages)),
        seconds=time.perf_counter() - started,
    )


_SIGNATURE = b"pagefind_dcd"
"""Pagefind's index files are gzip over this signature and CBOR."""


def _read_index_file(path: Path) -> object:
    import cbor2

    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path.name} har inte Pagefinds signatur")
    return cbor2.loads(data[len(_SIGNATURE):])


def _write_index_file(folder: Path, prefix: str, suffix: str, value: object, digits: int) -> str:
    """Write `value` as an index file named by its content; return the name's hash part."""
    import cbor2

    data = gzip.compress(_SIGNATURE + cbor2.dumps(value), mtime=0)
    name = f"{prefix}{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{name}{suffix}").write_bytes(data)
    return name


def _make_filters_deterministic(index_dir: Path, meta_hash: str) -> str:
    """Rewrite Pagefind's filter files, and the meta file naming them, in sorted order.

    Pagefind 1.5 writes filter values in hash-map order, which changes from run to run
    (Pagefind/pagefind#638), so two builds of one site would differ. Sorting the values
    and naming each file by a hash of its bytes makes the index byte-identical; the
    reader's side looks files up by the names the meta file gives, so it is unaffected.
    Returns the meta file's new hash, for `pagefind-entry.json`."""
    language = meta_hash.split("_", 1)[0]
    meta_path = index_dir / f"pagefind.{meta_hash}.pf_meta"
    meta = _read_index_file(meta_path)
    filters = []
    for name, old_hash in sorted(meta[3]):
        old = index_dir / "filter" / f"{old_hash}.pf_filter"
        filter_name, values = _read_index_file(old)
        old.unlink()
        # Swedish order: the search page lists the values as the file gives them.
        ordered = sorted(values, key=lambda entry: (sort_key(entry[0]), entry[0]))
        # Pagefind's UI inserts filter values into the page as HTML, so a group named
        # '"><img src=x onerror=…>' would run its script there (tests/browser/test_xss.py):
        # the values are stored escaped, which the UI shows as the text they are.
        canonical = [filter_name, [[html.escape(value), sorted(pages)] for value, pages in ordered]]
        filters.append([name, _write_index_file(index_dir / "filter", f"{language}_", ".pf_filter", canonical, 7)])
    meta[3] = filters
    meta_path.unlink()
    return _write_index_file(index_dir, f"pagefind.{language}_", ".pf_meta", meta, 10).removeprefix("pagefind.")


def _failed(where: str, message: str) -> BuildFailed:
    return BuildFailed([ContentError(where, 0, f"sökindexet kunde inte byggas: {message}")])
