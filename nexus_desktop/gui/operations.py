"""The creator's actions, one small method each.

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

import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..domain import jobs as job_states
from ..domain.errors import IllegalTransition, NexusError
from ..domain.stages import Stage
from ..pipeline.feed_discovery import find_feed
from ..pipeline.feeds import add_feeds, export_feeds
from ..pipeline.flow import Workspace
from ..pipeline import schedule as scheduling
from ..pipeline.harvest import HarvestReport
from ..runtime.events import JobsChanged
from ..runtime.feed_checks import FeedChecks, check_feeds_now
from ..runtime.runner import NETWORK, STORE, Runner
from ..store.posts import PostFilter
from ..store.views import JobView
from .formatting import count

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletionSummary:
    """What deleting jobs takes with it: disk space, and posts that would have gone out."""

    bytes: int
    posts: tuple[str, ...]  # "Export for YouTube, Mon 14 Dec 17:00"


def deletion_summary(ws: Workspace, job_ids: list[int]) -> DeletionSummary:
    """Read in the runner: the size of the jobs' folders and their posts still to go out."""
    total = 0
    for job_id in job_ids:
        folder = ws.paths.jobs / f"{job_id:06d}"  # not job_dir(): that would make the folder
        if folder.is_dir():
            total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    zone = scheduling.local_zone(ws.settings)
    going = [p for p in ws.store.posts.list(PostFilter(job_ids=tuple(job_ids)))
             if p.status.value in ("scheduled", "held", "failed", "draft")]
    return DeletionSummary(total, tuple(
        f"{p.target_name}, {scheduling.format_local(p.scheduled_at, zone) if p.scheduled_at else 'no time yet'}"
        for p in going))


class Operations(QObject):
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

    # -- feeds ------------------------------------------------------------------------------------

    def add_feeds(self, addresses: Iterable[str]) -> None:
        """Add feeds by URL, file or OPML, then check the new ones for articles."""
        wanted = [a.strip() for a in addresses if a.strip()]
        if not wanted:
            return

        def work() -> tuple[list[int], int, list[str], list[str]]:
            store, settings, problems, new_urls, known, accepted = self.ws.store, self.ws.settings, [], set(), 0, []
            for address in wanted:
                try:  # checked before anything is saved: what is not a feed is refused with the reason
                    found = find_feed(address, settings)
                    if found.opml:
                        added = [(one.url, one.created) for one in add_feeds(store, settings, address)]
                    else:
                        view, created = store.sources.add(found.url, found.title)
                        added = [(view.url, created)]
                except (NexusError, OSError) as exc:
                    problems.append(f"{address}: {exc}")
                    continue
                accepted.append(address)
                for url, created in added:
                    if created:
                        new_urls.add(url)
                    else:
                        known += 1
            return [s.id for s in store.sources.list() if s.url in new_urls], known, problems, accepted

        def done(result: tuple[list[int], int, list[str], list[str]]) -> None:
            new_ids, known, problems, accepted = result
            if accepted:
                self.feeds_added.emit(accepted)
            self.runner.notify_sources_changed()
            parts = [f"Added {count(len(new_ids), 'feed')}"] if new_ids else []
            if known:
                parts.append(f"{count(known, 'feed')} already there")
            if parts:
                self.told.emit("; ".join(parts))
            if problems:
                self.problem.emit("Some feeds could not be added", "\n".join(problems))
            if new_ids:
                self.harvest(new_ids)

        self.runner.submit(work, lane=NETWORK, description="Adding feeds", on_done=done,
                           on_failed=self._failed("Adding feeds"))

    def harvest(self, source_ids: list[int] | None = None) -> None:
        """Check feeds (all active ones, or these) for new articles; each becomes a job."""

        def done(report: HarvestReport) -> None:
            self.runner.notify_sources_changed()
            if report.new_jobs:
                self.runner.notify_jobs_changed(JobsChanged(added=True))
            text = f"Checked {count(len(report.outcomes), 'feed')}: {count(report.new_jobs, 'new job')}"
            if report.failed:
                text += f"; {count(len(report.failed), 'feed')} failed (see Feeds)"
            self.told.emit(text)

        ws, checks = self.ws, self.checks
        self.runner.submit(lambda: check_feeds_now(ws.store, ws.settings, checks, source_ids), lane=NETWORK,
                           description="Checking feeds", on_done=done, on_failed=self._failed("Checking feeds"))

    def export_opml(self, path: Path) -> None:
        self._store_work(lambda: export_feeds(self.ws.store, path), "Exporting feeds",
                         lambda _: self.told.emit(f"Feeds exported to {path}"))

    def set_feed_active(self, source_id: int, active: bool) -> None:
        self._store_work(lambda: self.ws.store.sources.set_active(source_id, active), "Switching a feed",
                         lambda _: self.runner.notify_sources_changed())

    def set_auto_approve(self, urls: list[str], on: bool) -> None:
        """Approve these feeds' videos by themselves (or stop); saved with the settings."""
        from .. import settings as settings_file

        chosen = [u for u in self.ws.settings.harvest.auto_approve_feeds if u not in urls] + (list(urls) if on else [])
        self.ws.settings.harvest.auto_approve_feeds = chosen
        settings, path = self.ws.settings.model_copy(deep=True), self.ws.paths.settings_file
        verb = "are approved by themselves" if on else "wait for your review again"
        self._store_work(lambda: settings_file.save(settings, path), "Saving settings",
                         lambda _: self.told.emit(f"Videos of {count(len(urls), 'feed')} {verb}"))

    def set_background_service(self, on: bool) -> None:
        """Install (or remove) the systemd user unit that runs nexus daemon at login."""
        from ..runtime import service

        paths = self.ws.paths
        self._store_work(lambda: service.install(paths) if on else service.uninstall(), "Background service",
                         lambda state: self.told.emit(state.message) if state.enabled or not on
                         else self.problem.emit("The background service is not running", state.message))

    def remove_feeds(self, source_ids: list[int]) -> None:
        """Forget feeds; the jobs already made from them stay."""

        def work() -> None:
            for source_id in source_ids:
                self.ws.store.sources.remove(source_id)

        def done(_: Any) -> None:
            self.runner.notify_sources_changed()
            self.told.emit(f"Removed {count(len(source_ids), 'feed')}; their jobs stay")

        self._store_work(work, "Removing feeds", done)

    # -- jobs ---------------------------------------------------------------------------------------

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

    # -- helpers ----------------------------------------------------------------------------------------

    def _transition(self, job_ids: list[int], event, verb: str, *args, then: Callable[[list[JobView]], None] | None = None) -> None:
        def done(outcome: tuple[list[JobView], dict[int, str]]) -> None:
            changed, refused = outcome
            self.runner.notify_jobs_changed(JobsChanged(tuple(job_ids)))
            if changed:
                self.told.emit(f"{count(len(changed), 'job').capitalize()} {verb}")
            self._tell_refused(verb, refused)
            if then is not None and changed:
                then(changed)

        self._store_work(lambda: self.ws.store.jobs.transition_many(job_ids, event, *args), f"Jobs {verb}", done)

    def _report(self, fn: Callable[[], scheduling.Report], job_ids: list[int], verb: str,
                undo: Callable[[tuple[int, ...]], None] | None = None) -> None:
        def done(report: scheduling.Report) -> None:
            self.runner.notify_jobs_changed(JobsChanged(tuple(job_ids)))
            if report.done:
                text = f"{count(len(report.done), 'job').capitalize()} {verb}"
                self.told.emit(text)
                if undo is not None:
                    self.undoable.emit(text, lambda: undo(report.done), None)
            self._tell_refused(verb, report.refused)

        self._store_work(fn, f"Jobs {verb}", done)

    def _tell_refused(self, verb: str, refused: dict[int, str]) -> None:
        if not refused:
            return
        reasons = sorted(set(refused.values()))
        title = f"{count(len(refused), 'job').capitalize()} could not be {verb}"
        self.problem.emit(title, "\n".join(reasons))

    def _store_work(self, fn: Callable[[], Any], description: str, on_done: Callable[[Any], None]) -> None:
        self.runner.submit(fn, lane=STORE, description=description, on_done=on_done, on_failed=self._failed(description),
                           keep_on_quit=True)

    def _failed(self, description: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, (NexusError, OSError, IllegalTransition)):  # refused or environment: say so
                self.problem.emit(f"{description} failed", str(exc))
                return
            raise exc  # a bug: on the main thread, so the crash dialog shows it

        return failed
