"""Benchmark `partnerhub load` on PostgreSQL against a raw COPY of the same call rows.

    .venv/bin/python bench/bench_load.py [--customers 5000] [--seed 1] [--keep]

1. writes a dataset with the demo generator (`partnerhub.demo.generator`; a small synthetic
   generator of this script when that module is missing), cached in var/bench/ (delete the
   files there after the generator changes);
2. creates a fresh PostgreSQL database, migrates it, and runs `partnerhub load FILE` in a child
   process: wall time, lines/s and the child's peak RSS (`os.wait4` rusage);
3. in the same run, COPYs the file's call rows (CSV) into an unkeyed table and reports rows/s and
   the ratio of the two rates (absolute rates drift on shared machines, ratios much less).

PostgreSQL: `BENCH_PG` (default postgres://postgres@127.0.0.1:5432); the database is dropped
afterwards unless `--keep`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psycopg
import results

REPO = Path(__file__).resolve().parent.parent
PARTNERHUB = REPO / ".venv" / "bin" / "partnerhub"
AS_OF = dt.date(2026, 11, 26)
CALL_COLUMNS = (
    "id",
    "customer",
    "user",
    "start",
    "duration_s",
    "endpoint",
    "type",
    "direction",
    "mos",
    "jitter_ms",
    "loss_pct",
    "latency_ms",
    "features",
    "queue",
    "wait_s",
    "outcome",
)


def synthetic(path: Path, customers: int, seed: int) -> None:
    """A plain dataset of the same shape when the demo generator is not available."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 8, 27, tzinfo=dt.UTC)
    endpoints = ("webex_app_desktop", "webex_app_mobile", "ip_phone", "room_device")
    n_user = n_call = n_meeting = 0
    with path.open("wb") as out:
        w = out.write
        w(orjson.dumps({"kind": "partner", "id": "P1", "name": "Bench Partners"}) + b"\n")
        for c in range(customers):
            cid = f"C{c:06d}"
            w(
                orjson.dumps(
                    {
                        "kind": "customer",
                        "id": cid,
                        "partner": "P1",
                        "name": f"Customer {c}",
                        "created": "2025-01-01",
                    }
                )
                + b"\n"
            )
            w(
                orjson.dumps(
                    {
                        "kind": "subscription",
                        "id": f"S{c:06d}",
                        "customer": cid,
                        "start": "2025-01-01",
                        "end": "2027-01-01",
                        "lines": [{"product": "calling", "licenses": 60}],
                    }
                )
                + b"\n"
            )
            users = []
            for _ in range(rng.randint(10, 70)):
                n_user += 1
                uid = f"U{n_user:08d}"
                users.append(uid)
                w(
                    orjson.dumps(
                        {
                            "kind": "user",
                            "id": uid,
                            "customer": cid,
                            "email": f"u{n_user}@c{c}.example",
                        }
                    )
                    + b"\n"
                )
                w(
                    orjson.dumps(
                        {
                            "kind": "assignment",
                            "user": uid,
                            "item": f"S{c:06d}",
                            "product": "calling",
                            "from": "2025-02-01",
                        }
                    )
                    + b"\n"
                )
            for _ in range(len(users) * 12):
                n_meeting += 1
                at = start + dt.timedelta(seconds=rng.randrange(91 * 86400))
                w(
                    orjson.dumps(
                        {
                            "kind": "meeting",
                            "id": f"M{n_meeting:09d}",
                            "customer": cid,
                            "host": rng.choice(users),
                            "start": at.isoformat(),
                            "duration_s": rng.randint(300, 3600),
                            "participants": rng.sample(users, 2),
                        }
                    )
                    + b"\n"
                )
            for _ in range(len(users) * 50):
                n_call += 1
                at = start + dt.timedelta(seconds=rng.randrange(91 * 86400))
                w(
                    orjson.dumps(
                        {
                            "kind": "call",
                            "id": f"K{n_call:010d}",
                            "customer": cid,
                            "user": rng.choice(users),
                            "start": at.isoformat(),
                            "duration_s": rng.randint(5, 900),
                            "endpoint": rng.choice(endpoints),
                            "quality": {
                                "mos": round(rng.uniform(2.5, 4.5), 2),
                                "jitter_ms": rng.randint(1, 80),
                            },
                        }
                    )
                    + b"\n"
                )


def dataset(customers: int, seed: int) -> tuple[Path, str]:
    """The dataset file for these settings (generated once, then reused)."""
    folder = REPO / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from partnerhub.demo.generator import generate
    except ImportError:
        path = folder / f"synthetic-{customers}-{seed}.jsonl"
        if not path.exists():
            synthetic(path, customers, seed)
        return path, "synthetic (bench)"
    path = folder / f"demo-{customers}-{seed}-{AS_OF}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        generate(str(partial), customers=customers, seed=seed, as_of=AS_OF)
        partial.rename(path)
    return path, "partnerhub.demo.generator"


def call_csv(path: Path) -> tuple[Path, int]:
    """The call lines of the dataset as a CSV file for COPY (written once, before any timing).

    It is kept on disk, not in memory: the load runs in a child process, whose peak RSS would
    otherwise include the memory of this one at the time of the fork.
    """
    out = path.with_suffix(".calls.csv")
    if out.exists():
        with out.open("rb") as f:
            return out, sum(1 for _ in f)
    partial = out.with_suffix(".partial")
    rows = 0
    with path.open("rb") as lines, partial.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for line in lines:
            if b'"kind":"call"' not in line:
                continue
            obj = orjson.loads(line)
            quality = obj.get("quality") or {}
            queue = obj.get("queue") or {}
            writer.writerow(
                [
                    obj["id"], obj["customer"], obj["user"], obj["start"], obj["duration_s"],
                    obj["endpoint"], obj.get("type", "webex_calling"),
                    obj.get("direction", "outbound"), quality.get("mos"), quality.get("jitter_ms"),
                    quality.get("loss_pct"), quality.get("latency_ms"),
                    "{" + ",".join(obj.get("features") or ()) + "}", queue.get("id"),
                    queue.get("wait_s"), queue.get("outcome"),
                ]
            )  # fmt: skip
            rows += 1
    partial.rename(out)
    return out, rows


def raw_copy(url: str, data: Path) -> float:
    """Seconds to COPY the call rows into an unkeyed table (median of three)."""
    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_calls")
        conn.execute(
            "CREATE TABLE bench_raw_calls (id text, customer text, usr text, start timestamptz, "
            "duration_s float8, endpoint text, type text, direction text, mos float8, "
            "jitter_ms float8, loss_pct float8, latency_ms float8, features text[], queue text, "
            "wait_s float8, outcome text)"
        )
        for _ in range(3):
            conn.execute("TRUNCATE bench_raw_calls")
            started = time.perf_counter()
            with (
                data.open("rb") as f,
                conn.cursor() as cur,
                cur.copy("COPY bench_raw_calls FROM STDIN (FORMAT csv)") as cp,
            ):
                while block := f.read(1 << 20):
                    cp.write(block)
            times.append(time.perf_counter() - started)
        conn.execute("DROP TABLE bench_raw_calls")
    return sorted(times)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    name = f"bench_load_{os.getpid()}"
    url = f"{server}/{name}"
    started = time.perf_counter()
    path, source = dataset(args.customers, args.seed)
    with path.open("rb") as f:
        lines = sum(1 for _ in f)
    size = path.stat().st_size
    print(
        f"dataset: {path.name} from {source}: {lines:,} lines, {size / 1e6:,.0f} MB "
        f"({time.perf_counter() - started:.0f} s to prepare)"
    )

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "PARTNERHUB_TODAY": AS_OF.isoformat()}
    data, calls = call_csv(path)
    try:
        subprocess.run([str(PARTNERHUB), "migrate", "-v0"], env=env, check=True)
        # The raw COPY runs right before and right after the load: on a shared machine the
        # rates drift, and the mean of the two is the fairest yardstick for the load between.
        copy_before = raw_copy(url, data)

        started = time.perf_counter()
        child = subprocess.Popen(
            [str(PARTNERHUB), "load", "--no-progress", "-v2", str(path)],
            env=env,
            stdout=subprocess.PIPE,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        output = child.stdout.read().decode() if child.stdout else ""
        if status != 0:
            sys.exit(f"the load failed (status {status}):\n{output}")
        peak_mb = usage.ru_maxrss / 1024

        copy_after = raw_copy(url, data)
    finally:
        if not args.keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    rate = lines / seconds
    copy_rate = calls / ((copy_before + copy_after) / 2)
    print(output.strip())
    print(
        f"partnerhub load: {lines:,} lines in {seconds:.1f} s = {rate:,.0f} lines/s "
        f"(whole process: start-up, load, commit); peak RSS {peak_mb:,.0f} MB"
    )
    print(
        f"raw COPY of the {calls:,} call rows into an unkeyed table: "
        f"{calls / copy_before:,.0f} rows/s before the load, {calls / copy_after:,.0f} after "
        "(medians of 3)"
    )
    print(
        f"ratio load lines/s / raw COPY rows/s (mean of before and after): {rate / copy_rate:.3f}"
    )
    results.write(
        "load",
        scale={
            "customers": args.customers,
            "seed": args.seed,
            "lines": lines,
            "calls": calls,
            "megabytes": round(size / 1e6, 1),
            "dataset": source,
        },
        figures={
            "seconds": round(seconds, 2),
            "lines_per_s": round(rate),
            "peak_rss_mb": round(peak_mb),
            "output": output.strip(),
        },
        floor={
            "what": "COPY of the call rows (CSV) into an unkeyed table, median of 3, "
            "before and after the load",
            "rows_per_s_before": round(calls / copy_before),
            "rows_per_s_after": round(calls / copy_after),
            "rows_per_s": round(copy_rate),
        },
        summary=[
            results.row(
                "partnerhub load", round(rate), "lines/s", round(copy_rate), "raw COPY", "rows/s"
            ),
            results.row("partnerhub load: peak RSS", round(peak_mb), "MB"),
        ],
    )


if __name__ == "__main__":
    main()
