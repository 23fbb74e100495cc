"""The site served under a sub-path by a real HTTP server, like a plain static host: every
internal link from every page, feed, calendar and sitemap leads to a 200."""

from __future__ import annotations

import functools
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from .conftest import REPO, LinkCollector, build

SUB_PATH = "/protokoll/"
EXTERNAL = {"https://www.digg.se/tdosanmalan"}
"""The only links that leave the site (not fetched: the tests run offline)."""
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class StaticHost(SimpleHTTPRequestHandler):
    """Serves files; a missing path gets the site's 404.html with status 404, as static hosts do."""

    site_path = SUB_PATH

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / self.site_path.strip("/") / "404.html"
        if code != HTTPStatus.NOT_FOUND or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


@contextmanager
def static_host(document_root: Path, site_path: str) -> Iterator[str]:
    handler = type("Host", (StaticHost,), {"site_path": site_path})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(document_root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


class PageLinks(LinkCollector):
    """Every href and src, and every form's action (the header's search form)."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag == "form":
            self.links += [value for name, value in attrs if name == "action" and value]


def links_in(url: str, media_type: str, body: bytes) -> tuple[list[str], set[str]]:
    """Absolute targets of every link in a response, and (for HTML) the ids it defines."""
    if media_type == "text/html":
        collector = PageLinks()
        collector.feed(body.decode("utf-8"))
        return [urljoin(url, link) for link in collector.links], collector.ids
    if url.endswith("/feed.xml"):
        feed = ET.fromstring(body)
        targets = [urljoin(url, link.get("href")) for link in feed.iter(ATOM + "link")]
        for content in feed.iter(ATOM + "content"):
            base = urljoin(url, content.get("{http://www.w3.org/XML/1998/namespace}base"))
            collector = LinkCollector()
            collector.feed(content.text)
            targets += [urljoin(base, link) for link in collector.links]
        return targets, set()
    if url.endswith("/sitemap.xml"):
        return [loc.text for loc in ET.fromstring(body).iter(SITEMAP + "loc")], set()
    if url.endswith("/robots.txt"):
        return [line.split(":", 1)[1].strip() for line in body.decode().splitlines() if line.startswith("Sitemap:")], set()
    if url.endswith(".ics"):
        unfolded = body.decode("utf-8").replace("\r\n ", "")
        return [line[4:] for line in unfolded.split("\r\n") if line.startswith("URL:")], set()
    return [], set()


def crawl(origin: str, start: list[str]) -> tuple[dict[str, int], list[str]]:
    """Follow every internal link from `start`; return each URL's status and the broken fragments."""
    status: dict[str, int] = {}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in status:
            continue
        status[url], media_type, body = fetch(url)
        targets, ids[url] = links_in(url, media_type, body)
        for target in targets:
            if not target.startswith(origin + "/"):
                assert target in EXTERNAL, f"{url} links outside the site: {target}"
                continue
            page, fragment = urldefrag(target)
            if fragment:
                fragments.append((url, page, fragment))
            queue.append(page)
    broken = [f"{source} → {page}#{fragment}" for source, page, fragment in fragments
              if status.get(page) == 200 and fragment not in ids[page]]
    return status, broken


def page_count(site: Path) -> int:
    return sum(1 for page in site.rglob("*.html") if page.name != "404.html")


@pytest.mark.parametrize(("site_path", "with_base_url"), [
    (SUB_PATH, False), (SUB_PATH, True), ("/", False),
], ids=["sub-path", "sub-path-with-base-url", "host-root"])
def test_every_link_resolves(tmp_path, site_path, with_base_url):
    document_root = tmp_path / "www"
    site = document_root / site_path.strip("/")
    site.parent.mkdir(parents=True, exist_ok=True)
    with static_host(document_root, site_path) as origin:
        site_url = origin + site_path
        build(REPO / "content", site, base_url=site_url if with_base_url else None)
        status, broken = crawl(origin, [site_url, site_url + "robots.txt"])
        # A static host serves the 404 page at any depth.
        missing = site_url + "finns/inte/alls/"
        missing_status, _, body = fetch(missing)
        not_found_links, _ = links_in(missing, "text/html", body)
        # Its links start at the site's root: base_url, or without it the host's root. Only
        # there (or with base_url) do they reach the site; they are followed where they do.
        follows = with_base_url or site_path == "/"
        status_404, broken_404 = crawl(origin, [missing]) if follows else ({}, [])

    assert {url: code for url, code in status.items() if code != 200} == {}
    assert broken == []
    assert missing_status == 404 and "Sidan finns inte".encode() in body
    if follows:
        assert {url: code for url, code in status_404.items() if code != 200 and url != missing} == {}
        assert broken_404 == [] and {site_url, site_url + "moten/"} <= set(status_404)
    else:
        assert origin + "/moten/" in not_found_links  # from the host's root, as documented
    reached = {urlsplit(url).path for url in status}
    # Every page was reached by links alone, and so were the head's feed and calendar links.
    assert sum(1 for path in reached if path.endswith("/")) == page_count(site)
    for path in ("feed.xml", "kalender.ics", "assets/style.css", "assets/favicon.svg", "data/site.json",
                 "tillganglighet/", "sok/"):
        assert site_path + path in reached, path
    assert (site_path + "sitemap.xml" in reached) == with_base_url
