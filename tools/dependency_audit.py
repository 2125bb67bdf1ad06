"""Audit the locked dependencies for known vulnerabilities: `make audit`.

    .venv/bin/python tools/dependency_audit.py [--strict]

Python: the runtime packages of uv.lock (exported with `uv export --frozen`) are checked by
pip-audit against PyPI's vulnerability data, then against OSV when PyPI cannot answer for them.
Front end: `npm audit --omit=dev` over package-lock.json (the packages served to browsers).

Exit status: 1 when a known vulnerability affects a locked version (each is named with its fix);
0 otherwise. A package that no vulnerability database could be asked about is never counted as
clean: the report says "NOT AUDITED" with the reason, and with `--strict` that exits 2. CI runs
it without `--strict`, because the CI machines reach no vulnerability database (api.osv.dev does
not resolve, PyPI answers only for the newest release of each project, npm's audit endpoint
answers 405), and says so in its output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "audit"
TIMEOUT_S = 15


@dataclass
class Report:
    """What one ecosystem's audit found."""

    name: str
    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.name}: {len(self.audited)} audited, {len(self.vulnerable)} vulnerable, "
               f"{len(self.not_audited)} NOT AUDITED"]  # fmt: skip
        out += [f"  VULNERABLE {v}" for v in self.vulnerable]
        by_reason: dict[str, list[str]] = {}
        for entry in self.not_audited:
            package, _, reason = entry.partition(" (")
            by_reason.setdefault(reason.rstrip(")"), []).append(package)
        for reason, packages in by_reason.items():
            out.append(f"  NOT AUDITED {', '.join(packages)}")
            out.append(f"    because {reason}")
        return out


def uv() -> str:
    found = shutil.which("uv")
    return found or str(REPO / ".tools" / "bin" / "uv")


def python_requirements() -> Path:
    """The locked runtime packages as a pinned requirements file."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "requirements.txt"
    subprocess.run(
        [uv(), "export", "--frozen", "--no-hashes", "--no-dev", "--no-emit-project", "-q",
         "-o", str(path)],
        check=True,
        cwd=REPO,
    )  # fmt: skip
    return path


def pip_audit(requirements: Path, service: str) -> tuple[dict[str, object] | None, str]:
    """pip-audit's JSON answer with one vulnerability service, or None and the reason."""
    out = OUT / f"pip-audit-{service}.json"
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps",
         "--disable-pip", "-s", service, "--timeout", str(TIMEOUT_S), "--progress-spinner",
         "off", "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if not out.exists():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"{service}: {reason[:300]}"
    return json.loads(out.read_text()), ""


def audit_python() -> Report:
    report = Report("Python (uv.lock)")
    requirements = python_requirements()
    pending: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pending[name.lower()] = version
    reasons: dict[str, str] = {}
    for service in ("pypi", "osv"):
        if not pending:
            break
        answer, failure = pip_audit(requirements, service)
        if answer is None:
            for name in pending:
                reasons[name] = failure
            continue
        for dep in answer.get("dependencies", []):  # type: ignore[attr-defined]
            name = dep["name"].lower()
            if name not in pending:
                continue
            if "skip_reason" in dep:
                reasons[name] = f"{service}: {dep['skip_reason']}"
                continue
            version = pending.pop(name)
            reasons.pop(name, None)
            report.audited.append(f"{name}=={version}")
            for vuln in dep.get("vulns", []):
                fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                report.vulnerable.append(f"{name}=={version}: {vuln['id']} (fixed in {fixes})")
    report.not_audited = [f"{n}=={v} ({reasons.get(n, 'no answer')})" for n, v in pending.items()]
    return report


def audit_npm() -> Report:
    report = Report("front end (package-lock.json)")
    lock = json.loads((REPO / "package-lock.json").read_text())
    packages = {
        path.removeprefix("node_modules/"): meta.get("version", "?")
        for path, meta in lock.get("packages", {}).items()
        if path and not meta.get("dev")
    }
    npm = shutil.which("npm")
    if npm is None:
        report.not_audited = [f"{n}@{v} (npm is not installed)" for n, v in packages.items()]
        return report
    done = subprocess.run(
        [npm, "audit", "--omit=dev", "--json"], capture_output=True, text=True, cwd=REPO
    )
    try:
        answer = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        answer = {}
    if "error" in answer or "vulnerabilities" not in answer:
        error = answer.get("error", {})
        reason = error.get("summary") if isinstance(error, dict) else None
        reason = reason or answer.get("message") or done.stderr.strip()[-300:] or "no answer"
        report.not_audited = [f"{n}@{v} (npm audit: {reason})" for n, v in packages.items()]
        return report
    for name, found in answer["vulnerabilities"].items():
        for via in found.get("via", []):
            if isinstance(via, dict):
                report.vulnerable.append(
                    f"{name}@{packages.get(name, '?')}: {via.get('url') or via.get('title')} "
                    f"(affected {via.get('range', '?')})"
                )
    report.audited = [f"{n}@{v}" for n, v in packages.items()]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--strict", action="store_true", help="exit 2 when some package could not be audited"
    )
    args = parser.parse_args()
    reports = [audit_python(), audit_npm()]
    for report in reports:
        print("\n".join(report.lines()))
    if any(r.vulnerable for r in reports):
        print("dependency audit: known vulnerabilities in locked versions (above)")
        return 1
    if any(r.not_audited for r in reports):
        print(
            "dependency audit NOT PERFORMED for the packages marked NOT AUDITED: no vulnerability "
            "database answered for them from this machine (reasons above)"
        )
        return 2 if args.strict else 0
    print("dependency audit: no known vulnerabilities in any locked version")
    return 0


if __name__ == "__main__":
    sys.exit(main())
