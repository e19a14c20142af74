"""The runner: stages in the pool, typed signals on the main thread, lanes, cancel, pause, quit."""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QThread

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.runtime.events import JobDone, JobFailed, JobProgress
from nexus_desktop.runtime.runner import Runner


@pytest.fixture
def runner(ws, qapp):  # noqa: F811
    made = Runner(ws)
    yield made
    made.shutdown(timeout=5)


class Recorder:
    """Collects the runner's signals and checks each arrives on the main thread."""

    def __init__(self, runner: Runner) -> None:
        self.progress: list[JobProgress] = []
        self.done: list[JobDone] = []
        self.failed: list[JobFailed] = []
        self.off_main_thread = 0
        runner.job_progressed.connect(lambda e: self._keep(self.progress, e))
        runner.job_finished.connect(lambda e: self._keep(self.done, e))
        runner.job_failed.connect(lambda e: self._keep(self.failed, e))

    def _keep(self, into: list, event) -> None:
        if QThread.currentThread() is not QCoreApplication.instance().thread():
            self.off_main_thread += 1
        into.append(event)


def test_jobs_run_to_review_with_progress_on_the_main_thread(qtbot, runner, ws, add_jobs, fake_stages):  # noqa: F811
    fake_stages.seconds = 0.15  # long enough for a progress tick per stage
    ids = add_jobs(2)
    seen = Recorder(runner)
    runner.run(ids)
    qtbot.waitUntil(lambda: len(seen.done) == 2, timeout=10_000)
    assert {d.job_id for d in seen.done} == set(ids)
    assert all(d.status is JobStatus.AWAITING_REVIEW for d in seen.done)
    assert [ws.store.jobs.get(i).status for i in ids] == [JobStatus.AWAITING_REVIEW] * 2
    assert seen.progress and {p.job_id for p in seen.progress} == set(ids)
    assert seen.off_main_thread == 0
    assert [s for j, s in fake_stages.calls if j == ids[0]] == [Stage.ANALYZE, Stage.NARRATE, Stage.VISUALIZE, Stage.RENDER]
    qtbot.waitUntil(lambda: runner.state().idle)


@pytest.mark.expect_log("narrate failed")
def test_a_failed_stage_is_reported_with_its_reason(qtbot, runner, ws, add_jobs, fake_stages):  # noqa: F811
    (job_id,) = add_jobs(1)
    fake_stages.fail_at[job_id] = Stage.NARRATE
    seen = Recorder(runner)
    with qtbot.waitSignal(runner.job_failed, timeout=10_000):
        runner.run([job_id])
    (failed,) = seen.failed
    assert failed.stage is Stage.NARRATE and failed.reason.startswith("feed returned 404")
    job = ws.store.jobs.get(job_id)
    assert job.status is JobStatus.FAILED and job.status_text.startswith("Failed: feed returned 404")


def test_cancel_stops_a_running_stage_within_a_second(qtbot, runner, ws, add_jobs, fake_stages):  # noqa: F811
    fake_stages.seconds = 60
    (job_id,) = add_jobs(1)
    runner.run([job_id])
    qtbot.waitUntil(fake_stages.started.is_set, timeout=5_000)
    started = time.monotonic()
    with qtbot.waitSignal(runner.job_finished, timeout=1_000) as blocker:
        runner.cancel([job_id])
    assert time.monotonic() - started < 1.0
    assert blocker.args[0].status is JobStatus.CANCELLED
    assert ws.store.jobs.get(job_id).status is JobStatus.CANCELLED


def test_cancelling_a_waiting_job_marks_it_cancelled(qtbot, runner, ws, add_jobs, fake_stages):  # noqa: F811
    ids = add_jobs(2)
    runner.pause()
    runner.run(ids)
    qtbot.waitUntil(lambda: runner.state().waiting == 2)
    with qtbot.waitSignal(runner.job_finished, timeout=5_000):
        runner.cancel([ids[1]])
    assert ws.store.jobs.get(ids[1]).status is JobStatus.CANCELLED
    assert runner.state().waiting == 1


def test_progress_is_throttled(qtbot, ws, add_jobs, monkeypatch, qapp):  # noqa: F811
    from nexus_desktop.pipeline import flow
    from nexus_desktop.pipeline.context import StageOutput

    reported, lasted = [], []

    def chatty(stage):
        def run(ctx):
            started = time.monotonic()
            count = 0
            while count < 200 or time.monotonic() - started < 0.3:  # far more than 10 reports a second
                ctx.progress(50, "busy")
                reported.append(1)
                count += 1
                time.sleep(0.0005)
            lasted.append(time.monotonic() - started)
            return StageOutput(results={})

        return run

    monkeypatch.setattr(flow, "stage_function", chatty)
    runner = Runner(ws, progress_interval_ms=100)
    seen = Recorder(runner)
    (job_id,) = add_jobs(1)
    with qtbot.waitSignal(runner.job_finished, timeout=30_000):
        runner.run([job_id])
    runner.shutdown(timeout=5)
    assert len(reported) >= 4 * 200 and len(lasted) == 4
    # at most one report per 100 ms of each stage (plus its first and last), however busy the machine
    allowed = sum(int(seconds / 0.1) + 2 for seconds in lasted)
    assert 0 < len(seen.progress) <= allowed < len(reported)


def test_pause_holds_the_queue_and_resume_runs_it(qtbot, runner, ws, add_jobs, fake_stages):  # noqa: F811
    (job_id,) = add_jobs(1)
    runner.pause()
    runner.run([job_id])
    qtbot.waitUntil(lambda: runner.state().waiting == 1, timeout=5_000)
    qtbot.wait(300)  # nothing to wait for: the point is that no stage starts while the queue is paused
    assert fake_stages.calls == [] and runner.state().paused and runner.state().waiting == 1
    with qtbot.waitSignal(runner.job_finished, timeout=10_000):
        runner.resume()
    assert ws.store.jobs.get(job_id).status is JobStatus.AWAITING_REVIEW


def test_renders_run_one_at_a_time(qtbot, ws, add_jobs, monkeypatch, qapp):  # noqa: F811
    from nexus_desktop.pipeline import flow
    from nexus_desktop.pipeline.context import StageOutput

    lock, now, most = threading.Lock(), [0], [0]

    def stage_function(stage):
        def run(ctx):
            if stage is Stage.RENDER:
                with lock:
                    now[0] += 1
                    most[0] = max(most[0], now[0])
                time.sleep(0.1)  # the render's own work: long enough for a second one to overlap if allowed
                with lock:
                    now[0] -= 1
            return StageOutput(results={})

        return run

    monkeypatch.setattr(flow, "stage_function", stage_function)
    assert ws.settings.render.concurrent_renders == 1
    runner = Runner(ws)
    seen = Recorder(runner)
    runner.run(add_jobs(3))
    qtbot.waitUntil(lambda: len(seen.done) == 3, timeout=10_000)
    runner.shutdown(timeout=5)
    assert most[0] == 1


@pytest.mark.expect_log("failed")
def test_background_tasks_report_results_and_failures(qtbot, runner):
    results, errors = [], []
    runner.submit(lambda: 41 + 1, on_done=results.append)
    runner.submit(lambda: 1 / 0, on_failed=errors.append)
    qtbot.waitUntil(lambda: bool(results and errors), timeout=5_000)
    assert results == [42] and isinstance(errors[0], ZeroDivisionError)
    with qtbot.waitSignal(runner.task_failed, timeout=5_000) as blocker:
        runner.submit(lambda: {}["missing"], description="Checking feeds")
    assert blocker.args[0].description == "Checking feeds"


def test_a_result_for_a_window_closed_meanwhile_is_dropped(qtbot, runner):
    from PySide6.QtWidgets import QLabel, QWidget

    class View(QWidget):  # a view whose read outlives it, as the calendar's did in CI
        def __init__(self) -> None:
            super().__init__()
            self.label = QLabel(self)

        def loaded(self, text: str) -> None:
            self.label.setText(text)  # would raise: the label was deleted with the view

    release, done = threading.Event(), []
    view = View()
    runner.submit(lambda: release.wait(5) and "read", on_done=view.loaded)
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5_000)
    runner.submit(lambda: "after", on_done=done.append)
    release.set()
    qtbot.waitUntil(lambda: done == ["after"], timeout=5_000)


def test_quitting_stops_stages_and_puts_them_back_in_the_queue(qtbot, ws, add_jobs, fake_stages, qapp):  # noqa: F811
    fake_stages.seconds = 60
    runner = Runner(ws)
    (job_id,) = add_jobs(1)
    runner.run([job_id])
    qtbot.waitUntil(fake_stages.started.is_set, timeout=5_000)
    started = time.monotonic()
    assert runner.shutdown(timeout=5)
    assert time.monotonic() - started < 2
    job = ws.store.jobs.get(job_id)  # the engine reconnects for this read
    assert job.status is JobStatus.QUEUED and job.stage is Stage.ANALYZE


def test_many_qt_calls_do_not_wear_out_none_or_true(qapp):
    """PySide6 6.12 on Python 3.11 loses a reference to None per void call and to
    True per emit; runtime/qt_refcounts.py pins them so a long session survives."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        pinged = Signal(int)

    emitter = Emitter()
    for n in range(50_000):
        emitter.pinged.emit(n)
        emitter.setObjectName("x")
    assert emitter.objectName() == "x"
