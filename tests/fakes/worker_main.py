"""A worker process for the farm tests: ``nexus worker`` (a Celery worker) with the
real claims, leases, recovery and sync, and fake stages that are quick and countable.
NEXUS_TEST_APP_VERSION makes it a worker of another app version; NEXUS_TEST_CPU makes
a render spin the CPU for its seconds instead of sleeping (bench/farm.py).

Each fake stage checks the file the stage before it wrote (fetched from the
bucket when another machine made it), writes its own, logs "start" and "end"
lines to NEXUS_TEST_STAGE_LOG, and sleeps NEXUS_TEST_RENDER_SECONDS in render (or
what the file NEXUS_TEST_RENDER_SECONDS_FILE holds when it is read), long enough
for the test to kill the process or cancel the job in the middle of it.
"""

from __future__ import annotations

import os
import sys
import time

from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.context import StageContext, StageOutput

WHO = os.environ.get("NEXUS_TEST_WORKER", "worker")


def log(event: str, ctx: StageContext, stage: Stage) -> None:
    line = f"{event} {ctx.job_id} {stage.value} {WHO} {os.getpid()} {time.time():.3f}\n"
    fd = os.open(os.environ["NEXUS_TEST_STAGE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def content(job_id: int, stage: Stage) -> bytes:
    return f"{stage.value} of job {job_id}\n".encode() * 5000


def spin(cpu_seconds: float) -> None:
    """Busy one core for this much CPU time (not wall time: a shared core takes longer)."""
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        sum(i * i for i in range(2000))


def render_seconds() -> float:
    """NEXUS_TEST_RENDER_SECONDS, or what the file NEXUS_TEST_RENDER_SECONDS_FILE says now (a test changes it)."""
    named = os.environ.get("NEXUS_TEST_RENDER_SECONDS_FILE")
    if named and os.path.exists(named):
        return float(open(named).read())
    return float(os.environ.get("NEXUS_TEST_RENDER_SECONDS", "2"))


def fake_stage(stage: Stage):
    def run(ctx: StageContext) -> StageOutput:
        log("start", ctx, stage)
        index = PRODUCTION.index(stage)
        if index:
            before = PRODUCTION[index - 1]
            made = ctx.job_dir / f"{before.value}.txt"
            if made.read_bytes() != content(ctx.job_id, before):
                raise RuntimeError(f"{made} is not what {before.value} wrote")
        seconds = render_seconds() if stage is Stage.RENDER else 0.05
        if os.environ.get("NEXUS_TEST_CPU") and stage is Stage.RENDER:  # bench/farm.py: a render keeps a core busy
            spin(seconds)
        else:
            time.sleep(seconds)
        out = ctx.job_dir / f"{stage.value}.txt"
        out.write_bytes(content(ctx.job_id, stage))
        log("end", ctx, stage)
        return StageOutput({"by": WHO}, (ctx.asset(stage.value, out),))

    return run


if __name__ == "__main__":
    from nexus_desktop.cli import main

    flow.stage_function = fake_stage  # the test's stage registry; everything else is the real code
    if os.environ.get("NEXUS_TEST_APP_VERSION"):
        from nexus_desktop.farm import tasks

        tasks.APP_VERSION = os.environ["NEXUS_TEST_APP_VERSION"]

    sys.exit(main(sys.argv[1:]))
