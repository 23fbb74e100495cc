"""The build: load → model → render → write, each stage timed.

`build_site` is what `python build.py` and `site-gen build` run. Every content
problem is found before anything is written, so a failed build leaves the
previous output untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import load_config
from .data import site_json
from .library import build_library
from .load import load_records
from .model import Library
from .render import STYLESHEET_URL, Renderer, create_environment
from .views import site_pages
from .write import OutputFile, check_output_dir, url_to_path, write_site

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


@dataclass
class BuildReport:
    pages: int = 0
    """HTML pages written."""
    files: int = 0
    """All files written, pages included."""
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage, for `--verbose` and benchmarks."""
    library: Library | None = None


def build_site(options: BuildOptions) -> BuildReport:
    """Build the whole site; raise `BuildFailed` (nothing written) on bad content."""
    report = BuildReport()
    started = last = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        report.stages[stage] = now - last
        last = now

    check_output_dir(options.output_dir, options.content_dir)
    config = load_config(options.content_dir, options.base_url)
    records = load_records(options.content_dir)
    lap("load")
    library = build_library(records, include_drafts=options.include_drafts)
    lap("model")
    renderer = Renderer(create_environment(options.templates_dir), config)
    pages = site_pages(library, config)
    files = [OutputFile(url_to_path(page.url), renderer.render(page).encode("utf-8")) for page in pages]
    files.append(OutputFile("data/site.json", site_json(library)))
    files += static_files(options.static_dir)
    lap("render")
    write_site(files, options.output_dir)
    lap("write")
    report.pages, report.files, report.library = len(pages), len(files), library
    report.seconds = time.perf_counter() - started
    return report


def static_files(static_dir: Path) -> list[OutputFile]:
    """The stylesheet and other assets, copied under /assets/."""
    prefix = STYLESHEET_URL.rsplit("/", 1)[0].lstrip("/")
    return [
        OutputFile(f"{prefix}/{path.relative_to(static_dir).as_posix()}", path.read_bytes())
        for path in sorted(static_dir.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
