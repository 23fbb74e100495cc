"""Screenshots of the real site for the README: `scripts/screenshots` (docs/screenshots/).

Builds content/ into a temporary directory, serves it on loopback and photographs the
home, meeting, person, project and search pages in Debian's Chromium at desktop and
phone widths, with the browser tests' launch settings.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_gen.pipeline import BuildOptions, build_site  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, _QuietHandler, wait_for_search_results  # noqa: E402

PAGES = {
    "home": "/",
    "meeting": "/moten/2017-09-07-ledningsgrupp-for-utveckling/",
    "person": "/personer/leif-redestig/",
    "project": "/projekt/fritidsbanken/",
    "search": "/sok/?q=Fritidsbanken",
}
MAX_HEIGHT = {"desktop": 1400, "phone": 2200}
"""Long pages are cut here: the top of a page is what a reader sees first."""


def main() -> int:
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        site = Path(workdir) / "site"
        build_site(BuildOptions(content_dir=ROOT / "content", output_dir=site))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width_name, viewport in VIEWPORTS.items():
                for scheme in ("light", "dark"):
                    context = browser.new_context(viewport=viewport, color_scheme=scheme, device_scale_factor=1)
                    page = context.new_page()
                    for name, path in PAGES.items():
                        if scheme == "dark" and name != "meeting":
                            continue  # one page shows the dark scheme
                        page.goto(base + path)
                        if "?q=" in path:
                            wait_for_search_results(page)
                        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width_name])
                        suffix = "-dark" if scheme == "dark" else ""
                        out = target / f"{name}-{width_name}{suffix}.png"
                        page.screenshot(path=str(out), full_page=True,
                                        clip={"x": 0, "y": 0, "width": viewport["width"], "height": height})
                        print(out.relative_to(ROOT))
                    context.close()
            browser.close()
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
