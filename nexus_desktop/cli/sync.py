"""nexus sync | restore | link | bucket"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TypeVar

from ..pipeline import sync as sync_ops
from ..pipeline.sync import SyncProgress, SyncReport
from ..providers.storage.base import BucketMissing
from ..providers.storage.s3_client import ACCESS_KEY_ID, MAX_LINK_SECONDS, SECRET_ACCESS_KEY
from ..secrets import set_secret
from . import JSON_FLAG, arg, command, print_json
from .common import workspace

T = TypeVar("T")


def _megabytes(count: float) -> str:
    return f"{count / 1e6:.1f} MB"


class _Printer:
    """One line per file, and a line per tenth of a large one."""

    def __init__(self, verb: str) -> None:
        self.verb, self.path, self.tenth = verb, "", -1

    def __call__(self, p: SyncProgress) -> None:
        tenth = p.percent // 10
        if p.path != self.path:
            self.path, self.tenth = p.path, tenth
            print(f"  {self.verb} {p.path} ({p.files_done + 1}/{p.files_total}, {p.percent}% of {_megabytes(p.total_bytes)})", flush=True)
        elif tenth > self.tenth:
            self.tenth = tenth
            print(f"    {p.percent}% ({_megabytes(p.done_bytes)})", flush=True)


def _offering_to_create(ws, action: Callable[[], T]) -> T:
    """Run ``action``; if the bucket is missing and someone is at the keyboard, offer to create it."""
    try:
        return action()
    except BucketMissing as exc:
        if not sys.stdin.isatty():
            raise
        answer = input(f"nexus: {exc.message}. Create it now? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            raise
        sync_ops.open_storage(ws).create_bucket()
        print(f"Created the bucket '{ws.settings.sync.bucket}'.")
        return action()


def _print_report(report: SyncReport, verb: str, as_json: bool) -> int:
    if as_json:
        print_json({"moved": list(report.moved), "skipped": list(report.skipped), "elsewhere": list(report.elsewhere),
                    "failed": [{"path": p, "reason": r} for p, r in report.failed], "bytes": report.bytes,
                    "seconds": round(report.seconds, 3)})
        return 1 if report.failed else 0
    for path, reason in report.failed:
        print(f"nexus: {path}: {reason}", file=sys.stderr)
    rate = f" at {_megabytes(report.throughput)}/s" if report.moved else ""
    line = f"{len(report.moved)} file(s) {verb} ({_megabytes(report.bytes)}{rate}), {len(report.skipped)} already there"
    if report.elsewhere:
        line += f", {len(report.elsewhere)} only on another machine"
    if report.failed:
        line += f", {len(report.failed)} failed"
    print(f"{line} in {report.seconds:.2f} s")
    return 1 if report.failed else 0


@command(
    "sync",
    "upload jobs' files to the bucket (all jobs, or the ones named)",
    arg("job_ids", type=int, nargs="*", metavar="JOB"),
    arg("--verify", action="store_true", help="ask the bucket about files the store already calls synced"),
    JSON_FLAG,
)
def sync_command(args) -> int:
    ws = workspace(args)
    progress = None if args.json else _Printer("uploading")
    report = _offering_to_create(ws, lambda: sync_ops.upload_jobs(ws, args.job_ids or None, progress=progress, verify=args.verify))
    return _print_report(report, "uploaded", args.json)


@command(
    "restore",
    "download jobs' files from the bucket onto this machine",
    arg("job_ids", type=int, nargs="*", metavar="JOB"),
    arg("--all", action="store_true", help="every job's files"),
    arg("--overwrite", action="store_true", help="replace local copies that differ from the recorded files"),
    JSON_FLAG,
)
def restore_command(args) -> int:
    if not args.job_ids and not args.all:
        print("nexus: name the jobs to restore, or use --all", file=sys.stderr)
        return 2
    ws = workspace(args)
    progress = None if args.json else _Printer("downloading")
    job_ids = None if args.all else args.job_ids
    report = _offering_to_create(ws, lambda: sync_ops.restore_jobs(ws, job_ids, progress=progress, overwrite=args.overwrite))
    return _print_report(report, "restored", args.json)


@command(
    "link",
    "print a link anyone can download a job's video with, until it expires",
    arg("job_id", type=int, metavar="JOB"),
    arg("--format", help="which video: 16x9, 9x16, 1x1 or a custom size (default: the first)"),
    arg("--kind", default="video", help="which kind of file (default: video)"),
    arg("--expires", type=int, default=3600, help=f"seconds the link works (1 to {MAX_LINK_SECONDS}; default 3600)"),
)
def link_command(args) -> int:
    ws = workspace(args)
    url = _offering_to_create(
        ws, lambda: sync_ops.share_link(ws, args.job_id, format=args.format, kind=args.kind, expires_seconds=args.expires)
    )
    print(url)
    return 0


@command(
    "bucket",
    "check the sync bucket, create it, or store its access key in the keyring",
    arg("action", choices=["check", "create", "login"]),
    arg("--access-key-id", help="for login; the secret is asked for (or read from standard input)"),
)
def bucket_command(args) -> int:
    ws = workspace(args)
    if args.action == "login":
        key_id = args.access_key_id or input("Access key ID: ").strip()
        secret = getpass.getpass("Secret access key: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
        if not key_id or not secret:
            print("nexus: both the access key ID and the secret are needed", file=sys.stderr)
            return 2
        set_secret(ACCESS_KEY_ID, key_id)
        set_secret(SECRET_ACCESS_KEY, secret)
        print("The access key is in the keyring.")
    storage = sync_ops.open_storage(ws)
    if args.action == "create":
        storage.create_bucket()
        print(f"The bucket {storage.name} is ready.")
        return 0
    storage.check()
    print(f"The bucket {storage.name} answers and accepts the access key.")
    unfinished = storage.unfinished_uploads()
    if unfinished:
        print(f"{len(unfinished)} unfinished upload(s) will resume at the next sync.")
    return 0
