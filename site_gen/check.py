"""`site-gen check`: validate all content without writing anything."""

from __future__ import annotations

from pathlib import Path

from .config import load_config
from .errors import BuildFailed, ContentError, Problems
from .library import build_library
from .load import load_records


def check_content(content_dir: Path, include_drafts: bool = True) -> list[ContentError]:
    """Every error and warning in the content, sorted by file and line."""
    problems = Problems()
    try:
        load_config(content_dir)
        build_library(load_records(content_dir, problems), include_drafts=include_drafts, problems=problems)
    except BuildFailed as failure:
        return failure.errors + sorted(set(problems.warnings))
    return sorted(set(problems.warnings), key=lambda e: (e.path, e.line, e.message))
