"""The Pagefind search index: what a build indexes, and what happens when Pagefind fails."""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest

from site_gen.errors import BuildFailed
from site_gen.swedish import sort_key

from .conftest import REPO, build, meeting_file
from .test_errors import tree_digest

MEETING = "meetings/2020-01-13-styrgruppen.md"
MINUTES = meeting_file(
    "## Fritidsbank\n\nLeif pratade om Fritidsbanken. Eva Ek nämndes.\n\n## Boende\n\nBostad först växer.\n",
    ["Leif Redestig", "Ann Abrahamsson"],
    extra="title: Styrgruppen 13 januari\n",
)


def fragments(site: Path) -> dict[str, dict]:
    """Every indexed page's record (Pagefind's fragment files: gzip, a 12-byte signature, JSON), by URL."""
    records = [json.loads(gzip.decompress(path.read_bytes())[12:]) for path in (site / "pagefind" / "fragment").iterdir()]
    return {record["url"]: record for record in records}


def test_only_the_minutes_are_indexed_in_swedish_with_filters_and_agenda_anchors(site):
    content = site({MEETING: MINUTES})
    report = build(content)
    output = content.parent / "public"
    assert report.search is not None and report.search.languages == ("sv",)  # lang="sv": the Swedish stemmer
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["sv"]
    records = fragments(output)
    assert list(records) == ["/moten/2020-01-13-styrgruppen/"] and report.search.pages == 1
    record = records["/moten/2020-01-13-styrgruppen/"]
    assert record["meta"]["title"] == "Styrgruppen 13 januari"
    assert record["filters"] == {
        "Grupp": ["Styrgruppen"],
        "Person": ["Ann Abrahamsson", "Eva Ek", "Leif Redestig"],  # attendees and the person named
        "Projekt": ["Bostad först", "Fritidsbanken"],
    }
    assert [(a["id"], a["text"]) for a in record["anchors"] if a["element"] == "h2" and a["id"] != "narvarande"] == [
        ("fritidsbank", "Fritidsbank"), ("boende", "Boende")]
    text = record["content"]
    assert "Leif pratade om Fritidsbanken." in text and "Bostad först växer." in text
    # Not the navigation, the agenda (the headings are indexed where they stand) or the related links.
    for elsewhere in ("Hoppa till huvudinnehållet", "Organisationer", "Dagordning", "Projekt som diskuterades"):
        assert elsewhere not in text, elsewhere


def test_builds_give_byte_identical_indexes(site, tmp_path):
    """Pagefind itself writes filter values in hash-map order (Pagefind/pagefind#638); the build
    rewrites them sorted, so the whole index is byte-identical from run to run."""
    content = site({MEETING: MINUTES})
    one, two = tmp_path / "one", tmp_path / "two"
    build(content, one)
    build(content, two)
    index = {path: digest for path, digest in tree_digest(one).items() if path.startswith("pagefind/")}
    assert any(path.startswith("pagefind/filter/") for path in index)
    assert tree_digest(one) == tree_digest(two)


def test_filter_values_are_in_swedish_order(site, tmp_path):
    content = site({MEETING: MINUTES})
    build(content, tmp_path / "out")
    for path in (tmp_path / "out" / "pagefind" / "filter").iterdir():
        _, values = cbor2.loads(gzip.decompress(path.read_bytes())[12:])
        names = [value for value, _ in values]
        assert names == sorted(names, key=sort_key)


def failing_pagefind(tmp_path: Path) -> Path:
    script = tmp_path / "bin" / "pagefind"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 3\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_failing_pagefind_fails_the_build_and_publishes_nothing(site, tmp_path, monkeypatch):
    content = site({MEETING: MINUTES})
    output = content.parent / "public"
    build(content)
    before = tree_digest(output)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing_pagefind(tmp_path)))
    with pytest.raises(BuildFailed) as failure:
        build(content)
    (error,) = failure.value.errors
    assert error.message == "sökindexet kunde inte byggas: Pagefind misslyckades: Error: something broke"
    assert tree_digest(output) == before
    assert sorted(p.name for p in output.parent.iterdir()) == ["bin", "content", "public"]  # no staging left


def test_cli_reports_a_missing_pagefind_in_one_line(site, tmp_path):
    content = site({MEETING: MINUTES})
    environment = {**os.environ, "PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-pagefind")}
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--content", str(content)], cwd=content.parent,
                            capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "public: sökindexet kunde inte byggas: Pagefind saknas – installera projektet igen (pip install -e .), "
        "det installerar paketet pagefind[bin]",
        "Bygget avbröts: 1 problem att rätta. Inget skrevs.",
    ]
    assert not (content.parent / "public").exists()


def test_people_who_are_not_public_are_neither_filters_nor_in_the_index(site):
    content = site({
        "people/bo-nilsson.md": "---\nname: Bo Nilsson\nvisibility: initials\n---\n",
        MEETING: meeting_file("## Punkt\n\nBo Nilsson berättade.\n", ["Leif Redestig", "Bo Nilsson"]),
    })
    build(content)
    output = content.parent / "public"
    (record,) = fragments(output).values()
    assert record["filters"]["Person"] == ["Leif Redestig"]
    for path in (output / "pagefind").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            assert "Nilsson".encode() not in data, path
