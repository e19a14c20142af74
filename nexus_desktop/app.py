"""``nexus-desktop``: the window, or with ``--headless`` (or no display) the whole
pipeline over the bundled sample feeds with the embedded defaults."""

from __future__ import annotations

import argparse
import os
import sys

from .domain.errors import NexusError


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nexus-desktop", description="Nexus Desktop")
    parser.add_argument("--data-dir", help="keep data, settings and logs in this folder")
    parser.add_argument("--headless", action="store_true", help="no window: process the sample feeds end to end")
    parser.add_argument("--daemon", action="store_true", help="no window: run `nexus daemon` (the background service)")
    parser.add_argument("--smoke", action="store_true", help="check that everything the app needs is there, then exit")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def run_headless(args: argparse.Namespace) -> int:
    from .bootstrap import open_workspace
    from .domain.jobs import JobStatus
    from .pipeline.feeds import add_feeds
    from .pipeline.flow import run_all
    from .pipeline.harvest import harvest
    from .resources import sample_feeds

    ws = open_workspace(args.data_dir, verbose=args.verbose)
    print(f"Nexus Desktop (headless). Data folder: {ws.paths.data}")
    for path in sample_feeds():
        add_feeds(ws.store, ws.settings, str(path))
    report = harvest(ws.store, ws.settings)
    print(f"Harvested {len(report.outcomes)} feed(s): {report.new_jobs} new job(s)")

    def finished(view) -> None:
        print(f"  job {view.id} «{view.title}»: {view.status_text}", flush=True)
        for asset in ws.store.assets.for_job(view.id, "video"):
            print(f"      {asset.format}: {ws.paths.data / asset.path}")

    views = run_all(ws, on_job=finished)
    counts = ws.store.jobs.counts_by_status()
    print(f"Processed {len(views)} job(s); by status: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}")
    print(f"Results: {ws.paths.jobs}")
    print(f"Log: {ws.paths.log_file}")
    return 1 if counts.get(JobStatus.FAILED.value) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if argv is None:  # a real start: what the app writes is this user's alone (0600 files, 0700 folders)
        from .terminal import private_files

        private_files()
    try:
        if args.smoke:
            from .smoke import run_smoke

            return run_smoke(args)
        if args.daemon:
            from .cli import main as cli_main

            return cli_main([*(["--data-dir", args.data_dir] if args.data_dir else []), "daemon"])
        if args.headless or not has_display():
            return run_headless(args)
        from .gui.main import run_gui

        return run_gui(args)
    except NexusError as exc:
        print(f"nexus-desktop: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
