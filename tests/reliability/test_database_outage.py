"""A database that goes away and comes back: 503 meanwhile, recovery without a restart.

Runs a real gunicorn on PostgreSQL through a TCP proxy that the test cuts and restores.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pytest

PG = ("127.0.0.1", 5432)
DB_NAME = "partnerhub_outage_test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TcpProxy:
    """Forwards a local port to PostgreSQL; `cut()` drops every connection and refuses new ones."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: socket.socket | None = None
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _addr = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(PG)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self.server:
            try:
                self.server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            except OSError:
                pass
            self.server.close()
            self.server = None
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns = []


def _admin_sql(sql: str) -> None:
    with psycopg.connect(
        host=PG[0], port=PG[1], user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture
def served_through_proxy(tmp_path: Path) -> Iterator[tuple[str, TcpProxy, dict[str, str]]]:
    _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin_sql(f"CREATE DATABASE {DB_NAME}")
    proxy = TcpProxy(_free_port())
    proxy.start()
    web_port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{proxy.port}/{DB_NAME}",
        "PARTNERHUB_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "outage-test",
        "DEBUG": "0",
        "PARTNERHUB_TESTING": "1",
    }
    bin_dir = Path(sys.executable).parent
    cli = str(bin_dir / "partnerhub")
    subprocess.run([cli, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [
            cli,
            "shell",
            "-c",
            "from partnerhub.accounts.models import Partner, User;"
            "p=Partner.objects.create(ext_id='P1', name='Northwind');"
            "User.objects.create_user('anna@northwind.example', 'a-long-password-1', partner=p,"
            " role='partner_full_admin')",
        ],
        env=env,
        check=True,
    )
    token = subprocess.run(
        [cli, "token", "create", "anna@northwind.example"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [cli, "serve", "--port", str(web_port), "--workers", "1", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{web_port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base, proxy, {"token": token}
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        proxy.cut()
        _admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _get(
    opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_pages_and_api_answer_503_while_the_database_is_away_and_recover(served_through_proxy):
    base, proxy, secrets = served_through_proxy
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    auth = {"Authorization": f"Bearer {secrets['token']}"}

    # Given a signed-in person and a working database
    _status, login_page = _get(opener, base + "/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)  # type: ignore[union-attr]
    data = (
        f"csrfmiddlewaretoken={csrf}&username=anna%40northwind.example"
        "&password=a-long-password-1&next=/accounts/tokens/"
    ).encode()
    opener.open(
        urllib.request.Request(
            base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"}
        ),
        timeout=15,
    )
    assert _get(opener, base + "/accounts/tokens/")[0] == 200
    assert _get(opener, base + "/api/v1/me", auth)[0] == 200

    # When the database goes away
    proxy.cut()
    status, body = _get(opener, base + "/accounts/tokens/")
    assert status == 503
    assert "temporarily unavailable" in body
    status, body = _get(opener, base + "/api/v1/me", auth)
    assert status == 503
    assert "database" in body.lower()

    # Then it comes back, and so does the service, without a restart
    proxy.start()
    assert _get(opener, base + "/accounts/tokens/")[0] == 200
    status, body = _get(opener, base + "/api/v1/me", auth)
    assert status == 200
    assert "anna@northwind.example" in body
