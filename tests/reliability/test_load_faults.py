"""`kill -9` of a `partnerhub load` half-way leaves the database as it was (issue 8, item 4).

Each test makes a database of its own, a SQLite file or a fresh PostgreSQL database, loads a small
dataset into it and notes the rows of every table and its indexes and constraints. Then it starts
`partnerhub load` on a large file and kills it twice in the middle of writing: once held by the
loader's test hook right after it merged its first chunk into the real tables (PostgreSQL has by
then dropped indexes of the tables the load dwarfs), and once at a moment of the writing itself.
After each kill the database is exactly as noted; a full load afterwards succeeds.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from partnerhub.demo.generator import generate

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
AS_OF = dt.date(2026, 11, 26)
CLI = str(Path(sys.executable).parent / "partnerhub")
# Read by settings.TEST_LOAD_PAUSE_AT under PARTNERHUB_TESTING: where the load waits to be killed.
PAUSE_ENV = "PARTNERHUB_TEST_PAUSE_AT"
# kinds with ids -> the table holding them (subscriptions and trials share one)
ID_TABLES = {
    "customer": "customers_customer",
    "user": "customers_customeruser",
    "subscription": "subscriptions_item",
    "trial": "subscriptions_item",
    "invoice": "subscriptions_invoice",
    "meeting": "activity_meeting",
    "call": "activity_call",
}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small dataset to load first, and a large one (279,000 lines, 58 MB) to kill half-way."""
    folder = tmp_path_factory.mktemp("datasets")
    small, large = folder / "small.jsonl", folder / "large.jsonl"
    generate(small, customers=20, seed=7, as_of=AS_OF)
    generate(large, customers=300, seed=1, as_of=AS_OF)
    return {"small": small, "large": large}


def distinct_ids(paths: list[Path]) -> dict[str, int]:
    """Records per table with an id once every file is loaded (later lines replace earlier)."""
    ids: dict[str, set[str]] = {table: set() for table in ID_TABLES.values()}
    for path in paths:
        with path.open("rb") as fh:
            for raw in fh:
                line = orjson.loads(raw)
                table = ID_TABLES.get(line["kind"])
                if table is not None:
                    ids[table].add(line["id"])
    return {table: len(found) for table, found in ids.items()}


class Database:
    """A database of the test's own, seen from outside the loader (no Django involved)."""

    def __init__(self, url: str, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.url = url
        self.snapshot = snapshot

    def env(self, tmp_path: Path, **extra: str) -> dict[str, str]:
        env = {
            **{k: v for k, v in os.environ.items() if k != PAUSE_ENV},
            "DATABASE_URL": self.url,
            "PARTNERHUB_DATA_DIR": str(tmp_path),
            "PARTNERHUB_TESTING": "1",
            "PARTNERHUB_TODAY": AS_OF.isoformat(),
            "SECRET_KEY": "load-faults-test",
            **extra,
        }
        return env


# --- SQLite -----------------------------------------------------------------------------------


def sqlite_snapshot(path: Path) -> dict[str, Any]:
    """Rows of every table and the whole schema of a SQLite file."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for kind, name, _t, _s in schema if kind == "table"]
        rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()
    return {"rows": rows, "schema": schema}


def sqlite_write_lock_held(path: Path) -> bool:
    """Whether a transaction elsewhere holds the write lock (the loader's BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        conn.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_admin(sql: str) -> None:
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def pg_query(name: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(**PG, dbname=name, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def pg_snapshot(name: str) -> dict[str, Any]:
    """Rows of every table and every index and constraint definition of a database."""
    with psycopg.connect(**PG, dbname=name, autocommit=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "ORDER BY 1, 2"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        ).fetchall()
    return {"rows": rows, "indexes": indexes, "constraints": constraints}


def pg_loader_sessions(name: str) -> list[tuple[Any, ...]]:
    """(pid, state, query) of the other sessions on the database: the loader's."""
    return pg_query(
        name,
        "SELECT pid, state, query FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
        [name],
    )


def pg_locked_tables(name: str) -> set[tuple[str, str]]:
    """(table, lock mode) granted to the other sessions on the database."""
    rows = pg_query(
        name,
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE a.datname = %s AND a.pid <> pg_backend_pid() AND l.granted",
        [name],
    )
    return {(table, mode) for table, mode in rows}


def wait_until(condition: Callable[[], Any], seconds: float, what: str, step: float = 0.02) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"gave up after {seconds:.0f} s waiting until {what}")


# --- the loader in a process of its own -------------------------------------------------------


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done


class Load:
    """`partnerhub load FILE` running in the background; its standard error is read as it comes."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [CLI, "load", str(path), "--no-progress"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, f"the load ended early: {''.join(seen)[-2000:]}"
                continue
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} within {seconds} s: {''.join(seen)[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, as `kill -9` does; the load must not have finished on its own."""
        assert self.proc.poll() is None, "the load ended before it could be killed"
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def loads() -> Iterator[list[Load]]:
    """Loads started by a test; any still running at its end is killed."""
    started: list[Load] = []
    yield started
    for load in started:
        load.stop()


# --- the journey, for either database ---------------------------------------------------------


def kill_twice_then_load(
    db: Database,
    tmp_path: Path,
    datasets: dict[str, Path],
    loads: list[Load],
    *,
    mid_write: Callable[[], None],
    after_kill: Callable[[], None],
    writing_now: Callable[[], Any],
) -> None:
    # Given a database holding a small dataset
    run(["migrate", "-v0"], db.env(tmp_path))
    run(["load", str(datasets["small"]), "--no-progress"], db.env(tmp_path))
    before = db.snapshot()
    assert before["rows"]["activity_call"] > 0

    # When a load of a large file is killed right after its first chunk reached the real tables
    load = Load(datasets["large"], db.env(tmp_path, **{PAUSE_ENV: "chunk-merged"}))
    loads.append(load)
    load.wait_for(f"{PAUSE_ENV}: paused at chunk-merged", seconds=60)
    mid_write()
    load.kill()
    after_kill()

    # Then the database is as it was before the load
    assert db.snapshot() == before

    # When another load is killed while it is writing (no hook this time)
    load = Load(datasets["large"], db.env(tmp_path))
    loads.append(load)
    wait_until(writing_now, 60, "the load writes to the real tables", step=0.01)
    load.kill()
    after_kill()

    # Then, again, nothing of it is left
    assert db.snapshot() == before

    # And a full load afterwards succeeds, ending with every record of both files
    done = run(["load", str(datasets["large"]), "--no-progress"], db.env(tmp_path))
    assert done.stdout.startswith("Loaded 278,919 lines")
    after = db.snapshot()
    expected = distinct_ids([datasets["small"], datasets["large"]])
    assert {table: after["rows"][table] for table in expected} == expected
    assert {k: v for k, v in after.items() if k != "rows"} == {
        k: v for k, v in before.items() if k != "rows"
    }


def test_a_killed_load_leaves_a_sqlite_database_as_it_was(tmp_path, datasets, loads):
    path = tmp_path / "faults.sqlite3"
    db = Database(f"sqlite:///{path}", lambda: sqlite_snapshot(path))
    opened_at: list[float] = []

    def writing_now() -> bool:
        # the loader's transaction is open (it holds the write lock) and has run for 2 s: the
        # large file is then being staged and merged, well before its end
        if not sqlite_write_lock_held(path):
            opened_at.clear()
            return False
        opened_at[:1] = opened_at[:1] or [time.monotonic()]
        return time.monotonic() - opened_at[0] > 2.0

    kill_twice_then_load(
        db,
        tmp_path,
        datasets,
        loads,
        mid_write=lambda: assert_sqlite_write_open(path),
        after_kill=lambda: None,
        writing_now=writing_now,
    )


def assert_sqlite_write_open(path: Path) -> None:
    assert sqlite_write_lock_held(path), "the paused load holds no open write transaction"


def test_a_killed_load_leaves_a_postgresql_database_as_it_was(tmp_path, datasets, loads):
    name = f"partnerhub_killtest_{uuid.uuid4().hex[:10]}"
    pg_admin(f"CREATE DATABASE {name}")
    db = Database(
        f"postgres://postgres@{PG['host']}:{PG['port']}/{name}", lambda: pg_snapshot(name)
    )

    def mid_write() -> None:
        # the load's transaction is open, holding the call table it wrote to, whose indexes it
        # dropped to rebuild them at the end (a load that dwarfs a table)
        [(_pid, state, _query)] = pg_loader_sessions(name)
        assert state == "idle in transaction"
        locks = pg_locked_tables(name)
        assert ("activity_call", "RowExclusiveLock") in locks
        assert ("activity_call", "AccessExclusiveLock") in locks

    def writing_now() -> bool:
        return any(
            state == "active" and query.lstrip().startswith("INSERT INTO activity_")
            for _pid, state, query in pg_loader_sessions(name)
        )

    def after_kill() -> None:
        # the server ends the session of the killed client and rolls its transaction back
        wait_until(lambda: not pg_loader_sessions(name), 30, "the killed load's session ends")

    try:
        kill_twice_then_load(
            db,
            tmp_path,
            datasets,
            loads,
            mid_write=mid_write,
            after_kill=after_kill,
            writing_now=writing_now,
        )
    finally:
        for load in loads:
            load.stop()
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
