"""`kill -9` of `partnerhub deliver_webhooks` mid-delivery loses nothing: after a rerun every
event has reached the receiver (at least once: it de-duplicates on `webhook-id`)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.webhooks_factories import receiving

CLI = str(Path(sys.executable).parent / "partnerhub")
EVENTS = 80

SETUP = """
from partnerhub.accounts.models import Partner
from partnerhub.core.events import NewEvent, emit_events
from partnerhub.webhooks.models import Endpoint
partner = Partner.objects.create(ext_id="P-KILL", name="Kill test", country="PL")
Endpoint.objects.create(partner=partner, url={url!r}, events=["*"])
emit_events([NewEvent("trial.started", partner.pk, {{"n": n}}) for n in range({n})])
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _states(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT state, count(*) FROM webhooks_delivery GROUP BY state")
        return dict(rows.fetchall())


def test_a_killed_delivery_run_loses_nothing(tmp_path):
    path = tmp_path / "kill.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "PARTNERHUB_DATA_DIR": str(tmp_path),
        "PARTNERHUB_TESTING": "1",
        "SECRET_KEY": "webhooks-kill-test",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
    }
    with receiving(slow=0.03) as receiver:
        _run(["migrate", "--noinput"], env)
        _run(["shell", "-c", SETUP.format(url=receiver.url, n=EVENTS)], env)
        worker = subprocess.Popen(
            [CLI, "deliver_webhooks"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while len(receiver.received) < EVENTS // 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert worker.poll() is None, "the run ended before it could be killed"
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        killed_at = len(receiver.received)
        assert 0 < killed_at < EVENTS
        states = _states(path)
        assert states.get("delivering", 0) > 0, states  # claimed by the dead worker
        # the dead worker's lease (60 s) runs out: age the claimed rows instead of waiting
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE webhooks_delivery SET next_attempt_at = '2000-01-01 00:00:00', "
                "locked_until = '2000-01-01 00:00:00' WHERE state = 'delivering'"
            )
        _run(["deliver_webhooks"], env)
    assert _states(path) == {"succeeded": EVENTS}
    ids = receiver.ids()
    assert len(set(ids)) == EVENTS
    assert len(ids) >= EVENTS  # some twice: sent, then killed before it was written down
