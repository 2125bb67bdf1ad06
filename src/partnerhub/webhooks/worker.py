"""What sets deliveries going: the commit of events, and a sweep for retries that fall due.

`core.events.events_committed` is connected here (webhooks/apps.py). With the database task
backend (`TASKS_BACKEND=database`) each commit enqueues `deliver_webhooks_task` for
`partnerhub db_worker`. With the embedded immediate backend nothing is delivered in the request
that wrote the events: a daemon thread of the process (started lazily, once) is woken and
delivers, so a page never waits on a receiver. The thread also wakes by itself when the next
retry falls due (at least every SWEEP_SECONDS while anything waits), so retries happen without
cron; `partnerhub serve` may start it at once with `start()`. Cron may run
`partnerhub deliver_webhooks` instead or as well.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connection
from django_tasks import task_backends
from django_tasks.backends.immediate import ImmediateBackend

from partnerhub.core import clock
from partnerhub.core.events import events_committed
from partnerhub.webhooks.delivery import Dispatcher, next_due_at
from partnerhub.webhooks.tasks import deliver_webhooks_task

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
ERROR_PAUSE_SECONDS = 60.0

_wake = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _pause() -> float | None:
    """How long to sleep before the next look: until the next due delivery (at most
    SWEEP_SECONDS), or None (until woken) when nothing waits."""
    due = next_due_at()
    if due is None:
        return None
    return min(SWEEP_SECONDS, max(0.05, (due - clock.now()).total_seconds()))


def _loop() -> None:
    dispatcher = Dispatcher()
    while True:
        pause: float | None = SWEEP_SECONDS
        try:
            # while workers run, look often: they finish, and new work may wait for a worker
            pause = 0.5 if dispatcher.dispatch() else _pause()
        except Exception:
            # e.g. the database is away: look again later, or when events are committed
            log.exception("webhook delivery sweep failed")
            pause = ERROR_PAUSE_SECONDS
        finally:
            connection.close()
        _wake.wait(timeout=pause)
        _wake.clear()


def start() -> threading.Thread:
    """Start the delivery thread of this process, once; answers it."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="webhooks-delivery", daemon=True)
            _thread.start()
        return _thread


def wake() -> None:
    """Tell the delivery thread to look now (starting it if needed)."""
    start()
    _wake.set()


def on_events_committed(sender: Any = None, partner_ids: Any = None, **kwargs: Any) -> None:
    """events_committed's receiver: enqueue the task, or wake the thread (see the docstring)."""
    if isinstance(task_backends["default"], ImmediateBackend):
        wake()
    else:
        deliver_webhooks_task.enqueue()


def connect() -> None:
    events_committed.connect(on_events_committed, dispatch_uid="partnerhub.webhooks.deliver")
