"""``nexus daemon`` with a broker set: production goes to the farm, as from the window
and ``nexus run``.

The daemon sends each queued job's next stage once; from there the workers send
the job's later stages themselves (``tasks.run_task``) and sweep up what the
broker lost. The daemon follows the jobs it sent in the store and hands each one
that leaves production (waiting for review, failed, cancelled) to ``on_job``, which
prints it and approves it when its feed approves by itself. A job queued again
later (retried, redone) is sent again. A broker that does not answer is waited
for: the jobs stay queued and are sent once it answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION
from ..pipeline.flow import Workspace
from ..store.views import JobView
from .config import redacted
from .dispatch import enqueue

log = logging.getLogger("nexus_desktop.farm")

POLL_SECONDS = 2.0
IN_PRODUCTION = (JobStatus.QUEUED, JobStatus.RUNNING)


class FarmProduction:
    """What the daemon's production thread does when a broker is set."""

    def __init__(self, ws: Workspace, app, *, on_job: Callable[[JobView], None] = lambda v: None,
                 say: Callable[[str], None] = print) -> None:
        self.ws, self.app, self.on_job, self.say = ws, app, on_job, say
        self.following: set[int] = set()  # jobs sent to the farm and not yet out of production
        self.waiting_for_broker = False

    def send_new(self) -> list[int]:
        """Send the next stage of every queued job the daemon does not follow yet."""
        new = [job_id for job_id in self.ws.store.jobs.runnable_ids() if job_id not in self.following]
        if not new:
            return []
        try:
            sent = enqueue(self.app, self.ws, new)
        except Exception as exc:  # the broker is away: the jobs stay queued, sent once it answers
            if not self.waiting_for_broker:
                self.say(f"nexus daemon: the farm's broker at {redacted(self.ws.settings.farm.broker_url)} is not "
                         f"answering ({exc}); {len(new)} job(s) wait for it")
            self.waiting_for_broker = True
            return []
        if self.waiting_for_broker:
            self.say("nexus daemon: the farm's broker answers again")
            self.waiting_for_broker = False
        for job_id, stage in sent:
            self.say(f"job {job_id}: {stage.value} sent to the farm")
            self.following.add(job_id)
        return [job_id for job_id, _ in sent]

    def collect_finished(self) -> list[JobView]:
        """The followed jobs that left production, each handed to ``on_job``."""
        if not self.following:
            return []
        views = {view.id: view for view in self.ws.store.jobs.get_many(sorted(self.following))}
        self.following &= set(views)  # deleted meanwhile: nothing to report
        done = [v for v in views.values() if v.status not in IN_PRODUCTION or v.stage not in PRODUCTION]
        for view in done:
            self.following.discard(view.id)
            try:
                self.on_job(view)
            except Exception:
                log.exception("job %s: what follows its production failed", view.id)
        return done

    def run(self, stop: threading.Event, wake: threading.Event, poll: float = POLL_SECONDS) -> None:
        while not stop.is_set():
            wake.clear()
            try:
                self.send_new()
                self.collect_finished()
            except Exception:
                log.exception("sending jobs to the farm failed; trying again in %.0f s", poll)
            wake.wait(poll)
