"""The app as the Accounts and Health views get it (an ``AppContext``), for their tests, and a
stand-in for the window's toast that records what offers Undo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store


@pytest.fixture
def accounts_ctx(tmp_path, memory_keyring):
    """A workspace in ``tmp_path/data`` (its own store, default settings), a runner and the operations."""
    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.operations import Operations
    from nexus_desktop.runtime.runner import Runner

    paths = AppPaths.resolve(tmp_path / "data")
    ws = Workspace(store=Store.open(f"sqlite+pysqlite:///{paths.database}"), settings=Settings(), paths=paths)
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    runner.shutdown()  # closes the store


@dataclass
class Toasts:
    """What the window's toast would show: each (text, undo, then); ``passes()`` lets the last
    one's time run out (what waited for it happens), ``undo()`` clicks its Undo."""

    shown: list[tuple[str, Callable[[], None], Callable[[], None] | None]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [text for text, _undo, _then in self.shown]

    def passes(self) -> None:
        _text, _undo, then = self.shown.pop()
        if then is not None:
            then()

    def undo(self) -> None:
        _text, undo, _then = self.shown.pop()
        undo()


def toasts_of(ctx) -> Toasts:
    toasts = Toasts()
    ctx.ops.undoable.connect(lambda text, undo, then: toasts.shown.append((text, undo, then)))
    return toasts
