"""Which URLs the site may carry in a link: an allow-list of schemes.

Everything an editor writes can end up in an `href` or `src`: links and images in
the minutes, URLs in `site.toml`. A deny-list (`javascript:`, `vbscript:` …) misses
the spellings a browser still runs, so we allow a few schemes and refuse the rest.

The scheme is read the way a browser's URL parser reads it (WHATWG URL): tabs and
newlines anywhere are removed and C0 control characters and spaces at either end are
stripped before the scheme is looked at, so `java\\tscript:` and `\\x01javascript:`
are seen as `javascript:`. Character references (`&#106;avascript:`) are decoded by
the Markdown parser before a URL gets here, and the HTML we write escapes `&`, so
what is checked here is what the browser gets.
"""

from __future__ import annotations

import re

LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""Schemes a link may have; links without a scheme (relative, '#anchor', '/path') are allowed too."""

_IMAGE_DATA = re.compile(r"data:image/(?:png|gif|jpeg|webp)[;,]", re.IGNORECASE)
"""Inline raster images: the only `data:` URLs allowed, and only as an image's `src`."""

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))


def as_browser_reads(url: str) -> str:
    """`url` after the clean-up a browser does before parsing it."""
    return _TAB_OR_NEWLINE.sub("", url).strip(_C0_OR_SPACE)


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see, lower case ('javascript'), or None for a relative URL."""
    match = _SCHEME.match(as_browser_reads(url))
    return match.group(1).lower() if match else None


def is_allowed_link(url: str) -> bool:
    """May `url` be a link's `href`?"""
    scheme = url_scheme(url)
    return scheme is None or scheme in LINK_SCHEMES


def is_allowed_image(url: str) -> bool:
    """May `url` be an image's `src`? Links' schemes, and `data:` raster images."""
    return is_allowed_link(url) or _IMAGE_DATA.match(as_browser_reads(url)) is not None


def is_web_address(url: str) -> bool:
    """An absolute http(s) address with a host, as settings such as `repository_url` must be."""
    cleaned = as_browser_reads(url)
    return cleaned == url and url_scheme(url) in ("http", "https") and re.match(r"[a-zA-Z]+://[^/\s]", url) is not None
