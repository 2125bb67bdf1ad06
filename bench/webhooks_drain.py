"""10,000 queued events drained through webhook delivery to a local receiver.

    .venv/bin/python bench/webhooks_drain.py [--events 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ph_bench_webhooks \
        .venv/bin/python bench/webhooks_drain.py

SQLite by default (a fresh file in a temporary folder); with DATABASE_URL, that database
(created and migrated if missing; this benchmark's rows are removed first). Writes `--events`
events for one partner with one endpoint asking for every event, then measures:

- the drain: fan-out, claiming, signing, POSTing and recording every delivery
  (`webhooks.delivery.deliver_due`, as `partnerhub deliver_webhooks` runs it), in events/s;
- the floor: the same number of signed bodies POSTed with plain `requests` over one kept-alive
  session to the same receiver, one after another (what any delivery must at least cost).

The target is a drain of at least 200 events/s. Results: bench/results/webhooks_drain-<ts>.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import results

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
os.environ.setdefault("PARTNERHUB_TODAY", "2026-11-26")
os.environ["WEBHOOKS_ALLOW_PRIVATE"] = "true"
PARTNER_EXT = "BENCH-WEBHOOKS"


class Receiver:
    """Answers 200 to every POST and counts distinct webhook-ids."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.posts = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.posts += 1
                    receiver.ids.add(self.headers.get("webhook-id", ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def reset(self) -> None:
        with self.lock:
            self.ids.clear()
            self.posts = 0


def ensure_database() -> str:
    """The database to use: DATABASE_URL (created if missing), else a fresh SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="ph-webhooks-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ.setdefault("PARTNERHUB_DATA_DIR", str(folder))
        return "sqlite"
    if url.startswith("postgres"):
        import psycopg
        from dj_database_url import parse

        cfg = parse(url)
        with psycopg.connect(
            host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres",
            autocommit=True,
        ) as conn:  # fmt: skip
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
        return "postgresql"
    return url.split(":", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    engine = ensure_database()

    import django

    django.setup()
    import requests
    from django.core.management import call_command

    from partnerhub.accounts.models import Partner
    from partnerhub.core import clock
    from partnerhub.core.events import NewEvent, emit_events, events_committed
    from partnerhub.core.models import Event
    from partnerhub.webhooks.delivery import deliver_due
    from partnerhub.webhooks.models import Delivery, Endpoint
    from partnerhub.webhooks.sending import body_of, signed_headers

    call_command("migrate", verbosity=0)
    # The drain is measured alone: committed events would otherwise also wake this process's
    # delivery thread (webhooks.worker), which would take batches the measured drain then never
    # sees (it ends while the thread still holds their lease).
    events_committed.disconnect(dispatch_uid="partnerhub.webhooks.deliver")
    receiver = Receiver()
    Partner.objects.filter(ext_id=PARTNER_EXT).delete()
    partner = Partner.objects.create(ext_id=PARTNER_EXT, name="Webhooks bench", country="PL")
    endpoint = Endpoint.objects.create(partner=partner, url=receiver.url, events=["*"])
    started = time.perf_counter()
    emit_events(
        NewEvent("trial.started", partner.pk, {"id": f"Trial-{n}", "days": 30, "n": n})
        for n in range(args.events)
    )
    write_s = time.perf_counter() - started
    print(f"{engine}: wrote {args.events} events in {write_s:.2f} s")

    started = time.perf_counter()
    attempts = deliver_due()
    drain_s = time.perf_counter() - started
    succeeded = Delivery.objects.filter(endpoint=endpoint, state="succeeded").count()
    assert succeeded == args.events, (succeeded, args.events)
    assert len(receiver.ids) == args.events
    drain_rate = args.events / drain_s
    print(f"drain: {args.events} deliveries in {drain_s:.2f} s = {drain_rate:.0f} events/s")

    # The floor: the same signed bodies, POSTed by hand over one kept-alive session.
    receiver.reset()
    events = list(Event.objects.filter(partner=partner).order_by("pk"))
    bodies = [(e.public_id, body_of(e, partner.ext_id)) for e in events]
    session = requests.Session()
    session.trust_env = False
    started = time.perf_counter()
    for event_id, body in bodies:
        headers = signed_headers(endpoint, event_id, body, clock.now())
        session.post(receiver.url, data=body, headers=headers, timeout=10).close()
    floor_s = time.perf_counter() - started
    floor_rate = len(bodies) / floor_s
    print(f"floor: {len(bodies)} raw POSTs in {floor_s:.2f} s = {floor_rate:.0f} events/s")

    results.write(
        f"webhooks_drain_{engine}",
        scale={"events": args.events, "database": engine},
        figures={
            "write_events_s": round(write_s, 3),
            "drain_s": round(drain_s, 3),
            "drain_events_per_s": round(drain_rate, 1),
            "attempts": attempts,
            "receiver_posts": len(receiver.ids),
        },
        floor={"raw_posts_s": round(floor_s, 3), "raw_posts_per_s": round(floor_rate, 1)},
        summary=[
            results.row(
                f"webhook drain, {args.events} events ({engine})",
                round(drain_rate, 1),
                "events/s",
                floor=round(floor_rate, 1),
                floor_label="raw signed requests POSTs, one session",
            )
        ],
    )
    Partner.objects.filter(ext_id=PARTNER_EXT).delete()


if __name__ == "__main__":
    main()
