"""Who is in the farm and what each worker runs, through Celery's inspection API
(a broadcast on the broker that running workers answer; see
https://docs.celeryq.dev/en/stable/userguide/workers.html#inspecting-workers).

Blocking (up to ``timeout`` seconds): the window calls it off its thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .dispatch import check_broker

INSPECT_SECONDS = 1.5


@dataclass(frozen=True)
class Running:
    job_id: int
    stage: str
    started: datetime | None


@dataclass(frozen=True)
class WorkerStatus:
    name: str  # Celery's node name, name@host
    pid: int | None
    concurrency: int | None
    queues: tuple[str, ...]
    running: tuple[Running, ...]
    waiting: int  # tasks it has received but not started (its prefetch)
    done: int  # tasks it has taken since it started (run, dropped as done, or put off)
    heartbeat: datetime  # when it last answered

    @property
    def doing(self) -> str:
        if not self.running:
            return "idle"
        return ", ".join(f"job {r.job_id} {r.stage}" for r in self.running)


def _running(request: dict) -> Running | None:
    args = request.get("args") or ()
    if len(args) < 2:
        return None
    started = request.get("time_start")
    when = datetime.fromtimestamp(started, timezone.utc) if started else None
    return Running(int(args[0]), str(args[1]), when)


def list_workers(app, timeout: float = INSPECT_SECONDS) -> list[WorkerStatus]:
    """Every worker that answers within ``timeout``; FarmUnavailable if the broker does not."""
    check_broker(app)
    inspect = app.control.inspect(timeout=timeout)
    pings = inspect.ping() or {}
    answered = datetime.now(timezone.utc)
    if not pings:
        return []
    names = list(pings)
    inspect = app.control.inspect(destination=names, timeout=timeout)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    stats, queues = inspect.stats() or {}, inspect.active_queues() or {}
    found = []
    for name in sorted(names):
        info = stats.get(name, {})
        found.append(WorkerStatus(
            name=name,
            pid=info.get("pid"),
            concurrency=(info.get("pool") or {}).get("max-concurrency"),
            queues=tuple(q.get("name", "") for q in queues.get(name, [])),
            running=tuple(r for r in map(_running, active.get(name, [])) if r is not None),
            waiting=len(reserved.get(name, [])),
            done=sum((info.get("total") or {}).values()),
            heartbeat=answered,
        ))
    return found
