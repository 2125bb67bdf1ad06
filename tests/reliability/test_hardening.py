"""Production hardening: deploy checks, headers, hashing, and no secrets in the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "PARTNERHUB_HTTPS": "1",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-long-random-production-secret-key-" + "y" * 20,
        "ALLOWED_HOSTS": "partners.example.com",
        "PARTNERHUB_DATA_DIR": str(tmp_path),
    }
    env.pop("PARTNERHUB_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "partnerhub"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy():
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_login_form_is_protected_by_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a@b.example", "password": "x"})
    assert response.status_code == 403


def test_passwords_are_hashed_with_argon2_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PARTNERHUB_TESTING"}
    env["PARTNERHUB_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "partnerhub"),
            "shell",
            "-c",
            "from django.contrib.auth.hashers import make_password; print(make_password('pw'))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1].startswith("argon2$")


def test_no_secrets_are_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True
    ).stdout.split()
    pattern = re.compile(
        r"(SECRET_KEY\s*=\s*['\"][^'\"]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY|ph_[A-Za-z0-9_-]{40,})"
    )
    offenders = []
    for name in tracked:
        path = REPO / name
        text_file = path.suffix in {".py", ".toml", ".md", ".txt", ".html", ".js", ".cfg", ".yml"}
        if text_file and path.is_file() and pattern.search(path.read_text(errors="ignore")):
            offenders.append(name)
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/customers/?q=a%00b", "/customers/C%00/", "/helpdesk/?q=%00"])
def test_a_nul_character_in_a_page_address_answers_400(full_admin, url):
    client = Client()
    client.force_login(full_admin)
    assert client.get(url).status_code == 400


def test_the_daily_snapshot_runs_every_day_at_midnight_utc():
    import datetime as dt

    from partnerhub.core.scheduler import next_run

    utc = dt.UTC
    assert next_run(dt.datetime(2026, 11, 26, 0, 0, tzinfo=utc), None, 0) == dt.datetime(
        2026, 11, 27, tzinfo=utc
    )
    assert next_run(dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=utc), None, 0) == dt.datetime(
        2026, 11, 26, tzinfo=utc
    )
