"""The guard against database work on Qt's main thread, for the tests that drive the window.

It is an SQLAlchemy event on the workspace's engine: every statement notes the thread it
runs on, and a statement on Qt's main thread is kept with the stack that ran it.
"""

from __future__ import annotations

import sys
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


# -- work outside an operation ------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
GUI, OPERATIONS = "/nexus_desktop/gui/", "/nexus_desktop/gui/operations/"
# Audit events (https://docs.python.org/3/library/audit_events.html) that are slow or destructive
# work no widget handler may do itself: files removed or renamed, programs started, connections.
SLOW_EVENTS = ("os.remove", "os.rmdir", "os.rename", "shutil.rmtree", "shutil.move", "subprocess.Popen",
               "os.posix_spawn", "socket.connect", "socket.getaddrinfo")
_recorders: list[tuple[int, list[str]]] = []  # (GUI thread id, where to note) while a guard is open
_hooked = False


def _where(frames: list[traceback.FrameSummary]) -> str:
    ours = [f for f in frames if "nexus_desktop" in f.filename or "/tests/" in f.filename]
    return "".join(traceback.format_list(ours[-8:]))


def _outside_operations(frames: list[traceback.FrameSummary]) -> bool:
    """A frame of a gui/ module that is not an operation: a view did the work itself."""
    return any(GUI in f.filename and OPERATIONS not in f.filename for f in frames)


def _audit(event: str, args: tuple) -> None:
    if not _recorders or event not in SLOW_EVENTS:
        return
    here = threading.get_ident()
    for gui_thread, found in _recorders:
        frames = traceback.extract_stack()[:-1]
        if here == gui_thread:
            found.append(f"{event} {args[:1]} on the GUI thread:\n{_where(frames)}")
        elif event in ("os.remove", "os.rmdir", "shutil.rmtree") and _outside_operations(frames):
            found.append(f"{event} {args[:1]} outside an operation:\n{_where(frames)}")


@contextmanager
def no_work_outside_operations(store) -> Iterator[list[str]]:
    """What the creator's actions must never do, noted while inside; yields that list:

    - any SQL on Qt's main thread (as ``no_database_on_the_gui_thread``);
    - a write (INSERT, UPDATE, DELETE) on any thread that a gui/ module started itself rather
      than through ``gui/operations`` (a view's own ``runner.submit`` or thread);
    - on the main thread: removing or renaming files, starting a program, opening a
      connection, or asking the keyring (``secrets``);
    - removing files from a thread a gui/ module started outside an operation.
    """
    global _hooked
    from nexus_desktop import secrets

    gui_thread = threading.get_ident()
    found: list[str] = []

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        verb = statement.split()[0].upper()
        frames = traceback.extract_stack()[:-1]
        if threading.get_ident() == gui_thread:
            found.append(f"{verb} on the GUI thread:\n{_where(frames)}")
        elif verb in WRITES and _outside_operations(frames):
            found.append(f"{verb} outside an operation:\n{_where(frames)}")

    def watched(name: str):
        real = getattr(secrets, name)

        def call(*args, **kwargs):
            if threading.get_ident() == gui_thread:
                found.append(f"secrets.{name} (the keyring) on the GUI thread:\n{_where(traceback.extract_stack()[:-1])}")
            return real(*args, **kwargs)

        return real, call

    if not _hooked:
        sys.addaudithook(_audit)  # cannot be removed: it does nothing while no guard is open
        _hooked = True
    kept = {}
    for name in ("get_secret", "set_secret", "delete_secret", "status"):
        kept[name], replacement = watched(name)
        setattr(secrets, name, replacement)
    engine = store.db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    _recorders.append((gui_thread, found))
    try:
        yield found
    finally:
        _recorders.remove((gui_thread, found))
        event.remove(engine, "before_cursor_execute", on_statement)
        for name, real in kept.items():
            setattr(secrets, name, real)


def assert_inside_operations(found: list[str]) -> None:
    assert not found, f"{len(found)} piece(s) of work outside an operation; the first:\n{found[0]}"
