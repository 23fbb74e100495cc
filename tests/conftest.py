"""Shared helpers: small sites written into a temporary directory, and the real site built once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from site_gen.pipeline import BuildOptions, BuildReport, build_site

REPO = Path(__file__).resolve().parent.parent

# Property-based tests run the same examples on every run (CI is reproducible) and few of them
# (each is a whole build); `HYPOTHESIS_PROFILE=explore` searches more widely at random.
settings.register_profile("site-gen", derandomize=True, database=None, max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "site-gen"))


def generate_corpus(meetings: int, root: Path) -> Path:
    """A synthetic site of `meetings` meetings from `benchmarks/gen_corpus.py` in `root`; its content directory."""
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_corpus.py"), str(meetings), str(root)],
                   check=True, capture_output=True)
    return root / "content"


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write `{relative path: text}` under `root` (text is dedented); return `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


BASE_SITE = {
    "groups/styrgruppen.md": """
        ---
        name: Styrgruppen
        meeting_times: Första måndagen i månaden
        ---
        Gruppen som styr.
        """,
    "people/ann-abrahamsson.md": "---\nname: Ann Abrahamsson\norganizations: [socialforvaltningen]\n---\n",
    "people/anne-eskilsson.md": "---\nname: Anne Eskilsson\n---\n",
    "people/ann-kristin-sorensen.md": "---\nname: Ann-Kristin Sörensen\n---\n",
    "people/leif-redestig.md": "---\nname: Leif Redestig\n---\n",
    "people/eva-ek.md": "---\nname: Eva Ek\n---\n",
    "people/eva-berg.md": "---\nname: Eva Berg\n---\n",
    "people/oskar-ohman.md": "---\nname: Öskar Öhman\n---\n",
    "projects/fritidsbanken.md": """
        ---
        name: Fritidsbanken
        aliases: [Fritidsbank]
        status: active
        ---
        Lånar ut fritidsutrustning.
        """,
    "projects/bostad-forst.md": "---\nname: Bostad först\nstatus: active\n---\n",
    "organizations/socialforvaltningen.md": "---\nname: Socialförvaltningen\n---\n",
    "organizations/ria.md": "---\nname: Ria – Hela människan\naliases: [Ria, Hela människan]\n---\n",
}


def meeting_file(body: str, attendees: list[str] | None = None, date: str = "2020-01-13", extra: str = "") -> str:
    lines = "".join(f"  - {a}\n" for a in (attendees or ["Leif Redestig"]))
    return f"---\ndate: {date}\ngroup: styrgruppen\nattendees:\n{lines}{extra}---\n" + textwrap.dedent(body)


@pytest.fixture
def site(tmp_path: Path):
    """A factory: `site({extra files})` writes the base site plus extras and returns its content dir."""

    def make(extra: dict[str, str] | None = None, base: bool = True) -> Path:
        content = tmp_path / "content"
        write_files(content, {**(BASE_SITE if base else {}), **(extra or {})})
        return content

    return make


def build(content: Path, output: Path | None = None, **options) -> BuildReport:
    output = output or content.parent / "public"
    return build_site(BuildOptions(content_dir=content, output_dir=output, **options))


BLOCK_TAGS = frozenset(
    "address article aside blockquote br caption dd div dl dt footer h1 h2 h3 h4 h5 h6 header hr li main nav "
    "ol p pre section table tbody td th thead title tr ul".split()
)


class TextExtractor(HTMLParser):
    """The text of a page, whitespace collapsed; block elements and `<br>` separate words."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)

    @classmethod
    def text(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join("".join(parser.parts).split())


class LinkCollector(HTMLParser):
    """Every href and src of a page, and every element id."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real content/ built once for the session; returns the output directory."""
    output = tmp_path_factory.mktemp("real") / "public"
    build_site(BuildOptions(content_dir=REPO / "content", output_dir=output))
    return output
