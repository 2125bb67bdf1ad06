"""Run every benchmark at a small, quick scale and print one table: figure, same-run floor, ratio.

    .venv/bin/python bench/run_all.py [--with-load-test] [--only NAME …] [--scale 1.0]
    make bench

Each benchmark runs as its own process on PostgreSQL and writes its results to
bench/results/<name>-<UTC timestamp>.json (bench/results.py: commit, scale, figures and the floor
it measured in the same run); this script collects the files of this run and prints their summary
rows. Compare a figure with its floor, not with a remembered number: absolute times drift on a
shared machine, ratios much less. The sizes here are for a quick check (a few minutes on 2 cores);
the README's figures come from the benchmarks' own defaults, at partner scale.

PostgreSQL: `DATABASE_URL` names the server and a base name (default
postgres://postgres@127.0.0.1:5432/ph_bench_small). The benchmarks truncate and rebuild what they
use, so each gets a database of its own, `<base>_<benchmark>` (created when missing, reused by the
next run); the base database itself is never touched. `bench_load.py` creates and drops a
temporary database on the same server.

The load test (wrk against `partnerhub serve`) runs only with `--with-load-test`, briefly.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from results import RESULTS

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ph_bench_small"
AS_OF = "2026-11-26"
TIMEOUT_S = 20 * 60  # per benchmark: a hung one must not hold `make bench` forever


@dataclass(frozen=True)
class Bench:
    """One benchmark script and the small-scale arguments it runs with here."""

    name: str  # as in its results file
    script: str
    args: tuple[str, ...]
    database: str | None  # suffix of its own database; None: it makes its own (bench_load)


def benches(scale: float, load_test_s: int) -> list[Bench]:
    """The benchmarks at `scale` × the quick sizes (1.0: a few minutes in all on 2 cores)."""

    def n(x: int) -> str:
        return str(max(1, round(x * scale)))

    subscriptions = n(2000)
    return [
        Bench("load", "bench_load.py", ("--customers", n(400)), None),
        Bench(
            "customer_list",
            "bench_customer_list.py",
            ("--customers", n(2000), "--runs", "10"),
            "customer_list",
        ),
        Bench(
            "subscriptions_analytics",
            "bench_subscriptions_analytics.py",
            ("--customers", subscriptions, "--runs", "5"),
            # It rebuilds only when its data is missing: the size in the name keeps a database
            # of another size from being measured.
            f"subscriptions_{subscriptions}",
        ),
        Bench(
            "calling_refresh",
            "bench_calling_refresh.py",
            # a tenth of the default calls, customers and users: the same calls per user
            ("--calls", n(500_000), "--customers", n(200), "--users", n(17_000), "--runs", "3"),
            "calling",
        ),
        Bench(
            "alerts_evaluate",
            "alerts_evaluate.py",
            ("--customers", n(2000), "--runs", "3"),
            f"alerts_{n(2000)}",
        ),
        Bench("webhooks_drain", "webhooks_drain.py", ("--events", n(2000)), "webhooks"),
        Bench(
            "load_test",
            "load_test.py",
            ("--customers", n(400), "--duration", str(load_test_s), "--connections", "20"),
            "load_test",
        ),
    ]


def database_url(base: str, suffix: str) -> str:
    """`base` with its database name suffixed: the benchmark's own database on that server."""
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "ph_bench_small"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def server_url(base: str) -> str:
    """`base` without its database name (bench_load.py's BENCH_PG)."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="", query="", fragment=""))


def ensure_database(url: str) -> None:
    """Create the database of `url` when it does not exist (the benchmarks migrate it)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run(bench: Bench, base: str, run_id: str) -> tuple[int, float]:
    """Run one benchmark with its output on this terminal; answers its exit status and seconds."""
    env = {
        **os.environ,
        "BENCH_RUN": run_id,
        "BENCH_PG": server_url(base),
        "PARTNERHUB_TODAY": AS_OF,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if bench.database:
        env["DATABASE_URL"] = database_url(base, bench.database)
        ensure_database(env["DATABASE_URL"])
    command = [sys.executable, str(BENCH / bench.script), *bench.args]
    print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    try:
        status = subprocess.run(command, env=env, cwd=REPO, timeout=TIMEOUT_S, check=False)
        code = status.returncode
    except subprocess.TimeoutExpired:
        print(f"=== {bench.name}: stopped after {TIMEOUT_S} s", flush=True)
        code = -1
    return code, time.perf_counter() - started


def collected(run_id: str) -> list[dict[str, Any]]:
    """The results files this run wrote, oldest first."""
    found = []
    for path in sorted(RESULTS.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if document.get("run") == run_id:
            document["_file"] = path.relative_to(REPO).as_posix()
            found.append(document)
    return sorted(found, key=lambda d: d["measured_at"])


def number(value: float | None, unit: str) -> str:
    """A figure as a person reads it: thousands separated, a sensible number of decimals."""
    if value is None:
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}"


def table(documents: list[dict[str, Any]], seconds: dict[str, float]) -> str:
    """One plain-text table of every summary row."""
    header = ("benchmark", "figure", "measured", "floor (same run)", "ratio", "wall")
    lines: list[tuple[str, ...]] = []
    for document in documents:
        name = document["benchmark"]
        for i, r in enumerate(document["summary"]):
            floor = number(r["floor"], r["floor_unit"])
            if r["floor"] is not None and r["floor_label"]:
                floor = f"{floor} ({r['floor_label']})"
            ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
            wall = f"{seconds.get(name, 0):.0f} s" if i == 0 else ""
            measured = number(r["value"], r["unit"])
            lines.append((name if i == 0 else "", r["label"], measured, floor, ratio, wall))
    widths = [max(len(row[k]) for row in (header, *lines)) for k in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)

    def fmt(row: tuple[str, ...]) -> str:
        return " | ".join(
            cell.rjust(w) if k >= 2 else cell.ljust(w)
            for k, (cell, w) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([fmt(header), rule, *(fmt(row) for row in lines)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--with-load-test", action="store_true", help="also run the wrk load test (briefly)"
    )
    parser.add_argument("--load-test-seconds", type=int, default=20)
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only these (repeatable)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the quick sizes (default 1.0)"
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit(f"The benchmarks run on PostgreSQL; DATABASE_URL is {base!r}.")
    chosen = [
        b
        for b in benches(args.scale, args.load_test_seconds)
        if (b.name in args.only if args.only else b.name != "load_test" or args.with_load_test)
    ]
    unknown = set(args.only) - {b.name for b in benches(1, 1)}
    if unknown:
        sys.exit(f"Unknown benchmark(s): {', '.join(sorted(unknown))}")

    run_id = uuid.uuid4().hex
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    failed: list[str] = []
    for bench in chosen:
        code, seconds[bench.name] = run(bench, base, run_id)
        if code != 0:
            failed.append(f"{bench.name} (exit status {code})")
    wall = time.perf_counter() - started

    documents = collected(run_id)
    missing = {b.name for b in chosen} - {d["benchmark"] for d in documents}
    print(f"\n=== summary (run {run_id[:8]}, {len(documents)} results files) ===")
    if documents:
        print(table(documents, seconds))
        commit = documents[0]
        dirty = " (with uncommitted changes)" if commit.get("dirty") else ""
        print(f"\ncommit {commit.get('commit')}{dirty}; ratio = measured / floor")
        for document in documents:
            print(f"  {document['_file']}")
    print(f"wall time: {wall:.0f} s ({wall / 60:.1f} min)")
    for name in sorted(missing - {f.split(" ")[0] for f in failed}):
        failed.append(f"{name} (no results file)")
    if failed:
        sys.exit("failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
