"""nexus add-feed | feeds | harvest | remove-feed | export-opml"""

from __future__ import annotations

import sys
from pathlib import Path

from ..pipeline.feeds import add_feeds, export_feeds
from ..pipeline.harvest import harvest
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, when, workspace


@command("add-feed", "add a feed by URL or file, or every feed of an OPML file", arg("address", nargs="+"))
def add_feed(args) -> int:
    ws = workspace(args)
    for address in args.address:
        for added in add_feeds(ws.store, ws.settings, address):
            if added.refused:
                print(f"not added: {added.url} ({added.refused})")
                continue
            print(f"{'added' if added.created else 'already there'}: {added.title}" + (f" <{added.url}>" if added.title != added.url else ""))
    return 0


@command("feeds", "list the feeds with their status", JSON_FLAG)
def feeds(args) -> int:
    ws = workspace(args)
    sources = ws.store.sources.list()
    if args.json:
        print_json([s.to_json() for s in sources])
        return 0
    if not sources:
        print("No feeds yet. Add one with: nexus add-feed URL|FILE|OPML")
        return 0
    rows = [
        [str(s.id), clip(s.display_name, 40), "on" if s.active else "off", str(s.item_count), when(s.last_checked), s.last_error or "ok"]
        for s in sources
    ]
    print(table(rows, ["ID", "FEED", "ACTIVE", "ITEMS", "CHECKED", "STATUS"]))
    return 0


@command("harvest", "fetch every active feed and make jobs of new items")
def harvest_command(args) -> int:
    ws = workspace(args)
    report = harvest(ws.store, ws.settings)
    if not report.outcomes:
        print("No active feeds. Add one with: nexus add-feed URL|FILE|OPML")
        return 0
    for o in report.outcomes:
        status = f"error: {o.error}" if o.error else ("not modified" if o.not_modified else f"{o.new_jobs} new")
        if o.held:
            status += f", {o.held} older kept as cancelled (harvest.max_new_jobs_per_feed)"
        if o.skipped:
            status += f", {len(o.skipped)} unreadable skipped: {o.skipped[0]}"
        print(f"{clip(o.name, 50)}: {status}")
    print(f"{report.new_jobs} new job(s); {len(report.failed)} feed(s) failed")
    return 0


@command("remove-feed", "stop following a feed (its jobs stay)", arg("feed_id", type=int))
def remove_feed(args) -> int:
    ws = workspace(args)
    source = ws.store.sources.get(args.feed_id)
    if source is None:
        print(f"nexus: there is no feed {args.feed_id}", file=sys.stderr)
        return 2
    ws.store.sources.remove(args.feed_id)
    print(f"removed: {source.display_name} (its jobs are kept)")
    return 0


@command("export-opml", "write the feeds as OPML", arg("file", nargs="?", help="file to write; standard output if absent"))
def export_opml_command(args) -> int:
    ws = workspace(args)
    data = export_feeds(ws.store, Path(args.file) if args.file else None)
    if not args.file:
        sys.stdout.write(data.decode("utf-8") + "\n")
    else:
        print(f"wrote {args.file}")
    return 0
