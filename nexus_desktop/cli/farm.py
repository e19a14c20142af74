"""nexus worker | workers | farm: the render farm on Celery over RabbitMQ."""

from __future__ import annotations

import getpass
import sys

from ..farm.config import BROKER_PASSWORD, QUEUES, enabled, redacted, split_password
from ..settings import save as save_settings
from . import JSON_FLAG, arg, command, print_json
from .common import table, when, workspace


@command(
    "worker",
    "run stages of the workspace's jobs sent to the farm (its broker, database and bucket) until stopped",
    arg("--name", help="this worker's name in claims and in `nexus workers` (default: the host name)"),
    arg("--queues", default=",".join(QUEUES), help=f"queues to take tasks from (default: {','.join(QUEUES)})"),
    arg("--concurrency", type=int, default=1, help="stages run at once (default 1: one render at a time)"),
    arg("--sweep", type=float, default=30.0, help="seconds between looks for stages the broker lost"),
    arg("--create-bucket", action="store_true", help="make the sync bucket if it is missing (a new farm's first worker)"),
)
def worker_command(args) -> int:
    from ..farm.serve import run_worker

    queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
    unknown = [q for q in queues if q not in QUEUES]
    if unknown or not queues:
        print(f"nexus: unknown queue(s) {', '.join(unknown) or '(none)'}; the farm's queues are {', '.join(QUEUES)}", file=sys.stderr)
        return 2
    if args.concurrency < 1:
        print("nexus: --concurrency must be at least 1", file=sys.stderr)
        return 2
    return run_worker(args.data_dir, name=args.name, queues=queues, concurrency=args.concurrency, sweep_seconds=args.sweep,
                      create_bucket=args.create_bucket)


@command("workers", "list the farm's workers, what each runs and when it last answered", JSON_FLAG)
def workers_command(args) -> int:
    from ..farm.dispatch import open_app
    from ..farm.status import list_workers

    ws = workspace(args)
    found = list_workers(open_app(ws, check=False))
    if args.json:
        print_json([{"name": w.name, "pid": w.pid, "concurrency": w.concurrency, "queues": list(w.queues),
                     "running": [{"job": r.job_id, "stage": r.stage, "started": r.started} for r in w.running],
                     "waiting": w.waiting, "done": w.done, "heartbeat": w.heartbeat} for w in found])
        return 0
    if not found:
        print("No worker answered. Start one with: nexus worker")
        return 0
    rows = [[w.name, w.doing, str(w.waiting), str(w.done), ",".join(w.queues), when(w.heartbeat)] for w in found]
    print(table(rows, ["WORKER", "RUNNING", "WAITING", "TAKEN", "QUEUES", "LAST HEARTBEAT"]))
    return 0


@command(
    "farm",
    "set the farm's broker (stages then go to workers), check it, or turn it off",
    arg("action", choices=["set", "check", "off"]),
    arg("url", nargs="?", help="for set: amqp://USER@HOST:5672/VHOST (the password is asked for, or read from standard input)"),
)
def farm_command(args) -> int:
    from ..farm.dispatch import check_broker, open_app
    from ..secrets import set_secret

    ws = workspace(args)
    if args.action == "off":
        ws.settings.farm.broker_url = ""
        save_settings(ws.settings, ws.paths.settings_file)
        print("The farm is off: every stage runs on this computer.")
        return 0
    if args.action == "set":
        if not args.url:
            print("nexus: name the broker: nexus farm set amqp://USER@HOST:5672//", file=sys.stderr)
            return 2
        url, password = split_password(args.url)
        if password is None:
            password = getpass.getpass("Broker password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        ws.settings.farm.broker_url = url  # validated below before it is saved
        if password:
            set_secret(BROKER_PASSWORD, password)
        check_broker(open_app(ws, check=False))
        save_settings(ws.settings, ws.paths.settings_file)
        print(f"The farm's broker is {redacted(url)}; its password is in the keyring. Start workers with: nexus worker")
        return 0
    if not enabled(ws.settings):
        print("nexus: no farm broker is set; set one with: nexus farm set amqp://USER@HOST:5672//", file=sys.stderr)
        return 2
    check_broker(open_app(ws, check=False))
    print(f"The farm's broker at {redacted(ws.settings.farm.broker_url)} answers.")
    return 0


def send_to_farm(ws) -> int | None:
    """``nexus run`` with a broker: send every queued job's next stage to the workers.
    None when the broker is down and the creator chose to run the stages here instead."""
    from ..farm.dispatch import FarmUnavailable, enqueue, open_app

    try:
        app = open_app(ws)
    except FarmUnavailable as exc:
        if not sys.stdin.isatty():
            raise
        answer = input(f"nexus: {exc.message}. Run the stages on this computer instead? [y/N] ").strip().lower()
        if answer in ("y", "yes"):
            return None
        raise
    sent = enqueue(app, ws)
    for job_id, stage in sent:
        print(f"job {job_id}: {stage.value} sent to the farm", flush=True)
    print(f"{len(sent)} job(s) sent to the farm at {redacted(ws.settings.farm.broker_url)}; "
          "`nexus workers` shows who runs them, `nexus jobs` how far they are.")
    return 0


def cancel_on_farm(ws, job_ids: list[int]) -> int:
    """``nexus cancel`` with a broker: cancel in the store, then stop the jobs' tasks on the workers."""
    from ..farm.cancel import cancel_jobs
    from ..farm.dispatch import FarmUnavailable, open_app

    try:
        app = open_app(ws, check=False)
    except FarmUnavailable as exc:  # Celery missing or a bad URL: the store is still cancelled
        print(f"nexus: {exc}", file=sys.stderr)
        app = None
    report = cancel_jobs(ws, job_ids, app)
    stopped = {item.job_id: item for item in report.stopped}
    for view in report.cancelled:
        item = stopped.get(view.id)
        where = ""
        if item is not None:
            where = f"; its {item.stage} was {'stopped' if item.running else 'taken back'} on {item.worker}"
        print(f"job {view.id}: {view.status_text} (at {view.stage.value}){where}")
    if report.farm_error:
        print(f"nexus: the farm's workers could not be told ({report.farm_error}); a stage under way there is "
              "dropped when it ends", file=sys.stderr)
    for job_id, why in report.refused.items():
        print(f"nexus: job {job_id}: {why}", file=sys.stderr)
    return 2 if report.refused else 0
