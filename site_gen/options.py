"""What a build is asked to do, apart from the build itself: `site-gen build` reads these to
find out whether anything changed (`uptodate`) without importing what builds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    jobs: int = 0
    """Processes for the heavy part of a whole build (0: one per available CPU)."""

    @property
    def processes(self) -> int:
        """`jobs`, or the number of CPUs this process may run on."""
        return self.jobs or len(os.sched_getaffinity(0))
