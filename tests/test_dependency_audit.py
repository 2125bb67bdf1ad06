"""tools/dependency_audit.py (make audit): vulnerable, clean and unaudited packages told apart."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

PATH = Path(__file__).resolve().parent.parent / "tools" / "dependency_audit.py"
spec = importlib.util.spec_from_file_location("dependency_audit", PATH)
assert spec is not None and spec.loader is not None
audit = importlib.util.module_from_spec(spec)
sys.modules["dependency_audit"] = audit
spec.loader.exec_module(audit)

REQUIREMENTS = "django==5.2.19\nnh3==0.3.8 ; python_version >= '3.9'\n"


@pytest.fixture
def locked(tmp_path, monkeypatch):
    path = tmp_path / "requirements.txt"
    path.write_text(REQUIREMENTS)
    monkeypatch.setattr(audit, "python_requirements", lambda: path)
    monkeypatch.setattr(
        audit, "audit_npm", lambda: audit.Report("front end", audited=["htmx.org@2.0.11"])
    )


def answers(monkeypatch, by_service: dict[str, Any]) -> None:
    def fake(_requirements: Path, service: str) -> tuple[Any, str]:
        answer = by_service[service]
        return (None, f"{service}: {answer}") if isinstance(answer, str) else (answer, "")

    monkeypatch.setattr(audit, "pip_audit", fake)


def run(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["dependency_audit.py", *args])
    code = audit.main()
    return code, capsys.readouterr().out


@pytest.mark.usefixtures("locked")
def test_a_vulnerable_locked_version_fails_with_its_fix(monkeypatch, capsys):
    answers(monkeypatch, {"pypi": {"dependencies": [
        {"name": "Django", "version": "5.2.19",
         "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.20"]}]},
        {"name": "nh3", "version": "0.3.8", "vulns": []},
    ]}})  # fmt: skip
    code, out = run(monkeypatch, capsys)
    assert code == 1
    assert "VULNERABLE django==5.2.19: PYSEC-2099-1 (fixed in 5.2.20)" in out
    assert "2 audited, 1 vulnerable, 0 NOT AUDITED" in out


@pytest.mark.usefixtures("locked")
def test_packages_pypi_skips_are_asked_of_osv_and_never_counted_clean(monkeypatch, capsys):
    skipped = {"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI"},
        {"name": "nh3", "version": "0.3.8", "vulns": []},
    ]}  # fmt: skip
    answers(monkeypatch, {"pypi": skipped, "osv": "ConnectionError: api.osv.dev"})
    code, out = run(monkeypatch, capsys)
    assert code == 0
    assert "1 audited, 0 vulnerable, 1 NOT AUDITED" in out
    assert "NOT AUDITED django==5.2.19" in out and "because osv: ConnectionError" in out
    assert "dependency audit NOT PERFORMED" in out
    # and --strict makes it an error
    assert run(monkeypatch, capsys, "--strict")[0] == 2


@pytest.mark.usefixtures("locked")
def test_osv_answers_what_pypi_could_not(monkeypatch, capsys):
    answers(monkeypatch, {
        "pypi": {"dependencies": [{"name": "django", "skip_reason": "not found"},
                                  {"name": "nh3", "version": "0.3.8", "vulns": []}]},
        "osv": {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []},
                                 {"name": "nh3", "version": "0.3.8", "vulns": []}]},
    })  # fmt: skip
    code, out = run(monkeypatch, capsys, "--strict")
    assert code == 0
    assert "Python (uv.lock): 2 audited, 0 vulnerable, 0 NOT AUDITED" in out
    assert "no known vulnerabilities in any locked version" in out


def test_npm_audit_that_cannot_answer_marks_every_package_not_audited(monkeypatch, tmp_path):
    class Done:
        stdout = json.dumps({"error": {"summary": "405 Method Not Allowed"}})
        stderr = ""

    monkeypatch.setattr(audit.subprocess, "run", lambda *a, **k: Done())
    report = audit.audit_npm()
    assert report.audited == [] and report.not_audited
    assert all("405 Method Not Allowed" in entry for entry in report.not_audited)
    assert any(entry.startswith("htmx.org@") for entry in report.not_audited)


def test_npm_vulnerabilities_are_named(monkeypatch):
    class Done:
        stdout = json.dumps(
            {
                "vulnerabilities": {
                    "htmx.org": {
                        "via": [
                            {"url": "https://github.com/advisories/GHSA-xxxx", "range": "<2.0.12"}
                        ]
                    }
                }
            }
        )
        stderr = ""

    monkeypatch.setattr(audit.subprocess, "run", lambda *a, **k: Done())
    report = audit.audit_npm()
    assert report.vulnerable == [
        "htmx.org@2.0.11: https://github.com/advisories/GHSA-xxxx (affected <2.0.12)"
    ]
