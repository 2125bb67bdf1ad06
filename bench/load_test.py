"""Load test: 50 concurrent users for 2 minutes against gunicorn on PostgreSQL (loopback only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partnerhub_bench \
        .venv/bin/python bench/load_test.py [--customers 20000] [--duration 120] [--connections 50]

Loads the demo dataset at the given size into that database when it is empty, starts
`partnerhub serve` (gunicorn, 2 workers) on a free port, signs in a partner full administrator,
and drives the customer list, customer details and both analytics pages with wrk (Debian's `wrk`
package), which cycles through the URLs. Reports requests/s, p50/p95/p99 and errors (non-2xx/3xx
responses and socket errors), which must be 0, and then, as the floor measured in the same run,
the same wrk against the sign-in page signed out (a quarter of the duration, at least 5 s).
Results go to bench/results/ (bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import results

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Cookie"] = os.getenv("WRK_COOKIE")})
end

done = function(summary, latency, requests)
  local out = string.format(
    '{"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, '
    .. '"p99_ms": %.1f, "max_ms": %.1f, "socket_errors": %d, "non_2xx_3xx": %d}',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status)
  io.write("WRK_JSON " .. out .. "\n")
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(
    base: str, paths: list[str], cookie: str | None, connections: int, duration: int
) -> dict[str, Any]:
    """Drive `paths` in turn for `duration` seconds with wrk; answers its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paths.txt").write_text("\n".join(paths) + "\n")
        (Path(tmp) / "script.lua").write_text(LUA)
        env = {**os.environ, "WRK_PATHS": str(Path(tmp) / "paths.txt")}
        if cookie is not None:
            env["WRK_COOKIE"] = cookie
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{duration}s",
                "--timeout",
                "10s",
                "-s",
                str(Path(tmp) / "script.lua"),
                base,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK_JSON "))
    figures: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    return figures


def run(cmd: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, check=True, text=True, **kw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    env = {**os.environ}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partnerhub_bench")
    env.setdefault("PARTNERHUB_TODAY", "2026-11-26")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    cli = str(BIN / "partnerhub")
    run([cli, "migrate", "-v0"], env)
    has_data = (
        run(
            [
                cli,
                "shell",
                "-c",
                "from partnerhub.customers.models import Customer; print(Customer.objects.count())",
            ],
            env,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    if int(has_data) < args.customers * 0.9:
        data = Path(tempfile.gettempdir()) / f"bench-{args.customers}.jsonl.gz"
        if not data.exists():
            t = time.monotonic()
            run([cli, "generate", "--customers", str(args.customers), "-o", str(data)], env)
            print(f"generated {data} in {time.monotonic() - t:.0f} s")
        t = time.monotonic()
        run([cli, "load", str(data)], env)
        print(f"loaded in {time.monotonic() - t:.0f} s")
        run([cli, "refresh_analytics"], env)
    email = (
        run(
            [
                cli,
                "shell",
                "-c",
                "from partnerhub.accounts.models import User; "
                "print(User.objects.filter(role='partner_full_admin', partner__ext_id='P1')"
                ".order_by('email')[0].email)",
            ],
            env,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    run([cli, "set_password", email], env, input="bench-password-42\n", capture_output=True)
    customer_ids = (
        run(
            [
                cli,
                "shell",
                "-c",
                "from partnerhub.customers.models import Customer; "
                "print(' '.join(Customer.objects.filter(partner__ext_id='P1').order_by('?')"
                ".values_list('ext_id', flat=True)[:50]))",
            ],
            env,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )

    port = free_port()
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port), "--workers", str(args.workers), "--no-scheduler"],
        env={**env, "LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/accounts/login/").read().decode()
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if found is None:
            sys.exit("the sign-in page has no CSRF token")
        csrf = found.group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "username": email, "password": "bench-password-42"}
        ).encode()
        opener.open(
            urllib.request.Request(base + "/accounts/login/", data=body, headers={"Referer": base})
        )
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        paths = [
            "/customers/",
            "/customers/?q=status:expiring_soon",
            "/customers/?sort=-created&page=3",
            "/analytics/subscriptions/",
            "/analytics/subscriptions/?product=calling",
            "/analytics/calling/",
        ]
        paths += [f"/customers/{cid}/" for cid in customer_ids]
        # Every URL answers 200 before the load starts (this also warms the analytics snapshot).
        for path in paths:
            try:
                status = opener.open(base + path).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status != 200:
                sys.exit(f"{path} answered {status} before the load test")
        figures = wrk(base, paths, cookie, args.connections, args.duration)
        figures.update(customers=args.customers, connections=args.connections, workers=args.workers)
        print(json.dumps(figures, indent=2))
        # The floor on the same server in the same run: the sign-in page, signed out (no
        # database work), at the same concurrency.
        floor_s = max(5, args.duration // 4)
        floor = wrk(base, ["/accounts/login/"], None, args.connections, floor_s)
        print(f"floor (sign-in page, {floor_s} s): {json.dumps(floor)}")
        results.write(
            "load_test",
            scale={
                "customers": args.customers,
                "duration_s": args.duration,
                "connections": args.connections,
                "workers": args.workers,
                "urls": len(paths),
            },
            figures=figures,
            floor={"what": "wrk on the sign-in page, signed out, same server", **floor},
            summary=[
                results.row(
                    "load test: pages, requests/s",
                    figures["rps"],
                    "req/s",
                    floor["rps"],
                    "sign-in page",
                ),
                results.row(
                    "load test: pages, p99",
                    figures["p99_ms"],
                    "ms",
                    floor["p99_ms"],
                    "sign-in page",
                ),
            ],
        )
        if figures["socket_errors"] or figures["non_2xx_3xx"]:
            sys.exit("errors under load")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
