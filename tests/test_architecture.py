"""The import map of docs/architecture.md holds, and a wrong import fails the suite.

`lint-imports` (pyproject.toml, [tool.importlinter]) checks that imports point down the layers;
these tests check what it cannot see: that every module of src/ is in some layer, that no
function-level import dodges a layer or a cycle, that no module cycle exists, and that every
router, page and scheduled job is wired by name.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "partnerhub"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# Function-level imports of partnerhub modules that are allowed, each with its reason. Anything
# else belongs at the top of its module: an import that would make a cycle there is a cycle.
ALLOWED_LATE_IMPORTS: dict[tuple[str, str], str] = {
    ("core/apps.py", "partnerhub.core.collation"): (
        "AppConfig.ready: registers the SQLite collations once the app registry is ready"
    ),
    ("resources/apps.py", "partnerhub.resources.services"): (
        "AppConfig.ready: connects the guide sync to post_migrate; services import models, "
        "which cannot be imported while apps.py itself is being loaded"
    ),
    ("webhooks/apps.py", "partnerhub.webhooks.worker"): (
        "AppConfig.ready: connects delivery to core.events.events_committed; the worker "
        "imports models, which cannot be imported while apps.py itself is being loaded"
    ),
    ("alerts/apps.py", "partnerhub.alerts.signals"): (
        "AppConfig.ready: connects the evaluation to core.events.figures_changed; the "
        "evaluation imports models, which cannot be imported while apps.py is being loaded"
    ),
    ("signins/apps.py", "partnerhub.signins.listeners"): (
        "AppConfig.ready: connects the sign-in audit to Django's sign-in signals and accounts' "
        "own; the listeners import models, which cannot be imported while apps.py is being loaded"
    ),
}


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def _layer_modules() -> list[str]:
    """Every module the layers contract names (a layer may hold several, split by | or :)."""
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    names: list[str] = []
    for layer in layers:
        assert isinstance(layer, str)
        for sep in ("|", ":"):
            layer = layer.replace(sep, " ")
        names.extend(layer.split())
    return names


def _lint_imports(cwd: Path, python_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(python_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _has_code(path: Path) -> bool:
    """Anything besides a docstring (an empty package __init__ belongs to no layer)."""
    body = ast.parse(path.read_text()).body
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in body
    )


# --- The contracts ---------------------------------------------------------------------------


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT, SRC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        # a lower layer importing a higher one: the clock asking the analytics
        (
            "core/clock.py",
            "from partnerhub.analytics import services as _up  # noqa",
            "Layers: imports point down",
        ),
        # one feature importing another
        (
            "trials/services.py",
            "from partnerhub.analytics.services import snapshot_build as _sideways  # noqa",
            "Layers: imports point down",
        ),
        # a model importing a page
        (
            "helpdesk/models.py",
            "from partnerhub.helpdesk import views as _web  # noqa",
            "Models, of any app, import no service, selector, page or API",
        ),
    ],
)
def test_a_wrong_import_breaks_the_contracts(tmp_path, module, wrong_import, contract):
    # Given a scratch copy of the package with one wrong import added
    copy = tmp_path / "src" / "partnerhub"
    skip = shutil.ignore_patterns("static", "templates", "locale", "data", "__pycache__")
    shutil.copytree(PACKAGE, copy, ignore=skip)
    target = copy / module
    target.write_text(target.read_text() + "\n" + wrong_import + "\n")

    # When the contracts are checked against the copy
    result = _lint_imports(tmp_path, tmp_path / "src")

    # Then they fail, naming the contract
    assert result.returncode != 0, result.stdout
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout


def test_every_module_of_src_sits_in_a_layer():
    layered = _layer_modules()
    missing = sorted(
        name
        for path in PACKAGE.rglob("*.py")
        if "static" not in path.parts
        and (path.name != "__init__.py" or _has_code(path))
        and (name := _module_name(path)) != "partnerhub"
        and not any(name == m or name.startswith(m + ".") for m in layered)
    )
    assert not missing, f"add these modules to a layer in pyproject.toml: {missing}"


def test_the_layers_name_only_modules_that_exist():
    graph_modules = grimp.build_graph("partnerhub", cache_dir=None).modules
    assert sorted(set(_layer_modules()) - graph_modules) == []


# --- Cycles and late imports -----------------------------------------------------------------


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    # type-checking imports count: a cycle drawn only for the type checker is still one
    graph = grimp.build_graph("partnerhub", cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []


def late_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of partnerhub inside a function or method."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if in_function and isinstance(child, ast.ImportFrom):
                module = child.module or ""
                if child.level or module == "partnerhub" or module.startswith("partnerhub."):
                    found.append((child.lineno, "." * child.level + module))
            elif in_function and isinstance(child, ast.Import):
                found.extend(
                    (child.lineno, alias.name)
                    for alias in child.names
                    if alias.name.split(".")[0] == "partnerhub"
                )
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def test_the_late_import_finder_sees_imports_inside_functions_only():
    source = (
        "from partnerhub.core import clock\n"
        "def f():\n"
        "    from partnerhub.analytics.services import snapshot_build\n"
        "    import partnerhub.tags.models\n"
        "    import json\n"
        "class C:\n"
        "    def m(self):\n"
        "        if True:\n"
        "            from .models import X\n"
    )
    assert late_imports(source) == [
        (3, "partnerhub.analytics.services"),
        (4, "partnerhub.tags.models"),
        (9, ".models"),
    ]


def test_no_function_level_import_dodges_a_layer():
    found = {
        (str(path.relative_to(PACKAGE)), module): line
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line, module in late_imports(path.read_text())
    }
    unjustified = {key: line for key, line in found.items() if key not in ALLOWED_LATE_IMPORTS}
    assert unjustified == {}, "move these imports to the top of their module"
    # and the allow-list names only imports that still exist
    assert set(ALLOWED_LATE_IMPORTS) <= set(found)


# --- Explicit wiring -------------------------------------------------------------------------


def test_the_scheduled_jobs_are_listed_by_name():
    from partnerhub.core.scheduler import SCHEDULE

    assert [(job.name, job.weekday, job.hour, job.minute) for job in SCHEDULE] == [
        ("partnerhub.calling.tasks.refresh_analytics_task", 6, 0, 0),
        ("partnerhub.analytics.tasks.snapshot_build_task", None, 0, 0),
        ("partnerhub.alerts.tasks.evaluate_alerts_task", None, 0, 15),
        ("partnerhub.alerts.tasks.send_digests_task", None, 7, 0),
        ("partnerhub.core.tasks.events_prune_task", None, 3, 0),
        ("partnerhub.signins.tasks.sign_ins_prune_task", None, 3, 30),
        ("partnerhub.alerts.tasks.token_expiry_notices_task", None, 6, 0),
    ]


def _app_modules(kind: str) -> list[str]:
    return sorted(_module_name(path) for path in PACKAGE.glob(f"*/{kind}.py"))


def test_every_app_router_is_mounted():
    from partnerhub.api.api import api

    mounted = [router for _prefix, router in api._routers]
    routers = {
        name: module.router
        for name in _app_modules("api")
        if hasattr(module := importlib.import_module(name), "router")
    }
    assert len(routers) == 17
    assert [name for name, router in routers.items() if router not in mounted] == []


def test_every_app_s_pages_are_mounted():
    from partnerhub.config.urls import urlpatterns

    # include("partnerhub.x.urls") resolves to the module itself
    included = {getattr(getattr(p, "urlconf_name", None), "__name__", None) for p in urlpatterns}
    apps = [name for name in _app_modules("urls") if name != "partnerhub.config.urls"]
    assert len(apps) == 15
    assert [name for name in apps if name not in included] == []


# Role comparisons that decide what a person may do live in the one policy (issue 16, point 3):
# elsewhere code asks `can(...)`, `sees_all_customers(...)` or uses the policy's filters.
ROLE_DECISION = re.compile(
    r"\.role\s*(==|!=|\bin\b|\bnot in\b)|role__in\s*=|\bis_helpdesk\s*=\s*True"
    r"|\b(is_helpdesk_team|ALL_CUSTOMER_ROLES|_ALL_CUSTOMER_ROLES)\b"
)
# Where a role is compared for another reason than a permission, with the reason.
ROLE_DECISION_ALLOWED = {
    "accounts/policy.py": "the policy itself",
    "accounts/people_views.py": "records that a person's role changed (audit), decides nothing",
    "demo/management/commands/demo.py": "creates the demo's helpdesk team",
}


def test_role_checks_live_only_in_the_policy():
    found = []
    package = SRC / "partnerhub"
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if "/migrations/" in relative or relative in ROLE_DECISION_ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if ROLE_DECISION.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "role checks outside accounts/policy.py:\n" + "\n".join(found)


def test_the_role_check_finder_finds_role_checks():
    assert ROLE_DECISION.search('if user.role == "sales_admin":')
    assert ROLE_DECISION.search("User.objects.filter(role__in=ALL)")
    assert ROLE_DECISION.search("from partnerhub.accounts.policy import is_helpdesk_team")
    assert not ROLE_DECISION.search('"role": user.role,')


# One clock (STYLE.md): business dates and times come from partnerhub.core.clock, which honours
# PARTNERHUB_TODAY and ?as_of=. Only a model field's default may name timezone.now (a row's
# creation time, not a business date).
DIRECT_CLOCK_READ = re.compile(r"timezone\.now\(\)|datetime\.now\(|date\.today\(|utcnow\(")


def test_nothing_reads_the_clock_but_the_clock_module():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() != "core/clock.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DIRECT_CLOCK_READ.search(line)
    ]
    assert found == []
