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

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token

from .config import SiteConfig, deployment_notices, load_config
from .data import MeetingLines, site_json
from .errors import BuildFailed, ContentError, Problems
from .feed import FEED_URL, atom_feed
from .ical import CALENDAR_URL, CalendarCache, calendar_file
from .library import MeetingCache, build_library
from .load import FileCache, content_files, load_records, update_listing
from .markdown import render_tokens
from .model import Library, Meeting
from .privacy import OutputScanner, check_output, sources_of
from .render import STYLESHEET_URL, Renderer, TemplateReferences, create_environment, template_digests
from .search import INDEX_DIR, IndexReport, index_site
from .sitemap import ROBOTS_URL, SITEMAP_URL, robots_txt, sitemap_xml
from .swedish import slugify
from .views import (
    INDEX_PAGES,
    NOT_FOUND_URL,
    Page,
    page_urls,
    pages_depending_on,
    pages_showing_text_of,
    site_pages,
)
from .write import OutputFile, check_output_dir, recover_interrupted_build, update_site, url_to_path, write_site

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates"
DEFAULT_STATIC = PROJECT_ROOT / "static"


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path = Path("content")
    output_dir: Path = Path("public")
    templates_dir: Path = DEFAULT_TEMPLATES
    static_dir: Path = DEFAULT_STATIC
    base_url: str | None = None
    """Overrides `base_url` in site.toml when given."""
    include_drafts: bool = False
    search_index: bool = True
    """Write the Pagefind search index (one-shot builds; `serve` indexes on demand)."""


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
        self.file_cache: FileCache = {}
        self.meeting_cache: MeetingCache = {}
        self.env = create_environment(options.templates_dir)
        self.fingerprints: dict[str, bytes] = {}
        """Output path → digest of the inputs of the file as it is on disk."""
        self._bodies: dict[str, tuple[tuple[Token, ...], str]] = {}
        self._template_references: TemplateReferences = {}
        self._meeting_lines: MeetingLines = {}
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
            self.file_cache.pop(path, None)
            self._reported.add(path)
            if path.suffix == ".md":
                self._pending.add(path)

    def build(self, *, in_place: bool = False) -> BuildReport:
        """Build; raise `BuildFailed` (nothing written) on bad content.

        `in_place` writes only what changed into the output directory (serve mode,
        where requests wait for the build); otherwise the whole site is written
        beside it and swapped in.
        """
        options, report = self.options, BuildReport()
        started = last = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal last
            now = time.perf_counter()
            report.stages[stage] = now - last
            last = now

        recover_interrupted_build(options.output_dir)
        check_output_dir(options.output_dir, options.content_dir)
        config = load_config(options.content_dir, options.base_url)
        reported = self._reported
        unchanged = (lambda path: path not in reported) if self.trust_watcher else None
        records = load_records(options.content_dir, cache=self.file_cache, unchanged=unchanged,
                               listing=self._current_listing(), changed=self._pending)
        self._reported = set()
        lap("load")
        library = build_library(records, include_drafts=options.include_drafts, problems=Problems(),
                                meeting_cache=self.meeting_cache)
        lap("model")
        renderer = Renderer(self.env, config)
        templates = template_digests(self.env, self._template_references)
        affected, text_only = self._affected_pages(library, config, templates) if in_place else (None, False)
        pages = site_pages(library, config, render_body=self._body_html, only=affected)
        fingerprints, files = self._render_changed(pages, renderer, templates, in_place)
        if affected is not None:  # the other pages' inputs are unchanged: keep their fingerprints
            for url in page_urls(library):
                path = url_to_path(url)
                if path not in fingerprints:
                    fingerprints[path] = self.fingerprints[path]
        data = static_files(options.static_dir)
        data.append(OutputFile(url_to_path(FEED_URL), atom_feed(library, config, self._body_html)))
        if text_only:  # these files hold no text of the minutes: they cannot have changed
            for path in TEXT_FREE_FILES:
                if path in self.fingerprints:
                    fingerprints[path] = self.fingerprints[path]
        else:
            data.insert(0, OutputFile("data/site.json", site_json(library, self._meeting_lines)))
            data += listing_files(library, config, self._calendar_cache)
        for file in data:
            fingerprints[file.path] = _digest(file.data)
            if not in_place or self.fingerprints.get(file.path) != fingerprints[file.path]:
                files.append(file)
        lap("render")
        self._check_privacy(library, files)
        if in_place:  # serve indexes for search on demand (site_gen/serve.py)
            stale = sorted(set(self.fingerprints) - set(fingerprints))
            update_site(files, stale, options.output_dir)
            report.deleted = len(stale)
            if files or stale:  # an index of older pages may hold what they no longer show
                shutil.rmtree(options.output_dir / INDEX_DIR, ignore_errors=True)
            lap("write")
        else:
            def index(staging: Path) -> None:  # before the swap: the published site has its own index
                lap("write")
                report.search = index_site(staging, shown=options.output_dir)
                # Made from pages already checked; checked all the same, as every output byte is.
                index = sorted(p for p in (staging / INDEX_DIR).rglob("*") if p.is_file())
                self._check_privacy(
                    library, [OutputFile(p.relative_to(staging).as_posix(), p.read_bytes()) for p in index])

            write_site(files, options.output_dir, before_swap=index if options.search_index else None)
            lap("index" if options.search_index else "write")  # "index" includes the swap
        self.fingerprints = fingerprints
        self._last, self._pending = (library, config, templates), set()
        report.pages, report.library = len(pages), library
        report.notices = deployment_notices(config, options.content_dir)
        report.written_paths = sorted(file.path for file in files)
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _check_privacy(library: Library, files: list[OutputFile]) -> None:
        """Stop before writing if any file names a person who is not public (see `privacy`)."""
        scanner = OutputScanner(library)
        if scanner.active:
            errors = check_output(((f.path, f.data) for f in files), scanner, sources_of(library))
            if errors:
                raise BuildFailed(errors)

    def _current_listing(self) -> dict[str, list[Path]] | None:
        if not self.trust_watcher:
            return None
        content_dir = self.options.content_dir
        if self._listing is None or not update_listing(self._listing, content_dir, self._reported):
            self._listing = content_files(content_dir)
        return self._listing

    def _affected_pages(
        self, library: Library, config: SiteConfig, templates: dict[str, bytes]
    ) -> tuple[set[str] | None, bool]:
        """The pages a change to meetings alone can affect (None: all pages, after any other
        change), and whether every change was to the text of the minutes alone."""
        if self._last is None:
            return None, False
        last_library, last_config, last_templates = self._last
        meetings_dir = self.options.content_dir / "meetings"
        if config != last_config or templates != last_templates or any(p.parent != meetings_dir for p in self._pending):
            return None, False
        affected: set[str] = set()
        text_only = True
        for path in self._pending:
            slug = slugify(path.stem)
            old, new = last_library.meetings.get(slug), library.meetings.get(slug)
            text_pages = pages_showing_text_of(old, new) if old is not None and new is not None else None
            if text_pages is not None:  # the common case while typing: nothing but the text changed
                affected |= text_pages
                continue
            text_only = False
            affected |= set(INDEX_PAGES)
            for version, where in ((old, last_library), (new, library)):
                if version is not None:
                    affected |= pages_depending_on(version, where)
        return affected, text_only and bool(self._pending)

    def _render_changed(
        self, pages: list[Page], renderer: Renderer, templates: dict[str, bytes], in_place: bool
    ) -> tuple[dict[str, bytes], list[OutputFile]]:
        settings = json.dumps(dataclasses.asdict(renderer.config), sort_keys=True)
        fingerprints, files = {}, []
        for page in pages:
            path = url_to_path(page.url)
            inputs = [page.url, page.template, page.title, page.source_path, page.description, page.links_from_root,
                      settings, page.view]
            fingerprint = _digest(templates[page.template] + _json(inputs))
            fingerprints[path] = fingerprint
            if not in_place or self.fingerprints.get(path) != fingerprint:
                files.append(OutputFile(path, renderer.render(page).encode("utf-8")))
        return fingerprints, files

    def _body_html(self, meeting: Meeting) -> str:
        """A meeting's rendered minutes; reused while its (memoized) tokens are the same objects."""
        cached = self._bodies.get(meeting.slug)
        if cached is not None and cached[0] is meeting.body_tokens:
            return cached[1]
        html = render_tokens(meeting.body_tokens, meeting.url)
        self._bodies[meeting.slug] = (meeting.body_tokens, html)
        return html


def build_site(options: BuildOptions) -> BuildReport:
    """A one-shot build of the whole site, written atomically."""
    return Site(options).build()


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def listing_files(
    library: Library, config: SiteConfig, calendar_cache: CalendarCache | None = None
) -> list[OutputFile]:
    """The calendar, robots.txt and (with a base URL) the sitemap: made from the meetings' front
    matter and the list of pages, never from the text of the minutes (see `TEXT_FREE_FILES`)."""
    files = [
        OutputFile(url_to_path(CALENDAR_URL), calendar_file(library, config, calendar_cache)),
        OutputFile(url_to_path(ROBOTS_URL), robots_txt(config.base_url)),
    ]
    if config.base_url:
        urls = [url for url in page_urls(library) if url != NOT_FOUND_URL]
        files.append(OutputFile(url_to_path(SITEMAP_URL), sitemap_xml(urls, config.base_url)))
    return files


TEXT_FREE_FILES = ("data/site.json", *(url_to_path(u) for u in (CALENDAR_URL, ROBOTS_URL, SITEMAP_URL)))
"""Output files that show nothing of the minutes' text: a text-only edit keeps them as they are.
The feed is not among them: it carries the minutes."""


def static_files(static_dir: Path) -> list[OutputFile]:
    """The stylesheet and other assets, copied under /assets/."""
    prefix = STYLESHEET_URL.rsplit("/", 1)[0].lstrip("/")
    return [
        OutputFile(f"{prefix}/{path.relative_to(static_dir).as_posix()}", path.read_bytes())
        for path in sorted(static_dir.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
