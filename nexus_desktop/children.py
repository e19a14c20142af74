"""Child processes (ffmpeg, espeak-ng, Piper) that die with the app, and the scratch
folders a killed run leaves behind, cleaned at the next start.

On Linux a child asks the kernel for SIGKILL when its parent goes
(``PR_SET_PDEATHSIG``), so ``kill -9`` of the app no longer leaves ffmpeg
encoding for minutes as an orphan. The signal follows the thread that started the
child, which here always waits for it. (Other systems: the child stays in the
app's process group, so stopping the group stops it.) No Qt and no store: any
module that starts a process can use it.

``spawn`` asks for the signal through util-linux's ``setpriv --pdeathsig`` in
front of the command rather than a ``preexec_fn``: Python must ``fork()`` the
whole app (page tables of ~700 MB) to run a ``preexec_fn``, holding the GIL
for 15 ms of processor time per child (much longer on a loaded machine), which
stalled the window at every ffmpeg a render starts; without one it uses
``vfork()``, 0.2 ms (bench/README.md, Window, fourth session).

A thread that calls ``start_children_in_background`` (the runner's pool threads)
starts its children at nice 10 (``nice -n 10`` in front), so ffmpeg filling both
cores leaves the window's thread the processor. The thread itself keeps its
priority: it holds the GIL in bursts, and a lowered thread descheduled while
holding it kept the window waiting (priority inversion).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
BACKGROUND_NICE = 10
_thread_state = threading.local()
SCRATCH_PATTERNS = (".render-*", ".narrate-*", ".partial-*")
STALE_AFTER = 12 * 3600  # seconds without a change before a scratch folder is a leftover
MARKER = ".scratch-checked"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _die_with_parent_in_background() -> None:  # the same, at a lower priority
    _die_with_parent()
    os.nice(BACKGROUND_NICE)


def start_children_in_background() -> None:
    """From now on, processes ``spawn`` starts from this thread run at nice 10."""
    _thread_state.background = True


def _in_background() -> bool:
    return getattr(_thread_state, "background", False)


def child_options() -> dict[str, Any]:
    """Extra ``subprocess.Popen`` arguments that tie the child's life to this process, at
    nice 10 from a background thread (a ``preexec_fn``: the app is forked; ``spawn``
    avoids that where it can)."""
    if sys.platform.startswith("linux"):
        return {"preexec_fn": _die_with_parent_in_background if _in_background() else _die_with_parent}
    return {}


@functools.lru_cache(maxsize=1)
def _setpriv() -> str | None:
    """util-linux's ``setpriv`` if it can set the parent-death signal (2.33 and later)."""
    exe = shutil.which("setpriv")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if done.returncode == 0 else None


def spawn(command: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The command and extra ``subprocess.Popen`` arguments that start ``command`` so it
    dies with the app, without forking the app when ``setpriv`` can ask for that instead.

    A program that cannot be found keeps the plain command, so Popen raises the usual
    FileNotFoundError rather than setpriv failing later with an exit status."""
    exe = _setpriv() if sys.platform.startswith("linux") else None
    program = command[0] if command else ""
    found = os.path.isfile(program) and os.access(program, os.X_OK) if os.sep in program else shutil.which(program)
    if exe is None or not found:
        return list(command), child_options()
    nice = shutil.which("nice") if _in_background() else None
    lowered = [nice, "-n", str(BACKGROUND_NICE)] if nice else []
    return [exe, "--pdeathsig", "KILL", "--", *lowered, *command], {}


def _last_change(folder: Path) -> float:
    newest = folder.stat().st_mtime
    for entry in folder.rglob("*"):
        try:
            newest = max(newest, entry.stat().st_mtime)
        except OSError:
            pass
    return newest


def clean_stale_scratch(jobs_root: Path, *, now: float | None = None, every: float = 3600) -> list[Path]:
    """Remove scratch folders in job folders untouched for STALE_AFTER seconds; at most once
    per ``every`` seconds (a marker file keeps the time), so starting a command stays quick."""
    now = time.time() if now is None else now
    marker = jobs_root / MARKER
    if not jobs_root.is_dir():
        return []
    try:
        if now - marker.stat().st_mtime < every:
            return []
    except OSError:
        pass
    removed = []
    for pattern in SCRATCH_PATTERNS:
        for folder in jobs_root.glob(f"*/{pattern}"):
            try:
                if folder.is_dir() and now - _last_change(folder) > STALE_AFTER:
                    shutil.rmtree(folder)
                    removed.append(folder)
            except OSError as exc:
                log.info("could not remove the leftover %s: %s", folder, exc)
    if removed:
        log.info("removed %d scratch folder(s) left by runs that stopped: %s", len(removed), ", ".join(map(str, removed[:5])))
    try:
        marker.touch()
    except OSError:
        pass
    return removed
