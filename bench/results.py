"""Where every benchmark writes its figures: bench/results/<name>-<UTC timestamp>.json.

One file per benchmark run, with the commit it measured (and whether the tree had changes), the
scale, every figure, and the floor measured in the same run, so a README figure can be traced to
a file and compared with its own floor rather than with a remembered number. `summary` holds the
rows `bench/run_all.py` prints: a figure, the same-run floor it is compared with, and their ratio.

`BENCH_RUN` (set by run_all.py) tags the files of one `make bench`, so it collects exactly those.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def _git(*args: str) -> str:
    # --no-optional-locks: `status` must not take the index lock while others work in the tree.
    done = subprocess.run(
        ["git", "--no-optional-locks", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def commit() -> dict[str, Any]:
    """The commit measured, and whether the working tree differed from it."""
    head = _git("rev-parse", "HEAD") or None
    return {"commit": head, "dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}


def row(
    label: str,
    value: float,
    unit: str,
    floor: float | None = None,
    floor_label: str = "",
    floor_unit: str | None = None,
) -> dict[str, Any]:
    """One summary row: a figure and, when the run measured one, its floor and their ratio."""
    ratio = value / floor if floor else None
    return {
        "label": label,
        "value": value,
        "unit": unit,
        "floor": floor,
        "floor_label": floor_label,
        "floor_unit": floor_unit or unit,
        "ratio": round(ratio, 3) if ratio is not None else None,
    }


def write(
    name: str,
    *,
    scale: dict[str, Any],
    figures: dict[str, Any],
    floor: dict[str, Any],
    summary: list[dict[str, Any]],
) -> Path:
    """Write one benchmark's results; answers the file's path (also printed)."""
    now = dt.datetime.now(dt.UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{now:%Y%m%dT%H%M%SZ}.json"
    document = {
        "benchmark": name,
        "run": os.environ.get("BENCH_RUN"),
        "measured_at": now.isoformat(timespec="seconds"),
        **commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
        },
        "scale": scale,
        "figures": figures,
        "floor": floor,
        "summary": summary,
    }
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")
    print(f"results: {path.relative_to(REPO)}")
    return path
