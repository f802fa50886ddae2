"""The package's layers are a test, not a wish: import-linter's contracts (pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_every_layer_contract_holds():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_an_import_that_runs_back_up_breaks_the_build(tmp_path):
    """The contracts can fail: the course model importing the engine is caught."""
    shutil.copytree(REPO / "grader", tmp_path / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "_course"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    late = tmp_path / "grader" / "course" / "late.py"
    late.write_text(late.read_text() + "\nfrom grader.engine import batch  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "grader.course is not allowed to import grader.engine" in result.stdout


def test_the_runner_may_import_only_the_wire_format(tmp_path):
    shutil.copytree(REPO / "grader", tmp_path / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "_course"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    serve = tmp_path / "grader" / "runner" / "serve.py"
    serve.write_text(serve.read_text() + "\nfrom grader.checker import feedback  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "grader.runner is not allowed to import grader.checker" in result.stdout
