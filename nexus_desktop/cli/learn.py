"""nexus best-times | title-test | title-tests | promotions | promotion-undo"""

from __future__ import annotations

import sys
from pathlib import Path

from ..domain.errors import IllegalTransition
from ..pipeline import best_times as learning
from ..pipeline import promotion, title_tests
from ..pipeline.schedule import WEEKDAY_NAMES, local_zone
from ..providers.platforms.metrics import EDITABLE_LIVE
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, workspace


@command(
    "best-times",
    "the weekdays and hours your own posts did best at, per platform, with how sure that is",
    arg("--platform", action="append", help="only this platform (youtube, instagram, x, linkedin, ...)"),
    JSON_FLAG,
)
def best_times_command(args) -> int:
    ws = workspace(args)
    zone = local_zone(ws.settings)
    platforms = args.platform or sorted({p.platform for p in ws.store.posts.list() if p.platform != "export"} or set(EDITABLE_LIVE))
    found = [learning.best_times(ws, p, zone) for p in platforms]
    if args.json:
        print_json([f.to_json() for f in found])
        return 0
    for f in found:
        source = "your results" if f.learned else f"the usual times (only {f.posts} measured post(s); {learning.MIN_POSTS} needed)"
        hours = ", ".join(f"{h:02d}:00 ({s:.1%}, {n} posts)" for h, s, n in f.hours[:3])
        days = ", ".join(f"{WEEKDAY_NAMES[d]} ({s:.1%})" for d, s, _n in f.weekdays[:3])
        print(f"{f.platform}: best hours {hours}; best days {days}. From {source}; confidence {f.confidence:.0%}")
    return 0


@command(
    "title-test",
    "start a title test on a published post (YouTube only: the one platform whose API edits a live title)",
    arg("post", type=int),
    arg("--title", action="append", dest="titles", help="a variant (default: the script's title candidates)"),
    arg("--thumbnail", action="append", dest="thumbnails", help="test thumbnails instead: an image file per variant"),
)
def title_test_command(args) -> int:
    ws = workspace(args)
    if args.thumbnails:
        missing = [t for t in args.thumbnails if not Path(t).is_file()]
        if missing:
            print(f"nexus: no such image: {', '.join(missing)}", file=sys.stderr)
            return 2
        test = title_tests.start(ws, args.post, kind="thumbnail", variants=[str(Path(t).resolve()) for t in args.thumbnails])
    else:
        test = title_tests.start(ws, args.post, variants=args.titles or None)
    print(f"Testing {len(test.variants)} {test.kind}s on post {test.post_id}; each shows for "
          f"{ws.settings.measure.title_test_rotate_hours:g} h in turn. Rule: {title_tests.RULE.describe()}.")
    return 0


@command("title-tests", "title and thumbnail tests: the variant up or kept, and the verdict", JSON_FLAG)
def title_tests_command(args) -> int:
    ws = workspace(args)
    found = [t for job_id in sorted({p.job_id for p in ws.store.posts.list()}) for t in title_tests.tests(ws).for_job(job_id)]
    if args.json:
        print_json([t.to_json() for t in found])
        return 0
    if not found:
        print("No title tests. Start one with: nexus title-test POST (YouTube posts only)")
    for t in found:
        shown = t.variants[t.winner if t.winner is not None else t.current]
        print(f"post {t.post_id} ({t.status}): «{clip(shown, 60)}» — {t.verdict}")
    return 0


@command("promotions", "posts the promotion rules placed, and why", JSON_FLAG)
def promotions_command(args) -> int:
    ws = workspace(args)
    found = promotion.promotions(ws).list()
    if args.json:
        print_json([p.to_json() for p in found])
        return 0
    if not found:
        rules = ws.settings.measure.promotion_rules
        print("No promotions. Rules: " + "; ".join(f"{r.name} ({'on' if r.enabled else 'off'})" for r in rules))
        return 0
    print(table([[str(p.id), str(p.post_id or "—"), p.status, clip(p.reason, 90)] for p in found], ["ID", "POST", "STATUS", "WHY"]))
    return 0


@command("promotion-undo", "take back a promotion before its post goes out", arg("promotion", type=int))
def promotion_undo_command(args) -> int:
    ws = workspace(args)
    try:
        undone = promotion.undo(ws, args.promotion)
    except (IllegalTransition, LookupError) as exc:
        print(f"nexus: {exc}", file=sys.stderr)
        return 2
    print(f"Promotion {undone.id} undone; its post is off the calendar and the rule will not place it again")
    return 0
