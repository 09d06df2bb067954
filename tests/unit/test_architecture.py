"""Rules of the layout that no linter checks: importing has no side effects, and only the
request's session dependency (or the CLI) ends a transaction."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.config import PROJECT_DIR

APP = PROJECT_DIR / "app"
IMPORT_EVERYTHING = """
import importlib, pkgutil, app
names = [m.name for m in pkgutil.walk_packages(app.__path__, "app.")]
for name in names:
    importlib.import_module(name)
from app.services import accounts
print(len(names), accounts._dummy_hash.cache_info().currsize)
"""


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if "__pycache__" not in p.parts}


def test_importing_every_module_writes_no_file_and_computes_no_hash(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for part in ("app", "templates", "static", "migrations", "demo"):
        shutil.copytree(PROJECT_DIR / part, checkout / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_DIR / "alembic.ini", checkout)
    before = _files(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECKON_")}
    env.update(PYTHONPATH=str(checkout), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    modules, hashes = map(int, result.stdout.split())
    assert modules > 40 and hashes == 0
    assert _files(checkout) == before


def _calls(path: Path, method: str) -> list[str]:
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(PROJECT_DIR)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == method]


def test_only_the_session_dependency_commits_or_rolls_back_a_request() -> None:
    found = [call for folder in ("web", "services", "domain", "charts", "schemas")
             for path in sorted((APP / folder).rglob("*.py"))
             for method in ("commit", "rollback") for call in _calls(path, method)]
    assert [c.split(":")[0] for c in found] == ["app/web/deps.py", "app/web/deps.py"]

