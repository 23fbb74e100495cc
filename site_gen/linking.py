"""Finding names in the minutes and turning them into links.

Rules (the editors' guide explains them in Swedish):
- People's full names and aliases link anywhere, case-sensitively, also in the
  genitive ('Leif Redestigs'); never as part of a longer word or hyphenated name.
- Project, organisation and group names and aliases link case-insensitively
  ('Socialförvaltningen' / 'socialförvaltningen'), also in the genitive and as the
  first part of a hyphenated compound ('Bostad först-projektet').
- A first name alone links to the meeting's single attendee with that first name;
  when two attendees share it, or none has it, it links to nobody. 'Ann' never
  matches 'Anne' or 'Ann-Kristin'.
- The longest name wins; text inside links, code and headings is never linked
  (headings still count as mentions).
- `[[target]]` / `[[target|text]]` force a link; `[[!text]]` prevents one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from .model import group_url, organization_url, person_url, project_url

PERSON, PROJECT, ORGANIZATION, GROUP = "person", "project", "organization", "group"
ALL_KINDS = (PERSON, PROJECT, ORGANIZATION, GROUP)
INDEX_URLS = ("/", "/moten/", "/personer/", "/projekt/", "/grupper/", "/organisationer/", "/data/site.json")


@dataclass(frozen=True)
class Target:
    """Something a name can link to."""

    kind: str
    slug: str
    url: str


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    target: Target
    genitive: bool = False
    """The name was followed by a genitive s ('Leifs')."""


class NameIndex:
    """Every linkable name, alias and slug, and one compiled pattern that finds them."""

    def __init__(self) -> None:
        self._people: dict[str, Target] = {}
        """Exact full names and aliases of people: the text links them case-sensitively."""
        self._people_folded: dict[str, Target] = {}
        """The same, casefolded, for clashes and front matter references."""
        self._others: dict[str, Target] = {}
        """Casefolded names and aliases of projects, organisations and groups."""
        self._slugs: dict[tuple[str, str], Target] = {}
        self._urls: dict[str, Target] = {}
        self._registrations: list[tuple[str, str, tuple[str, ...], str]] = []
        self._pages: set[str] = set(INDEX_URLS)
        """Every page URL of the site, for checking editors' own internal links."""
        self._pattern: re.Pattern[str] | None = None
        self._first_names: set[str] = set()
        self._first_name_pattern: re.Pattern[str] | None = None

    @staticmethod
    def target(kind: str, slug: str) -> Target:
        url = {PERSON: person_url, PROJECT: project_url, ORGANIZATION: organization_url, GROUP: group_url}[kind](slug)
        return Target(kind, slug, url)

    def add(self, kind: str, slug: str, names: Iterable[str], *, visibility: str = "public") -> list[tuple[str, Target]]:
        """Register an entity's names; return (name, other owner) for every clash.

        Names must be unique regardless of case across all kinds, so that a name in
        the text or in front matter always means one thing. A person who is not public
        has no page: their names are still found (to be replaced), never linked.
        """
        target = self.target(kind, slug)
        has_page = visibility == "public"
        self._slugs[(kind, slug)] = target
        if has_page:
            self._urls[target.url] = target
            self._pages.add(target.url)
        self._registrations.append((kind, slug, tuple(names), visibility))
        clashes = []
        for name in names:
            folded = name.casefold()
            owner = self._people_folded.get(folded) or self._others.get(folded)
            if owner is not None and owner != target:
                clashes.append((name, owner))
            elif kind == PERSON:
                self._people[name] = self._people_folded[folded] = target
                self._first_names.add(name.split()[0])
                self._first_name_pattern = None
            else:
                self._others[folded] = target
        self._pattern = None
        return clashes

    def add_page(self, url: str) -> None:
        self._pages.add(url)

    def fingerprint(self) -> int:
        """Changes whenever a name, alias or slug changes (pages are checked per link, see `minutes`)."""
        return hash(tuple(self._registrations))

    def has_page(self, url: str) -> bool:
        return url in self._pages

    def by_url(self, url: str) -> Target | None:
        """The target of an editor's own link to a page ('/personer/x/'), to count it as a mention."""
        return self._urls.get(url.partition("#")[0])

    def lookup(self, ref: str, kind: str | None = None) -> Target | None:
        """A reference from front matter or `[[…]]`: a slug, a name or an alias, any case."""
        ref = ref.strip()
        for k in (kind,) if kind else ALL_KINDS:
            if (k, ref) in self._slugs:
                return self._slugs[(k, ref)]
        found = self._people_folded.get(ref.casefold()) or self._others.get(ref.casefold())
        return found if found is not None and (kind is None or found.kind == kind) else None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = re.compile(f"{_people_pattern(self._people, 'p')}|{_others_pattern(self._others)}")
        return self._pattern

    def known_first_names(self, text: str) -> Iterator[re.Match[str]]:
        """Every first name of a known person in `text` (for the 'links to nobody' warning)."""
        if self._first_name_pattern is None:
            self._first_name_pattern = re.compile(_people_pattern(self._first_names, "f"))
        return self._first_name_pattern.finditer(text)

    def find(self, text: str) -> Iterator[Match]:
        for match in self.pattern.finditer(text):
            if match.group("p") is not None:
                target = self._people[match.group("p")]
            else:
                target = self._others[match.group("o").casefold()]
            yield Match(match.start(), match.end(), target, (match.group("pg") or match.group("og")) is not None)


def _alternation(names: Iterable[str]) -> str:
    # Longest first: at one position the regex takes the first alternative that matches.
    ordered = sorted(set(names), key=lambda n: (-len(n), n))
    return "|".join(re.escape(n) for n in ordered) or "(?!)"


def _people_pattern(names: Iterable[str], group: str) -> str:
    # Not inside a word or a hyphenated name; an optional genitive s.
    return rf"(?<![\w-])(?P<{group}>{_alternation(names)})(?P<{group}g>s)?(?!-?\w)"


def _others_pattern(names: Iterable[str]) -> str:
    # Not inside a word; an optional genitive s; may start a hyphenated compound.
    return rf"(?<!\w)(?i:(?P<o>{_alternation(names)}))(?P<og>s)?(?!\w)"


class FirstNames:
    """The first names of one meeting's attendees that identify exactly one of them."""

    def __init__(self, attendees: Iterable[tuple[str, str]]):
        owners: dict[str, set[str]] = {}
        for first_name, slug in attendees:
            owners.setdefault(first_name, set()).add(slug)
        self.owners = owners
        """First name → slugs of the attendees who have it."""
        self.unique = {name: next(iter(slugs)) for name, slugs in owners.items() if len(slugs) == 1}
        self.ambiguous = {name for name, slugs in owners.items() if len(slugs) > 1}
        self._pattern = re.compile(_people_pattern(self.unique, "f")) if self.unique else None

    def find(self, text: str) -> Iterator[Match]:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            target = NameIndex.target(PERSON, self.unique[match.group("f")])
            yield Match(match.start(), match.end(), target, match.group("fg") is not None)


def find_names(text: str, index: NameIndex, first_names: FirstNames) -> list[Match]:
    """All name matches in `text`, full names and aliases before first names."""
    matches = list(index.find(text))
    if first_names.unique:
        taken = [(m.start, m.end) for m in matches]
        matches += [m for m in first_names.find(text) if not any(s < m.end and m.start < e for s, e in taken)]
        matches.sort(key=lambda m: m.start)
    return matches


def link_text(content: str, matches: list[Match], withheld: dict[str, str], *, link: bool = True) -> list[Token]:
    """Split one text token's content into text and link tokens. A person in `withheld` (slug → what
    to show instead) is replaced, never linked; `link=False` (headings, link text) only replaces."""
    tokens, position = [], 0
    for match in matches:
        is_withheld = match.target.kind == PERSON and match.target.slug in withheld
        if not (link or is_withheld):
            continue
        if match.start > position:
            tokens.append(_text(content[position : match.start]))
        found = content[match.start : match.end]
        if is_withheld:
            tokens.append(_text(withheld[match.target.slug] + (":s" if match.genitive else "")))
        else:
            tokens += link_tokens(match.target, found)
        position = match.end
    if position < len(content):
        tokens.append(_text(content[position:]))
    return tokens


def link_tokens(target: Target, text: str) -> list[Token]:
    link_open = Token("link_open", "a", 1, attrs={"href": target.url})
    return [link_open, _text(text), Token("link_close", "a", -1)]


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
