"""The command line with hostile titles and short-lived readers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from nexus_desktop.terminal import printable

ROOT = Path(__file__).resolve().parent.parent
EVIL = "Breaking\x1b]0;pwned\x07 news\x1b[2J\x1b[31m red\x9b1m"


def seed(data: Path, count: int, title: str = "Story") -> None:
    store = Store.open(f"sqlite+pysqlite:///{data / 'nexus.sqlite3'}")
    try:
        source, _ = store.sources.add("https://feeds.example.net/a.xml", "A")
        store.items.add_new(source.id, [
            NewItem(guid=f"g{n}", link=f"https://feeds.example.net/{n}", title=f"{title} {n}", author="", published=None,
                    summary="", content=f"c{n}", image_url=None, language="en", content_hash=f"h{n}")
            for n in range(count)])
    finally:
        store.close()


def nexus(data: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "nexus_desktop.cli", "--data-dir", str(data), *args],
                          env=env, capture_output=True, timeout=120, **kwargs)


def test_terminal_escapes_in_titles_are_not_printed(tmp_path):
    seed(tmp_path, 1, EVIL)
    done = nexus(tmp_path, "jobs")
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and "\x9b".encode() not in done.stdout
    assert b"Breaking" in done.stdout and b"news" in done.stdout
    assert printable(EVIL) == "Breaking news red1m"


def test_nexus_jobs_piped_into_head_ends_quietly(tmp_path):
    seed(tmp_path, 3000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shell = f"{sys.executable} -m nexus_desktop.cli --data-dir {tmp_path} jobs | head -n 2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, timeout=120)
    assert len(done.stdout.splitlines()) == 2
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr, done.stderr.decode()


def test_files_the_command_line_creates_are_private(tmp_path):
    data = tmp_path / "fresh"
    done = nexus(data, "feeds")
    assert done.returncode == 0, done.stderr
    assert (data / "nexus.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (data / "logs" / "nexus.log").stat().st_mode & 0o777 == 0o600
    for folder in (data, data / "logs", data / "config"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
