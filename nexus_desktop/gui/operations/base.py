"""Running an operation off the GUI thread and announcing its one change set.

The shape is Anki's ``aqt/operations``: an action is a small function that builds a
``CollectionOp`` around a plain function of the workspace. ``run_in_background()``
runs that function in the runner's pool (never on the GUI thread), and back on the
main thread the op announces the ``Outcome``'s change set on ``Runner.changed``,
tells the status bar, shows a refusal, then calls ``success``. A ``QueryOp`` is the
same for reads: it runs in the read lane and changes nothing.

Failures: a refusal or an environment error (``NexusError``, ``OSError``,
``IllegalTransition``) goes to ``failure`` when given, else to the window as a
problem the creator reads; anything else is a bug and is raised on the main
thread, where the crash dialog shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from ...domain.errors import IllegalTransition, NexusError
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from ...runtime.lanes import READ, STORE
from ...runtime.runner import Runner
from ..formatting import count

if TYPE_CHECKING:
    from ...runtime.feed_checks import FeedChecks
    from ..app_context import AppContext

log = logging.getLogger(__name__)
T = TypeVar("T")
EXPECTED = (NexusError, OSError, IllegalTransition)  # refused, or the environment: said, not crashed


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What an operation returns from the runner: one change set, and what to say about it."""

    changes: Changed = Changed()
    told: str = ""  # a line for the status bar
    problem: tuple[str, str] | None = None  # (title, text) a person must read: refusals, bad feeds
    value: T | None = None  # what the success callback needs (frozen: tuples, views)


def reason(exc: BaseException) -> str:
    """The sentence of a failure: a database error's own message, without the SQL and links
    the driver wraps it in."""
    inner = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's error here
    return str(inner or exc) or type(exc).__name__


def refused(verb: str, reasons: dict[int, str]) -> tuple[str, str] | None:
    """The problem to show when some jobs could not be ``verb`` (None when all could)."""
    if not reasons:
        return None
    return f"{count(len(reasons), 'job').capitalize()} could not be {verb}", "\n".join(sorted(set(reasons.values())))


class Operations(QObject):
    """Where operations report, for the window: one per app, held by ``AppContext.ops``.

    It holds no actions (those are the functions of this package); it carries what the
    creator is told. ``changed`` itself is the runner's.

    Signals:
        told(str): a short outcome, for the status bar.
        problem(str, str): a title and a text a person must read (refused actions, bad feeds).
        feeds_added(list): the addresses, as typed or dropped, that became feeds (or were already).
        undoable(str, object, object): what was done, how to undo it (a callable) and what
            to do once it can no longer be undone (a callable or None): for the toast.
    """

    told = Signal(str)
    problem = Signal(str, str)
    undoable = Signal(str, object, object)
    feeds_added = Signal(list)

    def __init__(self, ws: Workspace, runner: Runner, parent: QObject | None = None, *,
                 checks: FeedChecks | None = None) -> None:
        from ...runtime.feed_checks import FeedChecks

        super().__init__(parent)
        self.ws = ws
        self.runner = runner
        self.checks = checks or FeedChecks(ws.paths.data)  # shared with the Autopilot: one backoff per feed


def _alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a widget Qt has deleted since the op began (a dialog
    closed while its save ran): the change is still announced, the widget is not called."""
    owner = getattr(callback, "__self__", None)
    return not (isinstance(owner, QObject) and not shiboken6.isValid(owner))


class _Op(Generic[T]):
    _lane = STORE

    def __init__(self, ctx: AppContext, op: Callable[[Workspace], Any], description: str) -> None:
        self.ctx = ctx
        self._op = op
        self.description = description
        self._success: Callable[[Any], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None
        self._expected: tuple[type[BaseException], ...] = EXPECTED

    def success(self, fn: Callable[[Any], Any] | None):
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], Any] | None):
        self._failure = fn
        return self

    def expecting(self, *kinds: type[BaseException]):
        """Also say, not crash on, these (``LookupError``: the post or job went meanwhile)."""
        self._expected = (*self._expected, *kinds)
        return self

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, self._expected):
            raise exc  # a bug: on the main thread, so the crash dialog shows it
        if self._failure is not None:
            if _alive(self._failure):
                self._failure(exc)
        else:
            self.ctx.ops.problem.emit(f"{self.description} failed", reason(exc))


class CollectionOp(_Op[T]):
    """An action that changes things: ``op(ws) -> Outcome`` runs in a runner lane (the
    serial store lane by default, where the creator's writes never race)."""

    def run_in_background(self, *, lane: str = STORE) -> None:
        ws, op = self.ctx.ws, self._op
        self.ctx.runner.submit(lambda: op(ws), lane=lane, description=self.description, on_done=self._done,
                               on_failed=self._failed, keep_on_quit=lane == STORE)

    def _done(self, outcome: Outcome[T]) -> None:
        ops = self.ctx.ops
        self.ctx.runner.announce(outcome.changes)
        if outcome.told:
            ops.told.emit(outcome.told)
        if outcome.problem is not None:
            ops.problem.emit(*outcome.problem)
        if self._success is not None and _alive(self._success):
            self._success(outcome)


class QueryOp(_Op[T]):
    """A read for what a view shows: ``op(ws) -> value`` runs in the read lane; ``success(value)``
    runs on the main thread. Reads are dropped, not waited for, when the app quits.

    A view that gives ``failure`` shows every failed read in place (a locked or damaged
    database is the environment, not a bug the crash dialog should show)."""

    def _failed(self, exc: BaseException) -> None:
        if self._failure is not None and isinstance(exc, Exception):
            if _alive(self._failure):
                self._failure(exc)
            return
        super()._failed(exc)

    def run_in_background(self, *, lane: str = READ) -> None:
        ws, op = self.ctx.ws, self._op
        self.ctx.runner.submit(lambda: op(ws), lane=lane, description=self.description,
                               on_done=self._success, on_failed=self._failed)
