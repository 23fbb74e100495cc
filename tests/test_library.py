"""The model after changes to meetings: the library updated from the last one (serve) equals
the library built from scratch, with every mapping in the same order."""

from __future__ import annotations

import dataclasses

import pytest

from site_gen import library as library_module
from site_gen.errors import BuildFailed, Problems
from site_gen.library import ModelCache, build_library
from site_gen.load import load_records
from site_gen.model import Library

from .test_incremental import Mutator


def ordered(library: Library) -> dict[str, list]:
    """Every field as a list of (key, value) pairs: dict equality alone ignores order."""
    return {f.name: list(getattr(library, f.name).items()) for f in dataclasses.fields(library)}


@pytest.mark.parametrize(("seed", "drafts", "warnings"), [(11, True, False), (12, False, True), (13, True, True)])
def test_updated_library_equals_a_library_built_from_scratch(site, monkeypatch, seed, drafts, warnings):
    whole_builds = []
    build_whole = library_module._build_library
    monkeypatch.setattr(library_module, "_build_library", lambda *a: whole_builds.append(1) or build_whole(*a))
    content = site()
    mutator = Mutator(content, seed=seed)
    for _ in range(6):
        mutator.new_meeting()
    cache = ModelCache()
    build_library(load_records(content), include_drafts=drafts, cache=cache)
    steps, failed, warned = 300, 0, 0
    for step in range(steps):
        action, _ = mutator.step()
        records = load_records(content)
        whole_problems, problems = (Problems(), Problems()) if warnings else (None, None)
        try:
            expected = build_library(records, include_drafts=drafts, problems=whole_problems)
        except BuildFailed as failure:
            with pytest.raises(BuildFailed) as incremental_failure:
                build_library(records, include_drafts=drafts, cache=cache, problems=problems)
            assert incremental_failure.value.errors == failure.errors, f"step {step}: {action}"
            failed += 1
            continue
        updated = build_library(records, include_drafts=drafts, cache=cache, problems=problems)
        assert ordered(updated) == ordered(expected), f"step {step}: {action}"
        if warnings:  # the same warnings, in the same order (a meeting's come from its cache entry)
            assert problems.warnings == whole_problems.warnings, f"step {step}: {action}"
            warned += bool(problems.warnings)
    # Most steps changed meetings alone and took the update path.
    assert failed < steps // 3
    assert warned > steps // 2 or not warnings
    assert len(whole_builds) - steps - 1 < steps // 3, len(whole_builds)
