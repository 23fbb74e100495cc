"""How a one-shot build (`build.py build`) starts: the content is loaded while the rest of
the program is imported.

The build's process starts with nothing imported, and importing the whole program
(`cli.import_pipeline`) takes a tenth of a second, on one core while the other waits. Only
loading comes first, and it needs only a part of the program: this module's imports. So this
process forks the workers that read files (`loaders`) as soon as that part is imported, and
imports the rest between the batches of files it gives them (`load.load_records`'s
`meanwhile`, `_meanwhile`).

Then, while they still read, it compiles the meeting page's templates, which the processes
that link inherit, and forks the workers that will render the other pages (`whole_build`).
Forked then, those have the whole program without importing it again, and hold almost none
of the site: a worker forked after the model stage would count all of it once more in the
memory of the build's processes. The loaders end with the load; `pipeline.Site.build_whole`
does the rest. At N=1,000 a build started so took 22 ms (2 %) less than one that imported
everything first (benchmarks/RESULTS.md, session 16).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cli import import_pipeline
from .errors import BuildFailed
from .load import load_records
from .options import BuildOptions
from .parallel import SHARED_MAP_MODULES, ForkedWorker, start_workers
from .write import check_output_dir, recover_interrupted_build

if TYPE_CHECKING:  # imported by the build itself only once the loaders are at work
    from .config import SiteConfig
    from .pipeline import BuildReport

IMPORTED_FIRST = ("site_gen.markdown", "site_gen.render")
"""Modules of the pipeline imported before the rest, each in a step of its own (markdown-it
and Jinja, most of the time the rest takes): between steps, a loader that is done with its
batch is given another (it holds two at most, about 30 ms of work at N=1,000)."""


def build_site(options: BuildOptions) -> BuildReport:
    """A one-shot build of the whole site, written atomically (see the module's docstring)."""
    started = time.perf_counter()
    # First: the previous site put back if a build was killed while swapping it (even should
    # this one fail), and an output directory refused whose replacement would destroy something.
    recover_interrupted_build(options.output_dir)
    check_output_dir(options.output_dir, options.content_dir)
    workers = options.processes - 1
    loaders = start_workers(workers)
    made = _Made()
    try:
        with fewer_collections():
            try:
                # Taken out again by the call below: this frame keeps no reference to the
                # records, which the build lets go after the model stage.
                loaded = [load_records(options.content_dir.absolute(), workers=loaders,
                                       meanwhile=_meanwhile(options, workers, made))]
            finally:
                _close(loaders)
            if isinstance(made.settings, BuildFailed):  # reported after the content's own problems
                raise made.settings
            assert made.settings is not None, "load_records does every step"
            return import_pipeline().Site(options).build_whole(loaded.pop(), made.settings, made.renderers, started)
    finally:
        _close(made.renderers)
        if made.templates_compiled:  # this build's alone, whether it used them or failed before
            from .whole_build import end_build

            end_build()


@dataclass
class _Made:
    """What this process made while the loaders read (`_meanwhile`)."""

    settings: SiteConfig | BuildFailed | None = None
    """The site's settings, or what is wrong with them."""
    templates_compiled: bool = False
    renderers: list[ForkedWorker] = field(default_factory=list)


def _meanwhile(options: BuildOptions, workers: int, made: _Made) -> Iterator[tuple[()]]:
    """This process's work while the loaders read, in steps: the rest of the program imported
    (and multiprocessing, for the model stage), the site's settings read, the meeting page's
    templates compiled, and `workers` render workers forked, which compile the other templates
    with the CPU time left over (`compile_when_idle`). What each step makes goes into `made`."""
    for module in IMPORTED_FIRST:
        importlib.import_module(module)
        yield ()
    import_pipeline()
    yield ()
    for module in SHARED_MAP_MODULES:  # for the model stage, which links over processes
        importlib.import_module(module)
    yield ()
    from .config import load_config  # imported by now

    try:  # site.toml, parsed by tomllib, which is imported for it: 8 ms
        made.settings = load_config(options.content_dir, options.base_url)
    except BuildFailed as failure:
        made.settings = failure
    yield ()
    from .views import MEETING_TEMPLATE  # imported by now
    from .whole_build import compile_templates, compile_when_idle

    # Before the processes that link are forked (`Site.build_whole`): they inherit them, and
    # all write meetings' pages.
    compile_templates(options.templates_dir, [MEETING_TEMPLATE])
    made.templates_compiled = True
    yield ()
    made.renderers.extend(start_workers(workers))
    for renderer in made.renderers:
        renderer.call(compile_when_idle, options.templates_dir, {MEETING_TEMPLATE})


def _close(workers: list[ForkedWorker]) -> None:
    for worker in workers:
        worker.close()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector, during a whole build, only over what each stage makes.

    The records and the library are millions of objects that live until the build ends, and
    the collector would scan them again each time they had grown by a quarter (about a tenth
    of a build at N=10,000). The build freezes what exists after loading and after the model
    stage (`gc.freeze`: out of the collector's scans, still freed when no longer referenced),
    and the collector runs after 100,000 new objects instead of 700. Turning it off
    altogether saves a little more, but lets the cycles of each parsed meeting and rendered
    page pile up: +200 MiB at N=10,000."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
