"""Tests share helpers through tests/factories: no module imports a test module or a conftest (their
helpers would otherwise run their tests' imports, fixtures and autouse hooks wherever they are used)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_test_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        if isinstance(node, ast.ImportFrom) and node.level and (node.module or "").startswith("test_"):
            names = [node.module or ""]
        found += [n for n in names if n.split(".")[-1].startswith("test_") or n.split(".")[-1] == "conftest"]
    return found


def test_no_module_imports_a_test_module():
    offenders = {
        str(p.relative_to(ROOT)): mods
        for folder in ("tests", "bench", "features")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if (mods := imported_test_modules(p))
    }
    assert offenders == {}, "move the shared helpers into tests/factories"
