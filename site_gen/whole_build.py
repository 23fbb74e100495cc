"""Render and write a whole build's files in every process of the build.

A whole build (not `serve`'s) writes the site into a fresh tree (`write.staged_site`). This
process makes each page's view, from the library only it holds; the forked workers
(`parallel.ForkedWorker`) render the views they are sent and write the pages themselves, and
answer only with the paths written and any non-public names found in them. So this process
neither receives nor writes their bytes, and the answers are small enough that a worker's next
batch can be sent before it has answered (`parallel.shared_stream`'s `small_results`): the
workers never wait for this process between batches.

Each process scans what it writes for non-public names (`privacy.OutputScanner`, sent once to
each worker). The leaks found are collected here and stop the build before the tree is
swapped in: as before, nothing is published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .errors import BuildFailed
from .model import Library
from .parallel import ForkedWorker, shared_stream
from .privacy import Leak, OutputScanner, leak_errors, leaks_in, sources_of
from .render import Renderer, create_environment
from .views import Page
from .write import OutputFile, TreeWriter, url_to_path

RENDER_BATCH = 16
"""Pages a render worker gets at a time: enough that asking costs little next to rendering,
few enough that this process, which renders between asking, never waits long for one."""

Written = tuple[str, list[Leak]]
"""A file written: its path, and the non-public names found in it."""


@dataclass(frozen=True)
class RenderJob:
    """What a process needs to render and write pages: sent once to each worker."""

    templates_dir: Path
    config: SiteConfig
    root: str
    """The tree being written (`write.staged_site`)."""
    scanner: OutputScanner | None
    """None when nobody is withheld: nothing to scan for."""


@dataclass
class _Writing:
    """The job this process works on, with what it made for it."""

    job: RenderJob
    renderer: Renderer
    writer: TreeWriter


_writing: _Writing | None = None
"""In each process, during one whole build: the job it renders and writes for (module level,
because a worker is given it by one call and uses it in the calls after)."""


def start_job(job: RenderJob | None) -> None:
    """Make `job` this process's job (None: the build is over; let go of it)."""
    global _writing
    _writing = None if job is None else _Writing(
        job, Renderer(create_environment(job.templates_dir), job.config), TreeWriter(job.root))


def render_and_write(pages: list[Page]) -> list[Written]:
    """The pages rendered and written, in this process's job (module level, so that a worker can be sent it)."""
    assert _writing is not None, "start_job first"
    renderer = _writing.renderer
    return write_checked(OutputFile(url_to_path(page.url), renderer.render(page).encode("utf-8")) for page in pages)


def write_checked(files: Iterable[OutputFile]) -> list[Written]:
    """The files written and scanned for non-public names, in this process's job."""
    assert _writing is not None, "start_job first"
    writer, scanner = _writing.writer, _writing.job.scanner
    written = []
    for file in files:
        writer.write(file)
        written.append((file.path, leaks_in([(file.path, file.data)], scanner) if scanner else []))
    return written


def write_whole_site(
    library: Library, job: RenderJob, pages: Iterable[Page], data_steps: Iterable[list[OutputFile]],
    workers: list[ForkedWorker],
) -> list[str]:
    """Render and write every page (over this process and `workers`) and the data files (in this
    process, in `data_steps`, while the workers render); the paths written. `BuildFailed` if any
    file names a person who is not public."""
    for worker in workers:
        worker.call(start_job, job)
    for worker in workers:
        worker.result()
    start_job(job)
    try:
        written = shared_stream(render_and_write, pages, workers, batch=RENDER_BATCH, small_results=True,
                                meanwhile=(write_checked(step) for step in data_steps))
        paths, leaks = [], []
        for path, found in written:
            paths.append(path)
            leaks += found
    finally:
        start_job(None)
    if leaks:
        raise BuildFailed(leak_errors(leaks, sources_of(library)))
    return paths


def scanner_for(library: Library) -> OutputScanner | None:
    """The scanner a `RenderJob` carries: None when nobody is withheld."""
    scanner = OutputScanner(library)
    return scanner if scanner.active else None
