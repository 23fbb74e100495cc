"""The errors a build reports to editors.

Every problem in the content is a `ContentError` carrying the file, the line and
a message that says what to do. Stages collect them in a list so that one build
reports every problem at once; `BuildFailed` carries that list to the CLI, which
prints one `path:line: message` per problem and exits 1.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one source file."""

    path: str
    """The file, as a path relative to the working directory (or absolute)."""
    line: int
    """1-based line in the file; 0 when the problem concerns the whole file."""
    message: str
    """What is wrong and what to do, in Swedish: editors read it."""
    warning: bool = False
    """Warnings fail only `check --strict`; a build prints and ignores them."""

    def __str__(self) -> str:
        kind = "varning: " if self.warning else ""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return printable(f"{where}: {kind}{self.message}")


def printable(text: str) -> str:
    """One line without control characters: a file name or quoted text holding a newline or a
    terminal escape sequence must neither split the message nor act on the editor's terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class BuildFailed(Exception):
    """The content has problems; nothing was written."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(set(errors), key=lambda e: (e.path, e.line, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple:
        # Made again from its errors (not from its message), also when a worker process raised it.
        return (BuildFailed, (self.errors,))


def display_path(path: Path) -> str:
    """A path as editors should see it: resolved, relative to the working directory when it is
    in it (else as it was given).

    `path.resolve()` checks every folder on the way for a symbolic link, and loading shows
    every content file's path: a file that is not a link itself is shown as its folder's
    resolved path (worked out once per folder) and its name."""
    cwd = os.getcwd()
    if path.name in ("", ".", "..") or path.is_symlink():
        try:
            return str(path.resolve().relative_to(_resolved_folder(cwd, cwd)))
        except ValueError:
            return str(path)
    shown_folder, working_directory = _shown_folder(str(path.parent), cwd)
    if shown_folder is not None:
        return shown_folder + path.name
    return "." if path.name == working_directory else str(path)


@functools.lru_cache(maxsize=256)
def _shown_folder(folder: str, cwd: str) -> tuple[str | None, str | None]:
    """How `display_path` starts the path of a file in `folder`: the folder resolved, relative to
    the working directory, with a '/' ('' for the working directory), or None outside it; and,
    for the folder the working directory is in, the working directory's name."""
    resolved, working = _resolved_folder(folder, cwd), _resolved_folder(cwd, cwd)
    try:
        relative = resolved.relative_to(working)
    except ValueError:
        return None, working.name if resolved == working.parent else None
    return "" if relative == Path() else f"{relative}/", None


@functools.lru_cache(maxsize=256)
def _resolved_folder(folder: str, cwd: str) -> Path:
    """`folder` resolved; `cwd` is part of the key, since a relative folder resolves from it."""
    return Path(folder).resolve()


class Problems:
    """Collects the problems of one stage; `raise_if_any` ends the build when there are some."""

    def __init__(self) -> None:
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []

    def error(self, path: str, line: int, message: str) -> None:
        self.errors.append(ContentError(path, line, message))

    def warn(self, path: str, line: int, message: str) -> None:
        self.warnings.append(ContentError(path, line, message, warning=True))

    def raise_if_any(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors)
