"""The in-process scheduler of the embedded default: enqueues weekly jobs through the tasks API.

At scale, run `partnerhub serve --no-scheduler` on the web nodes and one `partnerhub scheduler`
next to the task workers instead. The wait is wall-clock time (`clock.now()`: when to run), not
the as-of date; the jobs themselves compute as of `clock.today()`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import time

from partnerhub.core import clock

log = logging.getLogger(__name__)

# (dotted path of a django-tasks Task, weekday 0=Monday..6=Sunday or None for daily, hour UTC)
SCHEDULE: list[tuple[str, int | None, int]] = [
    ("partnerhub.calling.tasks.refresh_analytics_task", 6, 0),
    ("partnerhub.analytics.tasks.snapshot_build_task", None, 0),
]


def next_run(after: dt.datetime, weekday: int | None, hour: int) -> dt.datetime:
    """The first moment strictly after `after` at `hour`:00:00 UTC, on `weekday` (None: any day)."""
    base = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    days = 0 if weekday is None else (weekday - after.weekday()) % 7
    candidate = base + dt.timedelta(days=days)
    if candidate <= after:
        candidate += dt.timedelta(days=1 if weekday is None else 7)
    return candidate


def _load(path: str) -> object | None:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _loop(path: str, weekday: int | None, hour: int) -> None:
    while True:
        now = clock.now()
        due = next_run(now, weekday, hour)
        time.sleep(max(1.0, (due - now).total_seconds()))
        task = _load(path)
        if task is None:
            continue
        try:
            task.enqueue()  # type: ignore[attr-defined]
        except Exception:
            log.exception("scheduled task %s failed", path)


def start_scheduler() -> list[threading.Thread]:
    """Start one daemon thread per scheduled task whose module exists."""
    threads = []
    for path, weekday, hour in SCHEDULE:
        if _load(path) is None:
            continue
        thread = threading.Thread(target=_loop, args=(path, weekday, hour), daemon=True, name=path)
        thread.start()
        threads.append(thread)
    return threads
