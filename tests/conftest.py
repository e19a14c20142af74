"""Shared fixtures. Qt runs offscreen; every test gets its own data folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests use PySide6 directly too (pytest-qt, QVideoSink): pin None/True/False first,
# see nexus_desktop/runtime/qt_refcounts.py.
from nexus_desktop.runtime.qt_refcounts import pin  # noqa: E402

pin()

from pathlib import Path

import pytest

# Support modules hold shared checks; their asserts explain failures like a test's own.
pytest.register_assert_rewrite("tests.narrate_support", "tests.gui_support", "tests.publish_support",
                                "tests.render_support", "tests.visualize_support")

from nexus_desktop.domain.content import Article  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.context import StageContext  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from tests.article_support import SAMPLES, make_article  # noqa: E402,F401 (SAMPLES: for older imports)

@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    return AppPaths.resolve(tmp_path / "data")


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def article() -> Article:
    return make_article()


@pytest.fixture
def make_context(app_paths: AppPaths, settings: Settings):
    """Build a StageContext for job 1 with the given earlier results."""

    def build(results=None, *, article: Article | None = None, job_id: int = 1, progress=None) -> StageContext:
        ctx = StageContext(
            job_id=job_id,
            article=article or make_article(),
            settings=settings,
            paths=app_paths,
            results=results or {},
        )
        if progress is not None:
            ctx.progress_callback = progress
        return ctx

    return build


# -- databases -------------------------------------------------------------------------------

import itertools  # noqa: E402

from tests.pg_cluster import PgCluster  # noqa: E402

_db_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster()
    if not cluster.available:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI; the README's test command installs them")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    return pg_cluster.create_database(f"nexus_test_{os.getpid()}_{next(_db_names)}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'nexus.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def make_database_url(database_url, request, tmp_path):
    """More empty databases of the same kind as ``database_url`` (a reset, a second data folder)."""
    names = itertools.count(1)

    def make() -> str:
        n = next(names)
        if database_url.startswith("sqlite"):
            return f"sqlite+pysqlite:///{tmp_path / f'another-{n}.sqlite3'}"
        return request.getfixturevalue("pg_cluster").create_database(f"nexus_test_{os.getpid()}_{next(_db_names)}_b{n}")

    return make


@pytest.fixture
def store(database_url):
    from nexus_desktop.store import Store

    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def restore_logging():
    """Opening a workspace or a window sets up the app's logging on the root logger; every
    test takes it down again, so no handler outlives the test (and the stream or the
    workspace it wrote to) and logs into the next one."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


# -- logged warnings fail the test (qutebrowser's logfail) ----------------------------------

import logging  # noqa: E402


# Qt's offscreen platform (the tests' only one) says this for every top-level window; it is
# about the test platform, not the app.
_PLATFORM_NOISE = ("This plugin does not support propagateSizeHints()",)


class _LogFailHandler(logging.Handler):
    """Keeps every WARNING or worse logged while a test runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if not any(noise in record.getMessage() for noise in _PLATFORM_NOISE):
                self.records.append(record)
        except Exception:  # a bad log call: say so as logging does, never raise into the app
            self.handleError(record)


def pytest_sessionstart(session) -> None:
    """Servers left by test runs that were killed (SIGKILL skips every clean-up) are stopped,
    once per run: xdist workers do not repeat it."""
    if hasattr(session.config, "workerinput"):
        return
    from tests.process_support import clean_leftovers

    removed = clean_leftovers()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if removed and reporter is not None:
        reporter.write_line(f"stopped the servers of {len(removed)} killed test run(s): {', '.join(p.name for p in removed)}")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): tests that run on one xdist worker (test.sh runs two)")
    config.addinivalue_line(
        "markers",
        "expect_log(*texts): the test expects WARNING/ERROR log records containing one of these texts "
        "(any record when no text is given); other logged warnings fail the test",
    )


def pytest_collection_modifyitems(config, items) -> None:
    """test.sh runs the suite on two xdist workers (``--dist loadgroup``): tests are handed out
    one by one, except that a module's tests sharing a module-scoped fixture (one frozen
    bundle, one visualize run) go to one worker together, so it is made once."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None and any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


# A handler that cannot write (a stream closed under it: "--- Logging error --- I/O operation
# on closed file") makes logging print a traceback and go on; here it fails the test.
_HANDLER_ERRORS: list[str] = []
_handle_error = logging.Handler.handleError


def _record_handler_error(self: logging.Handler, record: logging.LogRecord) -> None:
    import traceback

    if logging.raiseExceptions:
        _HANDLER_ERRORS.append(f"{self!r} could not log {record.getMessage()[:120]!r}:\n"
                               + "".join(traceback.format_exc(limit=4)).rstrip())
    _handle_error(self, record)


logging.Handler.handleError = _record_handler_error  # type: ignore[method-assign]


def _fail_on_handler_errors(when: str) -> None:
    errors, _HANDLER_ERRORS[:] = list(_HANDLER_ERRORS), []
    if errors:
        pytest.fail(f"a log handler failed during {when} (one that outlived what it wrote to?):\n" + "\n".join(errors[:3]),
                    pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    handler = _LogFailHandler()
    item.stash[_LOGFAIL] = handler
    root = logging.getLogger()
    root.addHandler(handler)
    _HANDLER_ERRORS.clear()
    try:
        return (yield)
    finally:
        root.removeHandler(handler)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    _fail_on_handler_errors("the test or its setup")
    _fail_on_unexpected_logs(item)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    handler = item.stash.get(_LOGFAIL, None)
    before = len(handler.records) if handler is not None else 0
    result = yield
    _fail_on_handler_errors("teardown")
    _fail_on_unexpected_logs(item, since=before, when="in teardown", noise=_TEARDOWN_NOISE)  # a fixture's clean-up warned
    return result


# A window closed by qtbot at teardown on a loaded machine: the start-up warm-up (imports and the
# Piper voice, loaded at nice 10 and not cancellable, runtime/warmup.py) can outlast the runner's
# 5 s quit wait. The app says so and goes on; it depends on the machine's load, not on the test.
_TEARDOWN_NOISE = ("some work did not stop within 5 s; it resumes on the next start",)


def _fail_on_unexpected_logs(item, since: int = 0, when: str = "", noise: tuple[str, ...] = ()) -> None:
    """A test that uses caplog reads its own records; a marked one names what it expects."""
    handler = item.stash.get(_LOGFAIL, None)
    if handler is None or "caplog" in getattr(item, "fixturenames", ()):
        return
    marker = item.get_closest_marker("expect_log")
    expected = marker.args if marker else None
    unexpected = [
        r for r in handler.records[since:]
        if not any(text in r.getMessage() for text in noise)
        and (expected is None or (expected and not any(text in r.getMessage() for text in expected)))
    ]
    if marker is not None and not expected:
        unexpected = []
    if unexpected:
        lines = "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in unexpected[:10])
        pytest.fail(f"the test logged {len(unexpected)} unexpected warning(s) or error(s){' ' + when if when else ''}:\n{lines}",
                    pytrace=False)


_LOGFAIL = pytest.StashKey[_LogFailHandler]()


# -- fixtures shared across modules (their helpers live in the *_support modules) ------------

from tests.gui_support import (add_jobs, bulk_jobs, fake_stages, media_template, rendered_job,  # noqa: E402,F401
                               reviewing, ws)
from tests.publish_support import media, sqlite_store  # noqa: E402,F401
from tests.render_support import one_small, small_formats  # noqa: E402,F401
