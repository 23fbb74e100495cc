"""Stage 3b, render: pages → HTML through Jinja2.

One `Environment` for the whole build: autoescape on for every template (no
template is ever rendered without it), `StrictUndefined` so that a typo in a
template fails the build instead of printing nothing. Templates receive the
page's prepared view plus the site-wide context; the `url` filter makes a
root-relative URL relative to the page being rendered.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import markupsafe
from jinja2 import meta

from .config import SiteConfig
from .errors import BuildFailed, ContentError, display_path
from .feed import FEED_URL
from .ical import CALENDAR_URL
from .markdown import page_folders, relative_url
from .search import SEARCH_URL
from .views import ACCESSIBILITY_URL, MeetingSummary, Page

NAVIGATION = (
    ("/moten/", "Möten"),
    ("/personer/", "Personer"),
    ("/projekt/", "Projekt"),
    ("/grupper/", "Grupper"),
    ("/organisationer/", "Organisationer"),
)
DATA_URL = "/data/site.json"
STYLESHEET_URL = "/assets/style.css"
FAVICON_URL = "/assets/favicon.svg"


class PageLinks(dict[str, str]):
    """One page's links as the `url` filter writes them, each worked out once per page.

    Working out a link (`markdown.relative_url`) took a quarter of the time a meeting page took
    to render. Most links lead into another section of the site than the page's: those are
    written here from what is known of the page once, a climb to the root and the path. Such a
    link is the same from every page that climbs as far from the same section (or links from
    the same root): with `known` (kept by the `Renderer`), a page takes those that pages like
    it worked out, and the thousands of meeting pages work out each link once. (Not by starting
    from a copy of them: at N=10,000 a meeting page would copy 1,500 links to use 30.)"""

    def __init__(self, page_url: str, link_root: str | None, known: dict[tuple, dict[str, str]] | None = None):
        super().__init__()
        self.page_url, self.link_root = page_url, link_root
        folders = page_folders(page_url)
        self._climb = "../" * len(folders) if folders else None
        """From the page to the site's root, when the page is in a section's folder."""
        self._own = ("//", f"/{folders[0]}") if folders else ()
        """Targets starting so are not into another section (or not paths at all)."""
        self._shared: dict[str, str] = {} if known is None else known.setdefault((self._climb, self._own, link_root), {})
        """The links into other sections from pages like this one."""

    def __missing__(self, target: str) -> str:
        """A root-relative URL as the page links it: relative to the page, or from the site's root
        on a page whose links must work at any depth (`Page.links_from_root`)."""
        link = self._shared.get(target)
        if link is not None:
            self[target] = link
            return link
        root = self.link_root
        if root and target.startswith("/") and not target.startswith("//"):
            link = self._shared[target] = root + target.lstrip("/")
        elif (self._climb is not None and target.startswith("/") and not target.startswith(self._own)
              and "/." not in target and "//" not in target):
            link = self._shared[target] = self._climb + target[1:]  # what `relative_url` makes of it, sooner
        else:
            link = relative_url(target, self.page_url)
        self[target] = link
        return link


PAGE_LINKS = "page_links"
"""The context's `PageLinks` (`Renderer.context`)."""


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, target: str) -> str:
    """`target` as the page links it (`PageLinks`)."""
    links = context.parent.get(PAGE_LINKS)
    if links is None:  # rendered with a context of its own, not `Renderer.context`
        links = PageLinks(context["page_url"], context.get("link_root"))
    return links[target]


def escape_output(value: Any) -> str:
    """What `markupsafe.escape` makes of a value a template writes out, as a plain string.

    Every `{{ … }}` of a template calls it, a few million times in a large build. For a plain
    string MarkupSafe makes a `Markup` of the escaped text in Python, which the template then
    only joins with the rest of the page; the same five replacements take less than half the
    time (`tests/test_fast_paths.py` compares the two). Anything else goes to MarkupSafe.
    """
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:  # seldom: look first
            return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    .replace("'", "&#39;").replace('"', "&#34;"))
        return value
    return markupsafe.escape(value)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with `escape_output` as the escape of every compiled template.

    A template's module imports `escape` from Jinja's runtime and looks it up when it
    writes out a value; this line, at the end of the module, puts ours in its place. Only
    output is escaped through it: what a template writes is joined into a string, and a
    block or macro's output is made `Markup` by Jinja as before.
    """

    def visit_Template(self, node: jinja2.nodes.Template, frame: Any = None) -> None:
        super().visit_Template(node, frame)
        self.writeline("escape = environment.escape_output")
        self.writeline("_VIEW_TYPES = environment.view_types")

    @staticmethod
    def _escapes_inline(frame: Any, finalize: Any) -> bool:
        """Whether a value written out is escaped in the template's code (`_output_child_pre`):
        always, but where Jinja decides at run time, does not escape, or finalizes values first."""
        return not frame.eval_ctx.volatile and frame.eval_ctx.autoescape and finalize.src is None

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Any, finalize: Any) -> None:
        """A value a template writes out, escaped as `escape_output` escapes it, with its test
        for a plain string that needs no escaping written out (`_output_child_post`): a page
        writes out hundreds of values, and the call took longer than the test."""
        if not self._escapes_inline(frame, finalize):
            super()._output_child_pre(node, frame, finalize)
        else:
            self.write("(_out if type(_out := ")

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: Any, finalize: Any) -> None:
        if not self._escapes_inline(frame, finalize):
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(") is str and " + " and ".join(f"{c!r} not in _out" for c in "&<>'\"")
                       + " else escape(_out))")

    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: Any) -> None:
        """`a.b` as `_Environment.getattr` looks it up, written out where `a` is a view's dict:
        `a['b']` when `a` is one and holds the key, else the environment's `getattr`. A page
        looks up hundreds of these, and the call to `getattr` took longer than the look-up."""
        if self.environment.is_async or node.attr in _DICT_ATTRIBUTES:
            super().visit_Getattr(node, frame)
            return
        attr = repr(node.attr)
        self.write(f"(_view[{attr}] if type(_view := ")
        self.visit(node.node, frame)
        self.write(f") in _VIEW_TYPES and {attr} in _view else environment.getattr(_view, {attr}))")


class _Environment(jinja2.Environment):
    """Jinja's environment with a cheaper `a.b` on the views' dicts.

    Jinja looks `b` up as an attribute first and only then as a key, so every `m.title` on
    a dict raised and caught an AttributeError: about a third of the time spent rendering a
    page that lists thousands of meetings. Plain dicts have no attributes but their methods,
    so for any other name the key is looked up directly: the result is the same.
    """

    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)
    view_types = (dict, MeetingSummary)
    """The views' types, whose keys `a.b` looks up first (`getattr`, `_CodeGenerator.visit_Getattr`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.references: dict[str, set[str]] = {}
        """The templates each template parsed so far extends, includes or imports (`compile_templates`)."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        template = super()._parse(source, name, filename)
        if name is not None:
            self.references[name] = _referenced(template)
        return template

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in self.view_types and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _referenced(template: jinja2.nodes.Template) -> set[str]:
    """The templates a parsed template extends, includes or imports by name."""
    return {name for name in meta.find_referenced_templates(template) if name}


def create_environment(templates_dir: Path, *, auto_reload: bool = True) -> jinja2.Environment:
    """`auto_reload=False` for a build whose templates cannot change while it runs: Jinja then
    does not look at a template file's time each time a page asks for the template."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        auto_reload=auto_reload,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["url"] = _url_filter
    return env


@dataclass(frozen=True)
class Renderer:
    env: jinja2.Environment
    config: SiteConfig
    links: dict[tuple, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)
    """The links into other sections that the pages rendered so far worked out (`PageLinks`)."""

    def render(self, page: Page) -> str:
        try:
            template = self.env.get_template(page.template)
            return template.render(self.context(page))
        except jinja2.TemplateSyntaxError as exc:
            raise BuildFailed([template_error(exc)]) from exc
        except Exception as exc:  # a template bug: report where, not a traceback
            path, line = _template_frame(exc)
            raise BuildFailed([ContentError(path or f"templates/{page.template}", line, f"fel i mallen när {page.url} byggdes: {exc}")]) from exc

    def context(self, page: Page) -> dict[str, Any]:
        config = self.config
        link_root = (config.base_url or "/") if page.links_from_root else None
        return {
            PAGE_LINKS: PageLinks(page.url, link_root, self.links),
            "site": config,
            "page": page.view,
            "page_title": page.title,
            "page_url": page.url,
            "page_description": page.description or config.description,
            "og_type": "article" if page.template == "meeting.html" else "website",
            # The 404 page is no address of its own: no canonical link or Open Graph tags.
            "canonical_url": config.base_url + page.url.lstrip("/") if config.base_url and not page.links_from_root
            else None,
            "link_root": link_root,
            "edit_url": config.edit_url + page.source_path if config.edit_url and page.source_path else None,
            "navigation": [
                {"url": url, "label": label, "current": page.url.startswith(url)} for url, label in NAVIGATION
            ],
            "search": {"url": SEARCH_URL, "in_header": page.url != SEARCH_URL},  # the search page has its own field
            "data_url": DATA_URL,
            "feed_url": FEED_URL,
            "calendar_url": CALENDAR_URL,
            "accessibility_url": ACCESSIBILITY_URL,
            "stylesheet_url": STYLESHEET_URL,
            "favicon_url": FAVICON_URL,
        }


TemplateReferences = dict[str, tuple[str, set[str]]]
"""Template name → (its source, the templates it references): parsed again only when the source changes."""


def template_digests(env: jinja2.Environment, cache: TemplateReferences | None = None) -> dict[str, bytes]:
    """Each template name → a digest of its source and of every template it extends,
    includes or imports: a page must be re-rendered when any of them changes."""
    cache = {} if cache is None else cache
    sources: dict[str, str] = {}
    references: dict[str, set[str]] = {}
    for name in env.list_templates(filter_func=lambda n: not n.startswith(".")):
        source = env.loader.get_source(env, name)[0]
        sources[name] = source
        if name in cache and cache[name][0] == source:
            references[name] = cache[name][1]
            continue
        try:
            references[name] = _referenced(env.parse(source, name, name))
        except jinja2.TemplateSyntaxError as exc:
            exc.filename = str(Path(env.loader.searchpath[0]) / name)
            raise BuildFailed([template_error(exc)]) from exc
        cache[name] = (source, references[name])

    def closure(name: str, seen: set[str]) -> set[str]:
        for reference in references.get(name, ()):
            if reference not in seen:
                seen.add(reference)
                closure(reference, seen)
        return seen

    return {
        name: hashlib.blake2b("\0".join(sources[n] for n in sorted(closure(name, {name})) if n in sources).encode(),
                              digest_size=16).digest()
        for name in sources
    }


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to template lines)."""
    found: tuple[str | None, int] = (None, 0)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".j2")):
            found = (display_path(Path(filename)), line)
    return found


def template_error(exc: jinja2.TemplateSyntaxError) -> ContentError:
    path = display_path(Path(exc.filename)) if exc.filename else f"templates/{exc.name}"
    return ContentError(path, exc.lineno or 0, f"fel i mallen: {exc.message}")
