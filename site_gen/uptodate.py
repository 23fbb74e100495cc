"""`site-gen build` with nothing changed: the site on disk is already what it would write.

A whole build is deterministic: the same inputs give the same bytes. So the CLI records,
after each successful build, a digest of everything the output is made from (`inputs_digest`)
and of the output tree as that build left it (`output_digest`). When both are the same at
the next build, nothing is built or written. The inputs are hashed by their bytes, not by
their time stamps, which a save within the same clock tick can leave unchanged; the output
tree, which only builds write, by names, sizes and time stamps. A site edited by hand, a
file added to `public/`, another version of the code or of a library: any of them makes
the next build a whole one (`--force` makes one anyway).

The records live in `.cache/site-gen/` beside the content folder, one small file per output
folder. A record that cannot be read or written only costs a whole build.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import ContentError
from .options import BuildOptions

try:  # CPython's own BLAKE2, which `hashlib.blake2b` is: `import hashlib` would also load OpenSSL
    # (2.7 ms), before a build's first fork, where nothing else needs it
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

CACHE_DIR = Path(".cache") / "site-gen"
LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "python-frontmatter", "PyYAML", "pagefind", "cbor2")
"""Installed packages whose version can change the output."""
CODE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LastBuild:
    """What the CLI prints for a build it did not need to make again."""

    inputs: str
    output: str
    pages: int
    files: int
    notices: list[str]


def record_path(options: BuildOptions) -> Path:
    name = blake2b(str(options.output_dir.absolute()).encode(), digest_size=8).hexdigest()
    return options.content_dir.absolute().parent / CACHE_DIR / f"{name}.json"


def inputs_digest(options: BuildOptions) -> str:
    """A digest of every byte the output is made from: the content, templates and static
    folders, the code, the versions of Python and the libraries, and the build's options
    (all but `jobs`, which changes no byte)."""
    settings = {key: str(value) for key, value in asdict(options).items() if key != "jobs"}
    digest = blake2b(digest_size=16)
    digest.update(json.dumps([settings, sys.version, _versions()], sort_keys=True).encode())
    for label, folder in (("content", options.content_dir), ("templates", options.templates_dir),
                          ("static", options.static_dir), ("code", CODE_DIR)):
        digest.update(f"\0{label}\0".encode())
        for path in _files(folder):
            digest.update(f"{path.relative_to(folder).as_posix()}\0".encode())
            try:
                digest.update(blake2b(path.read_bytes(), digest_size=16).digest())
            except OSError:  # unreadable: the build will say so; never matches a finished build
                digest.update(os.urandom(16))
    return digest.hexdigest()


def output_digest(output_dir: Path) -> str:
    """A digest of the output tree's names, sizes and modification times."""
    digest = blake2b(digest_size=16)
    for path in _files(output_dir, hidden=True):
        try:
            stat = path.stat()
        except OSError:
            return ""
        digest.update(f"{path.relative_to(output_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def unchanged_since_last(record: Path, inputs: str, output_dir: Path) -> LastBuild | None:
    """The last build's record, if its inputs are `inputs` and its output is still as it left it."""
    try:
        last = LastBuild(**json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if last.inputs != inputs or not output_dir.is_dir() or last.output != output_digest(output_dir):
        return None
    return last


def remember_build(record: Path, inputs: str, output_dir: Path, pages: int, files: int,
                   notices: list[ContentError]) -> None:
    last = LastBuild(inputs, output_digest(output_dir), pages, files, [str(n) for n in notices])
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial = record.with_name(f".{record.name}.{os.getpid()}")
        partial.write_text(json.dumps(asdict(last)), encoding="utf-8")
        partial.replace(record)
    except OSError:
        pass  # the next build is a whole one


def _files(folder: Path, hidden: bool = False) -> list[Path]:
    """Every file under `folder`, sorted; hidden ones (editors' swap files, `.git`) only with `hidden`,
    and never Python's bytecode caches."""
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if (hidden or not f.startswith(".")) and f != "__pycache__")
        found += [Path(root, name) for name in sorted(names) if hidden or not name.startswith(".")]
    return found


def _versions() -> dict[str, str]:
    import importlib.metadata  # here: 20 ms of imports (email, zipfile …) that only this needs

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = ""
    return versions
