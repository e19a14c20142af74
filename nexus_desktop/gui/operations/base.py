"""What every action shares: running in the runner's lanes and saying how it went."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ...domain.errors import IllegalTransition, NexusError
from ...pipeline import schedule as scheduling
from ...runtime.events import JobsChanged
from ...runtime.runner import STORE
from ...store.views import JobView
from ..formatting import count

log = logging.getLogger(__name__)


class Base:
    """Mixed into ``Operations`` (which holds the signals ``told``, ``problem``, ``undoable``)."""


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

