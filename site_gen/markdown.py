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
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


def create_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "entity_ref", _entity_ref_rule)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("entity_ref", _render_entity_ref)
    return md


def _entity_ref_rule(state: StateInline, silent: bool) -> bool:
    """`[[…]]` → one `entity_ref` token with meta target, text and suppress."""
    src, start = state.src, state.pos
    if not src.startswith("[[", start):
        return False
    end = src.find("]]", start + 2)
    if end < 0:
        return False
    inner = src[start + 2 : end]
    if not inner.strip() or "\n" in inner or "[" in inner:
        return False
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
    state.pos = end + 2
    return True


def relative_url(target: str, page_url: str) -> str:
    """A root-relative `target` ('/personer/x/') as seen from `page_url` ('/moten/y/').

    Other URLs (absolute, anchors, mailto:) are returned unchanged.
    """
    if not target.startswith("/") or target.startswith("//"):
        return target
    path, hash_mark, fragment = target.partition("#")
    page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    relative = posixpath.relpath(path, page_dir)
    if path.endswith("/") and relative != ".":
        relative += "/"
    elif relative == ".":
        relative = "./"
    return relative + hash_mark + fragment


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Parsed tokens are cached and shared between pages, so they are never changed here.
    token = tokens[idx]
    href = token.attrGet("href")
    if isinstance(href, str) and env.get("site_base") and href.startswith("/") and not href.startswith("//"):
        token = token.copy(attrs={**token.attrs, "href": env["site_base"] + href[1:]})
    elif isinstance(href, str) and "page_url" in env:
        token = token.copy(attrs={**token.attrs, "href": relative_url(href, env["page_url"])})
    return "<a" + self.renderAttrs(token) + ">"


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
