"""The guard against database work on Qt's main thread, for the tests that drive the window.

It is an SQLAlchemy event on the workspace's engine: every statement notes the thread it
runs on, and a statement on Qt's main thread is kept with the stack that ran it.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QThread
from sqlalchemy import event


@contextmanager
def no_database_on_the_gui_thread(store) -> Iterator[list[str]]:
    """Note every statement run on Qt's main thread while inside; yields that list."""
    app = QCoreApplication.instance()
    assert app is not None and QThread.currentThread() == app.thread()  # the test itself runs on the GUI thread
    gui_thread = threading.get_ident()
    touched: list[str] = []

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == gui_thread:
            ours = [f for f in traceback.extract_stack()[:-1] if "nexus_desktop" in f.filename or "/tests/" in f.filename]
            stack = "".join(traceback.format_list(ours[-8:]))
            touched.append(f"{statement.split()[0]} on the GUI thread:\n{stack}")

    engine = store.db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield touched
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)


def assert_none(touched: list[str]) -> None:
    assert not touched, f"{len(touched)} statement(s) ran on the GUI thread; the first:\n{touched[0]}"
