"""The creator's actions on a job's shot list, one function each: change a shot (remove, its
kind, its photo, restore), put a removed shot back (the toast's Undo), re-render with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...pipeline import shot_edits
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from .base import CollectionOp, Outcome

if TYPE_CHECKING:
    from ..app_context import AppContext


def _job(job_id: int) -> Changed:
    return Changed(jobs=frozenset({job_id}))


def change(ctx: AppContext, job_id: int, number: int, *, failure: Callable[[BaseException], Any], **what: Any) -> None:
    """Store one change (``remove``, ``kind``, ``photo`` or ``restore``); a removed shot offers
    Undo in the toast, which puts it back."""

    def op(ws: Workspace) -> Outcome:
        made = shot_edits.change(ws, job_id, number, **what)
        text = f"{made.message}; re-render to see it"
        return Outcome(_job(job_id), "" if what.get("remove") else text, value=(text, made))

    def done(outcome: Outcome) -> None:
        text, made = outcome.value
        if what.get("remove"):
            ctx.ops.undoable.emit(text, lambda: put_back(ctx, job_id, made.before, failure=failure), None)

    CollectionOp(ctx, op, "Changing a shot").success(done).failure(failure).run_in_background()


def put_back(ctx: AppContext, job_id: int, before: Any, *, failure: Callable[[BaseException], Any]) -> None:
    def op(ws: Workspace) -> Outcome:
        shot_edits.put_back(ws, job_id, before)
        return Outcome(_job(job_id), "Shot put back")

    CollectionOp(ctx, op, "Undoing").failure(failure).run_in_background()


def rerender(ctx: AppContext, job_id: int, *, failure: Callable[[BaseException], Any]) -> None:
    """Redo only this job's visualize and render stages with the creator's shots, then run it."""

    def op(ws: Workspace) -> Outcome:
        view = shot_edits.rerender(ws, job_id)
        return Outcome(_job(job_id), f"Re-rendering «{view.title}» with your shots")

    CollectionOp(ctx, op, "Re-rendering").success(lambda _: ctx.runner.run([job_id])).failure(
        failure).run_in_background()
