"""The calling refresh: idempotent, atomic (even under kill -9), scheduled and commanded."""

from __future__ import annotations

import datetime as dt
import io
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from partnerhub.activity.models import Call, UserCallWeek
from partnerhub.calling import services
from partnerhub.calling.models import CustomerWeek, Refresh, RefreshStatus
from partnerhub.calling.services import WEEK, refresh_analytics
from partnerhub.calling.tasks import refresh_analytics_task
from partnerhub.core import scheduler
from tests.calling_factories import (
    W0,
    W1,
    D,
    calling_customer,
    figures,
    licensed_user,
    make_calls,
    row,
)

UTC = dt.UTC
# Read by settings.TEST_REFRESH_PAUSE_AT under PARTNERHUB_TESTING: where the refresh waits.
PAUSE_ENV = "PARTNERHUB_REFRESH_PAUSE"
ROLLUPS = {"calling_customerweek": CustomerWeek}


def _dataset(partner: Any, other_partner: Any) -> dict[str, Any]:
    alpha = calling_customer(partner, "Alpha", queues=1)
    make_calls(alpha, 3, user=licensed_user(alpha), mos=2.0)
    make_calls(alpha, 4, start=dt.datetime(2026, 11, 9, 9, tzinfo=UTC), endpoint="room_device")
    make_calls(
        alpha,
        2,
        queue=alpha.call_queues.first(),
        queue_outcome="answered",
        queue_wait_s=12,
        features=["call_queue"],
    )
    theirs = calling_customer(other_partner, "Theirs")
    make_calls(theirs, 5, endpoint="webex_app_web")
    return {"alpha": alpha, "theirs": theirs}


def snapshot(refresh_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row of a refresh, without ids."""
    out = {}
    for table, model in ROLLUPS.items():
        rows = model.objects.filter(refresh_id=refresh_id).order_by("week", "customer_id", "pk")
        out[table] = [
            tuple(v for k, v in r.items() if k not in ("id", "refresh_id")) for r in rows.values()
        ]
    return out


@pytest.mark.django_db
def test_a_refresh_computes_every_partner_at_once(partner, other_partner):
    data = _dataset(partner, other_partner)
    refresh = refresh_analytics(as_of=D)
    customers = set(
        CustomerWeek.objects.filter(refresh=refresh, week=W0).values_list("customer_id", flat=True)
    )
    assert customers == {data["alpha"].pk, data["theirs"].pk}
    assert refresh.is_current and refresh.status == RefreshStatus.DONE
    assert (refresh.as_of, refresh.week_start) == (D, W0)
    assert CustomerWeek.objects.filter(refresh=refresh).count() == 16  # 2 customers × 8 weeks
    assert list(refresh.timings) == [
        "scope",
        "calls pass",
        "users by volume",
        "endpoint types",
        "rollups written",
        "old refreshes deleted",
    ]


@pytest.mark.django_db
def test_refreshing_twice_stores_identical_rollups_and_keeps_one_current(partner, other_partner):
    # given a first refresh
    _dataset(partner, other_partner)
    first = refresh_analytics(as_of=D)
    before = snapshot(first.pk)
    # when refreshing again (also from a later day of the same week)
    second = refresh_analytics(as_of=D + dt.timedelta(days=1))
    # then the rollups are the same, under the new refresh only
    assert snapshot(second.pk) == before
    assert before["calling_customerweek"]
    assert list(Refresh.objects.values_list("pk", "is_current")) == [(second.pk, True)]
    assert not CustomerWeek.objects.filter(refresh_id=first.pk).exists()


@pytest.mark.django_db
def test_refreshes_of_different_weeks_live_side_by_side(partner, other_partner, full_admin):
    _dataset(partner, other_partner)
    this_week = refresh_analytics(as_of=D)
    next_week = refresh_analytics(as_of=dt.date(2026, 11, 29))
    assert next_week.week_start == dt.date(2026, 11, 22)
    current = Refresh.objects.filter(is_current=True).order_by("week_start")
    assert list(current) == [this_week, next_week]
    assert figures(full_admin)["week"]["start"] == W0
    assert figures(full_admin, as_of=dt.date(2026, 11, 29))["week"]["start"] == W0 + dt.timedelta(7)


@pytest.mark.django_db
def test_a_failing_refresh_leaves_the_previous_rollups_current(partner, other_partner, monkeypatch):
    # given a good refresh
    _dataset(partner, other_partner)
    good = refresh_analytics(as_of=D)
    before = snapshot(good.pk)
    real_build = services._build

    def build_then_fail(refresh: Refresh, weeks: list[dt.date], steps: Any) -> None:
        real_build(refresh, weeks, steps)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_build", build_then_fail)
    # when the next one fails after writing its rollups
    with pytest.raises(RuntimeError, match="disk full"):
        refresh_analytics(as_of=D)
    # then the good one is still current and untouched, and the failure is on record
    assert Refresh.objects.get(is_current=True) == good
    assert snapshot(good.pk) == before
    assert set(CustomerWeek.objects.values_list("refresh_id", flat=True)) == {good.pk}
    failed = Refresh.objects.get(status=RefreshStatus.FAILED)
    assert "disk full" in failed.error and not failed.is_current


# --- kill -9 -------------------------------------------------------------------------------


def _database_for_subprocess(tmp_path: Any) -> str:
    """A DATABASE_URL a child process can open with the test's committed data."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: hand the child a file copy of it.
        path = tmp_path / "refresh.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def _read_state(db_url: str) -> dict[str, Any]:
    """The current refresh and every rollup row, as the database holds them now."""
    if db_url.startswith("sqlite"):
        db = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        state: dict[str, Any] = {
            "refreshes": db.execute(
                "SELECT id, is_current, status FROM calling_refresh ORDER BY id"
            ).fetchall(),
        }
        for table in ROLLUPS:
            state[table] = sorted(
                tuple(r[1:]) for r in db.execute(f"SELECT * FROM {table}").fetchall()
            )
        db.close()
        return state
    state = {
        "refreshes": list(Refresh.objects.order_by("id").values_list("id", "is_current", "status"))
    }
    for table in ROLLUPS:
        with connection.cursor() as cur:
            cur.execute(f"SELECT * FROM {table}")
            state[table] = sorted(tuple(r[1:]) for r in cur.fetchall())
    return state


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 120) -> list[str]:
    """Read the child's output until a line contains `text` (a thread reads the pipe, so no
    line waits unseen in a buffer)."""
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None and lines.empty():
                break
            continue
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"the refresh never reached {text!r}: {seen}")


@pytest.mark.parametrize("step", ["rollups written", "old refreshes deleted"])
@pytest.mark.django_db(transaction=True)
def test_a_refresh_killed_half_way_leaves_the_previous_rollups(
    partner, other_partner, full_admin, tmp_path, step
):
    # given a first refresh, then more calls
    data = _dataset(partner, other_partner)
    first = refresh_analytics(as_of=D)
    make_calls(data["alpha"], 6, endpoint="third_party")
    db_url = _database_for_subprocess(tmp_path)
    before = _read_state(db_url)
    # when a second refresh in another process is killed with SIGKILL half-way
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PARTNERHUB_TESTING": "1",  # the pause is read only under test settings
        PAUSE_ENV: step,
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "partnerhub.cli",
            "refresh_analytics",
            "--as-of",
            str(D),
            "--skip-checks",  # what is under test is the refresh, not the project's checks
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = _wait_for(proc, f"refresh step done: {step}")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    # then the previous refresh is current with the very same rollups, and nothing else exists
    assert proc.returncode == -9
    assert "refresh step done: scope" in "".join(seen)
    after = _wait_until_released(db_url, before)
    assert after == before
    assert after["refreshes"] == [(first.pk, True, "done")]
    assert row(figures(full_admin)["customers_usage"], data["alpha"])["calls"] == 5
    # and a refresh that completes picks the new calls up
    refresh_analytics(as_of=D)
    assert row(figures(full_admin)["customers_usage"], data["alpha"])["calls"] == 11


def _wait_until_released(db_url: str, expected: dict[str, Any]) -> dict[str, Any]:
    """The state once the killed child's connection is gone (PostgreSQL notices within moments)."""
    deadline = time.monotonic() + 10
    state = _read_state(db_url)
    while state != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        state = _read_state(db_url)
    return state


# --- the schedule, the task and the command ------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Saturday's last second: the run is at the coming midnight
        (dt.datetime(2026, 11, 21, 23, 59, 59, tzinfo=UTC), dt.datetime(2026, 11, 22, tzinfo=UTC)),
        # exactly Sunday 00:00:00: that run is due now, so the next one is a week later
        (dt.datetime(2026, 11, 22, tzinfo=UTC), dt.datetime(2026, 11, 29, tzinfo=UTC)),
        (
            dt.datetime(2026, 11, 22, 0, 0, 0, 1, tzinfo=UTC),
            dt.datetime(2026, 11, 29, tzinfo=UTC),
        ),
        # a Thursday
        (dt.datetime(2026, 11, 26, 12, tzinfo=UTC), dt.datetime(2026, 11, 29, tzinfo=UTC)),
    ],
)
def test_the_refresh_is_scheduled_sundays_at_midnight_utc(after, expected):
    job = next(j for j in scheduler.SCHEDULE if j.task is refresh_analytics_task)
    assert scheduler.next_run(after, job.weekday, job.hour) == expected


@pytest.mark.django_db
def test_the_scheduled_task_refreshes_the_last_completed_week(partner, other_partner, settings):
    _dataset(partner, other_partner)
    settings.PARTNERHUB_TODAY = "2026-11-22"  # the Sunday the scheduler fires
    result = refresh_analytics_task.enqueue()
    assert result.status == "SUCCESSFUL", result.errors
    assert result.return_value["week_start"] == "2026-11-15"
    assert Refresh.objects.get(is_current=True).as_of == dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_the_task_takes_an_as_of_date(partner, other_partner):
    _dataset(partner, other_partner)
    result = refresh_analytics_task.enqueue(as_of="2026-11-10")
    assert result.status == "SUCCESSFUL", result.errors
    assert Refresh.objects.get(is_current=True).week_start == dt.date(2026, 11, 1)


@pytest.mark.django_db
def test_the_command_prints_what_it_refreshed_and_how_long_it_took(partner, other_partner):
    _dataset(partner, other_partner)
    out = io.StringIO()
    call_command("refresh_analytics", "--as-of", "2026-11-26", stdout=out)
    text = out.getvalue()
    assert "as of 2026-11-26" in text
    assert "2026-09-27 … 2026-11-21" in text
    assert "last completed week 2026-11-15 … 2026-11-21" in text
    assert "16 customer-weeks" in text and " s." in text
    assert "Steps: scope " in text and "calls pass " in text
    assert Refresh.objects.get(is_current=True).week_start == W0


@pytest.mark.django_db
def test_the_command_defaults_to_today_and_names_a_bad_date(partner, other_partner):
    _dataset(partner, other_partner)
    call_command("refresh_analytics", stdout=io.StringIO())
    assert Refresh.objects.get(is_current=True).as_of == D
    with pytest.raises(CommandError, match="--as-of"):
        call_command("refresh_analytics", "--as-of", "26/11/2026", stdout=io.StringIO())


@pytest.mark.django_db
def test_w1_figures_survive_a_refresh_of_the_same_week(partner, other_partner, full_admin):
    data = _dataset(partner, other_partner)
    refresh_analytics(as_of=D)
    refresh_analytics(as_of=D)
    assert row(figures(full_admin, week=W1)["customers_usage"], data["alpha"])["calls"] == 4


def _user_call_weeks() -> set[tuple[Any, ...]]:
    return set(UserCallWeek.objects.values_list("week", "customer_id", "user_id", "calls"))


def _calls_per_user_week() -> set[tuple[Any, ...]]:
    return {
        (week, customer, user, n)
        for (week, customer, user), n in Counter(
            Call.objects.filter(call_type="webex_calling").values_list(
                "week", "customer_id", "user_id"
            )
        ).items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("share", [1.0, -1.0], ids=["split", "joined"])
def test_the_refresh_rebuilds_user_weeks_that_differ_from_the_calls(
    partner, other_partner, caplog, monkeypatch, share
):
    # given calls written through the ORM (not the loader): the user-week rollup is empty,
    # counted either way of users by volume (services._users_by_volume)
    monkeypatch.setattr(services, "PARTLY_LICENSED_SHARE", share)
    _dataset(partner, other_partner)
    assert not UserCallWeek.objects.exists()
    # when refreshing, the customer-weeks whose rollup differs from their calls are rebuilt
    first = snapshot(refresh_analytics(as_of=D).pk)
    assert "rebuilt the user-week rollup" in caplog.text
    assert _user_call_weeks() == {r for r in _calls_per_user_week() if r[0] >= W0 - 7 * WEEK}
    # and a second refresh finds nothing to rebuild and stores the same figures
    caplog.clear()
    second = refresh_analytics(as_of=D)
    assert "rebuilt the user-week rollup" not in caplog.text
    assert snapshot(second.pk) == first
    # when one row is changed behind the loader's back, and a stray row added
    changed = UserCallWeek.objects.filter(week=W0).first()
    changed.calls += 3
    changed.save()
    stray = UserCallWeek.objects.filter(week=W0).first()
    UserCallWeek.objects.create(week=W1, customer=stray.customer, user=stray.user, calls=2)
    # then the next refresh puts both right and its figures are those of the first
    third = refresh_analytics(as_of=D)
    assert "rebuilt the user-week rollup of" in caplog.text
    assert snapshot(third.pk) == first
    assert _user_call_weeks() == {r for r in _calls_per_user_week() if r[0] >= W0 - 7 * WEEK}


@pytest.mark.django_db
def test_both_ways_of_counting_users_by_volume_store_the_same_figures(
    partner, other_partner, monkeypatch
):
    # given licensed, partly licensed and unlicensed callers of two partners
    _dataset(partner, other_partner)
    bravo = calling_customer(partner, "Bravo")
    for n in (1, 5, 6, 20, 21):
        make_calls(bravo, n, user=licensed_user(bravo))
    make_calls(bravo, 7, user=licensed_user(bravo, to_date=W0 - WEEK))
    make_calls(bravo, 2)
    # when refreshing once each way
    stored = {}
    for way, share in {"split": 1.0, "joined": -1.0}.items():
        monkeypatch.setattr(services, "PARTLY_LICENSED_SHARE", share)
        stored[way] = snapshot(refresh_analytics(as_of=D).pk)
    # then the rollups are identical, and not empty
    assert stored["split"] == stored["joined"]
    assert any(row for rows in stored["split"].values() for row in rows)
