"""Slow clients cannot freeze `partnerhub serve` (issue 13, point 7).

Starts `partnerhub serve` as in production (gunicorn, 2 workers, PARTNERHUB_TESTING unset; on an
SQLite file of its own) on a free loopback port, and sends it requests a byte a second: bodies
(a POST that announces 100,000 bytes, with the CSRF cookie so that Django reads the body) and
request heads (slowloris: one more header line a second). While they trickle, the sign-in page
still answers within 2 s, and the slow clients are cut:
- directly: by the worker's read deadline (`--read-timeout`, 10 s);
- behind nginx with deploy/nginx/partnerhub.conf: 50 slow clients, cut by nginx's timeouts, while
  an application with a single thread per worker never sees them.
These tests start servers: they run in the xdist group "servers".
"""

from __future__ import annotations

import os
import re
import secrets
import select
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("servers")

REPO = Path(__file__).resolve().parents[2]
SHIPPED_NGINX_SITE = REPO / "deploy" / "nginx" / "partnerhub.conf"
CLI = str(Path(sys.executable).parent / "partnerhub")
READ_TIMEOUT = 10  # the default of `partnerhub serve --read-timeout` and nginx's timeouts
ANSWER_WITHIN = 2.0
TLS_NAME = "partnerhub.example.com"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _get_login(base: str, context: ssl.SSLContext | None = None) -> tuple[int, str, float]:
    """GET the sign-in page: status, Set-Cookie headers, seconds taken (at most ANSWER_WITHIN)."""
    started = time.monotonic()
    with urllib.request.urlopen(
        base + "/accounts/login/", timeout=ANSWER_WITHIN, context=context
    ) as response:
        response.read()
        cookies = "; ".join(response.headers.get_all("Set-Cookie") or [])
        return response.status, cookies, time.monotonic() - started


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for every server here: the first `serve` migrates it, later ones not."""
    return tmp_path_factory.mktemp("slow-clients-data")


@contextmanager
def _serve(data_dir: Path, log: Path, threads: int | None = None) -> Iterator[Server]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "PARTNERHUB_TESTING",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DATABASE_URL",
            "PARTNERHUB_TEST_DB",
            "REDIS_URL",
            "TASKS_BACKEND",
            "WEB_THREADS",
            "WEB_READ_TIMEOUT",
            "WEB_READ_MIN_RATE",
        }
    }
    env.update(
        PARTNERHUB_DATA_DIR=str(data_dir),
        SECRET_KEY=secrets.token_urlsafe(50),  # made per run: nothing secret is committed
        DEBUG="0",
    )
    if threads is not None:
        env["WEB_THREADS"] = str(threads)
    port = _free_port()
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--workers", "2", "--no-scheduler"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            # The first start migrates a new SQLite file: up to a minute on a busy machine.
            deadline = time.monotonic() + 120
            while True:
                try:
                    _get_login(f"http://127.0.0.1:{port}")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"partnerhub serve did not start:\n{log.read_text()[-3000:]}")
                    time.sleep(0.25)
            yield Server(port=port, log=log)
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


@pytest.fixture(scope="module")
def served(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`partnerhub serve` with its default threads per worker, reached directly."""
    with _serve(data_dir, tmp_path_factory.mktemp("served") / "server.log") as server:
        yield server


class SlowClient(threading.Thread):
    """Sends `first`, then `drip` once a second (nothing more when drip is empty) for at most
    `limit` seconds; notes when the server cut the connection (closed, reset or answered)."""

    def __init__(
        self,
        port: int,
        first: bytes,
        drip: bytes,
        tls: ssl.SSLContext | None = None,
        limit: float = READ_TIMEOUT + 15,
    ) -> None:
        super().__init__(daemon=True)
        self.port, self.first, self.drip, self.tls, self.limit = port, first, drip, tls, limit
        self.stopped = threading.Event()
        self.opened: float | None = None
        self.cut_after: float | None = None
        self.answer = b""
        self.error: OSError | None = None

    def _cut(self, answer: bytes = b"") -> None:
        assert self.opened is not None
        self.cut_after = time.monotonic() - self.opened
        self.answer = answer

    def run(self) -> None:
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            if self.tls:
                sock = self.tls.wrap_socket(sock, server_hostname=TLS_NAME)
            self.opened = time.monotonic()
            sock.sendall(self.first)
            # Short reads: over TLS 1.3 the server's session tickets make the socket readable
            # without any data for the application, and that recv must not block for long.
            sock.settimeout(0.5)
            count = 0
            while not self.stopped.is_set() and time.monotonic() - self.opened < self.limit:
                readable, _, _ = select.select([sock], [], [], 1.0)
                if readable:
                    try:
                        self._cut(sock.recv(64))
                        return
                    except (ssl.SSLWantReadError, TimeoutError):
                        continue
                    except OSError:
                        self._cut()
                        return
                if self.drip:
                    count += 1
                    try:
                        sock.sendall(self.drip.replace(b"#", str(count).encode()))
                    except OSError:
                        self._cut()
                        return
        except OSError as exc:
            self.error = exc
        finally:
            if sock is not None:
                sock.close()


def slow_body(port: int, cookie: str, tls: ssl.SSLContext | None = None) -> SlowClient:
    """A sign-in POST that announces 100,000 bytes and sends one a second."""
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: 100000\r\nCookie: {cookie}\r\n\r\n"
    )
    return SlowClient(port, head.encode(), b"a", tls)


def slow_head(port: int, tls: ssl.SSLContext | None = None) -> SlowClient:
    """Slowloris: a request head that gains one header line a second and never ends."""
    return SlowClient(
        port, b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-#: 1\r\n", tls
    )


def stalled_body(port: int, cookie: str, tls: ssl.SSLContext | None = None) -> SlowClient:
    """A POST that sends its head and 10 bytes of its body, then nothing."""
    client = slow_body(port, cookie, tls)
    client.first += b"username=a"
    client.drip = b""
    return client


def _csrf_cookie(base: str, context: ssl.SSLContext | None = None) -> str:
    _status, cookies, _took = _get_login(base, context)
    match = re.search(r"csrftoken=[^;]+", cookies)
    assert match, cookies
    return match.group(0)


def _sign_in_page_answers_quickly(
    base: str, while_: str, context: ssl.SSLContext | None = None
) -> None:
    """Three GETs of the sign-in page, a second apart: each answers 200 within ANSWER_WITHIN."""
    for _ in range(3):
        try:
            status, _cookies, took = _get_login(base, context)
        except (OSError, urllib.error.URLError) as exc:
            pytest.fail(
                f"GET /accounts/login/ did not answer within {ANSWER_WITHIN} s {while_}: {exc}"
            )
        assert status == 200
        assert took < ANSWER_WITHIN
        time.sleep(1)


def _wait_until_cut(clients: list[SlowClient]) -> None:
    for client in clients:
        client.join(timeout=client.limit + 10)


def _stop(clients: list[SlowClient]) -> None:
    for client in clients:
        client.stopped.set()
    for client in clients:
        client.join(timeout=5)


@pytest.mark.parametrize(
    ("bodies", "heads"), [(2, 0), (10, 1)], ids=["2-bodies", "10-bodies-1-head"]
)
def test_a_person_can_still_sign_in_while_slow_clients_trickle_requests(
    served: Server, bodies: int, heads: int
) -> None:
    # Given a server, and slow clients trickling request bodies and heads into it
    cookie = _csrf_cookie(served.base)
    clients = [slow_body(served.port, cookie) for _ in range(bodies)]
    clients += [slow_head(served.port) for _ in range(heads)]
    try:
        for client in clients:
            client.start()
        time.sleep(2)  # every slow client is connected and being read

        # When a person opens the sign-in page, it answers at once
        _sign_in_page_answers_quickly(
            served.base, f"while {bodies} slow bodies and {heads} slow heads trickle"
        )
        # (the slow clients were really being read all along: nothing answered them yet)
        assert all(client.error is None and client.cut_after is None for client in clients), [
            (client.error, client.cut_after, client.answer) for client in clients
        ]

        # Then the server cuts every slow client at its read deadline
        _wait_until_cut(clients)
        for client in clients:
            assert client.cut_after is not None, "a slow client was never cut"
            assert READ_TIMEOUT - 1 <= client.cut_after <= READ_TIMEOUT + 8
        # a late body inside the application is a 400 (not a 500); a late head just closes
        for client in clients[:bodies]:
            assert client.answer.startswith(b"HTTP/1.1 400"), client.answer
        for client in clients[bodies:]:
            assert client.answer == b""
    finally:
        _stop(clients)
    # and goes on serving
    assert _get_login(served.base)[0] == 200


# --- Behind nginx -----------------------------------------------------------------------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


@dataclass
class Proxy:
    https_port: int
    context: ssl.SSLContext
    app: Server

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def _render_site(app_port: int, http_port: int, https_port: int, folder: Path) -> str:
    """The shipped site with only its ADAPT lines swapped for this test's ports and certificate."""
    text = SHIPPED_NGINX_SITE.read_text()
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/partnerhub/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/partnerhub/privkey.pem": str(folder / "key.pem"),
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, (
            f"{SHIPPED_NGINX_SITE} no longer has {old!r} once: adapt this test"
        )
        text = text.replace(old, new)
    return text


def _nginx_conf(folder: Path) -> str:
    """A main nginx.conf of the test's own: no daemon, its own pid file, logs and temp paths."""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would otherwise run as nobody, who cannot enter the temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp_paths}\n"
        f"    include {folder / 'partnerhub.conf'};\n}}\n"
    )


@pytest.fixture
def proxied(data_dir: Path, tmp_path: Path) -> Iterator[Proxy]:
    """nginx with the shipped site in front of `partnerhub serve` with ONE thread per worker:
    two slow clients reaching the application would hold it whole."""
    for program, package in ((NGINX, "nginx"), (OPENSSL, "openssl")):
        if not Path(program).exists():
            pytest.fail(
                f"{program} is not installed: apt-get install -y {package} "
                "(make test installs it with tools/system_deps.sh)"
            )
    folder = tmp_path / "nginx"
    folder.mkdir()
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={TLS_NAME}",
         "-addext", f"subjectAltName=DNS:{TLS_NAME},IP:127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    with _serve(data_dir, tmp_path / "server.log", threads=1) as app:
        https_port = _free_port()
        (folder / "partnerhub.conf").write_text(
            _render_site(app.port, _free_port(), https_port, folder)
        )
        (folder / "nginx.conf").write_text(_nginx_conf(folder))
        nginx = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),
             "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                    break
                except OSError:
                    if nginx.poll() is not None or time.monotonic() > deadline:
                        error_log = folder / "error.log"
                        log = error_log.read_text() if error_log.exists() else ""
                        pytest.fail(f"nginx did not start:\n{log[-3000:]}")
                    time.sleep(0.1)
            yield Proxy(https_port=https_port, context=context, app=app)
        finally:
            nginx.terminate()
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(10)


def test_behind_the_shipped_nginx_fifty_slow_clients_never_reach_the_application(
    proxied: Proxy,
) -> None:
    # Given nginx with the shipped site in front of an application of 2 workers x 1 thread,
    # and 50 slow clients: trickled heads, trickled bodies and bodies that stall
    cookie = _csrf_cookie(proxied.base, proxied.context)
    heads = [slow_head(proxied.https_port, proxied.context) for _ in range(20)]
    stalls = [stalled_body(proxied.https_port, cookie, proxied.context) for _ in range(15)]
    trickles = [slow_body(proxied.https_port, cookie, proxied.context) for _ in range(15)]
    clients = heads + stalls + trickles
    try:
        for client in clients:
            client.start()
        time.sleep(2)

        # When a person opens the sign-in page through nginx, it answers at once
        _sign_in_page_answers_quickly(
            proxied.base, "through nginx while 50 slow clients trickle", proxied.context
        )
        assert all(client.error is None and client.cut_after is None for client in clients), [
            (client.error, client.cut_after, client.answer) for client in clients
        ]

        # Then nginx cuts the heads and the stalled bodies at its 10 s timeouts
        _wait_until_cut(heads + stalls)
        for client in heads + stalls:
            assert client.cut_after is not None, "nginx never cut a slow client"
            assert READ_TIMEOUT - 1 <= client.cut_after <= READ_TIMEOUT + 8
    finally:
        _stop(clients)
    # and none of the slow requests ever reached the application (nginx reads requests whole)
    access_log = proxied.app.log.read_text()
    assert "POST /accounts/login/" not in access_log
    assert _get_login(proxied.base, proxied.context)[0] == 200
