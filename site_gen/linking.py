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

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from markdown_it.token import Token

from .markdown import NAME_LINK
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


class Match(NamedTuple):
    """One name found in a text (a tuple: one is made for every name in every meeting)."""

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
        self._pattern: NamePattern | None = None
        self._first_names: set[str] = set()
        self._first_name_pattern: NamePattern | None = None

    @staticmethod
    @functools.lru_cache(maxsize=8192)  # asked for each attendee of each meeting; a Target never changes
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

    def remove_page(self, url: str) -> None:
        """A meeting's page that is gone (names' pages stay while the names do)."""
        self._pages.discard(url)

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
    def pattern(self) -> NamePattern:
        if self._pattern is None:
            self._pattern = NamePattern(self._people, "p", others=self._others)
        return self._pattern

    def _other_spelled(self, text: str) -> Target:
        """The project, organisation or group whose name `re` found as `text` where `casefold`
        disagrees with it: `re` pairs 'İ' with 'i', which casefolds to 'i̇' ('RİA' is 'Ria')."""
        return next(target for name, target in self._others.items()
                    if re.fullmatch(re.escape(name), text, re.IGNORECASE))

    def known_first_names(self, text: str, words: set[str] | None = None) -> Iterator[re.Match[str]]:
        """Every first name of a known person in `text` (for the 'links to nobody' warning)."""
        if self._first_name_pattern is None:
            self._first_name_pattern = NamePattern(self._first_names, "f")
        return self._first_name_pattern.finditer(text, words)

    def find(self, text: str, words: set[str] | None = None) -> Iterator[Match]:
        for match in self.pattern.finditer(text, words):
            if match.group("p") is not None:
                target = self._people[match.group("p")]
            else:
                target = self._others.get(match.group("o").casefold()) or self._other_spelled(match.group("o"))
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


_WORD = re.compile(r"\w+")
_PLAIN = re.compile(r"[0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u012f\u0132-\u017e]*")
"""Words of these letters (ASCII, Latin-1 and Latin Extended-A, without İ, ı and ſ) match a
name case-insensitively exactly when their `str.lower()` forms are equal; elsewhere `re`
knows more case pairs (ı with i, ſ with s, the Kelvin sign with k …)."""


class NamePattern:
    """`finditer` of the pattern `_people_pattern(people)` (or that `|_others_pattern(others)`),
    but fast for thousands of names.

    `re` tries every alternative of an alternation at every position of the text, so a
    pattern of a thousand names costs a thousand comparisons per character. Every name
    starts with a word, and its lookbehind lets a match start only where a word of the text
    starts: a name can match there only when its first word is that word, or that word
    without a genitive s. So the pattern is tried only at such words, and only with the
    names that start with them (in the same order), which finds exactly what the whole
    pattern finds (`tests/test_linking.py` compares them). Names not starting with a word
    or starting with unusual letters make it fall back to the whole pattern.
    """

    def __init__(self, people: Iterable[str], group: str, others: Iterable[str] | None = None):
        self.people, self.group = tuple(sorted(set(people))), group
        self.others = None if others is None else tuple(sorted(set(others)))
        self._people_by_word = _by_first_word(self.people, str)
        self._others_by_word = _by_first_word(self.others or (), str.lower)
        self.exhaustive = self._people_by_word is None or self._others_by_word is None
        """True when names start so that only the whole pattern can find them (slow, still right)."""
        self._by_word: dict[str, re.Pattern[str] | None] = {}
        self._candidates: set[str] = set()
        """Words that may start a name; with names of projects and organisations (matched in
        any case) they are found among the words of the texts, which `_classified` holds."""
        self._classified: set[str] | None = set()
        if self.others is None and self._people_by_word is not None:
            # People's names are case-sensitive: the words that may start one are known.
            self._candidates = {word + s for word in self._people_by_word for s in ("", "s")}
            self._classified = None

    @functools.cached_property
    def whole(self) -> re.Pattern[str]:
        return _compiled(self.people, self.group, self.others)

    def finditer(self, text: str, words: set[str] | None = None) -> Iterator[re.Match[str]]:
        """The matches in `text`; `words` is `words_of(text)` if the caller has it already."""
        if self.exhaustive:
            yield from self.whole.finditer(text)
            return
        words = words_of(text) if words is None else words
        if self._classified is not None:
            for word in words - self._classified:
                self._classified.add(word)
                if self._pattern_at(word) is not None:
                    self._candidates.add(word)
        end = 0  # where the last match ended: matches do not overlap
        for start, word in sorted(_occurrences(text, words & self._candidates)):
            if start >= end and (match := self._pattern_at(word).match(text, start)) is not None:
                yield match
                end = match.end()

    def _pattern_at(self, word: str) -> re.Pattern[str] | None:
        """The pattern of the names that may match where `word` starts (None: no name may)."""
        if word in self._by_word:
            return self._by_word[word]
        people = _names_starting(self._people_by_word, word)
        others = None
        if self.others is not None:
            if not _PLAIN.fullmatch(word):  # a case pair only `re` knows: let the whole pattern decide
                self._by_word[word] = self.whole
                return self.whole
            others = _names_starting(self._others_by_word, word.lower())
        found = people or others
        pattern = _compiled(tuple(people), self.group, None if others is None else tuple(others)) if found else None
        self._by_word[word] = pattern
        return pattern


@functools.lru_cache(maxsize=8192)
def _compiled(people: tuple[str, ...], group: str, others: tuple[str, ...] | None) -> re.Pattern[str]:
    """One pattern of names, compiled once for every meeting that needs it (compiling is slow)."""
    source = _people_pattern(people, group)
    return re.compile(source if others is None else f"{source}|{_others_pattern(others)}")


def _occurrences(text: str, words: Iterable[str]) -> Iterator[tuple[int, str]]:
    r"""Where each of `words` stands in `text` as a whole word (a maximal run of \w): a word
    that only begins there must not be taken for it ('Annas' is not 'Anna' + genitive s when
    'Annas Anna' is a name)."""
    length, find = len(text), text.find
    for word in words:
        size = len(word)
        start = find(word)
        while start >= 0:
            end = start + size
            # Not next to a word character (what \w matches in a str pattern: alphanumeric or '_').
            if (start == 0 or not ((before := text[start - 1]).isalnum() or before == "_")) and (
                    end == length or not ((after := text[end]).isalnum() or after == "_")):
                yield start, word
            start = find(word, start + 1)


def _by_first_word(names: Iterable[str], fold: Callable[[str], str]) -> dict[str, list[str]] | None:
    """Names by their (folded) first word; None if a name starts otherwise or with unusual letters."""
    table: dict[str, list[str]] = {}
    for name in names:
        first = _WORD.match(name)
        if first is None or (fold is not str and not _PLAIN.fullmatch(first.group())):
            return None
        table.setdefault(fold(first.group()), []).append(name)
    return table


def _names_starting(table: dict[str, list[str]], word: str) -> list[str]:
    """The names whose first word is `word`, or `word` without a genitive s."""
    names = list(table.get(word, ()))
    if word.endswith("s"):
        names += table.get(word[:-1], ())
    return names


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
        self._targets = {name: NameIndex.target(PERSON, slug) for name, slug in self.unique.items()}
        self._pattern = NamePattern(self.unique, "f") if self.unique else None

    def find(self, text: str, words: set[str] | None = None) -> Iterator[Match]:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text, words):
            yield Match(match.start(), match.end(), self._targets[match.group("f")], match.group("fg") is not None)


class Spans:
    """The spans of non-overlapping matches, sorted by start: which of them overlap a range, in
    O(log n). A line of a million names would make a pairwise comparison run for hours."""

    def __init__(self, matches: Iterable[Match]):
        self.starts, self.ends = [], []
        for match in matches:
            self.starts.append(match.start)
            self.ends.append(match.end)

    def overlap(self, start: int, end: int) -> bool:
        position = bisect.bisect_right(self.starts, start)
        if position and self.ends[position - 1] > start:
            return True
        return position < len(self.starts) and self.starts[position] < end


def words_of(text: str) -> set[str]:
    r"""The words in `text` (runs of \w), which tell the name patterns where to look.

    Most of them stand between spaces alone: a piece between whitespace whose every character
    is alphanumeric (`str.isalnum`, which is what \w is, but for '_') is one word whole. The
    regex looks only into the others (those with punctuation, hyphens or '_'): a third less
    time than finding every word with it, and this runs over the text of every meeting."""
    words = set(text.split())
    others = [piece for piece in words if not piece.isalnum()]
    if others:
        words.difference_update(others)
        words.update(_WORD.findall(" ".join(others)))
    return words


class TextNames(NamedTuple):
    """The names found in one text."""

    matches: list[Match]
    """As `find_names` finds them."""
    first_names: list[tuple[int, str]]
    """(position, name) of every known person's first name (`NameIndex.known_first_names`)."""


_SEPARATOR = "\0"
"""Between texts searched as one: no name holds it, and the patterns' word boundaries see it as
the end of one text and the start of the next. No text of the minutes holds it either
(markdown-it makes every NUL of the source U+FFFD)."""


def names_in_texts(texts: list[str], index: NameIndex, first_names: FirstNames) -> list[TextNames]:
    """`find_names` and `known_first_names` for each of `texts` (a meeting's), found in one
    search over all of them joined: each search has a cost of its own, apart from the text's
    length, and a meeting has dozens of short texts (each paragraph, list item, emphasis …)."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != max(len(texts) - 1, 0):  # never from markdown-it: search one by one
        return [TextNames(find_names(text, index, first_names),
                          [(m.start(), m.group("f")) for m in index.known_first_names(text)]) for text in texts]
    starts = list(itertools.accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found = [TextNames([], []) for _ in texts]
    words = words_of(joined)
    for match in find_names(joined, index, first_names, words):
        number = bisect.bisect_right(starts, match.start) - 1
        start = starts[number]
        found[number].matches.append(match._replace(start=match.start - start, end=match.end - start))
    for first in index.known_first_names(joined, words):
        number = bisect.bisect_right(starts, first.start()) - 1
        found[number].first_names.append((first.start() - starts[number], first.group("f")))
    return found


def find_names(text: str, index: NameIndex, first_names: FirstNames, words: set[str] | None = None) -> list[Match]:
    """All name matches in `text`, full names and aliases before first names."""
    words = words_of(text) if words is None else words
    matches = list(index.find(text, words))
    if first_names.unique:
        taken = Spans(matches)
        matches += [m for m in first_names.find(text, words) if not taken.overlap(m.start, m.end)]
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
    """The name linked: one token (`markdown.NAME_LINK`)."""
    return [Token(NAME_LINK, "a", 0, attrs={"href": target.url}, content=text)]


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
