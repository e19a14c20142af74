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


def fixed_waits(tree: ast.AST, lines: list[str]) -> list[int]:
    """Lines of ``qtbot.wait(...)`` or ``time.sleep(...)`` that are neither a poll (inside a
    loop that checks something) nor explained by a comment on their line or the one above
    (the point being that nothing happens within that time, or the work a fake stage does)."""
    found = []
    loops: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.While, ast.For)):
            loops.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in loops:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(getattr(func, "value", None), "id", "")
        if (name, owner) in {("wait", "qtbot"), ("sleep", "time"), ("sleep", "")}:
            line = node.lineno
            if "#" not in lines[line - 1] and not lines[line - 2].strip().startswith("#"):
                found.append(line)
    return found


def test_no_fixed_wait_where_a_wait_until_would_do():
    unexplained = []
    for path in sorted(TESTS.glob("test_*.py")):
        text = path.read_text()
        unexplained += [f"{path.name}:{n}" for n in fixed_waits(ast.parse(text, str(path)), text.splitlines())]
    assert unexplained == [], ("a fixed wait: wait until what the test checks (qtbot.waitUntil, waitSignal), or, when "
                               "the point is that nothing happens within a time, say so in a comment:\n  "
                               + "\n  ".join(unexplained))


def test_the_rules_see_what_they_are_meant_to_catch(tmp_path):
    """The guard itself: each form of import and a silent test are caught."""
    source = ("import tests.test_render\nfrom tests.test_visualize import x\nfrom tests import test_narrate\n"
              "from .test_analyze import y\nfrom tests.render_support import z\n")
    names = [name for _, name in imported_modules(ast.parse(source), TESTS / "test_example.py")]
    assert [n for n in names if is_test_module(n)] == [
        "tests.test_render", "tests.test_visualize", "tests.test_narrate", "tests.test_analyze"]
    silent, loud = ast.parse("def test_a():\n    run()\n"), ast.parse("def test_b(qtbot):\n    qtbot.waitUntil(f)\n")
    assert not checks_something(silent.body[0]) and checks_something(loud.body[0])
    waits = ("def test_c(qtbot):\n    qtbot.wait(300)\n"
             "    qtbot.wait(300)  # nothing to wait for: nothing may happen\n"
             "    while not done():\n        time.sleep(0.05)\n")
    assert fixed_waits(ast.parse(waits), waits.splitlines()) == [2]


# -- logfail: a logged warning fails the test, from any logger, in xdist workers too ------------

INNER_CONFTEST = """
from tests.conftest import pytest_configure, pytest_runtest_call, pytest_runtest_protocol, pytest_runtest_teardown
"""

INNER_TESTS = '''
import logging, threading
import pytest

def test_a_library_warns():
    logging.getLogger("somelib.deep.module").warning("a library warned")
    assert True

@pytest.mark.expect_log("expected one")
def test_warns_as_expected():
    logging.getLogger("nexus_desktop.x").warning("the expected one")
    assert True

def test_an_error_from_a_thread():
    worker = threading.Thread(target=lambda: logging.getLogger("nexus_desktop.worker").error("thread failed"))
    worker.start()
    worker.join()
    assert True

@pytest.fixture
def noisy():
    yield
    logging.getLogger("nexus_desktop.cleanup").warning("teardown warned")

def test_a_fixture_warns_in_teardown(noisy):
    assert True

def test_quiet():
    logging.getLogger("nexus_desktop.y").info("only information")
    assert True
'''


def run_inner_suite(tmp_path: Path, *args: str) -> dict[str, str]:
    import os
    import re
    import subprocess
    import sys

    (tmp_path / "conftest.py").write_text(INNER_CONFTEST)
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *args, "test_inner.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    outcomes = dict((name, kind) for kind, name in re.findall(r"^(PASSED|FAILED|ERROR) test_inner\.py::(\w+)", run.stdout, re.M))
    assert outcomes, run.stdout[-3000:] + run.stderr[-3000:]
    return outcomes


def test_a_logged_warning_fails_the_test_from_any_logger_and_in_xdist_workers(tmp_path):
    expected = {
        "test_a_library_warns": "FAILED",
        "test_warns_as_expected": "PASSED",
        "test_an_error_from_a_thread": "FAILED",
        "test_a_fixture_warns_in_teardown": "ERROR",
        "test_quiet": "PASSED",
    }
    for args in (("-p", "no:xdist"), ("-p", "xdist", "-n", "2")):
        outcomes = run_inner_suite(tmp_path, *args)
        # A teardown error is listed beside the test's own PASSED line; the error wins.
        assert {name: outcomes[name] for name in expected} == expected, args
