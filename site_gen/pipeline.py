"""The build: load → model → render → write, each stage timed.

`Site` holds what one build learned so that the next build of the same site
(in `serve`) redoes only what changed:
- load re-reads only files that changed (by stamp, or because the watcher said so);
- model resolves and links again only meetings whose file, or any name, changed;
- render re-renders only pages whose *inputs* changed: a page's fingerprint is a
  digest of its prepared view, the sources of every template it uses and the site
  settings, so a page whose fingerprint is unchanged would render to the same bytes;
- write (in place, serve mode) writes only those pages and deletes pages that no
  longer exist.
A one-shot build (`build_site`) is the same code with empty caches, written atomically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import itertools
import json
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import oneshot
from .config import SiteConfig, deployment_notices, load_config
from .data import DataCache, encode_meetings, site_json
from .dependencies import calendar_of, data_of, pages_affected_by
from .errors import BuildFailed, ContentError
from .feed import FEED_URL, atom_feed
from .ical import CALENDAR_URL, CalendarCache, calendar_file, encode_events
from .library import ModelCache, build_library
from .load import FileCache, Records, content_files, load_records, update_listing
from .model import Library, Meeting
from .options import BuildOptions
from .parallel import ForkedWorker
from .privacy import OutputScanner, check_output, sources_of
from .render import STYLESHEET_URL, Renderer, TemplateReferences, create_environment, template_digests
from .search import INDEX_DIR, IndexReport, index_site
from .sitemap import ROBOTS_URL, SITEMAP_URL, robots_txt, sitemap_xml
from .swedish import slugify
from .views import NOT_FOUND_URL, Page, Summaries, meeting_summaries, page_count, page_urls, site_pages
from .whole_build import (
    MeetingPageWriter, RenderJob, scanner_for, start_job, write_whole_site,
)
from .write import OutputFile, TreeWriter, check_output_dir, recover_interrupted_build, staged_site, update_site, url_to_path

DATA_PATH = "data/site.json"


@dataclass
class BuildReport:
    pages: int = 0
    """HTML pages in the site."""
    written_paths: list[str] = field(default_factory=list)
    """Files written by this build (all of them, unless it was an incremental build), sorted."""
    deleted: int = 0
    """Files removed because their source is gone (incremental builds)."""
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage, for benchmarks."""
    library: Library | None = None
    notices: list[ContentError] = field(default_factory=list)
    """What the published site lacks because a setting is empty (`config.deployment_notices`)."""
    search: IndexReport | None = None
    """The search index written (one-shot builds; serve indexes on demand)."""

    @property
    def written(self) -> int:
        return len(self.written_paths)


class Site:
    """One site's build state; `build()` can be called again and again."""

    def __init__(self, options: BuildOptions, *, trust_watcher: bool = False):
        """`trust_watcher`: every change is reported through `forget` (serve mode), so files
        not reported are not stat'ed; folders are still listed to find added and removed files."""
        # Absolute, so that the loader's cache keys and the watcher's paths are alike.
        self.options = options = dataclasses.replace(options, content_dir=options.content_dir.absolute())
        self.file_cache = FileCache()
        self.model_cache = ModelCache()
        self.env = create_environment(options.templates_dir)
        self.fingerprints: dict[str, bytes] = {}
        """Output path → digest of the inputs of the file as it is on disk."""
        self._page_fingerprints: dict[str, bytes] = {}
        """The same for the HTML pages alone."""
        self._data_fingerprints: dict[str, bytes] = {}
        """The same for site.json and the static files."""
        self._template_references: TemplateReferences = {}
        self._data_cache = DataCache()
        self._summaries: Summaries = {}
        self._calendar_cache: CalendarCache = {}
        self._last: tuple[Library, SiteConfig, dict[str, bytes]] | None = None
        """The library, settings and template digests of the last successful build."""
        self._pending: set[Path] = set()
        """Content files changed since the last successful build."""
        self.trust_watcher = trust_watcher
        self._reported: set[Path] = set()
        """Files `forget` was told about since the last load."""
        self._listing: dict[str, list[Path]] | None = None
        """With a trusted watcher: the content files, kept current from its reports."""

    def forget(self, paths: Iterable[Path]) -> None:
        """Files the watcher saw change: read them again even if their stamp looks the same."""
        for path in (Path(p).absolute() for p in paths):
            self.file_cache.forget(path)
            self._reported.add(path)
            if path.suffix == ".md":
                self._pending.add(path)

    def build(self, *, in_place: bool = False) -> BuildReport:
        """Build, keeping what the next build of this `Site` needs; raise `BuildFailed`
        (nothing written) on bad content.

        `in_place` writes only what changed into the output directory (serve mode,
        where requests wait for the build); otherwise the whole site is written
        beside it and swapped in, each page as soon as it is rendered. (A one-shot
        build, which keeps nothing and is made over every core, is `build_whole`.)
        """
        report = BuildReport()
        started = time.perf_counter()
        recover_interrupted_build(self.options.output_dir)
        check_output_dir(self.options.output_dir, self.options.content_dir)
        return self._build(report, started, _stopwatch(report, started), in_place)

    def build_whole(self, records: Records, config: SiteConfig, workers: list[ForkedWorker],
                    started: float) -> BuildReport:
        """A one-shot build of the whole site from `records` and `config`, into a tree swapped in
        at the end (`_published`), as `oneshot.build_site` makes it: it checked the output
        directory, loaded the records and the settings since `started`, compiled the meeting
        page's templates (which the processes that link inherit) and forked the render `workers`,
        and it ends the templates when this returns (`whole_build.end_build`). This keeps no
        reference to the records (they are let go after the model stage).

        Each meeting's page is written where its minutes are linked, in the model stage (see
        `whole_build`); then the other pages, over `workers` and this process, and the data files."""
        options, report = self.options, BuildReport()
        lap = _stopwatch(report, started)
        lap("load")
        gc.freeze()  # see `oneshot.fewer_collections`
        with self._published(report, lap, options.search_index) as staging:
            root = os.fspath(staging)
            write_meeting = functools.partial(MeetingPageWriter.for_outline, templates_dir=options.templates_dir,
                                              config=config, root=root)
            try:
                library = build_library(records, include_drafts=options.include_drafts, jobs=options.processes,
                                        meeting_work=write_meeting)
            finally:
                start_job(None)
            # The records (the minutes' text, once more) are not needed to render.
            del records
            gc.freeze()
            lap("model")
            report.library = library
            summaries = meeting_summaries(library)
            pages = site_pages(library, config, summaries=summaries, meetings=False)
            data = self._data_to_write(library, config, options.static_dir, set(), in_place=False)
            job = RenderJob(options.templates_dir, config, root, scanner_for(library))
            written = write_whole_site(library, job, pages, self._in_steps(library, config, data), workers,
                                       summaries)
            report.written_paths = sorted([*written, *(url_to_path(m.url) for m in library.meetings.values())])
        # No template digests (parsing every template, 15 ms): they tell a next build of this
        # `Site` which pages to render again, and a one-shot build has none. Should one follow,
        # every template counts as changed.
        return self._finish(report, started, library, config, {}, dict(self._data_fingerprints), {})

    def _build(self, report: BuildReport, started: float, lap: Callable[[str], None], in_place: bool) -> BuildReport:
        """A build in this process that keeps what it learns for the next (serve): in place,
        only the pages whose inputs changed; otherwise every page, into a tree swapped in.

        In place, every file waits for the end of the build (nothing reaches the served tree
        before the build has passed its checks). So a build asked to work in place with nothing
        of this `Site`'s on disk yet (serve's first), which writes every file, is written as a
        whole build is: page by page into a tree swapped in at the end, only without the search
        index (serve makes it on demand). At 10,000 meetings, holding every page took 165 MiB
        more; and files left in the output directory by an earlier site no longer stay."""
        options = self.options
        indexed = options.search_index and not in_place
        in_place = in_place and self._last is not None
        config = load_config(options.content_dir, options.base_url)
        records = self._load()
        lap("load")
        library = build_library(records, include_drafts=options.include_drafts, cache=self.model_cache,
                                jobs=options.processes)
        lap("model")
        templates = template_digests(self.env, self._template_references)
        affected, kept = self._affected_pages(library, config, templates) if in_place else (None, set())
        # Views are built, fingerprinted and rendered one page at a time, so that a build never
        # holds every page's view or HTML at once.
        pages = site_pages(library, config, only=affected, summaries=self._summaries)
        page_fingerprints: dict[str, bytes] = {}
        data = self._data_to_write(library, config, options.static_dir, kept, in_place)
        files = _checked_for_privacy(library, itertools.chain(
            self._pages_to_write(pages, Renderer(self.env, config), templates, page_fingerprints, in_place), data))
        if in_place:  # serve writes after the whole build: requests wait for it (site_gen/serve.py)
            changed = list(files)
            lap("render")
        else:
            with self._published(report, lap, indexed) as staging:
                report.library = library
                report.written_paths = sorted(_write_files(files, TreeWriter(staging)))
        if affected is not None:  # the other pages' inputs are unchanged: keep their fingerprints
            kept_fingerprints = dict(self._page_fingerprints)
            for url in affected:  # those not rendered are gone
                kept_fingerprints.pop(url_to_path(url), None)
            page_fingerprints = {**kept_fingerprints, **page_fingerprints}
        fingerprints = {**page_fingerprints, **self._data_fingerprints}
        if in_place:  # serve indexes for search on demand
            stale = sorted(set(self.fingerprints) - set(fingerprints))
            update_site(changed, stale, options.output_dir)
            report.deleted = len(stale)
            report.written_paths = sorted(file.path for file in changed)
            if changed or stale:  # an index of older pages may hold what they no longer show
                shutil.rmtree(options.output_dir / INDEX_DIR, ignore_errors=True)
            lap("write")
        return self._finish(report, started, library, config, templates, fingerprints, page_fingerprints)

    def _load(self) -> Records:
        records = load_records(self.options.content_dir, cache=self.file_cache,
                               reported=self._reported if self.trust_watcher else None,
                               listing=self._current_listing(), changed=self._pending)
        self._reported = set()
        return records

    def _finish(self, report: BuildReport, started: float, library: Library, config: SiteConfig,
                templates: dict[str, bytes], fingerprints: dict[str, bytes],
                page_fingerprints: dict[str, bytes]) -> BuildReport:
        """Keep what the next build needs of this one; complete the report."""
        self.fingerprints, self._page_fingerprints = fingerprints, page_fingerprints
        self._last, self._pending = (library, config, templates), set()
        report.pages, report.library = page_count(library), library
        report.notices = deployment_notices(config, self.options.content_dir)
        report.seconds = time.perf_counter() - started
        return report

    @contextlib.contextmanager
    def _published(self, report: BuildReport, lap: Callable[[str], None], indexed: bool) -> Iterator[Path]:
        """A tree beside the output directory to write the whole site into: when the block
        ends, indexed for search (if `indexed`) and swapped in; removed if the block raises.
        The block sets `report.library` and `report.written_paths`."""
        options = self.options
        with staged_site(options.output_dir) as staging:
            yield staging
            if indexed:  # before the swap: the published site has its own index
                lap("render")  # and write: each page was written as soon as it was rendered
                report.search = index_site(staging, shown=options.output_dir)
                # Made from pages already checked; checked all the same, as every output byte is.
                index = sorted(p for p in (staging / INDEX_DIR).rglob("*") if p.is_file())
                assert report.library is not None
                _check_privacy(report.library, [OutputFile(p.relative_to(staging).as_posix(), p.read_bytes())
                                                for p in index])
        lap("index" if indexed else "render")  # "index" includes the swap

    def _pages_to_write(
        self, pages: Iterable[Page], renderer: Renderer, templates: dict[str, bytes],
        fingerprints: dict[str, bytes], in_place: bool,
    ) -> Iterator[OutputFile]:
        """The pages rendered, as they come; in place, only those whose fingerprint (a digest
        of the view, the templates and the settings: all a page's inputs) changed.
        `fingerprints` gets each page's fingerprint."""
        settings = json.dumps(dataclasses.asdict(renderer.config), sort_keys=True)
        for page in pages:
            path = url_to_path(page.url)
            inputs = [page.url, page.template, page.title, page.source_path, page.description,
                      page.links_from_root, settings, page.view]
            fingerprints[path] = _digest(templates[page.template] + _serialized(inputs))
            if in_place and self.fingerprints.get(path) == fingerprints[path]:
                continue
            yield OutputFile(path, renderer.render(page).encode("utf-8"))

    def _data_to_write(
        self, library: Library, config: SiteConfig, static_dir: Path, kept: set[str], in_place: bool
    ) -> Iterator[OutputFile]:
        """site.json, the feed, the calendar, robots.txt, the sitemap and the static assets; in
        place, only those that changed (`kept`: those that cannot have). Their fingerprints go to
        `_data_fingerprints`."""
        fingerprints = self._data_fingerprints = {}
        for path in kept:
            if path in self.fingerprints:
                fingerprints[path] = self.fingerprints[path]
        if DATA_PATH not in kept:
            data, fingerprints[DATA_PATH] = site_json(library, self._data_cache)
            if not in_place or self.fingerprints.get(DATA_PATH) != fingerprints[DATA_PATH]:
                yield OutputFile(DATA_PATH, data)
        files = listing_files(library, config, self._calendar_cache, skip=kept)
        files.append(OutputFile(url_to_path(FEED_URL), atom_feed(library, config)))
        for file in [*files, *static_files(static_dir)]:
            fingerprints[file.path] = _digest(file.data)
            if not in_place or self.fingerprints.get(file.path) != fingerprints[file.path]:
                yield file

    def _in_steps(self, library: Library, config: SiteConfig, data: Iterable[OutputFile]) -> Iterator[list[OutputFile]]:
        """The data files in short steps (`parallel.shared_stream`): site.json's entries and the
        calendar's events, which take longest, a hundred meetings at a time, and then each file."""
        for _ in itertools.chain(encode_meetings(library.meetings, self._data_cache),
                                 encode_events(library, config, self._calendar_cache)):
            yield []
        for file in data:
            yield [file]

    def _current_listing(self) -> dict[str, list[Path]] | None:
        if not self.trust_watcher:
            return None
        content_dir = self.options.content_dir
        if self._listing is None or not update_listing(self._listing, content_dir, self._reported):
            self._listing = content_files(content_dir)
        return self._listing

    def _affected_pages(
        self, library: Library, config: SiteConfig, templates: dict[str, bytes]
    ) -> tuple[set[str] | None, set[str]]:
        """The pages a change to meetings alone can affect (None: all pages, after any other
        change), and the data files it cannot have changed."""
        if self._last is None:
            return None, set()
        last_library, last_config, last_templates = self._last
        meetings_dir = self.options.content_dir / "meetings"
        if config != last_config or templates != last_templates or any(p.parent != meetings_dir for p in self._pending):
            return None, set()
        affected: set[str] = set()
        kept = set(DATA_INPUTS)  # typing changes the text of the minutes alone, which these files do not show
        for path in self._pending:
            slug = slugify(path.stem)
            old, new = last_library.meetings.get(slug), library.meetings.get(slug)
            if old is not new:
                affected |= pages_affected_by(old, new, last_library, library)
                kept = {file for file in kept if old is not None and new is not None
                        and DATA_INPUTS[file](old) == DATA_INPUTS[file](new)}
        return affected, kept


def _stopwatch(report: BuildReport, started: float) -> Callable[[str], None]:
    """`lap(stage)`: the seconds since the last lap (or since `started`) go to `report.stages[stage]`."""
    last = started

    def lap(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        report.stages[stage] = now - last
        last = now

    return lap


def build_site(options: BuildOptions) -> BuildReport:
    """A one-shot build of the whole site, written atomically (`oneshot.build_site`)."""
    return oneshot.build_site(options)


def _serialized(value: object) -> bytes:
    """Bytes that differ whenever `value` (plain data: dicts, lists, strings, numbers) differs.
    Pickle is three times faster than JSON here; equal views built alike pickle alike."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def listing_files(
    library: Library, config: SiteConfig, calendar_cache: CalendarCache | None = None, skip: Iterable[str] = ()
) -> list[OutputFile]:
    """The calendar, robots.txt and (with a base URL) the sitemap, but those in `skip`: made from
    the meetings' front matter and the list of pages, never from the text of the minutes."""
    files = []
    if CALENDAR_PATH not in skip:
        files.append(OutputFile(CALENDAR_PATH, calendar_file(library, config, calendar_cache)))
    if ROBOTS_PATH not in skip:
        files.append(OutputFile(ROBOTS_PATH, robots_txt(config.base_url)))
    if config.base_url and SITEMAP_PATH not in skip:
        urls = [url for url in page_urls(library) if url != NOT_FOUND_URL]
        files.append(OutputFile(SITEMAP_PATH, sitemap_xml(urls, config.base_url)))
    return files


CALENDAR_PATH, ROBOTS_PATH, SITEMAP_PATH = (url_to_path(u) for u in (CALENDAR_URL, ROBOTS_URL, SITEMAP_URL))
DATA_INPUTS: dict[str, Callable[[Meeting], tuple]] = {
    DATA_PATH: data_of,
    CALENDAR_PATH: calendar_of,
    ROBOTS_PATH: lambda meeting: (),  # the settings alone
    SITEMAP_PATH: lambda meeting: (),  # the list of pages: the meeting is in it before and after
}
"""The data files (not the feed: it carries the minutes) and what each shows of one meeting: a
build after changes to meetings keeps a file when no changed meeting differs in that."""


def _checked_for_privacy(library: Library, files: Iterable[OutputFile]) -> Iterator[OutputFile]:
    """`files`, each scanned for the names of people who are not public as it passes (see
    `privacy`); after the last one, `BuildFailed` if any named one, before anything is
    published (a whole build is swapped in only after this; serve writes after it)."""
    scanner = OutputScanner(library)
    if not scanner.active:
        yield from files
        return
    sources, errors = sources_of(library), []
    for file in files:
        errors += check_output([(file.path, file.data)], scanner, sources)
        yield file
    if errors:
        raise BuildFailed(errors)


def _write_files(files: Iterable[OutputFile], writer: TreeWriter) -> list[str]:
    """Write `files` as they come; their paths."""
    paths = []
    for file in files:
        writer.write(file)
        paths.append(file.path)
    return paths


def _check_privacy(library: Library, files: list[OutputFile]) -> None:
    """Stop before writing if any file names a person who is not public (see `privacy`)."""
    for _ in _checked_for_privacy(library, files):
        pass


def static_files(static_dir: Path) -> list[OutputFile]:
    """The stylesheet and other assets, copied under /assets/."""
    prefix = STYLESHEET_URL.rsplit("/", 1)[0].lstrip("/")
    return [
        OutputFile(f"{prefix}/{path.relative_to(static_dir).as_posix()}", path.read_bytes())
        for path in sorted(static_dir.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
