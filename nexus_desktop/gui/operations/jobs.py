"""The creator's actions on jobs: run, retry, cancel, approve, reject, restore, delete, edit the script."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from ...domain import jobs as job_states
from ...domain.stages import Stage
from ...pipeline import schedule as scheduling
from ...runtime.events import JobsChanged
from ...store.views import JobView
from ..formatting import count

log = logging.getLogger(__name__)


class JobActions:
    """Mixed into ``Operations``: needs ``ws``, ``runner`` and the helpers of ``Base``."""


    def run(self, job_ids: list[int]) -> None:
        self.runner.run(job_ids)
        self.told.emit(f"Running {count(len(job_ids), 'job')}")

    def run_all(self) -> None:
        self.runner.run_all_queued()
        self.told.emit("Running every queued job")

    def retry(self, job_ids: list[int]) -> None:
        self._transition(job_ids, job_states.retry, "retried", then=lambda views: self.runner.run([v.id for v in views]))

    def cancel(self, job_ids: list[int]) -> None:
        self.runner.cancel(job_ids, on_refused=lambda refused: self._tell_refused("cancelled", refused))

    def approve(self, job_ids: list[int], *, targets: list[int] | None = None) -> None:
        """Approve for the calendar: each job gets a draft post per default target, or per one of
        ``targets`` when the creator picked them (Undo: back to review)."""

        def work() -> scheduling.Report:
            report = scheduling.approve_jobs(self.ws, job_ids)
            if targets is not None:
                for job_id in report.done:
                    scheduling.choose_targets(self.ws, job_id, targets)
            return report

        self._report(work, job_ids, "approved", undo=lambda done: self._back_to_review(done, "approval undone"))

    def reject(self, job_ids: list[int], reason: str) -> None:
        """Reject with a reason; posts that have not gone out are dropped (Undo: back to review)."""
        self._report(lambda: scheduling.reject_jobs(self.ws, job_ids, reason), job_ids, "rejected",
                     undo=lambda done: self.reopen(list(done)))

    def _back_to_review(self, job_ids, why: str) -> None:
        """Take an approval back: its posts that have not gone out are dropped, the job waits for review."""
        ids = list(job_ids)

        def work() -> tuple[list[JobView], dict[int, str]]:
            scheduling.reject_jobs(self.ws, ids, why)
            return self.ws.store.jobs.transition_many(ids, job_states.reopen)

        def done(outcome) -> None:
            changed, refused = outcome
            self.runner.notify_jobs_changed(JobsChanged(tuple(ids)))
            if changed:
                self.told.emit(f"{count(len(changed), 'job').capitalize()} back to review")
            self._tell_refused("taken back", refused)

        self._store_work(work, "Undoing an approval", done)

    def reopen(self, job_ids: list[int]) -> None:
        self._transition(job_ids, job_states.reopen, "reopened")

    def delete(self, job_ids: list[int], freed: str = "") -> None:
        """Delete jobs with their files and posts. The rows go at once; the deletion itself
        waits for the toast's Undo to pass (or the quit)."""
        ids = tuple(job_ids)
        self.runner.notify_jobs_changed(JobsChanged(removed=ids))

        def work() -> int:
            deleted = self.ws.store.jobs.delete(ids)
            for job_id in ids:
                shutil.rmtree(self.ws.paths.jobs / f"{job_id:06d}", ignore_errors=True)
            return deleted

        def done(deleted: int) -> None:
            self.runner.notify_jobs_changed(JobsChanged(removed=ids))
            self.told.emit(f"Deleted {count(deleted, 'job')}" + (f"; {freed} freed" if freed else ""))

        text = f"Deleted {count(len(ids), 'job')}" + (f" ({freed})" if freed else "")
        self.undoable.emit(text, lambda: self.runner.notify_jobs_changed(JobsChanged(ids)),
                           lambda: self._store_work(work, "Deleting jobs", done))

    def edit_script(self, job_id: int, script: dict[str, Any], redo: frozenset[Stage]) -> None:
        """Store the creator's script; redo the stages the edit affects, then run the job."""

        def work() -> JobView:
            analyzed = dict(self.ws.store.jobs.results(job_id).get(Stage.ANALYZE.value) or {})
            analyzed["script"] = script
            return self.ws.store.jobs.edit_results(job_id, Stage.ANALYZE, analyzed, redo)

        def done(view: JobView) -> None:
            self.runner.notify_jobs_changed(JobsChanged((job_id,)))
            if redo:
                self.runner.run([job_id])
                names = " and ".join(sorted(s.value for s in redo))
                self.told.emit(f"Script saved; redoing {names} for «{view.title}»")
            else:
                self.told.emit("Script saved")

        self._store_work(work, "Saving the script", done)

