"""`site-gen serve` end to end: a real process, a real socket, the real file watcher."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .conftest import REPO, meeting_file

MEETING = "meetings/2020-01-13-styrgruppen.md"
TIMEOUT = 15.0


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(condition, what: str):
    """Poll `condition` until it returns something truthy; the server's own waiting does the rest."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(site):
    content = site({MEETING: meeting_file("## Punkt\n\nFörsta versionen.\n")})
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--content", str(content), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=content.parent,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    yield content, f"http://127.0.0.1:{match.group(1)}", process
    process.terminate()
    process.wait(timeout=10)


def test_edit_is_served_after_rebuild(server):
    content, url, _ = server
    page = f"{url}/moten/2020-01-13-styrgruppen/"
    status, html = fetch(page)
    assert status == 200 and "Första versionen." in html
    assert "/_livereload/" in html  # injected while serving
    (content / MEETING).write_text(meeting_file("## Punkt\n\nAndra versionen.\n"), encoding="utf-8")
    wait_for(lambda: "Andra versionen." in fetch(page)[1], "the edited page")


def test_long_poll_reports_the_next_build(server):
    content, url, _ = server
    status, html = fetch(f"{url}/")
    epoch = int(re.search(r"const epoch = (\d+);", html).group(1))
    (content / "people" / "eva-ek.md").write_text("---\nname: Eva Eksson\n---\n", encoding="utf-8")
    status, body = fetch(f"{url}/_livereload/{epoch}")  # held open until the rebuild is visible
    assert status == 200 and int(body) > epoch
    assert "Eva Eksson" in fetch(f"{url}/personer/eva-ek/")[1]


def test_broken_file_shows_error_page_and_recovers(server):
    content, url, _ = server
    page = f"{url}/moten/2020-01-13-styrgruppen/"
    fetch(page)
    good = (content / MEETING).read_text(encoding="utf-8")
    (content / MEETING).write_text("---\ndate: 2020-01-13\ngroup: styrgruppen\nattendees: [Nobody Here]\n---\n",
                                   encoding="utf-8")
    status, html = wait_for(lambda: (r := fetch(page))[0] == 500 and r, "the error page")
    assert "2020-01-13-styrgruppen.md:4: okänd person &#x27;Nobody Here&#x27;" in html
    assert "/_livereload/" in html  # so it recovers by itself
    assert fetch(f"{url}/assets/style.css")[0] == 200  # the last good site is still there
    (content / MEETING).write_text(good, encoding="utf-8")
    wait_for(lambda: fetch(page)[0] == 200, "recovery")


def test_deleted_file_removes_its_page(server):
    content, url, _ = server
    assert fetch(f"{url}/personer/eva-ek/")[0] == 200
    (content / "people" / "eva-ek.md").unlink()
    wait_for(lambda: fetch(f"{url}/personer/eva-ek/")[0] == 404, "the page to disappear")


def test_atomic_save_by_rename_is_seen(server):
    content, url, _ = server
    temporary = content / "meetings" / ".2020-01-13-styrgruppen.md.swp"
    temporary.write_text(meeting_file("## Punkt\n\nSparad med rename.\n"), encoding="utf-8")
    os.replace(temporary, content / MEETING)
    wait_for(lambda: "Sparad med rename." in fetch(f"{url}/moten/2020-01-13-styrgruppen/")[1], "the renamed file")


def test_terminal_shows_one_line_per_rebuild(server):
    content, url, process = server
    fetch(f"{url}/")
    for text in ("Ett.", "Två.", "Tre."):  # a burst: debounced into one or few builds
        (content / MEETING).write_text(meeting_file(f"## Punkt\n\n{text}\n"), encoding="utf-8")
    wait_for(lambda: "Tre." in fetch(f"{url}/moten/2020-01-13-styrgruppen/")[1], "the last edit")
    process.terminate()
    output = process.communicate(timeout=10)[0]
    rebuilds = [line for line in output.splitlines() if "meetings/2020-01-13-styrgruppen.md" in line]
    assert 1 <= len(rebuilds) <= 3, output
    assert re.search(r"content/meetings/2020-01-13-styrgruppen\.md: \d+ filer skrivna på \d+ ms", rebuilds[-1])


def test_foreign_host_and_paths_outside_are_refused(server):
    _, url, _ = server
    assert fetch(f"{url}/", host="attacker.example")[0] == 421
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fcontent"):
        assert fetch(url + path)[0] == 404, path


def test_published_build_has_no_reload_script(site, tmp_path):
    from .conftest import build

    content = site({MEETING: meeting_file("Text.\n")})
    build(content)
    for page in (content.parent / "public").rglob("*.html"):
        assert "_livereload" not in page.read_text(encoding="utf-8")


def test_git_checkout_of_a_thousand_files_is_a_few_rebuilds(server):
    content, url, process = server
    fetch(f"{url}/")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.se", *args],
                       cwd=content, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "many")
    for number in range(1000):
        (content / "organizations" / f"org-{number:04d}.md").write_text(
            f"---\nname: Förening {number:04d}\n---\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "many")
    git("checkout", "-q", "main")  # removes 1,000 files in one burst
    wait_for(lambda: fetch(f"{url}/organisationer/org-0999/")[0] == 404, "the removal")
    git("checkout", "-q", "many")  # and adds them back
    wait_for(lambda: fetch(f"{url}/organisationer/org-0999/")[0] == 200, "the checkout")
    assert fetch(f"{url}/organisationer/org-0000/")[0] == 200
    process.terminate()
    output = process.communicate(timeout=10)[0]
    rebuilds = [line for line in output.splitlines() if "filer skrivna" in line or "misslyckades" in line]
    # The initial build, then each checkout's burst of events: a few builds, never one per file.
    assert len(rebuilds) <= 7, output[-3000:]
    assert not any("misslyckades" in line for line in rebuilds), output[-3000:]
    assert not [line for line in rebuilds if ".git/" in line], "git's own files must not trigger builds"
    assert "Warning" not in output, output[-3000:]


def test_search_index_is_made_on_request_and_a_failure_is_one_clear_line(site, tmp_path):
    content = site({MEETING: meeting_file("## Punkt\n\nFörsta versionen.\n")})
    environment = {**os.environ, "PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-pagefind")}
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--content", str(content), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=content.parent, env=environment,
    )
    port = re.search(r":(\d+)/", process.stdout.readline()).group(1)
    url = f"http://127.0.0.1:{port}"
    assert fetch(f"{url}/moten/2020-01-13-styrgruppen/")[0] == 200  # pages are served without an index
    status, body = fetch(f"{url}/pagefind/pagefind-entry.json")
    assert status == 500 and "sökindexet kunde inte byggas: Pagefind saknas" in body
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "sökindexet kunde inte byggas: Pagefind saknas" in output and "Traceback" not in output


def test_search_index_is_served_for_the_current_build(server):
    content, url, _ = server
    status, body = fetch(f"{url}/pagefind/pagefind-entry.json")
    assert status == 200 and list(json.loads(body)["languages"]) == ["sv"]


def test_drafts_are_previewed_and_marked(server):
    content, url, _ = server
    draft = content / "meetings" / "2020-02-03-styrgruppen.md"
    draft.write_text(meeting_file("## Punkt\n\nEtt utkast.\n", date="2020-02-03", extra="draft: true\n"), "utf-8")
    page = f"{url}/moten/2020-02-03-styrgruppen/"
    wait_for(lambda: fetch(page)[0] == 200, "the draft's page")
    status, html = fetch(page)
    assert "Ett utkast." in html and "<strong>UTKAST</strong>" in html


def test_a_save_that_truncates_first_never_shows_an_error(server):
    """Editors that empty the file and then write it (many do) must not flash an error page."""
    content, url, process = server
    page = f"{url}/moten/2020-01-13-styrgruppen/"
    fetch(page)
    for text in ("Andra.", "Tredje."):
        with (content / MEETING).open("w", encoding="utf-8") as file:
            file.flush()  # the file is empty on disk now: a build may read it
            time.sleep(0.06)
            file.write(meeting_file(f"## Punkt\n\n{text}\n"))
        wait_for(lambda: text in fetch(page)[1], "the saved text")
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "bygget misslyckades" not in output, output
