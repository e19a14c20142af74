"""Servers the tests start (PostgreSQL, RabbitMQ and its epmd, SeaweedFS) belong to the test
process that started them (no tests here).

- ``die_with_this_process``: Popen options that make the kernel kill the child when the
  test process goes, even by SIGKILL (``PR_SET_PDEATHSIG``, as ``nexus_desktop.children``
  does for ffmpeg). A daemon that forks away from its parent (``pg_ctl start``) escapes it.
- ``claim(root)``: writes which process owns a server's temp folder.
- ``clean_leftovers()``: at the start of a run, stops the servers of test processes that
  are gone and removes their folders. A folder is abandoned when its owner has exited. For
  folders from before owners were written: a broker's or S3 server's when none of its
  processes has a parent outside them (they were left to init); a PostgreSQL cluster's
  (pg_ctl leaves the server to init even while its run is alive) after LEGACY_PG seconds.
  Servers of another live test run are never touched: the machine is shared.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from nexus_desktop.children import child_options

PREFIXES = ("nexus-pg-", "nexus-rmq-", "nexus-s3-")
OWNER = "owner"
GRACE = 3600  # seconds: a folder with no owner and no process is kept this long (a server may be starting)
LEGACY_PG = 6 * 3600  # seconds: an unowned cluster older than this outlived any test run


def die_with_this_process(**popen: Any) -> dict[str, Any]:
    """``popen`` plus what ties the child's life to this process. Call it from the thread
    that stays for the session (the signal follows the thread that started the child)."""
    extra = child_options()
    if "preexec_fn" in popen and "preexec_fn" in extra:
        first, second = popen.pop("preexec_fn"), extra.pop("preexec_fn")

        def both() -> None:
            first()
            second()  # after a change of user: the kernel clears the setting when credentials change

        extra["preexec_fn"] = both
    return {**popen, **extra}


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def claim(root: Path) -> None:
    """Record this process as the owner of ``root`` (a server's temp folder)."""
    (root / OWNER).write_text(f"{os.getpid()} {_start_ticks(os.getpid())}\n")


def _owner_alive(root: Path) -> bool | None:
    """True or False from the owner record; None when the folder has none (an older run)."""
    try:
        pid, ticks = (root / OWNER).read_text().split()
    except (OSError, ValueError):
        return None
    return _start_ticks(int(pid)) == ticks


def processes_using(root: Path) -> set[int]:
    """Processes whose command line or environment names ``root``."""
    needle = str(root).encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                if needle in (entry / part).read_bytes():
                    found.add(int(entry.name))
                    break
            except OSError:
                pass
    return found


def abandoned(root: Path, pids: set[int]) -> bool:
    owner = _owner_alive(root)
    if owner is not None:
        return not owner
    try:
        age = time.time() - root.stat().st_mtime
    except OSError:
        return False
    if not pids:
        return age > GRACE
    if root.name.startswith("nexus-pg-"):
        return age > LEGACY_PG
    tops = {_parent(pid) for pid in pids} - pids
    return tops <= {1, None}


def clean_leftovers(folder: Path | None = None) -> list[Path]:
    """Stop and remove what test processes that are gone left in ``folder`` (the temp dir)."""
    if not Path("/proc/self/stat").exists():
        return []
    folder = Path(folder or tempfile.gettempdir())
    removed = []
    for root in sorted(p for prefix in PREFIXES for p in folder.glob(f"{prefix}*")):
        if not root.is_dir():
            continue
        pids = processes_using(root)
        if not abandoned(root, pids):
            continue
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed
