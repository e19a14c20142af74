"""Children die with the app; scratch folders a killed run left are cleaned at start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nexus_desktop.children import STALE_AFTER, clean_stale_scratch, spawn

ROOT = Path(__file__).resolve().parent.parent

PARENT = """
import subprocess, sys, time
from nexus_desktop.children import child_options
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], **child_options())
print(child.pid, flush=True)
time.sleep(120)
"""

SPAWNING_PARENT = """
import subprocess, sys, time
from nexus_desktop.children import spawn
command, options = spawn([sys.executable, "-c", "import time; time.sleep(120)"])
child = subprocess.Popen(command, **options)
print(child.pid, "preexec_fn" in options, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_when_the_app_is_killed_hard():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    parent.stdout.close()
    assert wait_until(lambda: not alive(child)), "the child outlived the killed app"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_started_without_forking_the_app_still_dies_with_it():
    """spawn() asks setpriv for the parent-death signal, so Python can vfork instead of
    copying the whole app to run a preexec_fn (15 ms with the GIL held per child)."""
    parent = subprocess.Popen([sys.executable, "-c", SPAWNING_PARENT], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    pid, forked = parent.stdout.readline().split()
    child = int(pid)
    assert forked == "False", "setpriv is installed here: the app should not be forked"
    assert wait_until(lambda: alive(child) and Path(f"/proc/{child}/cmdline").read_text().startswith(sys.executable))
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    parent.stdout.close()
    assert wait_until(lambda: not alive(child)), "the child outlived the killed app"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="setpriv is Linux's")
def test_a_missing_program_still_fails_as_missing(tmp_path):
    command, options = spawn([str(tmp_path / "no-such-ffmpeg"), "-version"])
    assert command == [str(tmp_path / "no-such-ffmpeg"), "-version"]
    with pytest.raises(FileNotFoundError):
        subprocess.Popen(command, **options)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_a_background_thread_starts_its_children_lowered_and_keeps_its_own_priority():
    """The runner's pool threads: ffmpeg at nice 10, the thread (which holds the GIL) not."""
    from nexus_desktop import children

    seen = []

    def in_pool_thread():
        children.start_children_in_background()
        command, options = spawn([sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"])
        out = subprocess.run(command, capture_output=True, text=True, timeout=60, **options).stdout
        seen.append((int(out), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    thread = threading.Thread(target=in_pool_thread)
    thread.start()
    thread.join()
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen == [(max(own, children.BACKGROUND_NICE), own)]
    command, _ = spawn([sys.executable, "-V"])  # a thread that did not ask: as before
    assert "nice" not in " ".join(command[:-2])


def test_stale_scratch_folders_are_removed_and_fresh_ones_kept(tmp_path):
    jobs = tmp_path / "jobs"
    stale = jobs / "000001" / ".render-abc123"
    fresh = jobs / "000002" / ".narrate-xyz"
    keep = jobs / "000001" / "video.mp4"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "part.bin").write_bytes(b"x")
    keep.write_bytes(b"v")
    old = time.time() - STALE_AFTER - 60
    for path in (stale, stale / "part.bin"):
        os.utime(path, (old, old))
    assert clean_stale_scratch(jobs) == [stale]
    assert not stale.exists() and fresh.exists() and keep.exists()
    later = time.time() + STALE_AFTER * 2
    assert clean_stale_scratch(jobs, now=later, every=STALE_AFTER * 3) == []  # checked a moment ago: skipped
    assert clean_stale_scratch(jobs, now=later) == [fresh]
