"""approve, reject, schedule, posts, publish-due, publish --now and daemon, as a person or a script uses them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nexus_desktop import settings as settings_file
from nexus_desktop.cli import main
from nexus_desktop.paths import AppPaths
from nexus_desktop.store import Store
from nexus_desktop.store.database import sqlite_url
from tests.publish_support import ZONE, rendered_jobs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path, media) -> Path:
    """A data folder with three jobs waiting for review, posting to the export folder for YouTube."""
    paths = AppPaths.resolve(tmp_path / "data")
    config = settings_file.Settings()
    config.schedule.timezone = ZONE
    config.schedule.default_targets = ["export:youtube"]
    settings_file.save(config, paths.settings_file)
    store = Store.open(sqlite_url(paths.database))
    rendered_jobs(store, paths, media, 3)
    store.close()
    return paths.data


def nexus(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_approve_schedule_and_publish_from_the_command_line(capsys, data_dir):
    code, out, _ = nexus(capsys, data_dir, "approve", "--all")
    assert code == 0 and out.count("approved; posts: Export for YouTube") == 3
    code, _, err = nexus(capsys, data_dir, "reject", "3", "--reason", "not for us")
    assert code == 0
    code, _, err = nexus(capsys, data_dir, "approve", "3")
    assert code == 2 and "a rejected job cannot become approved" in err
    code, out, _ = nexus(capsys, data_dir, "schedule")
    assert out.count("suggested") == 2 and "Europe/Berlin" in out and "nexus schedule --auto" in out
    code, out, _ = nexus(capsys, data_dir, "schedule", "--auto")
    assert code == 0 and out.count(" 17:00") == 2
    code, out, _ = nexus(capsys, data_dir, "posts", "--json")
    posts = json.loads(out)
    assert [(p["status"], p["target"]) for p in posts] == [("scheduled", "Export for YouTube")] * 2
    code, out, _ = nexus(capsys, data_dir, "publish-due")
    assert code == 0 and "Nothing is due." in out
    code, out, _ = nexus(capsys, data_dir, "publish", str(posts[0]["id"]), "--now")
    assert code == 0 and f"post {posts[0]['id']} (Export for YouTube): published: file://" in out
    code, _, err = nexus(capsys, data_dir, "publish", str(posts[0]["id"]), "--now")
    assert code == 2 and "already published" in err
    assert len(list((data_dir / "exports").iterdir())) == 1
    code, out, _ = nexus(capsys, data_dir, "posts")
    assert "Published" in out and "2 post(s)" in out


def test_a_past_time_points_to_publishing_now(capsys, data_dir):
    nexus(capsys, data_dir, "approve", "1")
    code, _, err = nexus(capsys, data_dir, "schedule", "--post", "1", "--at", "2001-01-01 09:00")
    assert code == 2 and "has already passed" in err and "nexus publish 1 --now" in err
    code, out, _ = nexus(capsys, data_dir, "schedule", "--post", "1", "--at", "2099-06-01 09:00")
    assert code == 0 and "Mon 2099-06-01 09:00" in out
    code, _, err = nexus(capsys, data_dir, "schedule", "--post", "1", "--at", "tomorrow")
    assert code == 2 and "cannot read the time 'tomorrow'" in err


def test_the_daemon_exports_a_due_post_and_stops_on_sigterm(capsys, data_dir):
    nexus(capsys, data_dir, "approve", "1", "2")
    nexus(capsys, data_dir, "publish", "1", "--now")  # so only the second remains
    code, _, _ = nexus(capsys, data_dir, "schedule", "--post", "2", "--at", "2099-01-01 09:00")
    store = Store.open(sqlite_url(data_dir / "nexus.sqlite3"))
    from datetime import datetime, timedelta, timezone

    from nexus_desktop.store.posts import PostRepo

    PostRepo(store.db).schedule(2, datetime.now(timezone.utc) + timedelta(seconds=1))
    store.close()
    daemon = subprocess.Popen(
        [sys.executable, "-c", "import sys; from nexus_desktop.cli import main; sys.exit(main(sys.argv[1:]))",
         "--data-dir", str(data_dir), "daemon"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(list((data_dir / "exports").iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
    finally:
        daemon.kill()
    assert daemon.returncode == 0, err
    assert "post 2 (Export for YouTube): published" in out and out.rstrip().endswith("nexus daemon: stopped")
    assert len(list((data_dir / "exports").iterdir())) == 2


def test_a_targets_posting_times_can_be_changed(capsys, data_dir):
    code, out, _ = nexus(capsys, data_dir, "targets")
    assert code == 0 and "Export for YouTube" in out and "Mon, Tue, Wed, Thu, Fri, Sat, Sun at 17:00" in out
    code, out, _ = nexus(capsys, data_dir, "targets", "1", "--days", "mon-wed,fri", "--times", "08:30,18:00", "--max-per-day", "2")
    assert code == 0 and "Mon, Tue, Wed, Fri at 08:30, 18:00; at most 2 a day, 3 h apart" in out
    code, _, err = nexus(capsys, data_dir, "targets", "1", "--times", "25:99")
    assert code == 2 and "posting rules are not valid" in err
    nexus(capsys, data_dir, "approve", "1", "--schedule")
    code, out, _ = nexus(capsys, data_dir, "posts", "--json")
    placed = datetime.fromisoformat(json.loads(out)[0]["scheduled_at"]).astimezone(ZoneInfo(ZONE))
    assert placed.weekday() in (0, 1, 2, 4) and placed.strftime("%H:%M") in ("08:30", "18:00")
