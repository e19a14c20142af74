"""One scheduler per data folder: whoever holds ``scheduler.lock`` publishes and checks feeds.

The window and ``nexus daemon`` both try to take the lock at start. The one that
gets it runs the post scheduler and the feed checks; a window that finds the
daemon holding it shows so and starts neither (a second scheduler would
only race the first). ``QLockFile`` notices a holder that died (a kill, a crash):
its lock is stale and the next start takes it over. QtCore only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile

log = logging.getLogger(__name__)

LOCK_FILE = "scheduler.lock"
ROLE_FILE = "scheduler.owner"
WINDOW, DAEMON = "window", "daemon"


@dataclass(frozen=True)
class Holder:
    role: str  # "window" or "daemon"
    pid: int
    host: str

    def describe(self) -> str:
        who = "nexus daemon" if self.role == DAEMON else "another Nexus Desktop window"
        return f"{who} (process {self.pid} on {self.host})"


class SchedulerLock:
    def __init__(self, data: Path, role: str) -> None:
        self.data, self.role = data, role
        data.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(data / LOCK_FILE))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran

    def acquire(self) -> bool:
        """Take the lock if nobody (alive) holds it; say who we are for the others."""
        if not self._lock.tryLock(0):
            return False
        (self.data / ROLE_FILE).write_text(f"{self.role}\n{os.getpid()}\n", encoding="utf-8")
        return True

    @property
    def held(self) -> bool:
        return self._lock.isLocked()

    def holder(self) -> Holder | None:
        """Who holds the lock now, if someone else does."""
        if self._lock.isLocked():
            return None
        probe = QLockFile(str(self.data / LOCK_FILE))
        probe.setStaleLockTime(0)
        if probe.tryLock(0):  # free (or stale): nobody
            probe.unlock()
            return None
        info = probe.getLockInfo()
        pid, host = (int(info[0]), str(info[1])) if isinstance(info, tuple) and len(info) >= 2 else (0, "")
        return Holder(_role(self.data, pid), pid, host)

    def release(self) -> None:
        if self._lock.isLocked():
            (self.data / ROLE_FILE).unlink(missing_ok=True)
            self._lock.unlock()


def _role(data: Path, pid: int) -> str:
    try:
        role, owner = (data / ROLE_FILE).read_text(encoding="utf-8").split()[:2]
    except (OSError, ValueError):
        return WINDOW
    return role if owner == str(pid) else WINDOW
