"""``nexus metrics``, ``nexus measure``, ``nexus health`` and the figures a creator brings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from nexus_desktop import settings as settings_file
from nexus_desktop.cli import main
from nexus_desktop.domain.metrics import Figures
from nexus_desktop.pipeline import health, schedule
from nexus_desktop.pipeline.measure import metrics
from nexus_desktop.pipeline.measure_import import import_csv, type_in
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import metrics_world, publish  # noqa: F401 (fixtures)


def nexus(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.expect_log("answered HTTP")
def test_metrics_and_health_answer_on_a_fresh_data_folder(capsys, tmp_path):
    code, out, _ = nexus(capsys, tmp_path / "fresh", "metrics", "--json")
    assert code == 0 and json.loads(out) == {"posts": [], "totals": {"platform": [], "feed": [], "format": []}}
    code, out, _ = nexus(capsys, tmp_path / "fresh", "health", "--json")
    report = json.loads(out)
    assert code == 0 and report["accounts"] == [] and report["queue"] == {"jobs": {}, "posts": {}}
    assert report["disk"]["free_bytes"] > 0 and report["spend"]["currency"] == "USD"
    assert report["success_30_days"]["targets"] == {"media_generation": 0.95, "publishing": 0.98}
    assert {"instagram", "linkedin"} <= {v["platform"] for v in report["versions"]}  # and each Graph network added later
    code, out, _ = nexus(capsys, tmp_path / "fresh", "measure")
    assert code == 0 and "Nothing to read now" in out
    code, out, _ = nexus(capsys, tmp_path / "fresh", "health")
    assert code == 0 and "Accounts: none connected" in out and "Queue: jobs none; posts none" in out
    code, out, _ = nexus(capsys, tmp_path / "fresh", "best-times", "--json")
    assert code == 0 and {f["platform"]: f["learned"] for f in json.loads(out)} == {
        "youtube": False, "instagram": False, "x": False, "linkedin": False}
    code, out, _ = nexus(capsys, tmp_path / "fresh", "promotions")
    assert code == 0 and "Twice my median at 24 h (off)" in out
    code, out, _ = nexus(capsys, tmp_path / "fresh", "title-tests")
    assert code == 0 and "No title tests" in out
    code, _, err = nexus(capsys, tmp_path / "fresh", "promotion-undo", "7")
    assert code == 2 and "there is no promotion 7" in err


@pytest.mark.expect_log("answered HTTP")
def test_the_cli_reads_due_figures_and_shows_them_with_health(capsys, metrics_world):
    world = metrics_world
    world.connect("youtube")
    world.connect("x")
    job_id = world.job()
    posts = publish(world, job_id, ("youtube", "x"))
    settings_file.save(world.ws.settings, world.ws.paths.settings_file)
    data = world.ws.paths.data
    world.clock.advance(days=30)  # the stand-ins' figures a month on; the CLI reads on the real clock

    code, out, _ = nexus(capsys, data, "measure", "--json")
    assert code == 0 and sorted(o["result"] for o in json.loads(out)) == ["recorded", "recorded"]
    code, out, _ = nexus(capsys, data, "metrics", "--json", "--job", str(job_id))
    shown = {p["platform"]: p for p in json.loads(out)["posts"]}
    assert set(shown) == {"youtube", "x"} and shown["youtube"]["views"] > 0 and len(shown["x"]["readings"]) == 1
    code, out, _ = nexus(capsys, data, "metrics")
    assert code == 0 and "youtube" in out and f"{shown['youtube']['views']:,}" in out

    code, out, _ = nexus(capsys, data, "health", "--json")
    report = json.loads(out)
    accounts = {a["platform"]: a for a in report["accounts"]}
    assert accounts["youtube"]["name"] == "Nexus Test Channel" and accounts["youtube"]["token"] == "ok"
    assert accounts["youtube"]["quota_used"] >= 1 and accounts["youtube"]["quota_left"] == 10_000 - accounts["youtube"]["quota_used"]
    assert accounts["x"]["quota_unit"] == "reads today"
    assert report["queue"]["posts"] == {"published": 2}
    assert {r["key"]: r["rate"] for r in report["success_30_days"]["platforms"]} == {"youtube": 1.0, "x": 1.0}
    assert posts["youtube"] in {p["post_id"] for p in shown.values()}


def test_figures_typed_in_or_imported_for_export_folder_posts(metrics_world, tmp_path):
    world = metrics_world
    job_id = world.job()
    schedule.approve_jobs(world.ws, [job_id], now=world.clock())  # the default target: the export folder for YouTube
    (post,) = schedule.posts(world.ws).for_job(job_id)
    type_in(world.ws, post.id, Figures(views=120, likes=9), at=world.clock())
    sheet = tmp_path / "figures.csv"
    sheet.write_text("post_id,recorded_at,views,likes,comments\n"
                     f"{post.id},2026-11-24T10:00:00Z,480,31,4\n"
                     f"{post.id},,-5,1,1\n"
                     "999,,10,1,1\n"
                     f"{post.id},2026-11-25T10:00:00+00:00,\"1,200\",80,9\n", encoding="utf-8")
    report = import_csv(world.ws, sheet, now=world.clock() + timedelta(days=3))
    assert report.stored == 2 and report.problems == ("line 3: views cannot be negative", "line 4: no such post")
    readings = metrics(world.ws).series(post.id)
    assert [(r.source, r.figures.views) for r in readings] == [("typed", 120), ("csv", 480), ("csv", 1200)]
    assert readings[0].recorded_at < readings[1].recorded_at
    (row,) = metrics(world.ws).posts()
    assert row.platform == "youtube" and row.views == 1200 and row.readings == 3
    older = tmp_path / "older.csv"
    older.write_text(f"post_id,recorded_at,views\n{post.id},2026-11-20T10:00:00Z,5\n", encoding="utf-8")
    assert import_csv(world.ws, older).stored == 1
    (row,) = metrics(world.ws).posts()
    assert row.views == 1200 and row.readings == 4  # an older reading counts, but is not the latest


def test_clean_up_drops_intermediate_files_of_old_published_jobs_and_keeps_the_videos(metrics_world):
    world = metrics_world
    world.connect("youtube")
    job_id = world.job()
    publish(world, job_id, ("youtube",))
    folder = world.ws.paths.job_dir(job_id)
    (folder / "narration.wav").write_bytes(b"\0" * 5000)
    (folder / "scenes").mkdir()
    (folder / "scenes" / "1.png").write_bytes(b"\0" * 3000)
    later = world.clock() + timedelta(days=30)
    assert health.cleanable(world.ws, world.clock()) == []  # published today: nothing yet
    assert sorted(p.name for p in health.cleanable(world.ws, later)) == ["1.png", "narration.wav"]
    assert health.report(world.ws, now=later).disk.reclaimable_bytes == 8000
    assert health.clean_up(world.ws, later) == (2, 8000)
    assert (folder / "video.mp4").is_file() and not (folder / "narration.wav").exists()
