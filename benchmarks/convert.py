"""The benchmark corpus, read once and laid out for each peer generator (never timed).

`read_corpus` reads a corpus written by `gen_corpus.py` (site-gen's own content format)
into plain records. Each `lay_out_*` function writes one peer's site directory: its
adapter (config and templates from `benchmarks/peers/<tool>/`) and the same minutes with
the front matter rewritten into the fields that tool understands. The Markdown body of
every meeting is copied unchanged, so every tool renders the identical minutes.

What the conversion resolves for the peers (site-gen does it inside its timed build):
attendee names to person slugs, the group slug to its name, and the projects a meeting
discusses (every project whose name occurs in the minutes, case-insensitively, as
site-gen's linker finds them).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

PEERS_DIR = Path(__file__).resolve().parent / "peers"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader where PyYAML has it: reading 10,000 meetings in pure Python takes a while."""


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    organizations: tuple[str, ...]
    """Organisation names."""


@dataclass(frozen=True)
class Project:
    slug: str
    name: str
    status: str
    description: str
    """The Markdown body of the project's file."""


@dataclass(frozen=True)
class Group:
    slug: str
    name: str


@dataclass(frozen=True)
class Meeting:
    slug: str
    title: str
    date: str
    """ISO 8601."""
    group: str
    """Group slug."""
    note_taker: str
    """Person slug."""
    attendees: tuple[str, ...]
    """Person slugs, in the minutes' order."""
    projects: tuple[str, ...]
    """Slugs of the projects named in the minutes, in the corpus' project order."""
    body: str
    """The Markdown after the front matter, exactly as in the source file."""


@dataclass(frozen=True)
class Corpus:
    meetings: tuple[Meeting, ...]
    """In file-name order (date, then group)."""
    people: dict[str, Person]
    projects: dict[str, Project]
    groups: dict[str, Group]


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter, body) of a file that starts with a `---` block."""
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    head, separator, body = text[4:].partition("\n---\n")
    if not separator:
        raise ValueError("front matter not closed")
    return yaml.load(head, Loader=SAFE_LOADER) or {}, body


def _read(path: Path) -> tuple[dict, str]:
    try:
        return split_front_matter(path.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: {error}") from None


def read_corpus(content: Path) -> Corpus:
    people, projects, groups, organizations = {}, {}, {}, {}
    for path in sorted((content / "organizations").glob("*.md")):
        organizations[path.stem] = _read(path)[0]["name"]
    for path in sorted((content / "people").glob("*.md")):
        data = _read(path)[0]
        people[path.stem] = Person(path.stem, data["name"],
                                   tuple(organizations[slug] for slug in data.get("organizations", ())))
    for path in sorted((content / "projects").glob("*.md")):
        data, body = _read(path)
        projects[path.stem] = Project(path.stem, data["name"], data.get("status", ""), body.strip())
    for path in sorted((content / "groups").glob("*.md")):
        groups[path.stem] = Group(path.stem, _read(path)[0]["name"])
    slug_of = {person.name: person.slug for person in people.values()}
    folded_projects = [(project.slug, project.name.casefold()) for project in projects.values()]
    meetings = []
    for path in sorted((content / "meetings").glob("*.md")):
        data, body = _read(path)
        names = [entry["name"] if isinstance(entry, dict) else entry for entry in data["attendees"]]
        folded = body.casefold()
        meetings.append(Meeting(
            slug=path.stem, title=data["title"], date=str(data["date"]), group=data["group"],
            note_taker=slug_of[data["note_taker"]], attendees=tuple(slug_of[name] for name in names),
            projects=tuple(slug for slug, name in folded_projects if name in folded), body=body,
        ))
    return Corpus(tuple(meetings), people, projects, groups)


def _yaml(fields: dict) -> str:
    """A front-matter block; JSON values are valid YAML and quote every string safely."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _adapter(tool: str, site: Path) -> None:
    """A fresh site directory holding the tool's adapter files."""
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(PEERS_DIR / tool, site)


def lay_out_hugo(corpus: Corpus, site: Path) -> None:
    """Meetings are regular pages; people, projects and groups are taxonomies whose terms
    are the slugs, and each term's own page gets the stub's name and text (`_index.md`)."""
    _adapter("hugo", site)
    content = site / "content"
    for kind, title in (("meetings", "Alla möten"), ("people", "Personer"), ("projects", "Projekt"),
                        ("groups", "Grupper")):
        _write(content / kind / "_index.md", _yaml({"title": title}))
    for m in corpus.meetings:
        _write(content / "meetings" / f"{m.slug}.md", _yaml({
            "title": m.title, "date": m.date, "people": list(m.attendees), "projects": list(m.projects),
            "groups": [m.group], "note_taker": corpus.people[m.note_taker].name,
        }) + m.body)
    for person in corpus.people.values():
        _write(content / "people" / person.slug / "_index.md",
               _yaml({"title": person.name, "organizations": list(person.organizations)}))
    for project in corpus.projects.values():
        _write(content / "projects" / project.slug / "_index.md",
               _yaml({"title": project.name, "status": project.status}) + project.description + "\n")
    for group in corpus.groups.values():
        _write(content / "groups" / group.slug / "_index.md", _yaml({"title": group.name}))


def _named(corpus: Corpus, slugs: tuple[str, ...], kind: str) -> list[dict[str, str]]:
    table = {"people": corpus.people, "projects": corpus.projects, "groups": corpus.groups}[kind]
    return [{"slug": slug, "name": table[slug].name} for slug in slugs]


def _meeting_with_names(corpus: Corpus, m: Meeting) -> str:
    """A meeting file whose front matter names its group, note taker, attendees and projects
    (Eleventy's and MkDocs' templates show names, with slugs for links), and its body as is."""
    return _yaml({
        "title": m.title, "date": m.date, "group": _named(corpus, (m.group,), "groups")[0],
        "note_taker": corpus.people[m.note_taker].name, "attendees": _named(corpus, m.attendees, "people"),
        "projects": _named(corpus, m.projects, "projects"),
    }) + m.body


def lay_out_eleventy(corpus: Corpus, site: Path) -> None:
    """Meetings are Markdown templates; people, projects and groups are stub files that
    Eleventy reads but does not write (`permalink: false`); the config joins them with the
    meetings into paginated per-person, per-project and per-group pages."""
    _adapter("eleventy", site)
    source = site / "src"
    for m in corpus.meetings:
        _write(source / "meetings" / f"{m.slug}.md", _meeting_with_names(corpus, m))
    for person in corpus.people.values():
        _write(source / "people" / f"{person.slug}.md",
               _yaml({"slug": person.slug, "name": person.name, "organizations": list(person.organizations)}))
    for project in corpus.projects.values():
        _write(source / "projects" / f"{project.slug}.md",
               _yaml({"slug": project.slug, "name": project.name, "status": project.status})
               + project.description + "\n")
    for group in corpus.groups.values():
        _write(source / "groups" / f"{group.slug}.md", _yaml({"slug": group.slug, "name": group.name}))


def lay_out_pelican(corpus: Corpus, site: Path) -> None:
    """Meetings are articles in Pelican's own Markdown metadata (no plugin needed):
    attendees are its authors, projects its tags and the group its category, so Pelican
    writes a page per person, project and group. It has no place for the stubs' text."""
    _adapter("pelican", site)
    for m in corpus.meetings:
        fields = {
            "Title": m.title, "Date": m.date, "Slug": m.slug,
            "Category": corpus.groups[m.group].name,
            "Authors": ", ".join(corpus.people[slug].name for slug in m.attendees),
            "Tags": ", ".join(corpus.projects[slug].name for slug in m.projects),
            "Note_taker": corpus.people[m.note_taker].name,
        }
        head = "".join(f"{key}: {value}\n" for key, value in fields.items() if value)
        _write(site / "content" / "meetings" / f"{m.slug}.md", head + "\n" + m.body)


def lay_out_mkdocs(corpus: Corpus, site: Path) -> None:
    """One page per Markdown file: meetings, and the people, project and group stubs as
    pages of their own. MkDocs has no taxonomies, so no page lists a person's meetings."""
    _adapter("mkdocs", site)
    docs = site / "docs"
    for m in corpus.meetings:
        _write(docs / "meetings" / f"{m.slug}.md", _meeting_with_names(corpus, m))
    for person in corpus.people.values():
        _write(docs / "people" / f"{person.slug}.md",
               _yaml({"title": person.name, "organizations": list(person.organizations)}))
    for project in corpus.projects.values():
        _write(docs / "projects" / f"{project.slug}.md",
               _yaml({"title": project.name, "status": project.status}) + project.description + "\n")
    for group in corpus.groups.values():
        _write(docs / "groups" / f"{group.slug}.md", _yaml({"title": group.name}))


LAYOUTS = {"hugo": lay_out_hugo, "eleventy": lay_out_eleventy, "pelican": lay_out_pelican, "mkdocs": lay_out_mkdocs}
