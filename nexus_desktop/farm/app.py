"""The Celery application: RabbitMQ as broker, no result backend (results live in the store).

Delivery, as the issue asks and Celery documents it
(https://docs.celeryq.dev/en/stable/userguide/configuration.html):
late acknowledgement (a task is acked after it ran, so a worker that dies mid-stage
leaves its message to be redelivered), ``reject_on_worker_lost`` (a killed pool
process requeues its task instead of failing it), a prefetch of one (a worker
never holds a render it cannot start), and persistent messages on durable queues.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from .config import LIGHT_QUEUE, QUEUES

TASK_NAME = "nexus.stage"


def make_app(url: str) -> Celery:
    app = Celery("nexus_desktop", broker=url, include=["nexus_desktop.farm.tasks"], set_as_current=False)
    exchange = Exchange("nexus", type="direct", durable=True)
    app.conf.update(
        task_queues=[Queue(name, exchange, routing_key=name, durable=True) for name in QUEUES],
        task_default_queue=LIGHT_QUEUE,
        task_default_exchange="nexus",
        task_default_routing_key=LIGHT_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,  # a stage that failed or ran out of time is recorded as failed in the store
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_default_delivery_mode="persistent",
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker that goes away: keep trying until it is back
        broker_connection_timeout=4.0,
        broker_transport_options={"confirm_publish": True},  # a sent stage is on the broker, or sending raised
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2},
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_enable_remote_control=True,  # nexus workers: inspect active / stats / ping
        worker_cancel_long_running_tasks_on_connection_loss=False,  # acks_late redelivers them; the store's claim keeps them single
        timezone="UTC",
    )
    return app
