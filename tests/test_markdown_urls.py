"""Relative links: the fast path of `relative_url` gives what `posixpath.relpath` gives."""

from __future__ import annotations

import posixpath
import random

from site_gen.markdown import relative_url


def reference(target: str, page_url: str) -> str:
    """The definition: relpath from the page's folder, a trailing '/' kept, '.' written './'."""
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


def test_relative_url_matches_relpath():
    rng = random.Random(20261122)
    names = ["moten", "personer", "x", "a-b", ".", "..", "", "index.html", "data", "site.json", "åäö"]

    def path() -> str:
        return "/" + "/".join(rng.choice(names) for _ in range(rng.randint(0, 4))) + rng.choice(["", "/", "//"])

    pages = ["/", "/moten/", "/moten/2017-01-01-x/", "/404.html", "/data/site.json", "/a/b/c/d/"]
    for _ in range(5000):
        page = rng.choice(pages) if rng.random() < 0.5 else path()
        target = path() + rng.choice(["", "#punkt", "#"])
        target = target if rng.random() < 0.9 else rng.choice(["https://x.se/", "#a", "mailto:a@b", "//cdn/x"])
        assert relative_url(target, page) == reference(target, page), (target, page)
