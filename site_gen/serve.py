"""`site-gen serve`: build, serve on loopback, watch, rebuild and reload the browser.

The design follows MkDocs' livereload server, with Zola's error page:
- File events only record what changed and wake the build thread; the build
  thread waits until events stop for `DEBOUNCE` seconds (an editor's save or a
  `git checkout` is a burst of events) and then builds once.
- Builds have epochs. `wanted` is raised when a change is seen, `visible` when
  a build has finished. A request waits while `wanted > visible`, so no request
  ever sees a half-written site.
- Pages get a small script that long-polls `/_livereload/<epoch>` and reloads
  when a newer build is visible. It is injected while serving, never written
  into the site on disk.
- A failed build keeps the last good site on disk; HTML requests get an error
  page with the same `path:line: message` lines and the reload script, so the
  page recovers by itself when the file is fixed.
- The search index is made on demand: when a file under `/pagefind/` is requested
  and the site changed since the last index. Pagefind re-reads the whole site
  (~0.1 s for the real site, ~2 s at 1,000 meetings, against ~60 ms for an
  incremental build), so indexing after every save would make every edit wait for it.
"""

from __future__ import annotations

import gc
import html
import mimetypes
import shutil
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .errors import BuildFailed, display_path
from .load import is_editor_file
from .pipeline import BuildOptions, Site
from .search import INDEX_DIR, index_site
from .swedish import format_seconds

DEBOUNCE = 0.02
"""Seconds without file events before a rebuild starts: long enough to gather an editor's
save (temp file + rename) or a `git checkout` into one build, whose events come faster."""
POLL_TIMEOUT = 30.0
"""Seconds a reload long-poll is held open before the browser asks again."""
RELOAD_PATH = "/_livereload/"
IDLE_TIMEOUT = 20.0
"""Seconds a connection may send nothing before it is closed: half-sent requests (slowloris)
and idle keep-alive connections do not hold a thread for ever. A long-poll waits for a build,
not for the socket, so it is not cut short."""

RELOAD_SCRIPT = """<script>
(() => {
  const epoch = %d;
  const poll = () => fetch("%s" + epoch, {cache: "no-store"})
    .then((response) => response.text())
    .then((text) => { if (Number(text) > epoch) { location.reload(); } else { poll(); } })
    .catch(() => setTimeout(poll, 1000));
  poll();
})();
</script>
"""


FAILURE_SETTLE = 0.25
"""Seconds a failed build waits for more changes before its error is shown."""


class SiteBuilder:
    """Owns the served directory and the build epochs; one build at a time."""

    def __init__(self, options: BuildOptions, log=print):
        self.options = options
        self.site = Site(options, trust_watcher=True)
        self.log = log
        self.condition = threading.Condition()
        self.wanted = 1
        """The epoch being built (or to build): raised by every change."""
        self.visible = 0
        """The epoch of the last finished build: what requests see."""
        self.changes: set[Path] = set()
        self.failure: BuildFailed | None = None
        self.last_change = 0.0
        self.stopped = False
        self.disk_lock = threading.Lock()
        """Held while a build writes the output directory or Pagefind reads it."""
        self.disk_version = 0
        """Successful builds so far: what the search index must catch up with."""
        self.indexed_version = -1
        self.index_failure: BuildFailed | None = None

    @property
    def output_dir(self) -> Path:
        return self.options.output_dir

    def notice(self, path: Path) -> None:
        """Called from the watcher thread for each relevant event."""
        with self.condition:
            self.changes.add(path)
            self.last_change = time.monotonic()
            if self.wanted == self.visible:
                self.wanted += 1
            self.condition.notify_all()

    def run(self) -> None:
        """The build loop (its own thread): debounce, build, publish the epoch."""
        while True:
            with self.condition:
                self.condition.wait_for(lambda: self.stopped or self.wanted > self.visible)
                if self.stopped:
                    return
                while (quiet := time.monotonic() - self.last_change) < DEBOUNCE:
                    self.condition.wait(DEBOUNCE - quiet)
                changed, self.changes = sorted(self.changes), set()
                epoch = self.wanted
            self.build(changed)
            with self.condition:
                self.visible = epoch
                if self.changes:  # changed during the build: build again
                    self.wanted = self.visible + 1
                self.condition.notify_all()

    def build(self, changed: list[Path]) -> None:
        started = time.perf_counter()
        shown = [display_path(path) for path in changed] or ["start"]
        what = ", ".join(shown[:3]) + (f" och {len(shown) - 3} till" if len(shown) > 3 else "")
        self.site.forget(changed)
        try:
            with self.disk_lock:
                report = self.site.build(in_place=True)
                self.disk_version += 1
        except BuildFailed as failure:
            with self.condition:
                # A save that truncates first and writes after can be read half-written; its
                # writer's next event comes moments later. Wait that long before showing an
                # error, and build again instead if files are still changing (a checkout, a save).
                self.condition.wait_for(lambda: bool(self.changes) or self.stopped, timeout=FAILURE_SETTLE)
                if self.changes:
                    return
            self.failure = failure
            for error in failure.errors:
                self.log(str(error))
            self.log(f"[{time.strftime('%H:%M:%S')}] {what}: bygget misslyckades – senaste fungerande version visas")
            return
        self.failure = None
        # The caches now hold millions of long-lived objects (parsed minutes). Left in the
        # collector's generations, every later build pays for scanning them again; freezing
        # moves them out of its way (they are still freed by reference counting).
        gc.freeze()
        seconds = time.perf_counter() - started
        removed = f", {report.deleted} borttagna" if report.deleted else ""
        self.log(f"[{time.strftime('%H:%M:%S')}] {what}: {report.written} filer skrivna{removed} på {seconds * 1000:.0f} ms")

    def search_index(self) -> BuildFailed | None:
        """Bring the search index up to date with the site on disk; the failure, if indexing failed."""
        self.wait_until_built()
        with self.disk_lock:  # no build writes while Pagefind reads the pages
            if self.indexed_version != self.disk_version:
                self.indexed_version = self.disk_version
                try:
                    report = index_site(self.output_dir)
                except BuildFailed as failure:
                    self.index_failure = failure
                    for error in failure.errors:
                        self.log(str(error))
                else:
                    self.index_failure = None
                    self.log(f"[{time.strftime('%H:%M:%S')}] sökindex: {report.pages} sidor på "
                             f"{format_seconds(report.seconds)} s")
            return self.index_failure

    def wait_until_built(self) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.visible >= self.wanted or self.stopped)
            return self.visible

    def wait_for_epoch_after(self, epoch: int, timeout: float) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.visible > epoch or self.stopped, timeout=timeout)
            return self.visible

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()


class _Watcher(FileSystemEventHandler):
    def __init__(self, builder: SiteBuilder, root: Path):
        self.builder, self.root = builder, root.absolute()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = Path(str(raw)) if raw else None
            if path is None or self._hidden(path):
                continue
            # A folder created, deleted or moved may hold content: the build lists it again.
            if event.is_directory or _is_relevant(path):
                self.builder.notice(path)

    def _hidden(self, path: Path) -> bool:
        """Hidden (`.git/`, `.#x.md`) or inside a hidden folder, judged below the watched folder only."""
        try:
            parts = path.absolute().relative_to(self.root).parts
        except ValueError:
            return False
        return any(part.startswith(".") for part in parts)


SOURCE_SUFFIXES = frozenset({".md", ".html", ".xml", ".css", ".js", ".toml", ".svg", ".png", ".jpg", ".woff2"})


def _is_relevant(path: Path) -> bool:
    """Our sources, not editors' temp, swap, backup or lock files (vim's '4913' has no suffix)."""
    return path.suffix in SOURCE_SUFFIXES and not is_editor_file(path.name)


def make_handler(builder: SiteBuilder, host: str):
    class Handler(BaseHTTPRequestHandler):
        server_version = "site-gen"
        protocol_version = "HTTP/1.1"
        timeout = IDLE_TIMEOUT

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
            pass  # one line per rebuild is what the terminal shows, not one per request

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_GET(self) -> None:
            self._serve(head=False)

        def _serve(self, head: bool) -> None:
            hosts = self.headers.get_all("Host") or []
            target_host = urlsplit(self.path).netloc  # an absolute-form request line names a host too
            if len(hosts) != 1 or not host_allowed(hosts[0], host) or (target_host and not host_allowed(target_host, host)):
                return self._send(HTTPStatus.MISDIRECTED_REQUEST, b"Unknown Host header\n", "text/plain", head)
            path = urlsplit(self.path).path
            if path.startswith(RELOAD_PATH):
                return self._long_poll(path)
            if path.startswith(f"/{INDEX_DIR}/"):
                failure = builder.search_index()
                if failure is not None:
                    message = "\n".join(str(error) for error in failure.errors) + "\n"
                    return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, message.encode("utf-8"),
                                      "text/plain; charset=utf-8", head)
            epoch = builder.wait_until_built()
            target = resolve_request_path(builder.output_dir, path)
            if target is None:
                if path != "/" and not path.endswith("/") and resolve_request_path(builder.output_dir, path + "/"):
                    return self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", head, location=path + "/")
                return self._send_html(HTTPStatus.NOT_FOUND, _not_found_page(path), epoch, head)
            if builder.failure is not None and target.suffix == ".html":
                return self._send_html(HTTPStatus.INTERNAL_SERVER_ERROR, error_page(builder.failure), epoch, head)
            data = target.read_bytes()
            if target.suffix == ".html":
                return self._send_html(HTTPStatus.OK, data.decode("utf-8"), epoch, head)
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, data, content_type, head)

        def _long_poll(self, path: str) -> None:
            try:
                epoch = int(path[len(RELOAD_PATH):].strip("/"))
            except ValueError:
                return self._send(HTTPStatus.BAD_REQUEST, b"", "text/plain", False)
            visible = builder.wait_for_epoch_after(epoch, POLL_TIMEOUT)
            self._send(HTTPStatus.OK, str(visible).encode(), "text/plain", False)

        def _send_html(self, status: HTTPStatus, page: str, epoch: int, head: bool) -> None:
            page = inject_reload_script(page, epoch)
            self._send(status, page.encode("utf-8"), "text/html; charset=utf-8", head)

        def _send(self, status, data: bytes, content_type: str, head: bool, location: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            if not head:
                self.wfile.write(data)

    return Handler


class DevServer(ThreadingHTTPServer):
    """One thread per connection, so that held long-polls never starve page requests."""

    daemon_threads = True
    request_queue_size = 512
    """The listen backlog (the standard library's 5 drops connections when a browser and a few
    tabs connect at once; the kernel caps it at net.core.somaxconn)."""

    def handle_error(self, request, client_address) -> None:
        # A client that goes away mid-request is not our error; anything else is, and is printed.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def host_allowed(header: str, bound_host: str) -> bool:
    """Refuse requests for other host names (DNS rebinding): only the loopback names, or the bound name."""
    if bound_host in ("0.0.0.0", "::"):
        return True
    name = header.rsplit(":", 1)[0] if not header.endswith("]") else header
    return name.strip("[]").lower() in {"localhost", "127.0.0.1", "::1", bound_host.strip("[]").lower()}


def resolve_request_path(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside `root`, or None (also for anything outside it)."""
    path = unquote(url_path)
    if "\x00" in path or "\\" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None
    target = root.joinpath(*parts)
    if path.endswith("/") or not parts:
        target = target / "index.html"
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if root.resolve() not in resolved.parents or not resolved.is_file():
        return None
    return resolved


def inject_reload_script(page: str, epoch: int) -> str:
    script = RELOAD_SCRIPT % (epoch, RELOAD_PATH)
    position = page.rfind("</body>")
    return page[:position] + script + page[position:] if position >= 0 else page + script


def error_page(failure: BuildFailed) -> str:
    problems = "\n".join(f"<li><code>{html.escape(str(error))}</code></li>" for error in failure.errors)
    return (
        '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Bygget misslyckades</title>\n"
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;color:#1a1a1a;background:#fff}code{white-space:pre-wrap;font-size:1rem}"
        "li{margin:.5rem 0;padding:.5rem;border-left:4px solid #b00020;background:#fdecee}</style>\n"
        "</head>\n<body>\n<main>\n<h1>Bygget misslyckades</h1>\n"
        "<p>Rätta felen nedan och spara filen. Sidan laddas om av sig själv.</p>\n"
        f"<ul>\n{problems}\n</ul>\n</main>\n</body>\n</html>\n"
    )


def _not_found_page(path: str) -> str:
    return (
        '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n<title>Sidan finns inte</title>\n'
        f"</head>\n<body>\n<main>\n<h1>Sidan finns inte</h1>\n<p><code>{html.escape(path)}</code></p>\n"
        '<p><a href="/">Till startsidan</a></p>\n</main>\n</body>\n</html>\n'
    )


# watchdog's inotify backend warns when a watched directory is replaced under the same
# descriptor, which `git checkout` does to `.git/` all the time; the warning says nothing
# an editor can act on.
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, log=print,
          output_dir: Path | None = None) -> None:
    """Build into `output_dir` (default: a temporary directory), serve and watch until interrupted."""
    workdir = Path(tempfile.mkdtemp(prefix="site-gen-serve-"))
    builder = SiteBuilder(replace(options, output_dir=output_dir or workdir / "site"), log)
    server = DevServer((host, port), make_handler(builder, host))
    observer = Observer()
    for directory in (options.content_dir, options.templates_dir, options.static_dir):
        if directory.is_dir():
            observer.schedule(_Watcher(builder, directory), str(directory), recursive=True)
    observer.start()
    # The address is the first line printed, before the first build can report: editors
    # look for it there, and so do scripts that start the server on a free port. Edits
    # made once it shows are seen: the watcher is already running.
    shown_host = f"[{host}]" if ":" in host else host
    log(f"Förhandsvisning på http://{shown_host}:{server.server_address[1]}/ – avsluta med Ctrl+C")
    build_thread = threading.Thread(target=builder.run, name="site-gen-build", daemon=True)
    build_thread.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("Avslutar.")
    finally:
        observer.stop()
        builder.stop()
        server.server_close()
        observer.join(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


def main_serve(options: BuildOptions, host: str, port: int, output_dir: Path | None = None) -> int:
    try:
        serve(options, host, port, log=lambda line: print(line, flush=True), output_dir=output_dir)
    except OSError as exc:
        print(f"Kan inte starta servern på {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
