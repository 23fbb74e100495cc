"""The dev server against hostile clients: raw sockets against a real `site-gen serve` process.

It serves only its output directory, never lists one, answers only to its own host name
(DNS rebinding), survives malformed and slow requests, and serves 200 connections at once
while 200 reload long-polls are held open.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import REPO, meeting_file

TIMEOUT = 20.0
SECRET = "HEMLIG-FIL-UTANFÖR"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`site-gen serve` on a free port, building into a known directory with a secret file beside it."""
    from .conftest import BASE_SITE, write_files

    root = tmp_path_factory.mktemp("serve")
    content = write_files(root / "content", {**BASE_SITE, "meetings/2020-01-13-styrgruppen.md": meeting_file("Text.\n")})
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "site-x").mkdir()
    (root / "site-x" / "secret.txt").write_text(SECRET, encoding="utf-8")
    output = root / "site"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--content", str(content), "--port", "0",
         "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=root,
    )
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    port = int(match.group(1))
    assert request(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").startswith(b"HTTP/1.1 200")
    (output / "moten" / "outside").symlink_to(root)  # a link in the output pointing out of it
    yield port, process, output
    process.terminate()
    rest = process.communicate(timeout=10)[0]
    assert "Traceback" not in rest, rest[-3000:]


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.settimeout(TIMEOUT)
    return sock


def request(port: int, raw: str | bytes) -> bytes:
    """Send `raw` as it is, then read the whole answer (until the server closes)."""
    chunks = []
    with connect(port) as sock:
        try:  # the server may answer and close before it has read everything (431 on huge headers)
            sock.sendall(raw.encode("latin-1") if isinstance(raw, str) else raw)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError, OSError) as error:
            if isinstance(error, TimeoutError):
                raise
    return b"".join(chunks)


def get(port: int, path: str, host: str = "127.0.0.1") -> bytes:
    return request(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")


def status_of(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert match, answer[:200]
    return int(match.group(1))


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt",
    "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt", "/%252e%252e%252fsecret.txt",
    "/.%2e/secret.txt", "/..\\secret.txt", "/..%5csecret.txt", "/%5c..%5csecret.txt",
    "/index.html%00.css", "/%00", "/../site-x/secret.txt", "/..%2fsite-x%2fsecret.txt",
    "//etc/passwd", "http://127.0.0.1/../secret.txt", "/moten/outside/secret.txt", "/moten/outside/",
    "/%2fetc%2fpasswd", "/etc/passwd", "/./../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
])
def test_nothing_outside_the_output_directory_is_served(server, path):
    port, _, _ = server
    answer = get(port, path)
    assert status_of(answer) in (400, 404), answer[:300]
    assert SECRET.encode() not in answer and b"root:" not in answer


@pytest.mark.parametrize("path", ["/moten/", "/assets/", "/personer/"])
def test_no_directory_listings(server, path):
    port, _, output = server
    answer = get(port, path)
    if (output / path.strip("/") / "index.html").is_file():
        assert status_of(answer) == 200 and b"<!doctype html>" in answer
    else:
        assert status_of(answer) == 404
    assert b"Directory listing" not in answer and b"style.css</a>" not in answer


def test_assets_directory_has_no_listing(server):
    port, _, _ = server
    answer = get(port, "/assets/")
    assert status_of(answer) == 404 and b"style.css" not in answer


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_loopback_host_names_are_served(server, host):
    port, _, _ = server
    assert status_of(get(port, "/", host=f"{host}:{port}")) == 200
    assert status_of(get(port, "/", host=host)) == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{0}", "127.0.0.1.evil.example", "localhost.evil",
                                  "127.0.0.2", "0.0.0.0", "", "[::2]", "localhost@evil.example"])
def test_foreign_host_names_are_refused(server, host):
    port, _, _ = server
    answer = get(port, "/", host=host.format(port))
    assert status_of(answer) in (400, 421), answer[:200]
    assert b"<!doctype html>" not in answer


def test_missing_repeated_or_contradicted_host_header_is_refused(server):
    port, _, _ = server
    assert status_of(request(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")) in (400, 421)
    answer = request(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert status_of(answer) in (400, 421)
    answer = request(port, "GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status_of(answer) in (400, 421)


MALFORMED = [
    b"\x00\xff\xfe garbage \r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200),  # a TLS ClientHello
    b"GET\r\n\r\n",
    b"GET /\r\n",  # HTTP/0.9
    b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1 extra words\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello",
    b"DELETE /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + b"a" * 100_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Many: 1\r\n" * 200 + b"\r\n",
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    b"GET /_livereload/abc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /_livereload/-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    b"GET /%ff%fe%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
    b"\r\n\r\n\r\n",
    b"",
]


@pytest.mark.parametrize("raw", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_requests_do_not_kill_the_server(server, raw):
    port, process, _ = server
    answer = request(port, raw)
    assert SECRET.encode() not in answer
    if answer:
        assert not answer.startswith(b"HTTP/1.1 500"), answer[:300]
    assert process.poll() is None
    assert status_of(get(port, "/")) == 200


def test_half_sent_requests_do_not_block_others(server):
    port, process, _ = server
    slow = [connect(port) for _ in range(50)]
    for number, sock in enumerate(slow):  # slowloris: a request line and a header, never finished
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" if number % 2 else b"GE")
    try:
        assert status_of(get(port, "/personer/")) == 200
    finally:
        for sock in slow:
            sock.close()
    assert process.poll() is None


def test_200_concurrent_connections_are_served_while_200_long_polls_wait(server):
    port, _, _ = server
    epoch = int(re.search(rb"const epoch = (\d+);", get(port, "/")).group(1))
    polls = []
    for _ in range(200):  # held open until the next build (none comes): they must not starve pages
        sock = connect(port)
        sock.sendall(f"GET /_livereload/{epoch} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        polls.append(sock)
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(200)

    def fetch() -> None:
        try:
            with connect(port) as sock:
                barrier.wait(timeout=TIMEOUT)
                sock.sendall(b"GET /moten/2020-01-13-styrgruppen/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                statuses.append(status_of(answer))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _ in range(200)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for sock in polls:
            sock.close()
    assert errors == [] and statuses == [200] * 200, (errors[:3], sorted(set(statuses)))


def test_binds_loopback_by_default(server):
    port, _, _ = server
    addresses = [a for a in _listening_addresses(port)]
    assert addresses and all(a.startswith("127.0.0.1") for a in addresses), addresses


def _listening_addresses(port: int) -> list[str]:
    """Local addresses listening on `port`, from the kernel's table."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # LISTEN
                if len(address) == 8:
                    found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.append("ipv6:" + address)
    return found
