"""The creator's actions on jobs, one function each: run, retry, cancel, approve, reject,
reopen, delete, edit the script.

Each builds its op and starts it; the work runs in the runner, the change set is
announced once it is done (see ``base``). Views call them with the ``AppContext``::

    jobs.approve(ctx, [job_id])
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ...domain import jobs as job_states
from ...domain.stages import Stage
from ...pipeline import schedule as scheduling
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from ..formatting import count
from .base import CollectionOp, Outcome, refused

if TYPE_CHECKING:
    from ..app_context import AppContext


def _jobs(ids: Iterable[int]) -> Changed:
    return Changed(jobs=frozenset(ids))


def run(ctx: AppContext, job_ids: list[int]) -> None:
    """Advance these queued jobs as far as the stages go (the runner reads them in its read lane)."""
    ctx.runner.run(job_ids)
    ctx.ops.told.emit(f"Running {count(len(job_ids), 'job')}")


def run_all(ctx: AppContext) -> None:
    ctx.runner.run_all_queued()
    ctx.ops.told.emit("Running every queued job")


def cancel(ctx: AppContext, job_ids: list[int]) -> None:
    """Stop these jobs: the runner tells a running stage to stop and marks idle ones cancelled."""
    ctx.runner.cancel(job_ids, on_refused=lambda reasons: ctx.ops.problem.emit(*refused("cancelled", reasons)))


def _transition(ctx: AppContext, job_ids: list[int], event, verb: str) -> CollectionOp:
    ids = list(job_ids)

    def op(ws: Workspace) -> Outcome[tuple[int, ...]]:
        changed, reasons = ws.store.jobs.transition_many(ids, event)
        told = f"{count(len(changed), 'job').capitalize()} {verb}" if changed else ""
        return Outcome(_jobs(ids), told, refused(verb, reasons), tuple(v.id for v in changed))

    return CollectionOp(ctx, op, f"Jobs {verb}")


def retry(ctx: AppContext, job_ids: list[int]) -> None:
    """Put failed or cancelled jobs back in the queue, then run them."""
    _transition(ctx, job_ids, job_states.retry, "retried").success(
        lambda outcome: ctx.runner.run(outcome.value) if outcome.value else None).run_in_background()


def reopen(ctx: AppContext, job_ids: list[int]) -> None:
    """A rejected job waits for review again."""
    _transition(ctx, job_ids, job_states.reopen, "reopened").run_in_background()


def _scheduled(ctx: AppContext, fn, job_ids: list[int], verb: str, undo) -> None:
    """Approve or reject through the scheduler; the toast offers Undo for the jobs it took."""
    ids = list(job_ids)

    def op(ws: Workspace) -> Outcome[tuple[int, ...]]:
        report = fn(ws)
        told = f"{count(len(report.done), 'job').capitalize()} {verb}" if report.done else ""
        return Outcome(_jobs(ids), told, refused(verb, report.refused), tuple(report.done))

    def done(outcome: Outcome[tuple[int, ...]]) -> None:
        if outcome.value:
            ctx.ops.undoable.emit(outcome.told, lambda: undo(ctx, list(outcome.value)), None)

    CollectionOp(ctx, op, f"Jobs {verb}").success(done).run_in_background()


def approve(ctx: AppContext, job_ids: list[int], *, targets: list[int] | None = None) -> None:
    """Approve for the calendar: a draft post per default target, or per one of ``targets``
    when the creator picked them (Undo: back to review)."""

    def work(ws: Workspace) -> scheduling.Report:
        report = scheduling.approve_jobs(ws, job_ids)
        if targets is not None:
            for job_id in report.done:
                scheduling.choose_targets(ws, job_id, targets)
        return report

    _scheduled(ctx, work, job_ids, "approved", back_to_review)


def reject(ctx: AppContext, job_ids: list[int], reason: str) -> None:
    """Reject with a reason; posts that have not gone out are dropped (Undo: reopen)."""
    _scheduled(ctx, lambda ws: scheduling.reject_jobs(ws, job_ids, reason), job_ids, "rejected", reopen)


def back_to_review(ctx: AppContext, job_ids: list[int], why: str = "approval undone") -> None:
    """Take an approval back: its posts that have not gone out are dropped, the job waits for review."""
    ids = list(job_ids)

    def op(ws: Workspace) -> Outcome[None]:
        scheduling.reject_jobs(ws, ids, why)
        changed, reasons = ws.store.jobs.transition_many(ids, job_states.reopen)
        told = f"{count(len(changed), 'job').capitalize()} back to review" if changed else ""
        return Outcome(_jobs(ids), told, refused("taken back", reasons))

    CollectionOp(ctx, op, "Undoing an approval").run_in_background()


def delete(ctx: AppContext, job_ids: list[int], freed: str = "") -> None:
    """Delete jobs with their files and posts. The rows go at once; the deletion itself waits
    for the toast's Undo to pass (or the quit)."""
    ids = tuple(job_ids)
    ctx.runner.announce(Changed(removed=frozenset(ids)))

    def op(ws: Workspace) -> Outcome[None]:
        deleted = ws.store.jobs.delete(ids)
        for job_id in ids:
            shutil.rmtree(ws.paths.jobs / f"{job_id:06d}", ignore_errors=True)
        # The rows went when asked; naming the jobs once more lets the table see them gone for good.
        return Outcome(_jobs(ids), f"Deleted {count(deleted, 'job')}" + (f"; {freed} freed" if freed else ""))

    text = f"Deleted {count(len(ids), 'job')}" + (f" ({freed})" if freed else "")
    ctx.ops.undoable.emit(text, lambda: ctx.runner.announce(_jobs(ids)),
                          lambda: CollectionOp(ctx, op, "Deleting jobs").run_in_background())


def edit_script(ctx: AppContext, job_id: int, script: dict[str, Any], redo: frozenset[Stage]) -> None:
    """Store the creator's script; redo the stages the edit affects, then run the job."""

    def op(ws: Workspace) -> Outcome[None]:
        analyzed = dict(ws.store.jobs.results(job_id).get(Stage.ANALYZE.value) or {})
        analyzed["script"] = script
        view = ws.store.jobs.edit_results(job_id, Stage.ANALYZE, analyzed, redo)
        names = " and ".join(sorted(s.value for s in redo))
        return Outcome(_jobs((job_id,)), f"Script saved; redoing {names} for «{view.title}»" if redo else "Script saved")

    CollectionOp(ctx, op, "Saving the script").success(
        lambda _: ctx.runner.run([job_id]) if redo else None).run_in_background()
