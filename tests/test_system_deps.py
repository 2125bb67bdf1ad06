"""`make test` sets up its own system programs, or stops before the suite saying what to install."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "system_deps.sh"


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_machine_with_every_program_passes_silently() -> None:
    result = _run(SYSTEM_DEPS_PROGRAMS="/bin/sh=dash", SYSTEM_DEPS_INSTALL="never")
    assert result.returncode == 0
    assert result.stdout == result.stderr == ""


def test_a_missing_browser_stops_with_one_line_naming_the_package() -> None:
    result = _run(
        SYSTEM_DEPS_PROGRAMS="/nonexistent/chromium=chromium /bin/sh=dash",
        SYSTEM_DEPS_INSTALL="never",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "chromium" in lines[0] and "apt-get install -y chromium" in lines[0]
    assert "dash" not in lines[0]


def test_the_programs_the_suite_needs_are_installed_by_make_test() -> None:
    """`make test` ran the script before pytest, so the real programs are here now."""
    result = _run()
    assert result.returncode == 0, result.stderr
    for program in ("/usr/bin/chromium", "/usr/sbin/nginx", "/usr/bin/msgfmt"):
        assert os.access(program, os.X_OK), program
