"""Render and write a whole build's files in every process of the build.

A whole build (not `serve`'s) writes the site into a fresh tree (`write.staged_site`), from
every process of the build, in two rounds:

- Each meeting's page is written by the process that links its minutes, right after linking
  them (`MeetingPageWriter`, which `library.build_library` runs on each meeting). The page is
  made from the library's outline (`library.outline`): all it shows besides its own minutes is
  known before any minutes are linked. So neither the minutes nor the page travel between
  processes, and the library keeps the minutes only of the meetings the feed shows.
- The other pages: this process makes each page's view from the library only it holds; the
  forked workers (`parallel.ForkedWorker`) render the views they are sent and write the pages
  themselves, and answer only with the paths written and any non-public names found in them.
  So this process neither receives nor writes their bytes, and the answers are small enough
  that a worker can be sent up to eight batches ahead (`parallel.shared_stream`'s
  `small_results`): the workers never wait for this process between batches, even while it
  does a long step of its own. A view refers to the meetings it lists
  (`views.MeetingSummary`), which each worker got once, with its job.

Each process scans what it writes for non-public names (`privacy.OutputScanner`, sent once to
each worker). The leaks found stop the build before the tree is swapped in: as before, nothing
is published.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from .config import SiteConfig
from .errors import BuildFailed, ContentError
from .feed import feed_meetings
from .model import Library, Meeting
from .parallel import ForkedWorker, shared_stream
from .privacy import Leak, OutputScanner, leak_errors, leaks_in, sources_of
from .render import Renderer, create_environment
from .views import MeetingSummary, Page, Summaries, View, meeting_pages
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
    summaries: dict[str, View] = field(default_factory=dict)
    """Each meeting's summary by its URL, as the pages sent to a worker refer to them (`_summary`)."""


@dataclass
class _Writing:
    """The job this process works on, with what it made for it."""

    job: RenderJob
    renderer: Renderer
    writer: TreeWriter
    meeting_page: Callable[[Meeting], Page] | None = None
    """`views.meeting_pages` of the outline, made for the first meeting (`MeetingPageWriter`)."""


_writing: _Writing | None = None
"""In each process, during one whole build: the job it renders and writes for (module level,
because a worker is given it by one call and uses it in the calls after)."""


_compiled: tuple[Path, jinja2.Environment] | None = None
"""In each process, during one whole build: the environment `compile_templates` made, which
every job of the build renders with (`start_job`), until `end_build`."""


def compile_templates(templates_dir: Path, pages: Iterable[str] | None = None, skip: Collection[str] = ()) -> None:
    """Compile in advance the templates of `pages` and those they use (None: every template
    but those in `skip`), for this process's jobs in this build (module level, so that a worker
    can be sent it).

    A render worker has nothing to do until the render stage; compiling before it (44 ms for
    our templates, `compile_when_idle`) spares the render stage, where it would keep the worker
    from its first pages. This process compiles the meeting page's templates before the worker
    that links with it is forked, which then has them too. A template that does not compile is
    left to the render, which reports it where it is used."""
    global _compiled
    env = _compiled_for(templates_dir) or create_environment(templates_dir, auto_reload=False)
    names = list(pages) if pages is not None else [
        name for name in env.list_templates(filter_func=lambda name: not name.startswith(".")) if name not in skip]
    references = getattr(env, "references", {})  # plain Jinja's environment records none
    compiled: set[str] = set()
    while names:
        name = names.pop()
        if name in compiled:
            continue
        compiled.add(name)
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 - reported by the render that uses it, as always
            continue
        names += references.get(name, ())
    _compiled = (templates_dir, env)


def compile_when_idle(templates_dir: Path, skip: Collection[str]) -> None:
    """`compile_templates` of every template but those in `skip`, at the lowest priority there
    is: with the CPU time a core has left over (Linux's SCHED_IDLE, elsewhere as usual).

    A render worker is forked while the content is still read, and has nothing to do until the
    model stage ends, while both cores are busy for all but a few moments: while this process
    makes the outline after the load, and while it gathers the model stage's results. At
    normal priority, the compiling (44 ms for our templates) would take its time from the
    processes that load and link; this way it fits in those moments, and it is done before
    the render stage at the latest, since it is the worker's first call.

    It is done in a thread of its own, which ends with it: a thread that is not privileged
    may lower its priority but not raise it again (RLIMIT_NICE), and the worker must render
    at normal priority."""
    failed: list[BaseException] = []

    def compile_idle() -> None:
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or refused: compile all the same
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: this thread
        try:
            compile_templates(templates_dir, None, skip)
        except BaseException as exc:  # noqa: BLE001 - raised in the worker's thread, as any call's failure
            failed.append(exc)

    thread = threading.Thread(target=compile_idle, name="compile_when_idle")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def start_job(job: RenderJob | None) -> None:
    """Make `job` this process's job (None: no job now), with the templates compiled in
    advance if they were (`compile_templates`)."""
    global _writing
    if job is None:
        _writing = None
        return
    env = _compiled_for(job.templates_dir) or create_environment(job.templates_dir, auto_reload=False)
    _writing = _Writing(job, Renderer(env, job.config), TreeWriter(job.root))


def _compiled_for(templates_dir: Path) -> jinja2.Environment | None:
    return _compiled[1] if _compiled is not None and _compiled[0] == templates_dir else None


def end_build() -> None:
    """The build is over in this process: let go of its job and templates."""
    global _compiled
    start_job(None)
    _compiled = None


def _working_on(job: RenderJob) -> _Writing:
    """This process's state for `job`, made when the job is new to it."""
    if _writing is None or _writing.job is not job:
        start_job(job)
    assert _writing is not None
    return _writing


@dataclass(frozen=True)
class MeetingPageWriter:
    """Writes each meeting's page where its minutes are linked (`library.MeetingWork`): rendered
    from the outline, written into the build's tree and scanned there for non-public names, which
    come back as errors of the meeting. The meeting goes on into the library without its minutes
    unless the feed shows it."""

    job: RenderJob
    outline: Library
    """`library.outline`: everything a meeting's page shows but the meeting itself."""
    feed: frozenset[str]
    """Slugs of the meetings the feed shows (`feed.feed_meetings`)."""

    @classmethod
    def for_outline(cls, outline: Library, templates_dir: Path, config: SiteConfig, root: str) -> MeetingPageWriter:
        job = RenderJob(templates_dir, config, root, scanner_for(outline))
        return cls(job, outline, frozenset(m.slug for m in feed_meetings(outline.meetings)))

    def __call__(self, meetings: list[tuple[Meeting, tuple[str, ...]]]) -> list[tuple[Meeting, tuple[ContentError, ...]]]:
        """Each meeting's page written, given the meeting and its withheld attendees; the
        meeting to keep and the non-public names found in the page, as errors."""
        writing = _working_on(self.job)
        if writing.meeting_page is None:
            writing.meeting_page = meeting_pages(self.outline)
        done = []
        for meeting, withheld_attendees in meetings:
            if meeting.slug not in self.outline.meetings:  # a draft, not published
                done.append((meeting, ()))
                continue
            file = _rendered(writing.renderer, writing.meeting_page(meeting))
            scanner = self.job.scanner and self.job.scanner.for_meeting(meeting, withheld_attendees, self.outline)
            _, leaks = _write_scanned(writing, file, scanner)
            errors = tuple(leak_errors(leaks, sources_of(self.outline))) if leaks else ()
            done.append((meeting if meeting.slug in self.feed else replace(meeting, body=None), errors))
        return done


def _summary(url: str) -> View:
    """A meeting's summary as this process's job holds it: how a worker unpickles a
    `views.MeetingSummary` (module level, so that a pickle can name it)."""
    assert _writing is not None, "start_job first"
    return _writing.job.summaries[url]


def _by_reference(summary: MeetingSummary) -> tuple:
    return _summary, (summary["url"],)


def render_and_write(pages: list[Page]) -> list[Written]:
    """The pages rendered and written, in this process's job (module level, so that a worker can be sent it)."""
    assert _writing is not None, "start_job first"
    renderer = _writing.renderer
    return write_checked(_rendered(renderer, page) for page in pages)


def _rendered(renderer: Renderer, page: Page) -> OutputFile:
    return OutputFile(url_to_path(page.url), renderer.render(page).encode("utf-8"))


def write_checked(files: Iterable[OutputFile]) -> list[Written]:
    """The files written and scanned for non-public names, in this process's job."""
    assert _writing is not None, "start_job first"
    return [_write_scanned(_writing, file, _writing.job.scanner) for file in files]


def _write_scanned(writing: _Writing, file: OutputFile, scanner: OutputScanner | None) -> Written:
    writing.writer.write(file)
    return file.path, leaks_in([(file.path, file.data)], scanner) if scanner else []


def write_whole_site(
    library: Library, job: RenderJob, pages: Iterable[Page], data_steps: Iterable[list[OutputFile]],
    workers: list[ForkedWorker], summaries: Summaries,
) -> list[str]:
    """Render and write `pages` (over this process and `workers`) and the data files (in this
    process, in `data_steps`, while the workers render); the paths written. `BuildFailed` if any
    file names a person who is not public. `summaries` are those the pages' views list
    (`views.meeting_summaries`): each worker gets them once, and each page's view refers to them."""
    if workers:
        worker_job = replace(job, summaries={summary["url"]: dict(summary) for _, _, summary in summaries.values()})
    for worker in workers:
        worker.call(start_job, worker_job)
    for worker in workers:
        while worker.busy:  # `compile_templates` and `start_job`
            worker.result()
    start_job(job)
    try:
        written = shared_stream(render_and_write, pages, workers, batch=RENDER_BATCH, small_results=True,
                                meanwhile=(write_checked(step) for step in data_steps),
                                reducers={MeetingSummary: _by_reference})
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
    """The scanner a `RenderJob` carries: None when nobody is withheld. Meeting pages are
    scanned where they are written, each with its own checks (`MeetingPageWriter`), so the
    job's scanner has none for them: it would make them for every meeting, for nothing."""
    scanner = OutputScanner(library, meeting_pages=False)
    return scanner if scanner.active else None
