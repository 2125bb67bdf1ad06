"""Settings read from the environment: refresh workers, EMAIL_URL, WEBHOOKS_ALLOW_PRIVATE."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRINT = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CALLING_REFRESH_WORKERS)"
)


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "CALLING_REFRESH_WORKERS"}
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**base, "DJANGO_SETTINGS_MODULE": "partnerhub.config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"CALLING_REFRESH_WORKERS": "3"}, "3"),
        ({"CALLING_REFRESH_WORKERS": ""}, "None"),  # the server's own setting
        ({"DATABASE_URL": "postgres://u@db.example:5432/x"}, "None"),  # remote: cores unknown
        (
            {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"},
            str(max((os.cpu_count() or 2) - 1, 1)),
        ),
    ],
)
def test_the_refresh_workers_come_from_the_environment_or_the_local_cores(env, expected):
    done = settings_with(**env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_a_bad_number_of_workers_is_refused_naming_the_variable():
    done = settings_with(CALLING_REFRESH_WORKERS="two")
    assert done.returncode != 0
    assert "CALLING_REFRESH_WORKERS: expected a whole number of workers" in done.stderr
    assert "'two'" in done.stderr


def _print(expression: str, **env: str) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_URL", "EMAIL_BACKEND", "WEBHOOKS_ALLOW_PRIVATE"}
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        env={**base, "DJANGO_SETTINGS_MODULE": "partnerhub.config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_email_url_configures_smtp_and_the_console_is_the_default():
    shown = (
        "settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS"
    )

    assert _print(shown, EMAIL_URL="smtp://mailer:s3cret@mail.example.com:587/?tls=True") == (
        "django.core.mail.backends.smtp.EmailBackend mail.example.com 587 True"
    )
    assert _print("settings.EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(("value", "expected"), [("true", "True"), ("", "False"), ("0", "False")])
def test_private_webhook_addresses_are_allowed_only_when_the_operator_says_so(value, expected):
    assert _print("settings.WEBHOOKS_ALLOW_PRIVATE", WEBHOOKS_ALLOW_PRIVATE=value) == expected
