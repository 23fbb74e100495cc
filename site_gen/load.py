"""Stage 1, load: read every content file into a record, reporting every problem.

The content directory holds one folder per kind of record. Each file's name is its
slug. References between records stay as the editor wrote them; `library` resolves
them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, Problems, display_path
from .fields import FieldReader
from .model import (
    MEETING_STATUSES,
    PROJECT_STATUSES,
    VISIBILITIES,
    AttendeeEntry,
    Group,
    MeetingRecord,
    NextMeeting,
    Organization,
    Origin,
    Person,
    Project,
)
from .parallel import ForkedWorker, shared_stream
from .privacy import IDENTITY_NUMBER_MESSAGE, find_identity_numbers
from .source import SourceFile, YamlMap, parse_source
from .swedish import slugify

FOLDERS = ("meetings", "people", "projects", "groups", "organizations")
"""The content folders, one per kind of record."""

_NO_DATE = dt.date(1, 1, 1)
"""Stands in for a missing date; the record is dropped with an error anyway."""



@dataclass(frozen=True)
class Records:
    """Everything the content says, per kind, in file-name order."""

    meetings: tuple[MeetingRecord, ...]
    people: tuple[Person, ...]
    projects: tuple[Project, ...]
    groups: tuple[Group, ...]
    organizations: tuple[Organization, ...]


def is_editor_file(name: str) -> bool:
    """Editors' temp, backup, swap and lock files ('.x.md.swp', '#x.md#', '.#x.md', 'x.md~')."""
    return name.startswith((".", "#", "~")) or name.endswith("~")


def is_content_file(name: str) -> bool:
    """Markdown files that are ours, by file name."""
    return name.endswith(".md") and not is_editor_file(name)


def content_files(content_dir: Path) -> dict[str, list[Path]]:
    """The Markdown files of each folder, sorted by name so that builds are deterministic."""
    return {folder: _markdown_files(content_dir / folder) for folder in FOLDERS}


def update_listing(listing: dict[str, list[Path]], content_dir: Path, changed: Iterable[Path]) -> bool:
    """Keep `listing` (from `content_files`) current from the paths a watcher reported.

    Returns False when it cannot (a content folder itself changed): list again then.
    """
    for path in changed:
        if path.parent == content_dir:
            if path.name in FOLDERS:
                return False
            continue
        folder = path.parent.name
        if path.parent != content_dir / folder or folder not in listing or not is_content_file(path.name):
            continue
        paths = listing[folder]
        position = bisect.bisect_left(paths, path.name, key=lambda p: p.name)
        listed = position < len(paths) and paths[position].name == path.name
        if path.is_file() and not listed:
            paths.insert(position, path)
        elif not path.is_file() and listed:
            del paths[position]
    return True


def _markdown_files(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))  # one system call per folder, not a stat per file
    except FileNotFoundError:
        return []
    names = sorted(e.name for e in entries if e.is_file() and is_content_file(e.name))
    return [folder / name for name in names]


def read_source(path: Path) -> SourceFile | ContentError:
    shown = display_path(path)
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        return ContentError(shown, 0, f"kan inte läsa filen: {exc.strerror}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ContentError(shown, line, "filen är inte UTF-8 – spara den som UTF-8 i redigeraren")
    if "\r" in text:  # line ends as text mode reads them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for line in find_identity_numbers(text):  # before anything else: such a file must never be published
        return ContentError(shown, line, IDENTITY_NUMBER_MESSAGE)
    return parse_source(path, shown, text)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, without the file objects `open` makes, which ask the system for the
    file's status, whether it is a terminal and where it stands: a build reads every content
    file (1,149 files at N=1,000 in 9.2 ms, against 16.0 ms with `Path.read_text`)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        chunks = []
        while chunk := os.read(descriptor, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)


@dataclass(frozen=True)
class LoadedFile:
    """One file's result, cached by `load_records` between builds."""

    stamp: tuple[int, int]
    """(mtime in ns, size): a file whose stamp is unchanged is not read again."""
    record: object | None
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...]


_GONE = LoadedFile((0, -1), None, (), ())


@dataclass(frozen=True)
class _Folder:
    """One folder's results, as `load_records` last made them."""

    paths: list[Path]
    """Its files as listed (a copy)."""
    results: list[LoadedFile]
    """Their results, in that order."""
    records: tuple
    with_problems: list[LoadedFile]
    cached: int
    """How many of the files are in the cache (not gone)."""

    @classmethod
    def of(cls, paths: list[Path], results: list[LoadedFile]) -> _Folder:
        return cls(list(paths), results, tuple(r.record for r in results if r.record is not None),
                   [r for r in results if r.errors or r.warnings], len(results) - sum(r is _GONE for r in results))


class FileCache:
    """What `load_records` keeps between builds: each file's result by path, and each folder's
    results as listed, so that after an edit only the reported files are looked at."""

    def __init__(self) -> None:
        self.files: dict[Path, LoadedFile] = {}
        self.folders: dict[str, _Folder] = {}

    def forget(self, path: Path) -> None:
        """Read the file again next time, even if its stamp looks the same."""
        self.files.pop(path, None)


def load_records(
    content_dir: Path,
    problems: Problems | None = None,
    cache: FileCache | None = None,
    reported: Collection[Path] | None = None,
    listing: dict[str, list[Path]] | None = None,
    changed: set[Path] | None = None,
    workers: Sequence[ForkedWorker] = (),
    meanwhile: Iterable[tuple[()]] = (),
) -> Records:
    """Read and validate all content; raise `BuildFailed` listing every problem.

    Warnings are added to `problems` when given. With a `cache` (kept by the caller
    between builds), only files that are new or whose stamp changed are read. With
    `reported`, the files a trusted watcher reported since the last load, no other
    file is even stat'ed. `listing` stands in for listing the folders. Every file read
    again or gone since the cache was filled is added to `changed`, also when the build
    then fails. `workers` share the reading of an empty cache's files. `meanwhile` is other
    work in steps (each done when the next `()` is taken from it), which this process does
    while the workers read (`parallel.shared_stream`), or after its own reading: all of it
    is done by the time this returns or raises.
    """
    steps = iter(meanwhile)
    changed = set() if changed is None else changed
    problems = Problems() if problems is None else problems
    cache = FileCache() if cache is None else cache
    if not content_dir.is_dir():
        problems.error(display_path(content_dir), 0, "innehållskatalogen finns inte")
        problems.raise_if_any()
    listing = content_files(content_dir) if listing is None else listing
    outside = _folders_outside(content_dir, problems)
    loaded: dict[str, tuple] = {}
    read = {folder: paths for folder, paths in listing.items() if folder not in outside}
    # A whole build (nothing cached): every folder's files read at once by this process and the
    # workers, so that neither waits for the other at the end of each folder.
    shared = _load_shared(read, content_dir, cache.files, changed, workers, steps) if workers and not cache.files else {}
    for folder, paths in listing.items():
        if folder in outside:
            cache.folders.pop(folder, None)
            continue
        cache.folders[folder] = result = (_Folder.of(paths, shared[folder]) if folder in shared else
                                          _load_folder(folder, paths, content_dir, cache, reported, changed))
        for file in result.with_problems:
            problems.errors.extend(file.errors)
            problems.warnings.extend(file.warnings)
        loaded[folder] = result.records
    if len(cache.files) != sum(cache.folders[folder].cached for folder in loaded):  # files no longer listed
        for gone in cache.files.keys() - set().union(*(listing[folder] for folder in loaded)):
            del cache.files[gone]
            changed.add(gone)
    for _ in steps:  # those not done while workers read
        pass
    problems.raise_if_any()
    return Records(*(loaded.get(folder, ()) for folder in FOLDERS))


def _load_folder(
    folder: str, paths: list[Path], content_dir: Path, cache: FileCache, reported: Collection[Path] | None,
    changed: set[Path],
) -> _Folder:
    """A folder's results. At 10,000 meetings this runs on every keystroke in serve, so
    with a trusted watcher only the reported files are looked at when the folder still
    lists the same files."""
    files = cache.files
    if reported is None:
        return _Folder.of(paths, [_load_cached(folder, path, content_dir, files, changed) for path in paths])
    last = cache.folders.get(folder)
    if last is not None and last.paths == paths:
        results = None
        for path in reported:
            position = bisect.bisect_left(paths, path.name, key=lambda p: p.name)
            if position < len(paths) and paths[position] == path:
                results = list(last.results) if results is None else results
                results[position] = _load_cached(folder, path, content_dir, files, changed)
        return last if results is None else _Folder.of(paths, results)
    return _Folder.of(paths, [result if (result := files.get(path)) is not None and path not in reported
                              else _load_cached(folder, path, content_dir, files, changed) for path in paths])


def _load_shared(
    listing: dict[str, list[Path]], content_dir: Path, files: dict[Path, LoadedFile], changed: set[Path],
    workers: Sequence[ForkedWorker], meanwhile: Iterable[tuple[()]],
) -> dict[str, list[LoadedFile]]:
    """Every file of every folder in `listing` read, parsed and validated by this process and
    the `workers` (`load_file` does the same work wherever it runs), cached as `_load_cached` does."""
    results = {folder: [_GONE] * len(paths) for folder, paths in listing.items()}
    numbered = [(folder, position, path) for folder, paths in listing.items() for position, path in enumerate(paths)]
    work = functools.partial(_load_numbered, content_dir)
    for (folder, position), result in shared_stream(work, numbered, workers, batch=LOAD_BATCH,
                                                        meanwhile=meanwhile, total=len(numbered)):
        if result.stamp != _GONE.stamp:  # what a worker sends back is a copy, never `_GONE` itself
            path = listing[folder][position]
            results[folder][position] = files[path] = result
            changed.add(path)
    return results


LOAD_BATCH = 64
"""Files a worker reads at a time (about 9 ms of work): each batch's records are pickled and
sent back at a cost of their own, so 64 rather than 32 (N=1,000: 0.924 s against 0.932 s;
N=10,000: 8.17 s against 8.25 s)."""


def _load_numbered(
    content_dir: Path, numbered: list[tuple[str, int, Path]]
) -> list[tuple[tuple[str, int], LoadedFile]]:
    """((folder, position), result) for each (folder, position, file) (module level, so that it
    can be sent to a worker)."""
    return [((folder, position), _load_cached(folder, path, content_dir, {}, set()))
            for folder, position, path in numbered]


def _load_cached(
    folder: str, path: Path, content_dir: Path, files: dict[Path, LoadedFile], changed: set[Path]
) -> LoadedFile:
    cached = files.get(path)
    try:
        stat = path.stat()
    except FileNotFoundError:  # deleted since the folder was listed (e.g. by a git checkout)
        if files.pop(path, None) is not None:
            changed.add(path)
        return _GONE
    stamp = (stat.st_mtime_ns, stat.st_size)
    if cached is not None and cached.stamp == stamp:
        return cached
    changed.add(path)
    file_problems = Problems()
    try:
        record = load_file(folder, path, content_dir, file_problems)
    except FileNotFoundError:  # deleted while being read
        files.pop(path, None)
        return _GONE
    result = LoadedFile(stamp, record, tuple(file_problems.errors), tuple(file_problems.warnings))
    files[path] = result
    return result


def _folders_outside(content_dir: Path, problems: Problems) -> set[str]:
    """Content folders that are symbolic links out of the content directory: reported, never read."""
    root = content_dir.resolve()
    outside = set()
    for folder in FOLDERS:
        path = content_dir / folder
        if path.is_symlink() and root not in path.resolve().parents:
            problems.error(_shown_link(path), 0, f"mappen är en symbolisk länk till {path.resolve()}, utanför "
                           "innehållskatalogen, och läses inte – flytta in filerna i stället")
            outside.add(folder)
    return outside


def _shown_link(path: Path) -> str:
    """A symbolic link as messages show it: its own path, not its target's (`display_path` resolves)."""
    return str(Path(display_path(path.parent)) / path.name)


def _links_outside(path: Path, content_dir: Path) -> bool:
    """Is `path` a symbolic link to a file outside the content directory? Publishing it could
    put any file on the machine (a key, a password file) on the public site."""
    return path.is_symlink() and content_dir.resolve() not in path.resolve().parents


def load_file(folder: str, path: Path, content_dir: Path, problems: Problems):
    """One file of one folder → its record, or None after reporting its problems."""
    if _links_outside(path, content_dir):
        problems.error(_shown_link(path), 0, "filen är en symbolisk länk till en fil utanför innehållskatalogen "
                       "och läses inte – kopiera in filen i stället")
        return None
    source = read_source(path)
    if isinstance(source, ContentError):
        problems.errors.append(source)
        return None
    before = len(problems.errors)
    slug = _slug_from_name(source, problems)
    reader = FieldReader(source, problems)
    origin = Origin(
        path=path,
        shown_path=source.shown_path,
        source_path=path.relative_to(content_dir).as_posix(),
        body_line=source.body_line,
        lines=dict(source.meta.key_lines),
    )
    record = _READERS[folder](reader, slug, origin)
    return record if len(problems.errors) == before else None


def _slug_from_name(source: SourceFile, problems: Problems) -> str:
    """The file name gives the URL: 'Åke Malmén.md' → 'ake-malmen' (clashes are found in `library`)."""
    slug = slugify(source.path.stem)
    if not slug:
        problems.error(source.shown_path, 0, "filnamnet måste innehålla bokstäver eller siffror")
    return slug


def _description(reader: FieldReader) -> str:
    """The Markdown body shown on the record's page; links it will not show as links are warned about."""
    source = reader.source
    if "[" not in source.body and "<" not in source.body:  # no link, image or autolink: nothing to refuse
        return source.body
    # Imported here, not with this module: a one-shot build loads before it imports markdown-it
    # (`oneshot`), and most descriptions hold no link.
    from .markdown import refused_url_message, refused_urls

    for line, url in refused_urls(source.body):
        reader.problems.warn(source.shown_path, source.body_line + line, refused_url_message(url))
    return source.body


def _aliases(reader: FieldReader) -> tuple[str, ...]:
    return tuple(alias for alias, _ in reader.text_list("aliases"))


def _read_person(reader: FieldReader, slug: str, origin: Origin) -> Person:
    reader.check_known({"name", "aliases", "organizations", "role", "visibility"})
    name = reader.text("name", required=True) or slug
    body = reader.source.body
    if body.strip():
        first_text_line = reader.source.body_line + body[: len(body) - len(body.lstrip())].count("\n")
        reader.problems.warn(reader.source.shown_path, first_text_line,
                             "text i en personfil visas inte – skriv en kort roll i fältet 'role' i stället")
    if len(name.split()) < 2:
        reader.error("name", f"'name' ska vara hela namnet, förnamn och efternamn, inte '{name}'")
    return Person(
        slug=slug,
        name=name,
        aliases=_aliases(reader),
        organizations=tuple(ref for ref, _ in reader.text_list("organizations")),
        role=reader.text("role"),
        origin=origin,
        visibility=reader.choice("visibility", VISIBILITIES, "public"),
    )


def _read_organization(reader: FieldReader, slug: str, origin: Origin) -> Organization:
    reader.check_known({"name", "aliases"})
    return Organization(
        slug=slug,
        name=reader.text("name", required=True) or slug,
        aliases=_aliases(reader),
        description=_description(reader),
        origin=origin,
    )


def _read_project(reader: FieldReader, slug: str, origin: Origin) -> Project:
    reader.check_known({"name", "aliases", "status", "organizations", "people"})
    status = reader.text("status") or "active"
    if status not in PROJECT_STATUSES:
        reader.error("status", f"okänd status '{status}' – använd en av: {', '.join(PROJECT_STATUSES)}")
    return Project(
        slug=slug,
        name=reader.text("name", required=True) or slug,
        aliases=_aliases(reader),
        status=status,
        organizations=tuple(ref for ref, _ in reader.text_list("organizations")),
        people=tuple(ref for ref, _ in reader.text_list("people")),
        description=_description(reader),
        origin=origin,
    )


def _read_group(reader: FieldReader, slug: str, origin: Origin) -> Group:
    reader.check_known({"name", "meeting_times"})
    return Group(
        slug=slug,
        name=reader.text("name", required=True) or slug,
        meeting_times=reader.text("meeting_times"),
        description=_description(reader),
        origin=origin,
    )


def _read_meeting(reader: FieldReader, slug: str, origin: Origin) -> MeetingRecord:
    reader.check_known({
        "title", "date", "group", "note_taker", "attendees", "projects", "draft", "status", "approved_by", "approved_on",
        "next_meeting",
    })
    date = reader.date("date")
    group = reader.text("group", required=True)
    return MeetingRecord(
        slug=slug,
        title=reader.text("title") or "",
        date=date or _NO_DATE,
        group_ref=group or "",
        note_taker_ref=reader.text("note_taker"),
        attendees=_read_attendees(reader),
        project_refs=tuple(reader.text_list("projects")),
        draft=reader.flag("draft", False),
        status=reader.choice("status", tuple(MEETING_STATUSES), "preliminary"),
        approved_by_refs=tuple(reader.text_list("approved_by")),
        approved_on=reader.date("approved_on", required=False),
        body=reader.source.body,
        origin=origin,
        next_meeting=_read_next_meeting(reader, date),
    )


def _read_next_meeting(reader: FieldReader, meeting_date: dt.date | None) -> NextMeeting | None:
    """`next_meeting: {date, time, place}`: the next meeting as the minutes announce it."""
    if reader.raw("next_meeting") is None:
        return None
    fields = reader.nested("next_meeting")
    if fields is None:
        return None
    fields.check_known({"date", "time", "place"})
    date, time, place = fields.date("date"), fields.time_of_day("time"), fields.text("place")
    if date is None:
        return None
    if meeting_date is not None and date <= meeting_date:
        fields.error("date", f"nästa möte ({date.isoformat()}) ska vara efter det här mötet ({meeting_date.isoformat()})")
        return None
    return NextMeeting(date=date, time=time, place=place)


def _read_attendees(reader: FieldReader) -> tuple[AttendeeEntry, ...]:
    value = reader.raw("attendees")
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.error("attendees", "'attendees' ska vara en lista med namn, en per rad som börjar med '- '")
        return ()
    entries = []
    for item, line in zip(value, value.item_lines):
        if isinstance(item, YamlMap):
            unknown = set(item) - {"name", "affiliation"}
            if unknown:
                reader.error(line, f"okänt fält '{sorted(unknown)[0]}' hos deltagare – tillåtna: name, affiliation")
            name, affiliation = item.get("name"), item.get("affiliation")
            if not isinstance(name, str) or not name.strip():
                reader.error(line, "deltagaren saknar 'name'")
                continue
            if affiliation is not None and not isinstance(affiliation, str):
                reader.error(line, "'affiliation' ska vara en text")
                affiliation = None
            entries.append(AttendeeEntry(name.strip(), affiliation.strip() if affiliation else None, line))
        elif isinstance(item, str) and item.strip():
            entries.append(AttendeeEntry(item.strip(), None, line))
        else:
            reader.error(line, "varje deltagare ska vara ett namn eller 'name:' och 'affiliation:'")
    return tuple(entries)


_READERS = {
    "meetings": _read_meeting,
    "people": _read_person,
    "projects": _read_project,
    "groups": _read_group,
    "organizations": _read_organization,
}
