"""A corpus of XSS vectors, built into a site and loaded in Chromium: nothing runs.

Every vector calls `__xss(n)`; an init script installs that trap (and traps alert, confirm
and prompt) before any page script runs, so a vector that executes anywhere is recorded.
The vectors sit in the minutes (paragraphs, headings, lists, tables, links, images), in
every front matter text, in names and in `site.toml`, OWASP cheat-sheet style: script
tags, event handlers, `javascript:` URLs in many spellings, SVG and MathML, attribute
breakouts, entity-encoded variants and template injection (`{{7*7}}` must not become 49).
Every page is visited, and the search page is made to show the vectors as results.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from site_gen.pipeline import BuildOptions, build_site

from ..conftest import write_files
from .conftest import _QuietHandler, wait_for_search_results

VECTORS = [
    "<script>__xss(1)</script>",
    "<img src=x onerror=__xss(2)>",
    "<svg onload=__xss(3)>",
    "<svg><script>__xss(4)</script></svg>",
    '<iframe src="javascript:__xss(5)"></iframe>',
    "<body onload=__xss(6)>",
    '"><script>__xss(7)</script>',
    "'><img src=x onerror=__xss(8)>",
    '" onmouseover="__xss(9)" x="',
    "' onfocus='__xss(10)' autofocus x='",
    "javascript:__xss(11)",
    "[klick](javascript:__xss(12))",
    "[klick](JaVaScRiPt:__xss(13))",
    "[klick](&#106;avascript:__xss(14))",
    "[klick](&#x6A;avascript&#x3A;__xss(15))",
    "[klick](java&#9;script:__xss(16))",
    "<javascript:__xss(17)>",
    "![bild](javascript:__xss(18))",
    '![bild](x" onerror="__xss(19))',
    "[klick](data:text/html;base64,PHNjcmlwdD5fX3hzcygyMCk8L3NjcmlwdD4=)",
    '<a href="javascript:__xss(21)">klick</a>',
    "<details open ontoggle=__xss(22)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(23)>",
    "&lt;script&gt;__xss(24)&lt;/script&gt;",
    "&#60;img src=x onerror=__xss(25)&#62;",
    "<scr<script>ipt>__xss(26)</script>",
    "[[!<script>__xss(27)</script>]]",
    "[klick][ref]\n\n[ref]: javascript:__xss(28)",
    "<style>@import 'javascript:__xss(29)';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(30)">',
    '<object data="javascript:__xss(31)">',
    '<embed src="javascript:__xss(32)">',
    "<form><button formaction=javascript:__xss(33)>x</button></form>",
    "<input autofocus onfocus=__xss(34)>",
    "<video><source onerror=__xss(35)></video>",
    "`<script>__xss(36)</script>`",
    '[klick](https://example.se/"onmouseover="__xss(37))',
    "<a href=\"&#x6A;avascript:__xss(38)\">klick</a>",
    "<img src=\"x` `<script>__xss(39)</script>\"` `>",
    "<IMG SRC=JaVaScRiPt:__xss(40)>",
    "</title><script>__xss(41)</script>",
    "</textarea><script>__xss(42)</script>",
    "-->< script>__xss(43)</script><!--",
    "<base href=\"javascript:__xss(44)//\">",
    "<![CDATA[<script>__xss(45)</script>]]>",
    "<svg><a xlink:href=\"javascript:__xss(46)\"><text x=\"20\" y=\"20\">klick</text></a></svg>",
    "{{ 7 * 7 }}xss ${ 7 * 7 }xss #{ 7 * 7 }xss <%= 7 * 7 %>xss {% raw %}xss {{7*7}}",
]
"""Each vector reaches `__xss(n)` only if it executes (n numbers them for the report)."""

TEXT_VECTOR = '"><img src=x onerror=__xss(90)>\'<script>__xss(91)</script>{{7*7}}xss'
"""For one-line texts (names, titles): an attribute breakout, a tag and template injection."""

TRAP = """
window.__xssHits = [];
window.__xss = (n) => window.__xssHits.push(String(n));
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => window.__xssHits.push(name + ":" + args.join(","));
}
"""

PAGE_CHECK = """
() => {
  const problems = [];
  const allowed = ["http:", "https:", "mailto:", "tel:"];
  const urlAttributes = {A: "href", AREA: "href", LINK: "href", IMG: "src", SOURCE: "src", SCRIPT: "src",
                         IFRAME: "src", FRAME: "src", EMBED: "src", OBJECT: "data", FORM: "action",
                         BUTTON: "formaction", INPUT: "formaction", BASE: "href"};
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (attribute.name.toLowerCase().startsWith("on")) problems.push(`${element.tagName} ${attribute.name}`);
    }
    const name = urlAttributes[element.tagName];
    if (name && element.hasAttribute(name)) {
      const url = new URL(element.getAttribute(name), document.baseURI);
      const ok = allowed.includes(url.protocol) || (element.tagName === "IMG" && url.href.startsWith("data:image/png"))
        || (element.closest(".pagefind-ui") && url.href === "javascript:void(0);");  // Pagefind's own search form
      if (!ok) problems.push(`${element.tagName} ${name}=${url.href}`);
    }
  }
  for (const element of document.querySelectorAll("iframe, frame, object, embed, base, math, svg, meta[http-equiv]"))
    problems.push(`element ${element.tagName}`);
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin || script.textContent.includes("__xss"))
      problems.push(`script ${script.src || script.textContent.slice(0, 60)}`);
  }
  const text = document.body.innerText;
  for (const injected of ["49xss", "49 xss"]) if (text.includes(injected)) problems.push(`template ran: ${injected}`);
  return {problems, hits: window.__xssHits, text};
}
"""


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


IN_MINUTES = [vector for vector in VECTORS if "java&#9;script" not in vector]
"""The minutes check links to pages of the site: 'java%09script:…' is one (to a page that does
not exist, an error). Descriptions carry every vector."""


def xss_site(root: Path) -> Path:
    minutes = "\n\n".join([
        "## Punkt <img src=x onerror=__xss(80)>",
        *IN_MINUTES,
        "## Listor och tabeller",
        *(f"- {vector}" for vector in IN_MINUTES[:10] if "\n" not in vector),
        "> <script>__xss(81)</script>\n> [klick](javascript:__xss(82))",
        "| a | b |\n|---|---|\n| <script>__xss(83)</script> | [x](javascript:__xss(84)) |",
        "Eva och Leif Redestig pratade.",
    ]) + "\n"
    one_line = _quoted(TEXT_VECTOR)
    return write_files(root / "content", {
        "site.toml": f"title = {one_line}\ndescription = {one_line}\n",
        "groups/styrgruppen.md": f"---\nname: {_quoted('Styrgruppen ' + TEXT_VECTOR)}\nmeeting_times: {one_line}\n---\n"
                                 + "\n\n".join(VECTORS[:12]) + "\n",
        "people/leif-redestig.md": f"---\nname: Leif Redestig\nrole: {one_line}\naliases: [{one_line}]\n---\n",
        "people/eva-xss.md": f"---\nname: {_quoted('Eva ' + TEXT_VECTOR)}\n---\n",
        "projects/fritidsbanken.md": f"---\nname: {_quoted('Fritidsbanken ' + TEXT_VECTOR)}\nstatus: active\n---\n"
                                     + "\n\n".join(VECTORS) + "\n",
        "organizations/ria.md": f"---\nname: {_quoted('Ria ' + TEXT_VECTOR)}\n---\n" + "\n\n".join(VECTORS) + "\n",
        "meetings/2020-01-13-styrgruppen.md": (
            f"---\ndate: 2020-01-13\ngroup: styrgruppen\ntitle: {one_line}\nnote_taker: Leif Redestig\n"
            f"attendees:\n  - name: Leif Redestig\n    affiliation: {one_line}\n  - eva-xss\n---\n" + minutes
        ),
    })


@pytest.fixture(scope="module")
def xss_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    report = build_site(BuildOptions(content_dir=xss_site(root), output_dir=root / "public"))
    assert report.search is not None and report.search.pages > 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root / "public")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pages = sorted("/" + p.relative_to(root / "public").as_posix().removesuffix("index.html")
                   for p in (root / "public").rglob("*.html") if not p.is_relative_to(root / "public" / "pagefind"))
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


@pytest.fixture
def trapped_page(browser):
    context = browser.new_context()
    context.add_init_script(TRAP)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page, dialogs
    context.close()


def check_page(page, dialogs: list[str]) -> str:
    page.wait_for_load_state("networkidle")
    page.mouse.move(10, 10)
    for _ in range(12):  # focus moves through links, as a keyboard user's would
        page.keyboard.press("Tab")
    result = page.evaluate(PAGE_CHECK)
    assert result["hits"] == [] and dialogs == [], (page.url, result["hits"], dialogs)
    assert result["problems"] == [], (page.url, result["problems"])
    return result["text"]


def test_no_vector_runs_on_any_page(trapped_page, xss_url):
    page, dialogs = trapped_page
    url, pages = xss_url
    assert len(pages) >= 13  # home, five indexes, search, and a page of each record
    texts = {}
    for path in pages:
        response = page.goto(url + path)
        assert response is not None and response.status == 200, path
        texts[path] = check_page(page, dialogs)
    meeting = texts["/moten/2020-01-13-styrgruppen/"]
    assert "{{ 7 * 7 }}xss ${ 7 * 7 }xss #{ 7 * 7 }xss <%= 7 * 7 %>xss {% raw %}xss {{7*7}}" in meeting
    assert "<script>__xss(1)</script>" in meeting and "<img src=x onerror=__xss(2)>" in meeting  # shown as text
    assert "Eva \"><img src=x onerror=__xss(90)>'<script>__xss(91)</script>{{7*7}}xss" in texts["/personer/"]


def test_no_vector_runs_in_search_results(trapped_page, xss_url):
    page, dialogs = trapped_page
    url, _ = xss_url
    page.goto(url + "/sok/?q=xss")
    assert wait_for_search_results(page)
    page.locator(".pagefind-ui__result").first.wait_for()
    check_page(page, dialogs)
    # Pagefind's UI inserts filter values as HTML: they must arrive as the text they are. It adds
    # each filter's values as they load, the group's not always with the people's: wait for it.
    filter_labels = page.locator(".pagefind-ui__filter-label")
    filter_labels.filter(has_text="Styrgruppen").first.wait_for(state="attached")
    labels = [" ".join(text.split()) for text in filter_labels.all_text_contents()]
    assert f"Styrgruppen {TEXT_VECTOR} (1)" in labels, labels
    page.goto(url + "/sok/?q=onerror")
    assert wait_for_search_results(page)
    check_page(page, dialogs)
