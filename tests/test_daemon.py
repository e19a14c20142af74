"""``nexus daemon`` running by itself: feeds checked on the interval, new articles made into
videos that wait for review, with no other command."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nexus_desktop import settings as settings_file
from nexus_desktop.cli import main
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.paths import AppPaths
from nexus_desktop.store import Store
from nexus_desktop.store.database import sqlite_url
from tests.feed_server import STORIES, FeedServer, Route, rss

ROOT = Path(__file__).resolve().parent.parent

class Output:
    """Lines a child process prints, collected as they come."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._stream = stream
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def close(self) -> None:
        self._thread.join(10)
        self._stream.close()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def quick_data_dir(tmp_path) -> Path:
    """Checks every 1.2 s, one small video format: the daemon's cycle in seconds, not minutes."""
    paths = AppPaths.resolve(tmp_path / "data")
    config = settings_file.Settings()
    config.harvest.check_every_minutes = 0.02
    config.render.formats = ["9x16"]
    config.analyze.narration_words = 40
    settings_file.save(config, paths.settings_file)
    return paths.data


def jobs_by_status(data_dir: Path) -> dict[str, list[str]]:
    store = Store.open(sqlite_url(AppPaths.resolve(data_dir).database))
    try:
        found: dict[str, list[str]] = {}
        for job in store.jobs.list():
            found.setdefault(job.status.value, []).append(job.title)
        return found
    finally:
        store.close()


@pytest.mark.slow
def test_the_daemon_takes_a_new_feed_and_a_later_story_to_review_by_itself(qtbot, capsys, quick_data_dir):
    with FeedServer() as server:
        server.routes["/feed.xml"] = Route(rss(1), etag='"v1"')
        daemon = subprocess.Popen(
            [sys.executable, "-m", "nexus_desktop.cli", "--data-dir", str(quick_data_dir), "daemon"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        out = Output(daemon.stdout)
        try:
            qtbot.waitUntil(lambda: "nexus daemon: running" in out.text, timeout=30_000)
            assert "feeds checked every 0.02 min" in out.text
            assert main(["--data-dir", str(quick_data_dir), "add-feed", server.url("/feed.xml")]) == 0
            review = JobStatus.AWAITING_REVIEW.value
            qtbot.waitUntil(lambda: jobs_by_status(quick_data_dir).get(review) == [STORIES[1][0]], timeout=180_000)

            server.routes["/feed.xml"] = Route(rss(2, 1), etag='"v2"')
            qtbot.waitUntil(lambda: len(jobs_by_status(quick_data_dir).get(review, [])) == 2, timeout=180_000)
            assert sorted(jobs_by_status(quick_data_dir)[review]) == sorted([STORIES[1][0], STORIES[2][0]])
            assert "Tech Digest Weekly: 1 new job(s)" in out.text
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            out.close()
        assert daemon.returncode == 0, out.text
        assert out.lines[-1] == "nexus daemon: stopped"
        # Checked on the interval without hammering: 304s after the first fetch of each version.
        assert server.not_modified >= 1
