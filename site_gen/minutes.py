"""A meeting's Markdown → agenda items, mentions and linked tokens.

Called by `library` for each meeting: parses the body once, gives every `##`/`###`
heading a stable anchor, resolves `[[…]]` references and finds names in the text
(rules in `linking`). The result is plain data; the tokens render later.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import urlsplit
from dataclasses import dataclass, field

from markdown_it.token import Token

from .errors import Problems
from .linking import (
    GROUP, ORGANIZATION, PERSON, PROJECT, FirstNames, NameIndex, Spans, Target, TextNames, link_text, link_tokens,
    names_in_texts,
)
from .markdown import MARKDOWN, NAME_LINK, REFUSED_URLS, refused_url_message
from .model import AgendaItem, MeetingRecord, meeting_url
from .swedish import slugify

RESERVED_IDS = frozenset({"huvudinnehall", "innehall", "narvarande", "protokoll", "projekt", "navigering", "sok"})
"""Element ids the meeting template uses; agenda anchors never take them."""

EXCERPT_LENGTH = 220


@dataclass
class _Mentions:
    """Targets mentioned, in order of first mention, per kind."""

    by_kind: dict[str, dict[str, None]] = field(default_factory=lambda: {PERSON: {}, PROJECT: {}, ORGANIZATION: {}, GROUP: {}})

    def add(self, target: Target) -> None:
        self.by_kind[target.kind][target.slug] = None

    def slugs(self, kind: str) -> tuple[str, ...]:
        return tuple(self.by_kind[kind])


@dataclass
class _ItemDraft:
    title: str
    anchor: str
    level: int
    text: list[Token] = field(default_factory=list)
    """The inline tokens of the item's text, linked: their plain text is made only as far as the excerpt needs."""
    mentions: _Mentions = field(default_factory=_Mentions)

    def finish(self) -> AgendaItem:
        return AgendaItem(
            title=self.title,
            anchor=self.anchor,
            level=self.level,
            excerpt=_excerpt(map(_plain_text, self.text)),
            people=self.mentions.slugs(PERSON),
            projects=self.mentions.slugs(PROJECT),
            organizations=self.mentions.slugs(ORGANIZATION),
        )


@dataclass(frozen=True)
class LinkedMinutes:
    tokens: tuple[Token, ...]
    items: tuple[AgendaItem, ...]
    people: tuple[str, ...]
    projects: tuple[str, ...]
    organizations: tuple[str, ...]
    internal_links: tuple[str, ...] = ()
    """Pages of this site the minutes link to by hand: the result stays valid while they exist."""


class _Linker:
    """Resolves the names of one meeting; reports problems against its file lines."""

    def __init__(
        self, record: MeetingRecord, index: NameIndex, first_names: FirstNames, problems: Problems, withheld: dict[str, str]
    ):
        self.record, self.index, self.first_names, self.problems = record, index, first_names, problems
        self.withheld = withheld
        """Slug → what to show instead, for every person who is not public."""
        self.internal_links: list[str] = []
        self.names: dict[int, TextNames] = {}
        """The names in each text token (by its id), found for all of them at once (`find_names_in`)."""

    def find_names_in(self, tokens: list[Token]) -> None:
        """Find the names in every text of `tokens` (the minutes, parsed), for `link_inline`."""
        texts = [child for token in tokens if token.type == "inline" for child in token.children or ()
                 if child.type == "text"]
        found = names_in_texts([text.content for text in texts], self.index, self.first_names)
        self.names = dict(zip(map(id, texts), found))

    def resolve_ref(self, token: Token, block_line: int, content: str) -> Target | None:
        name = token.meta["target"]
        if name in self.first_names.unique:
            return NameIndex.target(PERSON, self.first_names.unique[name])
        target = self.index.lookup(name)
        if target is None:
            line = block_line + content[: token.meta["offset"]].count("\n")
            self.problems.error(
                self.record.origin.shown_path, line,
                f"[[{token.content}]] pekar inte på någon känd person, projekt, organisation eller grupp – "
                "rätta namnet eller skriv [[!text]] för text utan länk",
            )
        return target

    def link_inline(self, inline: Token, mentions: Iterable[_Mentions], in_heading: bool) -> list[Token]:
        """New children for one inline token: names linked (except in headings), mentions recorded."""
        block_line = self.record.origin.body_line + (inline.map[0] if inline.map else 0)
        mentioned = list(mentions)
        out: list[Token] = []
        link_depth = 0
        for child in inline.children or []:
            kind = child.type
            if kind == "text":
                found = self.names[id(child)]
                matches = found.matches
                if link_depth == 0:  # the text of an editor's own link is theirs: not a mention
                    if found.first_names:
                        self._warn_unlinked_first_names(found, block_line)
                    for match in matches:
                        if not self._is_withheld(match.target):
                            for m in mentioned:
                                m.add(match.target)
                if matches:
                    out += link_text(child.content, matches, self.withheld, link=not in_heading and link_depth == 0)
                else:  # most texts: no name in them
                    out.append(child)
                continue
            if kind == "link_open":
                link_depth += 1
                href = self._internal_path(str(child.attrGet("href") or ""), block_line)
                target = self.index.by_url(href) if href else None
                if target:
                    for m in mentioned:
                        m.add(target)
            elif kind == "link_close":
                link_depth -= 1
            if kind == "entity_ref":
                out += self._entity_ref(child, block_line, inline.content, mentioned, plain=in_heading or link_depth > 0)
            else:
                out.append(child)
        return out

    def _is_withheld(self, target: Target) -> bool:
        return target.kind == PERSON and target.slug in self.withheld

    def check_no_withheld_names(self, tokens: list[Token]) -> None:
        """Report a non-public person's name left where no replacement reaches: code, `[[!…]]`, an address."""
        if not self.withheld:
            return
        for token in tokens:
            line = self.record.origin.body_line + (token.map[0] if token.map else 0)
            # What renders: code blocks, and the children of inline tokens (whose own content is the source).
            texts = [token.content] if token.type in ("fence", "code_block") else []
            for child in _descendants(token.children or []):
                texts += [child.content, *(str(v) for v in (child.attrs or {}).values())]
            for text in texts:
                for found in self._withheld_names_in(text):
                    self.problems.error(
                        self.record.origin.shown_path, line,
                        f"'{found}' får inte stå här: personen visas inte med namn på sajten (se visibility i "
                        "personfilen) och namnet kan inte ersättas i kod, adresser eller [[!…]] – skriv initialer i stället",
                    )

    def _withheld_names_in(self, text: str) -> list[str]:
        if not text:
            return []
        found, public_spans = [], []
        for match in self.index.find(text):
            if self._is_withheld(match.target):
                found.append(text[match.start : match.end])
            else:
                public_spans.append((match.start, match.end))
        for match in self.first_names.find(text):
            inside_public_name = any(s <= match.start < e for s, e in public_spans)
            if self._is_withheld(match.target) and not inside_public_name:
                found.append(text[match.start : match.end])
        return found

    def _internal_path(self, href: str, line: int) -> str | None:
        """An editor's link to a page of this site as a root-relative path; reports it if no page has it."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return None
        base = meeting_url(self.record.slug)
        path = posixpath.normpath(posixpath.join(base, parts.path)) if not parts.path.startswith("/") else parts.path
        if parts.path.endswith("/") and not path.endswith("/"):
            path += "/"
        self.internal_links.append(path)
        if not self.index.has_page(path):
            self.problems.error(self.record.origin.shown_path, line,
                                f"länken {href} pekar på en sida som inte finns – rätta adressen (till exempel /personer/förnamn-efternamn/)")
        return path

    def _warn_unlinked_first_names(self, found: TextNames, line: int) -> None:
        linked = Spans(found.matches)
        for start, name in found.first_names:
            if linked.overlap(start, start + 1):
                continue
            if any(slug in self.withheld for slug in self.first_names.owners.get(name, ())):
                self.problems.error(
                    self.record.origin.shown_path, line,
                    f"förnamnet '{name}' kan syfta på en deltagare som inte visas med namn (två deltagare heter så) – "
                    "skriv initialerna eller hela namnet på den som avses",
                )
                continue
            why = "två deltagare heter så" if name in self.first_names.ambiguous else "ingen deltagare heter så"
            self.problems.warn(
                self.record.origin.shown_path, line,
                f"förnamnet '{name}' länkas inte ({why}) – skriv hela namnet, [[Förnamn Efternamn]] eller [[!{name}]]",
            )

    def _entity_ref(self, token: Token, block_line: int, content: str, mentioned: list[_Mentions], plain: bool) -> list[Token]:
        text = Token("text", "", 0, content=token.meta["text"])
        if token.meta["suppress"]:
            return [text]
        target = self.resolve_ref(token, block_line, content)
        if target is None:
            return [text]
        if self._is_withheld(target):
            return [Token("text", "", 0, content=self.withheld[target.slug])]
        for m in mentioned:
            m.add(target)
        return [text] if plain else link_tokens(target, token.meta["text"])


def link_minutes(
    record: MeetingRecord,
    index: NameIndex,
    attendee_names: list[tuple[str, str]],
    problems: Problems,
    withheld: dict[str, str] | None = None,
) -> LinkedMinutes:
    """`attendee_names`: (first name, slug) of each attendee; `withheld`: slug → what the site shows
    instead of the name, for each person who is not public."""
    env: dict = {}
    tokens = MARKDOWN.parse(record.body, env)
    for line, url in env.get(REFUSED_URLS, ()):
        problems.warn(record.origin.shown_path, record.origin.body_line + line, refused_url_message(url))
    linker = _Linker(record, index, FirstNames(attendee_names), problems, withheld or {})
    linker.find_names_in(tokens)
    meeting_mentions = _Mentions()
    anchors: dict[str, int] = dict.fromkeys(RESERVED_IDS, 2)
    items: list[_ItemDraft] = []
    for position, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            if token.tag == "h1":
                line = record.origin.body_line + (token.map[0] if token.map else 0)
                problems.error(record.origin.shown_path, line, "rubriker i protokollet börjar med ## (# är sidans titel) – skriv ## framför rubriken")
            elif token.tag in ("h2", "h3"):
                items.append(_ItemDraft("", "", int(token.tag[1])))  # titled below, from the linked text
        elif kind == "inline":
            in_heading = tokens[position - 1].type == "heading_open"
            heading_is_item = in_heading and tokens[position - 1].tag in ("h2", "h3")
            mentions = (meeting_mentions, items[-1].mentions) if items else (meeting_mentions,)
            token.children = linker.link_inline(token, mentions, in_heading)
            if heading_is_item:  # after linking, so a withheld name never reaches a title or an anchor
                item = items[-1]
                item.title = _plain_text(token)
                item.anchor = _unique_anchor(item.title, anchors, len(items))
                tokens[position - 1].attrSet("id", item.anchor)
            elif items:
                items[-1].text.append(token)
    linker.check_no_withheld_names(tokens)
    return LinkedMinutes(
        tokens=tuple(tokens),
        items=tuple(item.finish() for item in items),
        people=meeting_mentions.slugs(PERSON),
        projects=meeting_mentions.slugs(PROJECT),
        organizations=meeting_mentions.slugs(ORGANIZATION),
        internal_links=tuple(dict.fromkeys(linker.internal_links)),
    )


def _descendants(tokens: list[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        yield from _descendants(token.children or [])


def _unique_anchor(title: str, taken: dict[str, int], number: int) -> str:
    """`taken`: every anchor in use → the next number to try after it, so that many headings
    with one title are numbered in linear time (20,000 took two minutes counting from 2)."""
    base = slugify(title) or f"punkt-{number}"
    anchor, suffix = base, taken.get(base, 2)
    while anchor in taken:
        anchor, suffix = f"{base}-{suffix}", suffix + 1
    taken[base] = max(suffix, taken.get(base, 2))
    taken[anchor] = taken.get(anchor, 2)
    return anchor


def _plain_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", NAME_LINK):
            parts.append(child.content)
        elif child.type == "entity_ref":
            parts.append(child.meta["text"])
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _excerpt(texts: Iterable[str]) -> str:
    """The texts joined with their whitespace collapsed, cut before EXCERPT_LENGTH characters
    at a space. Texts are taken only until the cut: an item's text may run to pages. (Whatever
    follows the cut cannot change it: `_cut` looks at the first EXCERPT_LENGTH characters alone,
    `tests/test_minutes.py`.)"""
    excerpt = ""
    for text in texts:
        if not _is_collapsed(text):
            text = " ".join(text.split())
        if text:
            excerpt = f"{excerpt} {text}" if excerpt else text
            if len(excerpt) > EXCERPT_LENGTH:
                return _cut(excerpt)
    return excerpt


def _is_collapsed(text: str) -> bool:
    """Whether `text` is its own whitespace collapsed (`" ".join(text.split())`), found in C:
    the plain text of an item's paragraph almost always is, and splitting it into words and
    joining them again took half the time the excerpts of N=1,000 took. A printable string has
    no whitespace but the space (every other kind `split` knows is a control or separator
    character)."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def _cut(text: str) -> str:
    cut = text.rfind(" ", 0, EXCERPT_LENGTH)
    return text[: cut if cut > 0 else EXCERPT_LENGTH].rstrip(",;:–-") + " …"
