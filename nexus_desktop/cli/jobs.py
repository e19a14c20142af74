"""nexus jobs | run | retry | cancel | show"""

from __future__ import annotations

import sys

from ..domain import jobs as job_states
from ..domain.jobs import JobStatus
from ..farm.config import enabled as farm_enabled
from ..pipeline.flow import run_all
from ..store.jobs import JobFilter
from ..store.views import JobView
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, when, workspace


def _status_arg(value: str) -> str:
    value = value.lower().replace("-", "_").replace(" ", "_")
    known = [s.value for s in JobStatus]
    if value not in known:
        raise ValueError(value)
    return value


_status_arg.__name__ = "status"  # argparse names the type in its error


@command(
    "jobs",
    "list jobs",
    arg("--status", type=_status_arg, action="append", help=f"only these ({', '.join(s.value for s in JobStatus)})"),
    JSON_FLAG,
)
def jobs_command(args) -> int:
    ws = workspace(args)
    views = ws.store.jobs.list(JobFilter(statuses=tuple(args.status or ())))
    if args.json:
        print_json([v.to_json() for v in views])
        return 0
    if not views:
        print("No jobs. Add feeds and run: nexus harvest")
        return 0
    rows = [[str(v.id), clip(v.status_text, 48), v.stage.value, clip(v.title, 50), clip(v.source_title, 24), when(v.created_at)] for v in views]
    print(table(rows, ["ID", "STATUS", "STAGE", "TITLE", "SOURCE", "CREATED"]))
    print(f"{len(views)} job(s)")
    return 0


def _print_outputs(ws, view: JobView) -> None:
    videos = ws.store.assets.for_job(view.id, "video")
    for asset in videos:
        print(f"    {asset.format}: {ws.paths.data / asset.path}")


@command(
    "run",
    "advance every job as far as the stages go (on the farm's workers when a broker is set)",
    arg("--local", action="store_true", help="run the stages on this computer even when a farm broker is set"),
)
def run_command(args) -> int:
    ws = workspace(args)
    if farm_enabled(ws.settings) and not args.local:
        from .farm import send_to_farm

        sent = send_to_farm(ws)
        if sent is not None:
            return sent
    last = {}

    def progress(job_id, stage, percent, message):
        key = (job_id, stage)
        if percent - last.get(key, -100) >= 25 or percent == 100:
            last[key] = percent
            print(f"  job {job_id} {stage.value}: {message}", flush=True)

    def finished(view: JobView):
        print(f"job {view.id} «{clip(view.title, 60)}»: {view.status_text} (at {view.stage.value})", flush=True)
        _print_outputs(ws, view)

    views = run_all(ws, on_job=finished, progress=progress)
    failed = [v for v in views if v.status is JobStatus.FAILED]
    print(f"{len(views)} job(s) advanced, {len(failed)} failed. Results are in {ws.paths.jobs}")
    return 1 if failed else 0


def _apply_to_jobs(args, event, *extra, ws=None) -> int:
    ws = ws or workspace(args)
    changed, refused = ws.store.jobs.transition_many(args.job_ids, event, *extra)
    for view in changed:
        print(f"job {view.id}: {view.status_text} (at {view.stage.value})")
    for job_id, why in refused.items():
        print(f"nexus: job {job_id}: {why}", file=sys.stderr)
    return 2 if refused else 0


@command("retry", "queue failed or cancelled jobs again at the stage that stopped", arg("job_ids", type=int, nargs="+", metavar="JOB"))
def retry_command(args) -> int:
    return _apply_to_jobs(args, job_states.retry)


@command("cancel", "cancel queued or running jobs (a stage on the farm is stopped there)",
         arg("job_ids", type=int, nargs="+", metavar="JOB"))
def cancel_command(args) -> int:
    ws = workspace(args)
    if farm_enabled(ws.settings):
        from .farm import cancel_on_farm

        return cancel_on_farm(ws, args.job_ids)
    return _apply_to_jobs(args, job_states.cancel, ws=ws)


@command("show", "show one job: its state, script and files", arg("job_id", type=int, metavar="JOB"), JSON_FLAG)
def show_command(args) -> int:
    ws = workspace(args)
    detail = ws.store.jobs.detail(args.job_id)
    if detail is None:
        print(f"nexus: there is no job {args.job_id}", file=sys.stderr)
        return 2
    assets = ws.store.assets.for_job(args.job_id)
    posts = ws.store.posts.for_job(args.job_id)
    if args.json:
        print_json({**detail.job.to_json(), "results": detail.results, "errors": detail.errors,
                    "assets": [{"kind": a.kind, "format": a.format, "path": str(ws.paths.data / a.path)} for a in assets],
                    "posts": [p.to_json() for p in posts]})
        return 0
    job = detail.job
    print(f"job {job.id}: {job.title}\n  source: {job.source_title}\n  status: {job.status_text}\n  stage: {job.stage.value}")
    script = detail.results.get("analyze", {}).get("script")
    if script:
        print(f"  narration: {script['narration']}")
    for stage in ("analyze", "visualize"):
        notice = (detail.results.get(stage) or {}).get("notice")
        if notice:
            print(f"  notice: {notice}")
    for skipped in (detail.results.get("visualize") or {}).get("skipped_images", []):
        print(f"  image not used: {skipped['source']}: {skipped['reason']}")
    for a in assets:
        print(f"  {a.kind:<12} {a.format or '':<6} {ws.paths.data / a.path}")
    if posts:
        from ..pipeline.schedule import local_zone  # "goes public at" in the creator's zone

        zone = local_zone(ws.settings)
    for p in posts:  # where it goes, how it stands, and what it cost on a paid API (X)
        print(f"  post {p.id} to {p.target_name}: " + " · ".join(t for t in (p.status_in(zone), p.url, p.cost) if t))
    return 0
