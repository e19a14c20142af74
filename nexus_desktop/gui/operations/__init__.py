"""The creator's actions as operations (Anki's ``aqt/operations``): one small function each.

- ``jobs``: run, retry, cancel, approve, reject, reopen, back to review, delete, edit the script;
- ``feeds``: add, check, switch, remove, export, auto-approve, the background service;
- ``posts``: move, take the time away, publish now, schedule all, mark published, choose
  where a job goes, edit the texts, posting times (the calendar and the Publish tab);
- ``targets``: a target's posting options, an account's target;
- ``analytics``: export a period's figures as CSV;
- ``accounts``: read the accounts and the secret store, connect (``SignIn``), refresh a token,
  disconnect (Undo while the toast shows), open the passphrase vault;
- ``health``: the Health report, and the clean-up of old jobs' intermediate files (Undo first);
- ``settings``: what the keyring keeps, and saving the settings file, database password and keys;
- ``shots``: change a shot in a job's shot list, put it back, re-render with the creator's shots;
- ``reads``: what the preview and its panels show, read in the runner's read lane;
- ``deletion``: what a delete takes with it, read before the creator is asked;
- ``base``: ``CollectionOp`` / ``QueryOp``, the ``Outcome`` an op returns, and ``Operations``,
  where operations report to the window (``told``, ``problem``, ``undoable``, ``feeds_added``).

An action is called with the ``AppContext`` (``jobs.approve(ctx, ids)``). Its work runs in
the runner, never on the GUI thread, and returns an ``Outcome`` whose frozen change set
(``runtime.events.Changed``) is announced on ``Runner.changed``, the one signal every
view refreshes from.
"""

from __future__ import annotations

from . import accounts, analytics, feeds, health, jobs, posts, reads, settings, shots, targets
from .base import CollectionOp, Operations, Outcome, QueryOp
from .deletion import DeletionSummary, deletion_summary

__all__ = ["CollectionOp", "DeletionSummary", "Operations", "Outcome", "QueryOp", "accounts", "analytics",
           "deletion_summary", "feeds", "health", "jobs", "posts", "reads", "settings", "shots", "targets"]
