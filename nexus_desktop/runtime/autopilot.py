"""The app running by itself in the window: feeds checked on an interval, new and
interrupted jobs made into videos without Run, chosen feeds approved by themselves.

``nexus daemon`` does the same without an event loop (cli/daemon.py), over the
same functions: ``check_due_feeds`` and ``auto_approve``.

Signals:
    checked(HarvestReport): a check by the clock found something (new jobs or failures).
    approved(Report): jobs of an auto-approve feed were approved and placed on the calendar.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from sqlalchemy import select

from ..domain.jobs import JobStatus
from ..pipeline import schedule as scheduling
from ..pipeline.flow import Workspace
from ..pipeline.harvest import HarvestReport
from ..store.models import Item, Job, Source
from .events import Changed, JobDone
from .feed_checks import FeedChecks, check_due_feeds, check_interval, tick_seconds
from .lanes import NETWORK, STORE
from .runner import Runner

log = logging.getLogger(__name__)

def feed_urls(store, job_ids: Iterable[int]) -> dict[int, str]:
    """The address of the feed each job came from (jobs of a removed feed are left out)."""
    ids = list(job_ids)
    if not ids:
        return {}
    with store.db.read() as session:
        rows = session.execute(
            select(Job.id, Source.url).join(Item, Job.item_id == Item.id).join(Source, Item.source_id == Source.id)
            .where(Job.id.in_(ids))
        ).all()
    return {job_id: url for job_id, url in rows}


def auto_approve(ws: Workspace, job_ids: Iterable[int]) -> scheduling.Report | None:
    """Approve the jobs (waiting for review) of the feeds the creator chose, and give their
    posts the next free times; None when no job qualifies."""
    wanted = set(ws.settings.harvest.auto_approve_feeds)
    if not wanted:
        return None
    chosen = [j for j, url in feed_urls(ws.store, job_ids).items() if url in wanted]
    ready = [v.id for v in ws.store.jobs.get_many(chosen) if v.status is JobStatus.AWAITING_REVIEW]
    if not ready:
        return None
    report = scheduling.approve_jobs(ws, ready, place=True)
    for job_id, why in report.refused.items():
        log.warning("job %s could not be approved by itself: %s", job_id, why)
    return report


class Autopilot(QObject):
    checked = Signal(object)
    approved = Signal(object)

    def __init__(self, ws: Workspace, runner: Runner, checks: FeedChecks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.checks = ws, runner, checks
        self._checking = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        runner.changed.connect(self._on_changed)
        runner.job_finished.connect(self._on_job_finished)

    def start(self) -> None:
        """Resume what was interrupted (when jobs run by themselves) and start the clock."""
        if self.ws.settings.harvest.auto_run:
            self.runner.run_all_queued()
        self.apply_settings()
        QTimer.singleShot(0, self._on_tick)

    def stop(self) -> None:
        self._timer.stop()

    def apply_settings(self) -> None:
        self._timer.setInterval(int(tick_seconds(self.ws.settings) * 1000))
        self._timer.start()

    @property
    def checking(self) -> bool:
        return self._checking

    @Slot()
    def _on_tick(self) -> None:
        if self._checking or check_interval(self.ws.settings) is None:
            return
        self._checking = True
        ws, checks = self.ws, self.checks
        self.runner.submit(lambda: check_due_feeds(ws.store, ws.settings, checks), lane=NETWORK,
                           on_done=self._on_checked, on_failed=self._on_check_failed)

    def _on_checked(self, report: HarvestReport) -> None:
        self._checking = False
        if not report.outcomes:
            return
        self.runner.announce(Changed(feeds=True, added=bool(report.new_jobs)))
        if report.new_jobs or report.failed:
            self.checked.emit(report)

    def _on_check_failed(self, error: BaseException) -> None:
        self._checking = False
        log.warning("checking the feeds by themselves failed: %s", error)

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if change.added and self.ws.settings.harvest.auto_run:
            self.runner.run_all_queued()

    @Slot(JobDone)
    def _on_job_finished(self, done: JobDone) -> None:
        if done.status is not JobStatus.AWAITING_REVIEW or not self.ws.settings.harvest.auto_approve_feeds:
            return
        self.runner.submit(lambda: auto_approve(self.ws, [done.job_id]), lane=STORE, on_done=self._on_approved)

    def _on_approved(self, report: scheduling.Report | None) -> None:
        if report is not None and report.done:
            self.runner.announce(Changed(jobs=frozenset(report.done)))
            self.approved.emit(report)
