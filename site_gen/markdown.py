"""Our one markdown-it configuration.

- CommonMark with tables and strikethrough; raw HTML is off (`html=False`), so
  any `<tag>` in the minutes is printed as text, never passed through.
- `[[target]]`, `[[target|text]]` force a link to a person, project, organisation
  or group by name, alias or slug; `[[!text]]` prints text that must never be
  linked. The inline rule only parses them into `entity_ref` tokens; `linking`
  resolves them, with every other cross-reference, before rendering.
- Internal links (paths starting with '/') are rendered relative to the page, so
  the site works from any sub-path and from a plain static host (or absolute,
  for the feed, when the site's address is known).
- Links and images whose URL has a scheme outside the allow-list (`urls`), such as
  `javascript:` in any spelling, are not links: the core rule `refuse_unsafe_urls`
  leaves their text as plain text and records them in `env["refused_urls"]` as
  (line in the text, URL), so that the caller can warn the editor.
- Three rules only save time, and the parse is the same without them: the core rule `block`
  makes the tokens of a text of plain headings, paragraphs and lists itself, and parses any
  other text without the block rules that cannot match anywhere in it; the block rule
  `by_first_character`, tried first, hands each block to the rules that may match its first
  character; the core rule `inline` makes a text without any inline markup one text token
  without the inline parser. The renderer, too, only saves time (`_Renderer`).
"""

from __future__ import annotations

import copy
import functools
import os
import posixpath
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt, rules_block
from markdown_it.common.utils import escapeHtml
from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.parser_core import RuleFuncCoreType
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import block as markdown_it_block
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .model import LinkedHTML
from .urls import is_allowed_image, is_allowed_link

NAME_LINK = "name_link"
"""The token of a name the linker links (`linking.link_tokens`): its text in `content`, its target
in `attrs['href']`, written `<a href="…">text</a>` as a link_open, a text and a link_close are.
One token instead of those three: the minutes of a large site link hundreds of thousands of names."""
REFUSED_URLS = "refused_urls"
"""Key in the parser's `env`: the (0-based line in the text, URL) of every refused link or image."""


def create_markdown(renderer_cls: type[RendererHTML] | None = None) -> MarkdownIt:
    """`renderer_cls`: markdown-it's own renderer, to compare ours with (`tests/test_hostile_markdown.py`)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False, "linkify": False},
                    renderer_cls=renderer_cls or _Renderer)
    md.enable(["table", "strikethrough"])
    # With html off these two never match; markdown-it would still try them at every line
    # and every '<'.
    md.disable(["html_block", "html_inline"])
    # markdown-it's own check is a deny-list, and a refused URL leaves no trace to report;
    # ours (`refuse_unsafe_urls`) is an allow-list that knows the line of what it refuses.
    md.validateLink = lambda url: True
    md.core.ruler.at("normalize", normalize_line_ends)
    md.block.ruler.before("table", "by_first_character", _by_first_character())
    md.core.ruler.at("block", _parse_blocks(md))
    md.inline.ruler.before("link", "entity_ref", _entity_ref_rule)
    md.core.ruler.at("inline", _parse_inlines(md))
    md.core.ruler.after("inline", "refuse_unsafe_urls", refuse_unsafe_urls)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule(NAME_LINK, _render_name_link)
    md.add_render_rule("entity_ref", _render_entity_ref)
    return md


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer, writing the same HTML sooner: a third less time for a page
    of minutes, every one of which is rendered in every whole build.

    markdown-it calls a method for every token: a rule, or `renderToken` for a tag without a
    rule of its own. Here the tokens that make up most of the minutes are written in the
    loop itself, as those methods write them: the text of a paragraph (`text`, escaped only
    when it holds a character to escape), its line breaks (`softbreak`), and the opening and
    closing tags without attributes (`renderToken`'s tags, and `list_item_open`'s when the
    item is no task). A rule an extension adds or replaces is called as markdown-it calls it.
    """

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        rules = self.rules
        plain_text, plain_break, plain_item = (
            getattr(rules.get(name), "__func__", None) is getattr(RendererHTML, name)
            for name in ("text", "softbreak", "list_item_open"))
        line_break = RendererHTML.softbreak(self, tokens, 0, options, env)
        xhtml = options["xhtmlOut"]
        out: list[str] = []
        append = out.append
        last = len(tokens) - 1
        for position, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                children = token.children or ()
                for index, child in enumerate(children):
                    kind = child.type
                    if kind == "text" and plain_text:
                        text = child.content
                        append(escapeHtml(text) if "&" in text or "<" in text or ">" in text or '"' in text else text)
                    elif kind == "softbreak" and plain_break:
                        append(line_break)
                    elif kind in rules:
                        append(rules[kind](children, index, options, env))
                    else:
                        append(self.renderToken(children, index, options, env))
            elif token.attrs or kind in rules and not (kind == "list_item_open" and plain_item and not token.meta):
                append(rules[kind](tokens, position, options, env) if kind in rules
                       else self.renderToken(tokens, position, options, env))
            elif not token.hidden:  # what `renderToken` writes for a tag without attributes
                nesting = token.nesting
                tag = ("\n<" if token.block and nesting != -1 and position and tokens[position - 1].hidden else "<"
                       ) if nesting != -1 else "</"
                tag += token.tag + (" /" if nesting == 0 and xhtml else "")
                if token.block and not (nesting == 1 and position < last and _joins(token, tokens[position + 1])):
                    append(tag + ">\n")
                else:
                    append(tag + ">")
        return "".join(out)


def _joins(opening: Token, following: Token) -> bool:
    """Whether `renderToken` writes no line break after the opening tag of a block, before `following`."""
    return (following.type == "inline" or following.hidden
            or following.nesting == -1 and following.tag == opening.tag)


def normalize_line_ends(state: StateCore) -> None:
    """markdown-it's `normalize` (line ends to '\n', NUL to U+FFFD) without rewriting text that
    has neither: its regex replaced every '\n' with itself, for every page of minutes."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


_FIRST_CHARACTERS = {
    "fence": "`~", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789", "reference": "[", "html_block": "<",
    "heading": "#",
}
"""The characters a block must start with for each rule to match it (each rule's first check):
the other rules (a table, a setext heading, a paragraph, rules of plugins) may match any line,
and an indented code block any line four columns in."""


def _by_first_character() -> RuleFuncBlockType:
    """A block rule tried first, which hands a block less than four columns in to the rules of
    the chain that may match its first character, in their order, instead of to every rule in
    turn: a paragraph goes to three rules (table, setext heading, paragraph), a heading to
    four. Blocks four columns in go on to the whole chain. The rules for each character are
    worked out for each chain (`Ruler.getRules` gives a new list whenever a chain changes, and
    each text's block rules may be a chain of their own: `_parse_blocks`)."""
    chains: dict[int, tuple[list[RuleFuncBlockType], dict[str, list[RuleFuncBlockType]], list[RuleFuncBlockType]]] = {}
    """For each chain (by its list's id, the list kept with it): the rules for each character some
    rule looks for, and the rules for any other character."""

    def rules_at(character: str | None, chain: list[tuple[str, RuleFuncBlockType]]) -> list[RuleFuncBlockType]:
        """The rules that may match a block starting with `character` (None: with none that a rule looks for)."""
        return [rule for name, rule in chain if name not in ("code", "by_first_character")
                and (name not in _FIRST_CHARACTERS or character is not None and character in _FIRST_CHARACTERS[name])]

    def by_first_character(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent or state.sCount[start] - state.blkIndent >= 4:
            return False
        ruler = state.md.block.ruler
        made_from = ruler.getRules("")
        found = chains.get(id(made_from))
        if found is None or found[0] is not made_from:
            if len(chains) >= 64:  # chains changed again and again (a test's, a plugin's): keep only current ones
                chains.clear()
            chain = list(zip(ruler.get_active_rules(), made_from))
            special = {c: rules_at(c, chain) for c in set("".join(_FIRST_CHARACTERS.values()))}
            found = chains[id(made_from)] = made_from, special, rules_at(None, chain)
        for rule in found[1].get(state.src[state.bMarks[start] + state.tShift[start]], found[2]):
            if rule(state, start, end, False):
                return True
        return False

    return by_first_character


def _parse_blocks(md: MarkdownIt) -> RuleFuncCoreType:
    """markdown-it's `block` core rule, which parses a text into blocks, with two short cuts.
    A text of only plain headings, paragraphs and lists, as most minutes are, is made into
    tokens without markdown-it's rules (`_plain_blocks`). Any other text is parsed with the
    block rules that cannot match anywhere in it left out (`_unmatchable`): most minutes have no
    table, quote, code fence, thematic break, link reference or setext heading, and markdown-it
    tried each at every paragraph and list item, and at each of their lines to see whether it
    ends them: a sixth of the time it took to parse them. A text is parsed by a copy of `md`
    whose block rules leave those out (`_without`), made once for each set of rules left out
    (again whenever `md`'s block rules or attributes change). Only markdown-it's own rules are
    left out: a plugin's rule of the same name is kept."""
    made_from: tuple[list[RuleFuncBlockType], dict[str, Any]] | None = None
    """`md`'s block rules and attributes when the copies were made."""
    copies: dict[frozenset[str], MarkdownIt] = {}
    plain = False
    """Whether `md`'s block rules are markdown-it's own, so that `_plain_blocks` may stand in for them
    (where blocks may nest as deep as a list's paragraph: `maxNesting`, checked at each parse)."""

    def parse_blocks(state: StateCore) -> None:
        nonlocal made_from, plain
        if state.inlineMode:
            markdown_it_block(state)
            return
        if made_from is None or md.block.ruler.getRules("") is not made_from[0] or vars(md) != made_from[1]:
            made_from = md.block.ruler.getRules(""), dict(vars(md))  # anything given to `md` since: copied again
            copies.clear()
            plain = _has_own_block_rules(md)
        if plain and md.options["maxNesting"] > 3 and (tokens := _plain_blocks(state.src)) is not None:
            state.tokens += tokens
            return
        left_out = _unmatchable(state.src)
        parser = copies.get(left_out)
        if parser is None:
            parser = copies[left_out] = _without(md, left_out)
        parser.block.parse(state.src, parser, state.env, state.tokens)

    return parse_blocks


_OWN_BLOCK_RULES = {
    "table": rules_block.table, "code": rules_block.code, "fence": rules_block.fence,
    "blockquote": rules_block.blockquote, "hr": rules_block.hr, "list": rules_block.list_block,
    "reference": rules_block.reference, "html_block": rules_block.html_block, "heading": rules_block.heading,
    "lheading": rules_block.lheading, "paragraph": rules_block.paragraph,
}


def _has_own_block_rules(md: MarkdownIt) -> bool:
    """Whether `md` parses blocks with markdown-it's own rules alone (and ours, which only
    save time), the three that `_plain_blocks` stands in for among them."""
    names, rules = md.block.ruler.get_active_rules(), md.block.ruler.getRules("")
    return ({"heading", "list", "paragraph"} <= set(names)
            and all(_OWN_BLOCK_RULES.get(name) is rule or name == "by_first_character" and rule.__module__ == __name__
                    for name, rule in zip(names, rules)))


def _plain_blocks(text: str) -> list[Token] | None:
    """The block tokens markdown-it's rules make of a text of only the blocks most minutes are
    made of, made without them; None for any other text, which they parse.

    Those blocks: ATX headings (`## Rubrik`); paragraphs whose every line starts with a letter;
    lists of one-line items, each `- ` and a letter. Between them, empty lines. A line that
    starts otherwise (a space or tab, a digit, any mark) or could be taken otherwise (a heading
    with a closing sequence, a line after an item that would continue it) makes it another text.
    markdown-it tries every rule at every line and runs the whole block parser again inside
    each list item: parsing the 1,000 meetings' blocks of the synthetic N=1,000 took 216 ms
    with its rules, 74 ms so. Tests compare the two on generated texts of these blocks and
    near-misses (`tests/test_hostile_markdown.py`)."""
    if "\t" in text:
        return None
    lines = text.split("\n")
    if lines[-1] == "":  # the end of the last line, which markdown-it counts as no line
        lines.pop()
    tokens: list[Token] = []
    number, count = 0, len(lines)
    while number < count:
        line = lines[number]
        if not line:
            number += 1
        elif line[0] == "#":
            heading = _plain_heading(line)
            if heading is None:
                return None
            tag, markup, content = heading
            tokens += (Token("heading_open", tag, 1, map=[number, number + 1], markup=markup, block=True),
                       Token("inline", "", 0, map=[number, number + 1], level=1, content=content, children=[],
                             block=True),
                       Token("heading_close", tag, -1, markup=markup, block=True))
            number += 1
        elif line[0] == "-":
            items = _plain_list(lines, number)
            if items is None:
                return None
            number = _add_list(tokens, items)
        elif line[0].isalpha():
            end = number + 1
            while end < count and lines[end] and lines[end][0] not in "#-":
                if not lines[end][0].isalpha():
                    return None
                end += 1
            content = "\n".join(lines[number:end]).strip()
            tokens += (Token("paragraph_open", "p", 1, map=[number, end], block=True),
                       Token("inline", "", 0, map=[number, end], level=1, content=content, children=[], block=True),
                       Token("paragraph_close", "p", -1, block=True))
            number = end
        else:
            return None
    return tokens


def _plain_heading(line: str) -> tuple[str, str, str] | None:
    """An ATX heading's tag, markup and text, if `_plain_blocks` takes it."""
    marks = len(line) - len(line.lstrip("#"))
    text = line[marks + 1:]
    if marks > 6 or line[marks:marks + 1] != " " or not text.strip() or text.rstrip().endswith("#"):
        return None
    return f"h{marks}", "#" * marks, text.strip()


_PlainItem = tuple[int, int, str]
"""A list item as `_plain_blocks` takes it: its line, the line after it (and any empty lines
after it), and its text."""


def _plain_list(lines: list[str], number: int) -> tuple[list[_PlainItem], bool] | None:
    """The items of the list at line `number` and whether it is loose (empty lines between
    items), if `_plain_blocks` takes it: it ends at a line that is not an item, which must be
    a heading or come after an empty line (any other would continue the last item)."""
    items: list[_PlainItem] = []
    loose, count = False, len(lines)
    while number < count and lines[number].startswith("- "):
        text = lines[number][2:]
        if not text[:1].isalpha():
            return None
        after = number + 1
        while after < count and not lines[after]:
            after += 1
        items.append((number, after, text.strip()))
        if after < count and lines[after].startswith("- "):
            loose = loose or after > number + 1
        elif after == number + 1 and after < count and lines[after][0] != "#":
            return None
        number = after
    return (items, loose) if items else None


def _add_list(tokens: list[Token], found: tuple[list[_PlainItem], bool]) -> int:
    """Add the tokens of a list `_plain_list` found; the line after it."""
    items, loose = found
    end = items[-1][1]
    tokens.append(Token("bullet_list_open", "ul", 1, map=[items[0][0], end], markup="-", block=True))
    for line, after, text in items:
        tokens += (Token("list_item_open", "li", 1, map=[line, after], level=1, markup="-", block=True),
                   Token("paragraph_open", "p", 1, map=[line, line + 1], level=2, block=True, hidden=not loose),
                   Token("inline", "", 0, map=[line, line + 1], level=3, content=text, children=[], block=True),
                   Token("paragraph_close", "p", -1, level=2, block=True, hidden=not loose),
                   Token("list_item_close", "li", -1, level=1, markup="-", block=True))
    tokens.append(Token("bullet_list_close", "ul", -1, markup="-", block=True))
    return end


def _without(md: MarkdownIt, left_out: frozenset[str]) -> MarkdownIt:
    """A copy of `md` with block rules of its own, where each of markdown-it's own rules in
    `left_out` is disabled, or replaced by its stand-in (`_STAND_INS`)."""
    ruler = copy.deepcopy(md.block.ruler)  # the rules' functions are shared, not copied
    for rule in ruler.__rules__:
        if rule.name in left_out and rule.fn is _UNMATCHED_BY[rule.name][0]:
            if rule.name in _STAND_INS:
                ruler.at(rule.name, _STAND_INS[rule.name], {"alt": rule.alt})
            else:
                ruler.disable(rule.name)
    copied = copy.copy(md)
    copied.block = copy.copy(md.block)
    copied.block.ruler = ruler
    return copied


def _unmatched_setext_heading(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """What markdown-it's `lheading` does where no line can underline a heading: it fails, and
    leaves the block's `parentType` 'paragraph', which later rules read (a list interrupts a
    paragraph on stricter terms), so this does the same."""
    state.parentType = "paragraph"
    return False


_SETEXT_UNDERLINE = re.compile(r"\n[ \t>]*(?:=+|-+)[ \t]*(?:\n|\Z)")
"""A line that may underline a setext heading: only '=' or only '-' (and spaces after them),
after any indentation and blockquote markers. Never the first line, which has no paragraph
above it: so the pattern starts with a line break, which `re` looks for first, at C speed (with
`^` it tried the whole pattern at every character: 15 ms for 1,000 meetings' minutes)."""

_THEMATIC_BREAKS = tuple((marker, re.compile(rf"{re.escape(marker)}(?:[ \t]*{re.escape(marker)}){{2}}")) for marker in "-*_")
"""Three of '-', '*' or '_' with nothing but spaces between them, which a thematic break has:
a pattern for each character, which `re` tries only where that character stands."""


def _can_have_thematic_break(text: str) -> bool:
    """Whether `text` has what a thematic break needs. Each character's pattern is tried only on
    a text that holds the character: 1.4 ms for 1,000 meetings' minutes, against 8.5 ms for one
    pattern of all three."""
    return any(marker in text and pattern.search(text) for marker, pattern in _THEMATIC_BREAKS)


_UNMATCHED_BY = {
    "table": (rules_block.table, lambda text: "|" not in text),
    "lheading": (rules_block.lheading, lambda text: _SETEXT_UNDERLINE.search(text) is None),
    "fence": (rules_block.fence, lambda text: not any(c in text and c * 3 in text for c in "`~")),
    "blockquote": (rules_block.blockquote, lambda text: ">" not in text),
    "hr": (rules_block.hr, lambda text: not _can_have_thematic_break(text)),
    "reference": (rules_block.reference, lambda text: "[" not in text),
}
"""Rules of markdown-it that cannot match anywhere in a text for which the test is true: a
table's header line holds a '|', a setext heading is underlined, a code fence starts with three
'`' or '~', a quote with '>', a thematic break has three of its characters, and a link
reference starts with '['. Each fails on such a text before it changes anything, or changes
only what its stand-in does (`_STAND_INS`)."""

_STAND_INS: dict[str, RuleFuncBlockType] = {"lheading": _unmatched_setext_heading}


def _unmatchable(text: str) -> frozenset[str]:
    """The rules in `_UNMATCHED_BY` that cannot match anywhere in `text`."""
    return frozenset(name for name, (_, cannot_match) in _UNMATCHED_BY.items() if cannot_match(text))


_NOTHING_TO_DO_IN_PLAIN_TEXT = frozenset({"balance_pairs", "strikethrough", "emphasis", "fragments_join"})
"""markdown-it's rules that finish an inline parse: they pair delimiters (`*`, `_`, `~`) and
join text, and leave the one text token of a text without any as it is."""


def _parse_inlines(md: MarkdownIt) -> RuleFuncCoreType:
    """markdown-it's `inline` core rule, which parses the text of every paragraph, heading and
    list item, with a short cut. The first inline rule, `text`, takes everything up to the
    first character another inline rule starts at (`terminator_re`); a text without any is
    made the one text token `text` would make of it, without the parser. The short cut is
    taken only while `text` is the first inline rule and the rules that finish a parse are
    among `_NOTHING_TO_DO_IN_PLAIN_TEXT`, checked again whenever the rules change."""
    parser = md.inline
    made_from: tuple[list, list] | None = None
    short_cut = False

    def parse_inlines(state: StateCore) -> None:
        nonlocal made_from, short_cut
        rules = (parser.ruler.getRules(""), parser.ruler2.getRules(""))
        if made_from is None or rules[0] is not made_from[0] or rules[1] is not made_from[1]:
            made_from = rules
            short_cut = (parser.ruler.get_active_rules()[:1] == ["text"]
                         and set(parser.ruler2.get_active_rules()) <= _NOTHING_TO_DO_IN_PLAIN_TEXT)
        terminators = parser.terminator_re  # as `text` reads it: a plugin may add characters
        for token in state.tokens:
            if token.type != "inline":
                continue
            if token.children is None:
                token.children = []
            if short_cut and token.content and not token.children and terminators.search(token.content) is None:
                text = Token("text", "", 0)
                text.content = token.content
                token.children.append(text)
            else:
                parser.parse(token.content, state.md, state.env, token.children)

    return parse_inlines


_ENTITY_REF = re.compile(r"\[\[((?:[^\[\]\n]|\](?!\]))+)\]\]")
"""`[[inner]]` on one line; `inner` has no '[' and no ']]'. Matching stops at the first
'[' or newline, so a line of 100,000 brackets is parsed in linear time."""


def _entity_ref_rule(state: StateInline, silent: bool) -> bool:
    """`[[…]]` → one `entity_ref` token with meta target, text and suppress."""
    src, start = state.src, state.pos
    if not src.startswith("[[", start):
        return False
    match = _ENTITY_REF.match(src, start)
    if match is None or not match.group(1).strip():
        return False
    inner = match.group(1)
    if not silent:
        token = state.push("entity_ref", "", 0)
        token.content = inner
        suppress = inner.startswith("!")
        target, _, text = inner.lstrip("!").partition("|")
        token.meta = {
            "target": target.strip(),
            "text": (text or target).strip(),
            "suppress": suppress,
            "offset": start,
        }
    state.pos = match.end()
    return True


def refuse_unsafe_urls(state: StateCore) -> None:
    """Turn links and images with a URL outside the allow-list into their plain text."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        in_refused_link = False
        line = block.map[0] if block.map else 0
        for token in block.children:
            if token.type in ("softbreak", "hardbreak"):
                line += 1  # each is a line break of the source
            if token.type == "link_open" and not is_allowed_link(str(token.attrGet("href") or "")):
                state.env.setdefault(REFUSED_URLS, []).append((line, str(token.attrGet("href"))))
                in_refused_link = True  # links do not nest: the next link_close is its own
            elif token.type == "link_close" and in_refused_link:
                in_refused_link = False
            elif token.type == "image" and not is_allowed_image(str(token.attrGet("src") or "")):
                state.env.setdefault(REFUSED_URLS, []).append((line, str(token.attrGet("src"))))
                kept.extend(token.children or ())
            else:
                kept.append(token)
        block.children = kept


def refused_urls(text: str) -> list[tuple[int, str]]:
    """The (0-based line, URL) of every link or image in `text` that is shown as plain text."""
    env: dict = {}
    MARKDOWN.parse(text, env)
    return env.get(REFUSED_URLS, [])


def refused_url_message(url: str) -> str:
    """What an editor is told about a refused link (a warning: the page is safe either way)."""
    shown = url if len(url) <= 60 else url[:57] + "…"
    return (f"'{shown}' blir ingen länk utan visas som text – länkar får bara gå till https:, http:, "
            "mailto:, tel: eller sidor på webbplatsen")


def relative_url(target: str, page_url: str) -> str:
    """A root-relative `target` ('/personer/x/') as seen from `page_url` ('/moten/y/').

    Other URLs (absolute, anchors, mailto:) are returned unchanged.
    """
    if not target.startswith("/") or target.startswith("//"):
        return target
    folders = page_folders(page_url)
    if folders and "/." not in target and "//" not in target:
        # The common case, for every link of every page: a plain path into another section
        # of the site than the page's, reached by climbing to the root.
        end = target.find("/", 1)
        if target[1:end if end > 0 else None].partition("#")[0] != folders[0]:
            return "../" * len(folders) + target[1:]
    path, hash_mark, fragment = target.partition("#")
    relative = _relative_path(path, page_url)
    if path.endswith("/") and relative != ".":
        relative += "/"
    elif relative == ".":
        relative = "./"
    return relative + hash_mark + fragment


def _relative_path(path: str, page_url: str) -> str:
    """`posixpath.relpath(path, <the page's folder>)`, without its cost for plain paths (it runs
    for every link of every page): the folders' names are compared directly."""
    start, parts = page_folders(page_url), _folders(path)
    if start is None or parts is None:
        page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
        return posixpath.relpath(path, page_dir)
    common = 0
    for mine, theirs in zip(start, parts):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + parts[common:]) or "."


@functools.lru_cache(maxsize=1024)
def page_folders(page_url: str) -> tuple[str, ...] | None:
    """The folders of the page's address ('/moten/x/' → ('moten', 'x')); None when it has '.' or '..'."""
    page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    folders = _folders(page_dir) if page_dir.startswith("/") and not page_dir.startswith("//") else None
    return None if folders is None else tuple(folders)


def _folders(path: str) -> list[str] | None:
    """The names in a root-relative path, or None when it has '.' or '..' (relpath resolves those)."""
    names = [name for name in path.split("/") if name]
    return None if "." in names or ".." in names else names


def output_href(href: str, env: EnvType) -> str:
    """A link's target as the output writes it: absolute under `site_base` (feeds), else
    relative to `page_url` (pages); as it is when neither is given."""
    if env.get("site_base") and href.startswith("/") and not href.startswith("//"):
        return env["site_base"] + href[1:]
    if "page_url" in env:
        return relative_url(href, env["page_url"])
    return href


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Parsed tokens are cached and shared between pages, so they are never changed here.
    token = tokens[idx]
    href = token.attrGet("href")
    if not isinstance(href, str):
        return "<a" + self.renderAttrs(token) + ">"
    if _OPEN_TARGETS in env and href.startswith("/") and not href.startswith("//"):
        env[_OPEN_TARGETS].append(href)
        written = _OPEN_TARGET
    else:
        written = output_href(href, env)
    # `renderAttrs` of the token with `written` for its href, without copying the token (a
    # tenth of the time rendering the minutes took: every name in them is a link).
    attrs = token.attrs if written == href else {**token.attrs, "href": written}
    return "<a" + "".join(f' {escapeHtml(key)}="{escapeHtml(str(value))}"' for key, value in attrs.items()) + ">"


def _render_name_link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A name the linker linked (`NAME_LINK`): as link_open, text and link_close render."""
    token = tokens[idx]
    href = token.attrs["href"]
    if _OPEN_TARGETS in env and href.startswith("/") and not href.startswith("//"):
        # What `_render_link_open` writes for its one attribute, sooner: the minutes of a large
        # site link hundreds of thousands of names.
        env[_OPEN_TARGETS].append(href)
        return f'<a href="{_OPEN_TARGET}">{escapeHtml(token.content)}</a>'
    return _render_link_open(self, tokens, idx, options, env) + escapeHtml(token.content) + "</a>"


_OPEN_TARGETS = "open_targets"
_OPEN_TARGET = f"\x00{os.urandom(8).hex()}\x00"
"""Stands for an open link target while `render_open_links` renders: random, so that no
text can hold it (markdown-it turns NUL in the text into U+FFFD, names could keep one)."""


def render_open_links(tokens: Sequence[Token]) -> LinkedHTML:
    """HTML of parsed tokens with the targets of links to the site's own pages left open."""
    env: dict = {_OPEN_TARGETS: []}
    html = MARKDOWN.renderer.render(list(tokens), MARKDOWN.options, env)
    return LinkedHTML(tuple(html.split(_OPEN_TARGET)), tuple(env[_OPEN_TARGETS]))


def fill_links(body: LinkedHTML, page_url: str | None, site_base: str | None = None) -> str:
    """The HTML with its open link targets written as `render_tokens` writes them: relative to
    `page_url` (root-relative when None), or absolute under `site_base`."""
    env: dict = {"page_url": page_url} if page_url else {}
    if site_base:
        env["site_base"] = site_base
    parts = [body.fragments[0]]
    for target, fragment in zip(body.targets, body.fragments[1:]):
        parts += [escapeHtml(output_href(target, env)), fragment]
    return "".join(parts)


def _render_entity_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # `library` replaces every entity_ref in the minutes; this only runs for Markdown
    # that is not resolved (descriptions), where the text is shown plainly.
    return escapeHtml(tokens[idx].meta["text"])


MARKDOWN = create_markdown()
"""Shared, configured once: building a MarkdownIt instance costs more than parsing a page."""


def render_tokens(tokens: Sequence[Token], page_url: str | None, site_base: str | None = None) -> str:
    """HTML of parsed tokens; internal links relative to `page_url` (kept root-relative when None),
    or absolute under `site_base` ('https://example.se/protokoll/') when given, for feeds."""
    env: dict = {"page_url": page_url} if page_url else {}
    if site_base:
        env["site_base"] = site_base
    return MARKDOWN.renderer.render(list(tokens), MARKDOWN.options, env)


def render_markdown(text: str, page_url: str) -> str:
    env = {"page_url": page_url}
    return MARKDOWN.render(text, env)
