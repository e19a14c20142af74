"""Sync benchmark: 1 GB of assets (files of 1-200 MB) plus 1,000 small ones to a
local SeaweedFS, then the same sync again with nothing changed, then a restore
onto a fresh data folder.

    .venv/bin/python bench/sync.py [--megabytes 1024] [--small 1000]

Prints upload and restore throughput and the time of the no-change pass
(target: under 2 s for 1,000 assets; it compares checksums in the store and
reads no file).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES_MB = [200, 150, 120, 100, 80, 64, 50, 40, 32, 30, 25, 20, 16, 12, 10, 8, 8, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1]


def sizes(total_mb: int) -> list[int]:
    """Files of 1-200 MB adding up to ``total_mb``."""
    picked, left = [], total_mb
    while left > 0:
        for size in SIZES_MB:
            size = min(size, left)
            if size <= 0:
                break
            picked.append(size)
            left -= size
    return picked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--small", type=int, default=1000, help="small assets for the no-change pass")
    args = parser.parse_args()

    import keyring

    from nexus_desktop.pipeline import sync
    from nexus_desktop.pipeline.context import AssetRecord, file_sha256
    from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
    from nexus_desktop.store import Store
    from tests.fakes.keyring_file import FileKeyring
    from tests.fakes.sync_world import add_jobs, make_workspace, sync_settings
    from tests.s3_server import ADMIN, SeaweedServer

    work = Path(tempfile.mkdtemp(prefix="nexus-bench-sync-"))
    server = SeaweedServer()
    server.start()
    backend = FileKeyring(work / "keyring.json")
    backend.set_password("nexus-desktop", ACCESS_KEY_ID, ADMIN[0])
    backend.set_password("nexus-desktop", SECRET_ACCESS_KEY, ADMIN[1])
    keyring.set_keyring(backend)
    store = Store.open(f"sqlite+pysqlite:///{work / 'nexus.sqlite3'}")
    try:
        ws = make_workspace(store, work / "machine-a", sync_settings(server.endpoint))
        big = sizes(args.megabytes)
        job_ids = add_jobs(store, 10)
        print(f"making {len(big)} files of 1-200 MB ({sum(big)} MB) and {args.small} small ones ...", flush=True)
        for n, job_id in enumerate(job_ids):
            records = []
            for i, size in enumerate(big[n::len(job_ids)]):
                path = ws.paths.job_dir(job_id) / f"video {i}.mp4"
                with open(path, "wb") as out:
                    for _ in range(size):
                        out.write(os.urandom(1_000_000))
                records.append(AssetRecord("video", path.relative_to(ws.paths.data).as_posix(), checksum=file_sha256(path), size=size * 1_000_000))
            for i in range(args.small // len(job_ids)):
                path = ws.paths.job_dir(job_id) / f"scene {i:03d}.png"
                path.write_bytes(os.urandom(2000))
                records.append(AssetRecord("scene_image", path.relative_to(ws.paths.data).as_posix(), checksum=file_sha256(path), size=2000))
            store.jobs.claim(job_id, worker="bench")
            store.jobs.record_success(job_id, ws.store.jobs.get(job_id).stage, {}, records, "bench")
        count = len(store.assets.all())

        first = sync.upload_jobs(ws)
        print(f"upload:    {len(first.moved)} files, {first.bytes / 1e6:.0f} MB in {first.seconds:.1f} s = {first.throughput / 1e6:.0f} MB/s")
        started = time.monotonic()
        again = sync.upload_jobs(ws)
        seconds = time.monotonic() - started
        assert not again.moved and len(again.skipped) == count
        print(f"no change: {count} assets checked in {seconds:.3f} s (target < 2 s)")
        fresh = make_workspace(store, work / "machine-b", ws.settings)
        started = time.monotonic()
        restored = sync.restore_jobs(fresh, None)
        seconds = time.monotonic() - started
        assert len(restored.moved) == count and not restored.failed
        print(f"restore:   {len(restored.moved)} files, {restored.bytes / 1e6:.0f} MB in {seconds:.1f} s = {restored.bytes / seconds / 1e6:.0f} MB/s (verified)")
    finally:
        store.close()
        server.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
