"""Factories and a local receiver for the webhook tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import factory

from partnerhub.core.events import emit_event
from partnerhub.webhooks.models import Endpoint
from tests.factories import PartnerFactory


class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Endpoint

    partner = factory.SubFactory(PartnerFactory)
    url = "https://hooks.example.com/partnerhub"
    description = "PSA"
    events = factory.LazyFunction(lambda: ["*"])


def event(partner: Any, kind: str = "trial.started", **data: Any) -> Any:
    """One event of `partner` (as a service writes it)."""
    return emit_event(kind, partner_id=partner.pk, data=data or {"id": "Trial-1"})


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A local HTTP receiver: answers each request with the next of `answers` (an int status,
    or "timeout" to answer only after `slow` seconds), then with `default`."""

    answers: list[Any] = field(default_factory=list)
    default: int = 200
    slow: float = 0.0  # seconds before every answer
    received: list[Received] = field(default_factory=list)
    server: Any = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                if receiver.slow:
                    time.sleep(receiver.slow)
                # noted when it is answered (a timed-out request: when it arrived)
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body, time.time())
                )
                if answer == "timeout":
                    time.sleep(1.5)
                    answer = 200
                self.send_response(int(answer))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

    def start(self) -> Receiver:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiving(**kwargs: Any) -> Iterator[Receiver]:
    receiver = Receiver(**kwargs).start()
    try:
        yield receiver
    finally:
        receiver.stop()


def resolving_to(address: str) -> Callable[..., list[Any]]:
    """A getaddrinfo that resolves every name to `address` (IP literals stay themselves)."""
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
            return real(host, port, *args, **kwargs)
        except OSError:
            pass
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr: tuple[Any, ...] = (address, port, 0, 0) if ":" in address else (address, port)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    return fake
