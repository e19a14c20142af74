"""nexus metrics | measure | metrics-add | metrics-import | health"""

from __future__ import annotations

import sys
from pathlib import Path

from ..domain.metrics import MEASURES, Figures
from ..pipeline import health as health_report
from ..pipeline.measure import measure_due, metrics
from ..pipeline.measure_import import import_csv, type_in
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, when, workspace


def _n(value) -> str:
    return "—" if value is None else f"{value:,}"


@command(
    "metrics",
    "figures of published posts: the latest reading of each, or one post's or job's readings",
    arg("--job", type=int, help="only this job's posts, with each reading"),
    arg("--post", type=int, help="only this post, with each reading"),
    arg("--top", type=int, default=0, help="only the N best posts"),
    arg("--sort", default="views", choices=("views", "engagements", "impressions", "likes", "comments", "shares")),
    JSON_FLAG,
)
def metrics_command(args) -> int:
    ws = workspace(args)
    repo = metrics(ws)
    posts = repo.posts(post_ids=[args.post] if args.post else (), job_ids=[args.job] if args.job else (),
                       sort=args.sort, limit=args.top or None)
    detailed = bool(args.job or args.post)
    series = {p.post_id: repo.series(p.post_id) for p in posts} if detailed else {}
    if args.json:
        print_json({"posts": [{**p.to_json(), **({"readings": [
            {"recorded_at": r.recorded_at.isoformat(), "source": r.source, **r.figures.to_json()} for r in series[p.post_id]]}
            if detailed else {})} for p in posts],
            "totals": {by: [t.to_json() for t in repo.totals(by)] for by in ("platform", "feed", "format")}})
        return 0
    if not posts:
        print("No figures yet. Published posts are read 1 h after they go out; read due ones now with: nexus measure")
        return 0
    rows = [[str(p.post_id), str(p.job_id), p.platform, clip(p.title, 40), _n(p.views), _n(p.impressions), _n(p.likes),
             _n(p.comments), _n(p.shares), str(p.readings), when(p.recorded_at)] for p in posts]
    print(table(rows, ["POST", "JOB", "PLATFORM", "TITLE", "VIEWS", "IMPR.", "LIKES", "COMMENTS", "SHARES", "READINGS", "LAST READ"]))
    for post_id, readings in series.items():
        print(f"\npost {post_id}:")
        print(table([[when(r.recorded_at), r.source, _n(r.figures.views), _n(r.figures.impressions), _n(r.figures.likes),
                      _n(r.figures.comments)] for r in readings], ["READ AT", "FROM", "VIEWS", "IMPR.", "LIKES", "COMMENTS"]))
    return 0


@command(
    "measure",
    "read the figures that are due now from each platform (or of one post)",
    arg("--post", type=int, action="append", help="read this post now, due or not"),
    JSON_FLAG,
)
def measure_command(args) -> int:
    ws = workspace(args)
    outcomes = measure_due(ws, post_ids=set(args.post) if args.post else None)
    if args.json:
        print_json([o.to_json() for o in outcomes])
        return 0
    if not outcomes:
        when_next = metrics(ws).next_due_at()
        print(f"Nothing to read now. Next reading: {when(when_next)}")
        return 0
    for o in outcomes:
        shown = f"{_n(o.figures.views)} views, {_n(o.figures.likes)} likes" if o.figures else ""
        print(f"post {o.post_id} ({o.platform}, {o.step}): {o.result.value.replace('_', ' ')} {shown} {o.message}".rstrip())
    return 1 if any(o.result.value == "failed" for o in outcomes) else 0


@command(
    "metrics-add",
    "type in a post's figures (for posts uploaded by hand from the export folder)",
    arg("post", type=int),
    *(arg(f"--{name.replace('_', '-')}", dest=name, type=float) for name in MEASURES),
)
def metrics_add_command(args) -> int:
    ws = workspace(args)
    values = {name: getattr(args, name) for name in MEASURES}
    figures = Figures(**{k: (int(v) if v is not None and k not in ("watch_minutes", "avg_view_seconds") else v) for k, v in values.items()})
    type_in(ws, args.post, figures)
    print(f"Recorded post {args.post}'s figures")
    return 0


@command(
    "metrics-import",
    "import figures from a CSV: post_id (or url), recorded_at and " + ", ".join(MEASURES),
    arg("csv", type=Path),
)
def metrics_import_command(args) -> int:
    ws = workspace(args)
    report = import_csv(ws, args.csv)
    print(f"Imported {report.stored} reading(s) from {args.csv.name}")
    for problem in report.problems:
        print(f"  skipped {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def _gb(n: int) -> str:
    return f"{n / 1024 ** 3:.2f} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.1f} MB"


@command(
    "health",
    "accounts and tokens, quotas, API versions, spend, disk, the queue, recent errors and success rates",
    arg("--clean-up", action="store_true", help="delete intermediate files of old published jobs (final videos stay)"),
    arg("--yes", action="store_true", help="with --clean-up: do not ask"),
    JSON_FLAG,
)
def health_command(args) -> int:
    ws = workspace(args)
    if args.clean_up:
        return _clean_up(ws, args.yes)
    report = health_report.report(ws)
    if args.json:
        print_json(report.to_json())
        return 0
    print("Accounts:" if report.accounts else "Accounts: none connected (posts go to the export folder)")
    for a in report.accounts:
        quota = f"{a.quota_used}/{a.quota_limit} {a.quota_unit}" if a.quota_limit else (f"{a.quota_used} {a.quota_unit}" if a.quota_unit else "")
        print(f"  {a.platform:10} {clip(a.name, 28):28} token {a.token:18} expires {when(a.expires_at):16} {quota}")
    for v in report.versions:
        print(f"API {v.platform} {v.version}: {v.note}")
    month = max(report.spend_by_month, default=None)
    print(f"Spend: {', '.join(f'{m} ${s:.2f}' for m, s in sorted(report.spend_by_month.items())) or 'nothing yet'}"
          + (f" (this month ${report.spend_by_month[month]:.2f})" if month else ""))
    d = report.disk
    print(f"Disk: jobs {_gb(d.jobs_bytes)}, exports {_gb(d.exports_bytes)}, {_gb(d.free_bytes)} free; "
          f"{_gb(d.reclaimable_bytes)} to clean up in {d.reclaimable_jobs} published job(s) (nexus health --clean-up)")
    counts = lambda what: ", ".join(f"{k} {v}" for k, v in sorted(report.queue[what].items())) or "none"  # noqa: E731
    print(f"Queue: jobs {counts('jobs')}; posts {counts('posts')}")
    targets = report.targets
    print(f"Success over 30 days (targets: media {targets['media_generation']:.0%}, publishing {targets['publishing']:.0%}):")
    rates = health_report.iter_rates(report.stage_rates) + health_report.iter_rates(report.publish_rates)
    for key, text in rates:
        print(f"  {key:10} {text}")
    if not rates:
        print("  nothing made or published in the last 30 days")
    for e in report.errors:
        print(f"Error {when(e.at)} {e.what}: {clip(e.reason, 100)}")
    for alert in report.alerts:
        print(f"Alert: {alert}")
    return 0


def _clean_up(ws, yes: bool) -> int:
    files = health_report.cleanable(ws, health_report.utcnow())
    if not files:
        print("Nothing to clean up.")
        return 0
    size = sum(p.stat().st_size for p in files)
    if not yes:
        if not sys.stdin.isatty():
            print(f"{len(files)} file(s), {_gb(size)}, would be deleted; run again with --yes to delete them", file=sys.stderr)
            return 1
        if input(f"Delete {len(files)} intermediate file(s), {_gb(size)}? Final videos stay. [y/N] ").strip().lower() != "y":
            print("Nothing deleted.")
            return 0
    count, freed = health_report.clean_up(ws)
    print(f"Deleted {count} file(s), freed {_gb(freed)}")
    return 0
