"""nexus approve | reject | schedule | posts | targets | publish-due | publish"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

from ..domain.errors import UserFixableError
from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from ..pipeline import schedule as scheduling
from ..pipeline.flow import Workspace
from ..pipeline.publish import Outcome, Publishing, PublishOutcome, publish_due
from ..store.jobs import JobFilter
from ..store.post_records import PostFilter, PostView
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, workspace

# Attempts `nexus publish --now` makes itself before leaving retries to the app or the daemon.
NOW_ATTEMPTS = 3


def _when(ws: Workspace, moment: datetime | None) -> str:
    return scheduling.format_local(moment, scheduling.local_zone(ws.settings))


def _zone_note(ws: Workspace) -> str:
    return f"Times are in {scheduling.zone_label(scheduling.local_zone(ws.settings), scheduling.utcnow())}."


def _print_refused(refused: dict[int, str], what: str) -> None:
    for key, why in refused.items():
        print(f"nexus: {what} {key}: {why}", file=sys.stderr)


@command(
    "approve",
    "approve jobs that wait for review; each gets a post per default target",
    arg("job_ids", type=int, nargs="*", metavar="JOB"),
    arg("--all", action="store_true", help="every job that waits for review"),
    arg("--schedule", action="store_true", help="also give the posts the next free times"),
)
def approve_command(args) -> int:
    ws = workspace(args)
    ids = list(args.job_ids)
    if args.all:
        ids += [j.id for j in ws.store.jobs.list(JobFilter(statuses=(JobStatus.AWAITING_REVIEW.value,)))]
    if not ids:
        print("nexus: name the jobs to approve, or use --all", file=sys.stderr)
        return 2
    report = scheduling.approve_jobs(ws, dict.fromkeys(ids), place=args.schedule)
    for job_id in report.done:
        posts = scheduling.posts(ws).for_job(job_id)
        listed = ", ".join(f"{p.target_name}" + (f" at {_when(ws, p.scheduled_at)}" if p.scheduled_at else "") for p in posts)
        print(f"job {job_id}: approved; posts: {listed or 'none (no target)'}")
    _print_refused(report.refused, "job")
    if report.done and not args.schedule:
        print("Place the posts with: nexus schedule --auto")
    return 2 if report.refused else 0


@command(
    "reject",
    "reject a job; its posts that have not gone out are dropped",
    arg("job_ids", type=int, nargs="+", metavar="JOB"),
    arg("--reason", required=True, help="why, in a few words (shown with the job)"),
)
def reject_command(args) -> int:
    ws = workspace(args)
    report = scheduling.reject_jobs(ws, args.job_ids, args.reason)
    for job_id in report.done:
        print(f"job {job_id}: rejected: {args.reason}")
    _print_refused(report.refused, "job")
    return 2 if report.refused else 0


def _parse_local(ws: Workspace, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise UserFixableError(f"cannot read the time '{text}'", hint="write it like 2026-11-24 09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=scheduling.local_zone(ws.settings))
    return moment.astimezone(timezone.utc)


@command(
    "schedule",
    "give approved posts times: show the suggested free slots, or place them with --auto",
    arg("--auto", action="store_true", help="place every unscheduled approved post in the next free slot"),
    arg("--post", type=int, metavar="POST", help="move one post"),
    arg("--at", metavar="TIME", help="with --post: local time like '2026-11-24 09:00'"),
)
def schedule_command(args) -> int:
    ws = workspace(args)
    if args.post is not None:
        when = _parse_local(ws, args.at) if args.at else scheduling.suggest_time(ws, args.post)
        try:
            view = scheduling.reschedule(ws, args.post, when)
        except scheduling.ScheduledInThePast as exc:
            print(f"nexus: {exc}; to publish it now: nexus publish {args.post} --now", file=sys.stderr)
            return 2
        print(f"post {view.id} ({view.target_name}): {_when(ws, view.scheduled_at)}. {_zone_note(ws)}")
        return 0
    plan = scheduling.schedule_all_approved(ws) if args.auto else scheduling.plan_all_approved(ws)
    if not plan:
        print("No approved posts without a time. Approve jobs with: nexus approve JOB...|--all")
        return 0
    views = {p.id: p for p in scheduling.posts(ws).list(PostFilter())}
    for post_id, when in sorted(plan.items(), key=lambda kv: kv[1]):
        post = views[post_id]
        print(f"post {post_id} ({post.target_name}) «{clip(post.title, 50)}»: {'' if args.auto else 'suggested '}{_when(ws, when)}")
    print(_zone_note(ws) + ("" if args.auto else " Place them with: nexus schedule --auto"))
    return 0


def _status_arg(value: str) -> str:
    value = value.lower().replace("-", "_").replace(" ", "_")
    if value not in {s.value for s in PostStatus}:
        raise ValueError(value)
    return value


_status_arg.__name__ = "status"


@command(
    "posts",
    "list posts with their times and status",
    arg("--status", type=_status_arg, action="append", help=f"only these ({', '.join(s.value for s in PostStatus)})"),
    JSON_FLAG,
)
def posts_command(args) -> int:
    ws = workspace(args)
    views = scheduling.posts(ws).list(PostFilter(statuses=tuple(PostStatus(s) for s in args.status or ())))
    if args.json:
        print_json([v.to_json() for v in views])
        return 0
    if not views:
        print("No posts. Approve jobs with: nexus approve JOB...|--all")
        return 0
    costs = any(v.cost for v in views)  # X's pay-per-use price, recorded when the post went out
    zone = scheduling.local_zone(ws.settings)
    rows = [[str(v.id), str(v.job_id), clip(v.target_name, 24), _when(ws, v.scheduled_at), clip(v.status_in(zone), 60),
             clip(v.title, 40), *([clip(v.cost or "", 44)] if costs else [])] for v in views]
    print(table(rows, ["ID", "JOB", "TARGET", "WHEN", "STATUS", "TITLE", *(["COST"] if costs else [])]))
    print(f"{len(views)} post(s). {_zone_note(ws)}")
    return 0


def _weekdays_arg(value: str) -> list[int]:
    """"mon-fri", "tue,thu", "0,2,4": weekdays numbered from Monday = 0."""
    names = [n.lower() for n in scheduling.WEEKDAY_NAMES]
    days: list[int] = []
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        ends = [int(x) if x.isdigit() else names.index(x[:3]) for x in (first, last or first)]
        days += list(range(ends[0], ends[1] + 1))
    return sorted(set(days))


_weekdays_arg.__name__ = "weekdays"


@command(
    "targets",
    "list where posts go and their posting times; change a target's posting times",
    arg("target_id", type=int, nargs="?", metavar="TARGET", help="the target to change"),
    arg("--days", type=_weekdays_arg, help="weekdays it posts on, e.g. mon-fri or tue,thu"),
    arg("--times", help="local times of day, e.g. 09:00,17:00"),
    arg("--max-per-day", type=int, help="at most this many posts a day"),
    arg("--hours-apart", type=float, help="at least this many hours between two posts"),
    JSON_FLAG,
)
def targets_command(args) -> int:
    ws = workspace(args)
    repo = scheduling.targets(ws)
    repo.ensure_export_targets()
    repo.ensure_account_targets()
    if args.target_id is not None:
        target = repo.get(args.target_id)
        if target is None:
            print(f"nexus: there is no target {args.target_id}", file=sys.stderr)
            return 2
        rules = scheduling.rules_for(target).to_config()
        changes = {"weekdays": args.days, "times": args.times.split(",") if args.times else None,
                   "max_per_day": args.max_per_day, "min_hours_apart": args.hours_apart}
        rules.update({k: v for k, v in changes.items() if v is not None})
        checked = scheduling.PostingRules.from_config(rules, scheduling.PostingRules())
        repo.update_config(target.id, rules=checked.to_config())
    views = repo.list()
    if args.json:
        print_json([{**t.to_json(), "rules": scheduling.rules_for(t).to_config()} for t in views])
        return 0
    rows = [[str(t.id), clip(t.name, 30), t.platform, scheduling.rules_for(t).describe()] for t in views]
    print(table(rows, ["ID", "TARGET", "PLATFORM", "POSTING TIMES"]))
    print(_zone_note(ws))
    return 0


def _print_outcome(ws: Workspace, outcome: PublishOutcome) -> None:
    post = outcome.post
    name = f"post {outcome.post_id}" + (f" ({post.target_name})" if post else "")
    if outcome.outcome is Outcome.PUBLISHED:
        print(f"{name}: published: {outcome.message}", flush=True)
    elif outcome.outcome is Outcome.RETRY and post is not None and post.next_attempt_at is not None:
        print(f"{name}: {outcome.message}; trying again at {_when(ws, post.next_attempt_at)}", flush=True)
    else:
        print(f"{name}: {outcome.outcome.value.replace('_', ' ')}: {outcome.message}", flush=True)


@command("publish-due", "publish every post that is due now (however late), then exit")
def publish_due_command(args) -> int:
    ws = workspace(args)
    outcomes = publish_due(ws)
    for outcome in outcomes:
        _print_outcome(ws, outcome)
    published = sum(o.outcome is Outcome.PUBLISHED for o in outcomes)
    failed = [o for o in outcomes if o.outcome in (Outcome.FAILED, Outcome.NEEDS_CHECK, Outcome.HELD)]
    print(f"{published} post(s) published, {len(failed)} need attention." if outcomes else "Nothing is due.")
    return 1 if failed else 0


@command(
    "publish",
    "publish one post now, or mark a post that needs checking as published",
    arg("post_id", type=int, metavar="POST"),
    arg("--now", action="store_true", help="publish it now (for a post that needs checking: you looked, it is not there)"),
    arg("--mark-published", action="store_true", help="a post that needs checking is on the platform after all"),
    arg("--url", help="with --mark-published: where it is"),
)
def publish_command(args) -> int:
    ws = workspace(args)
    repo = scheduling.posts(ws)
    post = repo.get(args.post_id)
    if post is None:
        print(f"nexus: there is no post {args.post_id}", file=sys.stderr)
        return 2
    if args.mark_published:
        view = repo.mark_published_by_hand(post.id, args.url, scheduling.utcnow())
        print(f"post {view.id}: {view.status_in(scheduling.local_zone(ws.settings))}")
        return 0
    if not args.now:
        print("nexus: say --now to publish it immediately, or move it with: nexus schedule --post POST --at TIME", file=sys.stderr)
        return 2
    if post.status in (PostStatus.PUBLISHED, PostStatus.PUBLISHING):
        print(f"nexus: post {post.id} is already {post.status.label.lower()}" + (f": {post.url}" if post.url else ""), file=sys.stderr)
        return 2
    return _publish_now(ws, post)


def _publish_now(ws: Workspace, post: PostView) -> int:
    scheduling.publish_now(ws, [post.id], checked_absent=post.status is PostStatus.NEEDS_CHECK)
    run = Publishing(ws)
    outcome = run.publish_post(post.id)
    for _ in range(NOW_ATTEMPTS - 1):
        if outcome is None or outcome.outcome is not Outcome.RETRY or outcome.post is None:
            break
        _print_outcome(ws, outcome)
        time.sleep(max(0.0, (outcome.post.next_attempt_at - scheduling.utcnow()).total_seconds()))
        outcome = run.publish_post(post.id)
    if outcome is None:
        print(f"nexus: post {post.id} is being published by another instance", file=sys.stderr)
        return 2
    _print_outcome(ws, outcome)
    if outcome.outcome is Outcome.RETRY:
        print("The app or `nexus daemon` will keep trying at that time (or run: nexus publish-due).")
    return 0 if outcome.outcome in (Outcome.PUBLISHED, Outcome.RETRY) else 1
