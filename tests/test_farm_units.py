"""The farm's pieces without a broker: a stage over its time limit, the sweep, broker URLs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.farm import config
from nexus_desktop.farm.dispatch import enqueue, sweep
from nexus_desktop.farm.tasks import _timeout_reason
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.flow import Workspace
from tests.fakes.sync_world import add_jobs


class Sent:
    """Stands in for the Celery app: records what would go to the broker."""

    def __init__(self) -> None:
        self.tasks: list[tuple[tuple, str, float]] = []

    def send_task(self, name, *, args, queue, routing_key, soft_time_limit, time_limit):
        assert name == "nexus.stage" and queue == routing_key and time_limit > soft_time_limit
        self.tasks.append((args, queue, soft_time_limit))


@pytest.fixture
def farm_ws(tmp_path, settings):
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.store import Store

    settings.store.database_url = f"sqlite+pysqlite:///{tmp_path / 'farm.sqlite3'}"
    paths = AppPaths.resolve(tmp_path / "data")
    ws = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
    yield ws
    ws.store.close()


@pytest.mark.expect_log("crashed")
def test_a_stage_over_its_farm_time_limit_fails_with_the_setting_to_change(farm_ws, monkeypatch):
    (job_id,) = add_jobs(farm_ws.store, 1)

    def slow(ctx):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(flow, "stage_function", lambda stage: slow)
    farm_ws.describe_failure = _timeout_reason
    view = flow.run_stage(farm_ws, job_id)
    assert view.status is JobStatus.FAILED
    assert view.error == "analyze ran longer than its time limit on the farm (farm.analyze_time_limit) and was stopped"


def test_stages_go_to_their_queue_with_their_limit_and_the_sweep_resends_only_what_waited_too_long(farm_ws):
    first, second = add_jobs(farm_ws.store, 2)
    app = Sent()
    assert enqueue(app, farm_ws) == [(first, Stage.ANALYZE), (second, Stage.ANALYZE)]
    assert [(args[:2], queue, limit) for args, queue, limit in app.tasks] == [
        ((first, "analyze"), config.LIGHT_QUEUE, 600.0), ((second, "analyze"), config.LIGHT_QUEUE, 600.0)]
    assert sweep(app, farm_ws) == []  # just sent: nothing to resend
    later = datetime.now(timezone.utc) + timedelta(seconds=farm_ws.settings.farm.resend_after_seconds + 1)
    assert sweep(app, farm_ws, now=later) == [first, second]
    assert sweep(app, farm_ws) == [] and len(app.tasks) == 4  # marked as sent again: one resend per period
    assert config.STAGE_QUEUES[Stage.RENDER] == config.RENDER_QUEUE


def test_broker_urls_keep_their_password_out_of_settings_and_messages(monkeypatch):
    url, password = config.split_password("amqp://farm:s3cr%40t@broker.example:5672/nexus")
    assert (url, password) == ("amqp://farm@broker.example:5672/nexus", "s3cr@t")
    assert config.redacted("amqp://farm:s3cr%40t@broker.example:5672/nexus") == "amqp://farm:***@broker.example:5672/nexus"
    settings = config.Settings()
    settings.farm.broker_url = url
    env = {config.ENV_BROKER_PASSWORD: "s3cr@t"}
    assert config.broker_url(settings, env) == "amqp://farm:s3cr%40t@broker.example:5672/nexus"
    settings.farm.broker_url = "redis://localhost"
    with pytest.raises(config.FarmUnavailable, match="not an amqp:// URL"):
        config.broker_url(settings, {})
    settings.farm.broker_url = ""
    with pytest.raises(config.FarmUnavailable, match="no farm broker is set"):
        config.broker_url(settings, {})


def test_a_stage_whose_job_is_cancelled_from_elsewhere_stops_at_its_next_heartbeat(farm_ws, monkeypatch):
    """``nexus cancel`` from another machine while the broker is away: the store's cancel reaches the stage."""
    from nexus_desktop.domain import jobs as job_states

    (job_id,) = add_jobs(farm_ws.store, 1)
    farm_ws.lease = 0.4  # a heartbeat every 0.1 s
    seen = []

    def long_stage(ctx):
        farm_ws.store.jobs.transition(job_id, job_states.cancel)  # as another process would, mid-stage
        assert ctx.cancel_event.wait(30), "the stage was never told its job was cancelled"
        seen.append(ctx.cancelled)
        ctx.check_cancelled()

    monkeypatch.setattr(flow, "stage_function", lambda stage: long_stage)
    view = flow.run_stage(farm_ws, job_id)
    assert seen == [True]
    assert view.status is JobStatus.CANCELLED and view.claimed_by is None and "analyze" not in farm_ws.store.jobs.results(job_id)


def test_the_daemon_sends_each_queued_job_once_and_reports_it_when_it_leaves_production(farm_ws):
    from nexus_desktop.domain import jobs as job_states
    from nexus_desktop.farm.produce import FarmProduction

    first, second = add_jobs(farm_ws.store, 2)
    app, finished, said = Sent(), [], []
    production = FarmProduction(farm_ws, app, on_job=finished.append, say=said.append)
    assert production.send_new() == [first, second]
    assert production.send_new() == [] and len(app.tasks) == 2  # followed: the workers send the later stages
    farm_ws.store.jobs.transition(first, job_states.cancel)
    assert [v.id for v in production.collect_finished()] == [first] and [v.id for v in finished] == [first]
    farm_ws.store.jobs.transition(first, job_states.retry)  # queued again: sent again
    assert production.send_new() == [first]
    assert said[:2] == [f"job {first}: analyze sent to the farm", f"job {second}: analyze sent to the farm"]


def test_the_daemon_waits_for_a_broker_that_does_not_answer_and_sends_once_it_does(farm_ws):
    from nexus_desktop.farm.produce import FarmProduction

    (job_id,) = add_jobs(farm_ws.store, 1)
    farm_ws.settings.farm.broker_url = "amqp://farm@broker.example:5672//"

    class Away(Sent):
        def send_task(self, *args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

    said = []
    production = FarmProduction(farm_ws, Away(), say=said.append)
    assert production.send_new() == [] and production.send_new() == []
    assert said == ["nexus daemon: the farm's broker at amqp://farm@broker.example:5672// is not answering "
                    "([Errno 111] Connection refused); 1 job(s) wait for it"]  # said once, not at every try
    assert farm_ws.store.jobs.get(job_id).status is JobStatus.QUEUED
    production.app = Sent()
    assert production.send_new() == [job_id] and said[-2:] == ["nexus daemon: the farm's broker answers again",
                                                              f"job {job_id}: analyze sent to the farm"]
