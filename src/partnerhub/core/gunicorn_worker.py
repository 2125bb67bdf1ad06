"""The gunicorn worker `partnerhub serve` runs: gthread, hardened against slow clients.

gunicorn's threaded worker hands a connection to a thread once its first bytes arrive; the thread
then reads the request head and body from a blocking socket with no time limit, so a client that
trickles its request holds that thread for as long as it likes, and the worker keeps accepting
connections and queues them behind its held threads. This worker changes two things:

- a read deadline: a request (head and body) must arrive within `read_timeout` seconds, plus one
  second per `read_min_rate` bytes received (the rule of Apache's mod_reqtimeout), so a large
  upload on a slow line passes while a trickle is cut;
- a worker stops accepting new connections while every one of its threads is blocked reading
  from a client (slow clients, in practice), so a new connection waits in the kernel's backlog
  for a worker that can serve it rather than in the queue behind held threads. (Threads that
  are merely busy do not stop accepting: a queue behind them moves, and kept-alive clients
  would otherwise starve new ones under load.)

The documented deployment (deploy/) also puts nginx in front, which buffers whole requests.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import Future
from typing import Any

from django.core.exceptions import BadRequest
from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import TConn
from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker


class RequestHeadTooSlow(NoMoreData, TimeoutError):
    """The request head did not arrive in time: gunicorn closes the connection quietly."""

    def __str__(self) -> str:
        return "request head read too slowly"


class RequestBodyTooSlow(BadRequest):
    """The body did not arrive in time while the application read it: Django answers 400."""


class DeadlineSocket:
    """A client socket whose reads give up once the request being read is late."""

    def __init__(self, sock: socket.socket, read_timeout: float, read_min_rate: float) -> None:
        self._sock = sock
        self._read_timeout = read_timeout
        self._read_min_rate = read_min_rate
        self._started: float | None = None
        self._received = 0
        self.in_app = False
        self.timed_out = False
        # True while a thread is blocked reading from this client (read by the worker's loop).
        self.waiting = False

    def __getattr__(self, name: str) -> Any:
        # Everything but recv (send, fileno, shutdown, close, ...) is the socket's own.
        return getattr(self._sock, name)

    def arm(self) -> None:
        """Start the clock: a thread has taken the connection to read a request.

        The connection counts as waiting on its client from here until its first read returns:
        a burst of new connections accepted before their threads block in recv would otherwise
        be taken in past the worker's free threads and queue behind slow clients (their heads
        then turn late in the queue and are closed without an answer)."""
        self._started = time.monotonic()
        self._received = 0
        self.waiting = True

    def disarm(self) -> None:
        """Stop the clock: the thread is done with the connection."""
        self._started = None
        self.waiting = False

    def _late(self) -> Exception:
        self.timed_out = True
        if self.in_app:
            return RequestBodyTooSlow("request body read too slowly")
        return RequestHeadTooSlow()

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self._started is None:
            return self._sock.recv(bufsize, flags)
        allowed = self._read_timeout + self._received / self._read_min_rate
        remaining = self._started + allowed - time.monotonic()
        if remaining <= 0:
            raise self._late()
        prior = self._sock.gettimeout()
        # gunicorn bounds some reads itself (draining a body it did not need): the nearer wins.
        ours = prior is None or remaining < prior
        self._sock.settimeout(remaining if ours else prior)
        self.waiting = True
        try:
            data = self._sock.recv(bufsize, flags)
        except TimeoutError:
            if ours:
                raise self._late() from None
            raise
        finally:
            self.waiting = False
            self._sock.settimeout(prior)
        self._received += len(data)
        return data


class ThreadWorker(GunicornThreadWorker):
    """gthread with a read deadline per request, not accepting while all threads wait on clients."""

    # Set by `partnerhub serve` before gunicorn forks the workers, which inherit them.
    read_timeout = 10.0
    read_min_rate = 500.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The connections handed to threads and not finished yet (this loop's thread only).
        self.in_threads: set[DeadlineSocket] = set()

    def _can_serve_another(self) -> bool:
        waiting = sum(1 for sock in self.in_threads if sock.waiting)
        return waiting < self.cfg.threads

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self._can_serve_another())

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # gunicorn's loop turns at least once a second but only re-asks about accepting when its
        # connection count crosses the limit; slow clients are looked at on every turn.
        if self.alive:
            self.set_accept_enabled(self.nr_conns < self.worker_connections)
        super().wait_for_and_dispatch_events(timeout)

    def enqueue_req(self, conn: TConn) -> None:
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, self.read_timeout, self.read_min_rate)
        conn.sock.arm()
        self.in_threads.add(conn.sock)
        super().enqueue_req(conn)

    def handle_request(self, req: Any, conn: TConn) -> Any:
        # The head has been read; a late body read from here on happens inside the application.
        conn.sock.in_app = True
        try:
            return super().handle_request(req, conn)
        finally:
            conn.sock.in_app = False

    def finish_request(self, conn: TConn, fs: Future[Any]) -> None:
        sock: DeadlineSocket = conn.sock
        self.in_threads.discard(sock)
        sock.disarm()
        if sock.timed_out:
            self.log.warning("Closed a connection from %s: request read too slowly", conn.client)
            # Not gunicorn's graceful close: it lingers up to 2 s on this loop's thread reading
            # whatever the slow client still sends.
            self.nr_conns -= 1
            conn.close()
            return
        super().finish_request(conn, fs)
