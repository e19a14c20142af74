"""The creator's actions, one small method each (Anki's aqt/operations, our way).

One module per area: ``feeds``, ``jobs``; ``deletion`` reads what a delete takes
with it; ``base`` runs work in the runner's lanes and reports.

Each starts its work in the runner's pool (database writes in the serial
"store" lane, feed look-ups in the "network" lane), then on the main thread
announces what changed (``jobs_changed``/``sources_changed``) so the views
re-read just that, and says how it went: ``told`` for a line in the status
bar, ``problem`` for something the creator should read and act on. A bug is
raised on the main thread, where the crash dialog shows it.

Signals:
    told(str): a short outcome, for the status bar.
    problem(str, str): a title and a text a person must read (refused actions, bad feeds).
    feeds_added(list): the addresses, as typed or dropped, that became feeds (or were already).
    undoable(str, object, object): what was done, how to undo it (a callable) and what
        to do once it can no longer be undone (a callable or None): for the toast.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ...pipeline.flow import Workspace
from ...runtime.feed_checks import FeedChecks
from ...runtime.runner import Runner
from .base import Base
from .deletion import DeletionSummary, deletion_summary
from .feeds import FeedActions
from .jobs import JobActions

__all__ = ["Operations", "DeletionSummary", "deletion_summary"]


class Operations(QObject, FeedActions, JobActions, Base):
    told = Signal(str)
    problem = Signal(str, str)
    undoable = Signal(str, object, object)
    feeds_added = Signal(list)  # the addresses (as given) that were added or already there

    def __init__(self, ws: Workspace, runner: Runner, parent: QObject | None = None, *,
                 checks: FeedChecks | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.runner = runner
        self.checks = checks or FeedChecks(ws.paths.data)  # shared with the Autopilot: one backoff per feed
