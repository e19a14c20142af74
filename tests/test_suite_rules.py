"""Rules the test suite keeps (issue 14): test modules never import each other (shared
helpers live in ``tests/*_support.py``, shared fixtures in ``tests/conftest.py``), and every
test checks something a user would notice."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Calls that fail the test when what they wait for or expect does not happen.
CHECKING_CALLS = {"raises", "warns", "fail", "waitUntil", "waitSignal", "waitSignals", "assertNotEmitted",
                  "waitCallback", "check"}


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names, relative imports resolved against ``tests``."""
    package = ".".join(("tests", *path.parent.relative_to(TESTS).parts))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]  # from tests import test_x
    return found


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") and (name.startswith("tests.") or "." not in name)


def test_no_test_module_imports_another():
    offenders = []
    for path in python_files():
        for line, name in imported_modules(ast.parse(path.read_text(), str(path)), path):
            if is_test_module(name):
                offenders.append(f"{path.relative_to(TESTS.parent)}:{line} imports {name}")
    assert offenders == [], (
        "a test module's helpers belong in tests/<area>_support.py and its shared fixtures in "
        "tests/conftest.py, never imported from another test module:\n  " + "\n  ".join(offenders))


def checks_something(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CHECKING_CALLS or name.startswith(("assert", "check_")):
                return True
    return False


def test_every_test_checks_something():
    silent = []
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                if not checks_something(node):
                    silent.append(f"{path.name}:{node.lineno} {node.name}")
    assert silent == [], "these tests assert nothing (a test that cannot fail proves nothing):\n  " + "\n  ".join(silent)


def test_the_rules_see_what_they_are_meant_to_catch(tmp_path):
    """The guard itself: each form of import and a silent test are caught."""
    source = ("import tests.test_render\nfrom tests.test_visualize import x\nfrom tests import test_narrate\n"
              "from .test_analyze import y\nfrom tests.render_support import z\n")
    names = [name for _, name in imported_modules(ast.parse(source), TESTS / "test_example.py")]
    assert [n for n in names if is_test_module(n)] == [
        "tests.test_render", "tests.test_visualize", "tests.test_narrate", "tests.test_analyze"]
    silent, loud = ast.parse("def test_a():\n    run()\n"), ast.parse("def test_b(qtbot):\n    qtbot.waitUntil(f)\n")
    assert not checks_something(silent.body[0]) and checks_something(loud.body[0])
