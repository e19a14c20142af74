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
