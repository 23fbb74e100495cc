"""Hostile Markdown: raw HTML is text, and only allowed URL schemes become links or images."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import rules_block
from markdown_it.parser_block import ParserBlock
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import block as markdown_it_block
from markdown_it.rules_core import inline as markdown_it_inline
from markdown_it.rules_core.normalize import normalize
from markdown_it.rules_core.state_core import StateCore

from site_gen import markdown as markdown_module
from site_gen.check import check_content
from site_gen.markdown import (
    MARKDOWN, _plain_blocks, _unmatchable, create_markdown, normalize_line_ends, render_markdown, render_open_links,
)
from site_gen.urls import is_allowed_image, is_allowed_link, is_web_address, url_scheme

from .conftest import REPO, LinkCollector, build, meeting_file
from .test_errors import shown

MEETING = "meetings/2020-01-13-styrgruppen.md"

REFUSED_LINKS = [
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](&#106;avascript:alert(1))",
    "[klick](&#x6A;avascript:alert(1))",
    "[klick](&#X6a;AVASCRIPT:alert(1))",
    "[klick](javascript&colon;alert(1))",
    "[klick](<javascript:alert(1)>)",
    "[klick]( javascript:alert(1) )",
    "[klick](vbscript:msgbox(1))",
    "[klick](VBScript:msgbox(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klick](data:image/svg+xml;base64,PHN2Zy8+)",
    "[klick](file:///etc/passwd)",
    "[klick](ftp://example.se/)",
    "[klick][ref]\n\n[ref]: javascript:alert(1)",
    "[klick][ref]\n\n[ref]: &#106;avascript:alert(1)",
    "[klick]\n\n[klick]: <vbscript:msgbox(1)>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,klick>",
    "<file:///etc/passwd>",
    "![klick](javascript:alert(1))",
    "![klick](data:image/svg+xml;base64,PHN2Zy8+)",
    "![klick](data:text/html,x)",
    "![klick][bild]\n\n[bild]: javascript:alert(1)",
]
"""Each has the text 'klick' (or a URL) and must produce no <a> and no <img> at all."""


@pytest.mark.parametrize("markdown", REFUSED_LINKS)
def test_refused_urls_become_plain_text(markdown):
    html = render_markdown(markdown, "/moten/x/")
    assert "<a" not in html and "<img" not in html, html
    assert "klick" in html or "alert" in html or "passwd" in html, html


@pytest.mark.parametrize("markdown", [
    "[klick](java&#9;script:alert(1))",
    "[klick](java&#10;script:alert(1))",
    "[klick](jav&#x0D;ascript:alert(1))",
    "[klick](&#1;javascript:alert(1))",
    "[klick](&#0;javascript:alert(1))",
])
def test_control_characters_inside_a_scheme_never_leave_a_runnable_href(markdown):
    # markdown-it percent-encodes them ('java%09script:'), which no browser reads as a scheme;
    # either way, every href the page carries passes the browser-faithful allow-list.
    html = render_markdown(markdown, "/moten/x/")
    links = LinkCollector()
    links.feed(html)
    for href in links.links:
        assert url_scheme(href) in (None, "http", "https", "mailto", "tel"), href


@pytest.mark.parametrize(("markdown", "href"), [
    ("[a](https://example.se/x?y=1#z)", "https://example.se/x?y=1#z"),
    ("[a](HTTP://example.se/)", "HTTP://example.se/"),
    ("[a](mailto:info@example.se)", "mailto:info@example.se"),
    ("[a](tel:+4642105000)", "tel:+4642105000"),
    ("[a](/personer/leif-redestig/)", "../../personer/leif-redestig/"),
    ("[a](#punkt)", "#punkt"),
    ("<https://example.se/>", "https://example.se/"),
])
def test_allowed_links_stay_links(markdown, href):
    assert f'<a href="{href}">' in render_markdown(markdown, "/moten/x/")


def test_raster_data_images_are_allowed():
    html = render_markdown("![bild](data:image/png;base64,iVBORw0KGgo=)", "/moten/x/")
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="bild"' in html


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<!-- kommentar --><iframe src=//example.se>",
    "<details open ontoggle=alert(1)>",
    "text <b onmouseover=alert(1)>fet</b>",
])
def test_raw_html_is_printed_as_text(markdown):
    html = render_markdown(markdown, "/moten/x/")
    assert "&lt;" in html
    for tag in ("<script", "<img", "<svg", "<a ", "<iframe", "<details", "<b ", "<!--"):
        assert tag not in html, html


def test_html_option_is_off_explicitly():
    assert create_markdown().options["html"] is False


def test_link_titles_cannot_break_out_of_the_attribute():
    html = render_markdown('[a](x "t\\" onmouseover=alert(1) \\"")', "/moten/x/")
    assert 'title="t&quot; onmouseover=alert(1) &quot;"' in html


@pytest.mark.parametrize("ref", ["[[javascript:alert(1)|klick]]", "[[<script>alert(1)</script>]]"])
def test_entity_refs_never_carry_a_url(site, ref):
    content = site({MEETING: meeting_file(f"Se {ref}.\n")})
    errors = [e for e in check_content(content) if not e.warning]
    assert len(errors) == 1 and "pekar inte på någon känd" in errors[0].message


def test_refused_links_are_warnings_with_their_line_and_render_as_text(site):
    body = "## Punkt\n\nText.\nMer [klick](javascript:alert(1)) text.\n\n[ref]: vbscript:x\n"
    content = site({
        MEETING: meeting_file(body),
        "projects/fritidsbanken.md": "---\nname: Fritidsbanken\n---\nSe ![logga](javascript:alert(1)).\n",
    })
    warnings = [str(w) for w in check_content(content) if w.warning and "blir ingen länk" in w.message]
    assert warnings == [
        f"{shown(content, MEETING)}:10: varning: 'javascript:alert(1)' blir ingen länk utan visas som text – "
        "länkar får bara gå till https:, http:, mailto:, tel: eller sidor på webbplatsen",
        f"{shown(content, 'projects/fritidsbanken.md')}:4: varning: 'javascript:alert(1)' blir ingen länk utan "
        "visas som text – länkar får bara gå till https:, http:, mailto:, tel: eller sidor på webbplatsen",
    ]
    build(content)
    page = (content.parent / "public" / "moten" / "2020-01-13-styrgruppen" / "index.html").read_text("utf-8")
    assert "Mer klick text." in page and "javascript" not in page


@pytest.mark.parametrize(("url", "scheme"), [
    ("javascript:x", "javascript"), (" \x01JavaScript:x", "javascript"), ("java\tscr\nipt:x", "javascript"),
    ("java%09script:x", None), ("/x:y", None), ("x/y:z", None), ("#a:b", None), ("https://a", "https"),
])
def test_url_scheme_is_read_as_a_browser_reads_it(url, scheme):
    assert url_scheme(url) == scheme


def test_allow_lists():
    assert is_allowed_link("mailto:a@b.se") and not is_allowed_link("data:image/png;base64,AA")
    assert is_allowed_image("data:image/webp;base64,AA") and not is_allowed_image("data:image/svg+xml,<svg/>")
    assert is_web_address("https://example.se/") and not is_web_address("https://") and not is_web_address(" https://x")
    assert not is_web_address("javascript://example.se/%0aalert(1)")


@given(st.text(alphabet=st.sampled_from("a\r\n\0 "), max_size=40))
def test_line_ends_and_nul_are_normalized_as_markdown_it_does(text):
    ours, theirs = StateCore(text, MARKDOWN, {}), StateCore(text, MARKDOWN, {})
    normalize_line_ends(ours)
    normalize(theirs)
    assert ours.src == theirs.src


def _without_short_cuts():
    markdown = create_markdown()
    markdown.core.ruler.at("block", markdown_it_block)
    markdown.block.ruler.disable("by_first_character")
    markdown.core.ruler.at("inline", markdown_it_inline)
    return markdown


STOCK_CHAIN = _without_short_cuts()
"""Our Markdown without its short cuts: markdown-it's own block and inline rules and chain of
block rules instead of ours (`markdown._parse_blocks`, `_by_first_character`, `_parse_inlines`)."""


def _parsed(markdown, text: str) -> list[dict]:
    env: dict = {}
    return [token.as_dict() for token in markdown.parse(text, env)] + [env]


BLOCK_TEXT = st.lists(st.sampled_from(list("aZå1 \t\n#->*_+`~|:=[]()!<.\\&%@") + ["Ab", "    ", "---", "===", "\n\n"]),
                      max_size=40).map("".join)
"""Text full of what starts or interrupts a block, at every depth of lists and quotes, and of inline markup."""


BLOCK_STARTS = [
    "Punkt | Beslut\n--- | ---\nBudget | Antogs",  # a table whose first line starts with a letter
    "Rubrik\n===", "Rubrik\n---", "Text\n- punkt", "Text\n1. punkt", "Text\n2. punkt", "Text\n> citat",
    "Text\n## Rubrik", "Text\n```\nkod\n```", "Text\n    indragen", "    indragen\nText", "- a\n  b\n\n  c",
    "> a\nb\n> c", "Ärende\n***", "Övrigt\n[a]: /x", "a\tb\n\tc", "Ålder *betonad*\n\n- [[Anna]] |",
    "## Rubrik\n---", "#Rubrik", "#\n", "- - -", "-a|b\n--|--", "-punkt", "* * *", "*betonad*", "+ a", "1. a",
    "1) a", "2020 var", "> a", ">a", "```\nkod", "~~~\nkod\n~~~", "~~struken~~", "[a]: /x\n[a]", "[[Anna]] kom",
    "<b>fet</b>", "_betonad_", "___", "| a | b |\n|---|---|", "=== ", "`kod`", "\\# inte rubrik", "  ## Rubrik",
    "   - punkt", "\t- punkt", "- ## Rubrik i punkt\n  > citat i punkt",
]
"""Blocks starting with each character a rule looks for, and with letters next to every block
that could start or interrupt them."""


@pytest.mark.parametrize("text", BLOCK_STARTS)
def test_the_first_character_rule_parses_each_kind_of_block_as_markdown_it_alone_does(text):
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


INLINE_TEXTS = [
    "Anna kom", "Mötet öppnades.", "Beslut, punkt 3 och 4", "Ålder  två mellanslag", "Ärende 2020/123",
    "'Citat' och \"citat\" (parentes)", "Pris 10 kr; tid 5 min", "Kalle?",
    "Anna kom - sen", "e-post", "50 %", "kl. 13:00", "a*b*", "*a*", "_a_", "a~~b~~", "[[Anna]]",
    "[[!Anna]] kom", "[länk](/moten/)", "![bild](/a.png)", "<https://example.se>", "&amp; och &#65;", "`kod`",
    "a\\*b", "a  \nb", "a\nb", "  ", "Ålder: 3", "#1", "a=b", "a+b", "a^b", "a{b}", "a@b", "a$b", "a]b",
]
"""Inline texts without any character an inline rule starts at (the short cut), and with
each of them."""


@pytest.mark.parametrize("text", INLINE_TEXTS)
def test_texts_with_and_without_inline_markup_parse_as_markdown_it_alone_does(text):
    for markdown in (text, f"- {text}", f"## {text}", f"> {text}"):
        assert _parsed(MARKDOWN, markdown) == _parsed(STOCK_CHAIN, markdown)


def _types(markdown, text: str) -> list[str]:
    return [token.type for token in markdown.parse(text) for token in [token, *(token.children or [])]]


def test_rules_changed_after_the_markdown_is_made_are_followed_by_both_short_cuts():
    # Each Markdown parses once before its rules change.
    finishing, first, stopping, no_tables, added = markdowns = [create_markdown() for _ in range(5)]
    for markdown in markdowns:
        assert _types(markdown, "Anna kom\n\na | b\n--|--")[:3] == ["paragraph_open", "inline", "text"]
    # A finishing rule that changes plain text, and a rule before `text`: plain text is parsed.
    finishing.inline.ruler2.push("shout", _Shout.finish)
    first.inline.ruler.before("text", "shout", _Shout.rule)
    assert [t.content for t in finishing.parse("Anna kom")[1].children] == ["ANNA KOM"]
    assert _types(first, "Anna kom") == ["paragraph_open", "inline", "shout", "paragraph_close"]
    # A character a plugin's rule starts at, added after the rule was made.
    stopping.inline.ruler.after("text", "section_sign", _Shout.section_sign)
    stopping.inline.add_terminator_char("§")
    assert [t.type for t in stopping.parse("Se § 5")[1].children] == ["text", "section_sign", "text"]
    # Block rules disabled or added: the first-character rule follows the chain.
    no_tables.block.ruler.disable("table")
    assert "table_open" in _types(MARKDOWN, "a | b\n--|--") and "table_open" not in _types(no_tables, "a | b\n--|--")
    added.block.ruler.before("paragraph", "shout", _Shout.block)
    assert _types(added, "Anna kom") == ["shout"]


class _Shout:
    """Rules of a plugin, added to a Markdown already made."""

    @staticmethod
    def finish(state) -> None:
        for token in state.tokens:
            if token.type == "text":
                token.content = token.content.upper()

    @staticmethod
    def rule(state, silent: bool) -> bool:
        if not silent:
            state.push("shout", "", 0)
        state.pos = state.posMax
        return True

    @staticmethod
    def section_sign(state, silent: bool) -> bool:
        if state.src[state.pos] != "§":
            return False
        if not silent:
            state.push("section_sign", "", 0)
        state.pos += 1
        return True

    @staticmethod
    def block(state, start: int, end: int, silent: bool) -> bool:
        if not silent:
            state.push("shout", "", 0)
        state.line = start + 1
        return True


def test_a_block_is_offered_only_to_the_rules_that_may_match_its_first_character():
    markdown, offered = create_markdown(), []
    for rule in markdown.block.ruler.__rules__:
        if rule.enabled and rule.name in ("heading", "hr", "list", "fence", "blockquote", "reference", "table"):
            def counted(state, start, end, silent, name=rule.name, fn=rule.fn):
                offered.append(name)
                return fn(state, start, end, silent)
            markdown.block.ruler.at(rule.name, counted, {"alt": rule.alt})
    assert _types(markdown, "Anna kom") == ["paragraph_open", "inline", "text", "paragraph_close"]
    assert offered == ["table"]
    offered.clear()
    assert _types(markdown, "# Rubrik")[0] == "heading_open" and offered == ["table", "heading"]


def test_our_markdown_takes_its_three_short_cuts():
    assert MARKDOWN.block.ruler.get_active_rules()[0] == "by_first_character"
    core = dict(zip(MARKDOWN.core.ruler.get_active_rules(), MARKDOWN.core.ruler.getRules("")))
    assert core["inline"] is not markdown_it_inline and core["inline"].__name__ == "parse_inlines"
    assert core["block"] is not markdown_it_block and core["block"].__name__ == "parse_blocks"


@settings(max_examples=300)
@given(BLOCK_TEXT)
def test_the_first_character_rule_parses_as_markdown_it_alone_does(text):
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


LINES = st.lists(st.sampled_from([
    "Text", "Ärende två", "- punkt", "-punkt", "* punkt", "+ punkt", "1. punkt", "2. punkt", "3) punkt", "1.",
    "  indragen", "   - inre", "    kod", "\tflik", "> citat", ">", "> - punkt i citat", "## Rubrik", "#", "* * *",
    "___", "***", "- - -", "```", "~~~", "[a]: /x", "[a]", "a = b", "x - y", "a | b", "--|--", "", "", "",
]), max_size=25).map("\n".join)
"""Lists, quotes, code, tables, headings and breaks of every kind, but no line that could
underline a setext heading: texts whose parse leaves out any of the rules that cannot match
(`markdown._UNMATCHED_BY`), and at least `lheading`."""


@settings(max_examples=400)
@given(LINES)
def test_rules_that_cannot_match_a_text_are_left_out_and_the_parse_is_the_same(text):
    assert "lheading" in _unmatchable(text)
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


@pytest.mark.parametrize(("text", "rule"), [
    ("Rubrik\n===", "lheading"), ("Rubrik\n---", "lheading"), ("- punkt\n  ---", "lheading"),
    ("> citat\n> ===", "lheading"), ("> citat\n===", "lheading"), ("- > a\n  > ---  ", "lheading"),
    ("Text\n\t==", "lheading"), ("Text\n    ---", "lheading"), ("a | b\n--|--", "table"),
    ("```\nkod\n```", "fence"), ("- ~~~\n  kod", "fence"), ("> citat", "blockquote"), ("Text\n- > citat", "blockquote"),
    ("* * *", "hr"), ("- -\t-", "hr"), ("1. ___", "hr"), ("Text\n***", "hr"), ("[a]: /x", "reference"),
    ("- [a]: /x\n\n[a]", "reference"),
])
def test_a_rule_is_left_out_only_when_the_text_gives_it_nothing_to_match(text, rule):
    assert rule not in _unmatchable(text)
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


def test_options_given_after_a_parse_hold_for_the_texts_parsed_without_some_rules():
    # Each set of rules left out has a copy of the Markdown: `md.set` after it was made must hold there too.
    nested = "- a\n  - b\n    - c\n      - d"
    ours, stock = create_markdown(), _without_short_cuts()
    assert _types(ours, nested) == _types(stock, nested)
    for markdown in (ours, stock):
        markdown.set({**markdown.options, "maxNesting": 3})
    assert _types(ours, nested) == _types(stock, nested) != _types(MARKDOWN, nested)


def test_a_setext_heading_left_out_leaves_the_parser_s_state_as_markdown_it_s_rule_does():
    # markdown-it's `lheading`, when it fails, leaves `parentType` as 'paragraph' for the rules after it.
    seen: dict[str, list[str]] = {}
    for name, markdown in (("ours", create_markdown()), ("stock", _without_short_cuts())):
        kinds = seen[name] = []

        def record(state, start, end, silent, kinds=kinds):
            kinds.append(state.parentType)
            return False

        markdown.block.ruler.before("paragraph", "record", record)
        markdown.parse("Text\n\n- punkt\n\nMer text")
    assert seen["ours"] == seen["stock"] and seen["stock"][-1] == "paragraph"


def test_a_rule_left_out_is_never_offered_a_block_and_a_plugin_s_rule_of_that_name_always_is(monkeypatch):
    offered = []

    def counted(name, fn):
        def rule(state, start, end, silent):
            offered.append(name)
            return fn(state, start, end, silent)
        return rule

    table, setext_heading = counted("table", rules_block.table), counted("lheading", rules_block.lheading)
    # markdown-it's own rules, as far as `_by_first_character` can tell.
    monkeypatch.setitem(markdown_module._UNMATCHED_BY, "table", (table, lambda text: "|" not in text))
    monkeypatch.setitem(markdown_module._UNMATCHED_BY, "lheading",
                        (setext_heading, markdown_module._UNMATCHED_BY["lheading"][1]))
    ours = create_markdown()
    ours.block.ruler.at("table", table)
    ours.block.ruler.at("lheading", setext_heading)
    assert _types(ours, "Anna kom\n- punkt") == _types(STOCK_CHAIN, "Anna kom\n- punkt") and offered == []
    assert _types(ours, "a | b\n--|--\n\nRubrik\n---")[:2] == ["table_open", "thead_open"]
    assert set(offered) == {"table", "lheading"}
    # A plugin's rule under one of their names: nothing is known of what it matches.
    offered.clear()
    plugin = create_markdown()
    plugin.block.ruler.at("lheading", counted("plugin", rules_block.lheading))
    assert _types(plugin, "Anna kom") == _types(STOCK_CHAIN, "Anna kom") and offered == ["plugin"]



PLAIN_LINES = [
    "Text", "Ärende två  ", "Text\u00a0", "- punkt", "- Åtgärd\u00a0", "- Punkt  med två", "## Rubrik",
    "### Under", "# Titel", "###### Sex", "a | b", "", "", "",
]
"""Lines of the blocks `markdown._plain_blocks` makes tokens of without markdown-it's rules."""

NEAR_MISSES = [
    " Text", "  - inre", "-punkt", "- 1", "- - -", "- [[Anna]]", "-", "1. punkt", "2) punkt", "* punkt", "+ punkt",
    "#Rubrik", "## Rubrik #", "##", "####### Sju", "> citat", "```", "---", "===", "--|--", "|--|", "[a]: /x",
    "<b>", "\tflik", "Text\tflik", "    kod", "2020 var", "(parentes)", "  ",
]
"""Lines that make it leave a text to markdown-it's rules: other blocks, and lines that would
continue, interrupt or underline the blocks it takes."""


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PLAIN_LINES), max_size=20).map("\n".join), st.sampled_from(["", "\n", "\n\n"]))
def test_texts_of_plain_blocks_are_parsed_as_markdown_it_parses_them(text, end):
    text += end
    lines = text.split("\n")
    continued = any(line.startswith("- ") and after[:1].isalpha() for line, after in itertools.pairwise(lines))
    assert (_plain_blocks(text) is None) == continued  # a line right after an item continues it
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PLAIN_LINES + NEAR_MISSES), max_size=12).map("\n".join))
def test_plain_blocks_next_to_other_lines_are_parsed_as_markdown_it_parses_them(text):
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab1 -#*>`|=\n\t"), max_size=40))
def test_any_text_parses_as_markdown_it_parses_it(text):
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


@pytest.mark.parametrize("near_miss", NEAR_MISSES)
@pytest.mark.parametrize("where", ["{}", "Text\n{}", "- punkt\n{}", "- punkt\n\n{}", "## Rubrik\n{}", "{}\nText"])
def test_a_line_that_is_no_plain_block_leaves_the_text_to_markdown_it(near_miss, where):
    text = where.format(near_miss)
    if near_miss.strip():
        assert _plain_blocks(text) is None
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


@pytest.mark.parametrize("text", [
    "- punkt\nfortsätter punkten", "- punkt\n  indragen", "Stycke\n-punkt", "- punkt\n\n  indragen",
])
def test_a_line_that_would_continue_a_list_item_leaves_the_text_to_markdown_it(text):
    assert _plain_blocks(text) is None
    assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)


def test_minutes_of_headings_paragraphs_and_lists_are_parsed_without_markdown_it_s_block_rules(monkeypatch):
    tokenized = []
    tokenize = ParserBlock.tokenize
    monkeypatch.setattr(ParserBlock, "tokenize", lambda *args: tokenized.append(args) or tokenize(*args))
    text = ("\n## Föregående protokoll\n\nGodkändes och lades till handlingarna.\n\n## Ärenden\n\n"
            "- Budget för 2017\n- Lokalfrågan\n\n### Lokaler\nAnna redogjorde\nför läget.\n")
    assert [t.type for t in MARKDOWN.parse(text)].count("list_item_open") == 2
    assert tokenized == []
    assert _parsed(STOCK_CHAIN, text) == _parsed(MARKDOWN, text) and tokenized  # the rules, asked, say the same


def test_plain_blocks_are_made_only_while_the_block_rules_are_markdown_it_s_own():
    offered = []

    def plugin(state, start, end, silent):
        offered.append(start)
        return False

    ours = create_markdown()
    ours.block.ruler.before("paragraph", "plugin", plugin)
    assert _types(ours, "## Rubrik\n\nAnna kom") == _types(STOCK_CHAIN, "## Rubrik\n\nAnna kom")
    assert offered  # offered the paragraph: the text was parsed by the rules
    offered.clear()
    ours.block.ruler.disable("plugin")
    assert _types(ours, "## Rubrik\n\nAnna kom") == _types(STOCK_CHAIN, "## Rubrik\n\nAnna kom")
    assert offered == []
    ours.block.ruler.disable("list")  # no lists: '- punkt' is a paragraph, and the rules say so
    assert _types(ours, "- punkt")[0] == "paragraph_open"
    shallow, stock = create_markdown(), _without_short_cuts()
    for markdown in (shallow, stock):
        markdown.options["maxNesting"] = 2  # too shallow for a list's paragraph: markdown-it stops at it
    assert _parsed(shallow, "- punkt\n\nText") == _parsed(stock, "- punkt\n\nText")

def test_the_first_character_rule_parses_every_real_and_test_text_as_markdown_it_alone_does():
    texts = [path.read_text(encoding="utf-8") for folder in ("content", "tests/fixtures")
             for path in sorted((REPO / folder).rglob("*")) if path.suffix in (".md", ".txt")]
    assert len(texts) > 20
    for text in texts:
        assert _parsed(MARKDOWN, text) == _parsed(STOCK_CHAIN, text)
    assert "by_first_character" in MARKDOWN.block.ruler.get_active_rules()


STOCK_RENDERER = create_markdown(RendererHTML)
"""Our Markdown with markdown-it's own renderer instead of ours (`markdown._Renderer`)."""


def _rendered_both_ways(text: str, ours=MARKDOWN, theirs=STOCK_RENDERER) -> tuple[list[str], list[str]]:
    """`text` rendered by each renderer, as the site renders Markdown: with links relative to a
    page, absolute under the site's address (the feed), and with the site's links left open."""
    found = []
    for markdown in (ours, theirs):
        tokens = markdown.parse(text, {})
        found.append([markdown.renderer.render(tokens, markdown.options, env) for env in (
            {"page_url": "/moten/2020-01-13-styrgruppen/"}, {"site_base": "https://example.se/protokoll/"},
            {"open_targets": []})])
    return found[0], found[1]


def test_our_renderer_writes_what_markdown_it_writes_for_every_real_and_test_text():
    texts = [path.read_text(encoding="utf-8") for folder in ("content", "tests/fixtures")
             for path in sorted((REPO / folder).rglob("*")) if path.suffix in (".md", ".txt")]
    for text in [*texts, *BLOCK_STARTS, *INLINE_TEXTS, *REFUSED_LINKS]:
        ours, theirs = _rendered_both_ways(text)
        assert ours == theirs, text
    assert type(MARKDOWN.renderer) is not RendererHTML


@settings(max_examples=300)
@given(BLOCK_TEXT)
def test_our_renderer_writes_what_markdown_it_writes(text):
    ours, theirs = _rendered_both_ways(text)
    assert ours == theirs


@pytest.mark.parametrize("option", ["breaks", "xhtmlOut"])
def test_our_renderer_follows_the_options_as_markdown_it_does(option):
    ours, theirs = create_markdown(), create_markdown(RendererHTML)
    for markdown in (ours, theirs):
        markdown.options[option] = not markdown.options[option]
    for text in ("Anna\nkom\n\n---\n\n- a\n- b", "a  \nb\n\n![bild](/a.png)"):
        html, stock_html = _rendered_both_ways(text, ours, theirs)
        assert html == stock_html


@pytest.mark.parametrize("rule", ["text", "softbreak", "list_item_open", "paragraph_open", "bullet_list_close"])
def test_a_render_rule_added_after_the_markdown_is_made_is_followed(rule):
    ours, theirs = create_markdown(), create_markdown(RendererHTML)
    text = "Anna kom\nsent\n\n- punkt\n- [x] klar\n\n## Rubrik"
    html, stock_html = _rendered_both_ways(text, ours, theirs)
    assert html == stock_html
    for markdown in (ours, theirs):
        markdown.add_render_rule(rule, lambda self, tokens, idx, options, env: f"[{tokens[idx].type}]")
    html, stock_html = _rendered_both_ways(text, ours, theirs)
    assert html == stock_html and f"[{rule}]" in html[0]


def test_open_links_are_rendered_by_our_renderer():
    body = render_open_links(MARKDOWN.parse("[Anna](/personer/anna/) & <b>"))
    assert body.targets == ("/personer/anna/",) and "&amp; &lt;b&gt;" in "".join(body.fragments)
