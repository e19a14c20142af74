"""Sync against a real S3 server (SeaweedFS): upload, skip, restore, links, the CLI."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import literal, update

from nexus_desktop import cli
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.domain.stages import Stage
from nexus_desktop.pipeline import sync
from nexus_desktop.providers.storage.base import StorageUnavailable
from nexus_desktop.providers.storage.s3 import S3Storage
from nexus_desktop.providers.storage.s3_client import MiB, S3Config
from nexus_desktop.settings import save as save_settings
from nexus_desktop.store import Store
from nexus_desktop.store.models import Asset
from tests.fakes.sync_world import add_jobs, keys, make_workspace, pseudo_random, record_files, s3, sync_settings  # noqa: F401

ODD_NAME = "vidéo finale — été 9x16.mp4"  # spaces and non-ASCII


@pytest.fixture
def sqlite_store(tmp_path):
    opened = Store.open(f"sqlite+pysqlite:///{tmp_path / 'shared.sqlite3'}")
    yield opened
    opened.close()


def small_parts(ws) -> S3Storage:
    """The workspace's bucket with 5 MiB parts, so a 12 MiB file goes up in three."""
    return S3Storage(S3Config.from_settings(ws.settings.sync), state_dir=ws.paths.data / ".sync" / "uploads",
                     part_size=5 * MiB, multipart_threshold=5 * MiB)


def sample_jobs(ws) -> dict[int, dict[str, bytes]]:
    jobs = {}
    first, second = add_jobs(ws.store, 2)
    jobs[first] = {ODD_NAME: pseudo_random(12 * MiB + 123, "big"), "script.json": b'{"narration": "hi"}', "empty.txt": b""}
    jobs[second] = {"thumbnail.png": pseudo_random(200_000, "thumb"), "narration.wav": pseudo_random(3 * MiB, "voice")}
    for job_id, files in jobs.items():
        record_files(ws, job_id, files, formats={ODD_NAME: "9x16"})
    return jobs


def test_sample_jobs_sync_and_restore_byte_identical_onto_a_fresh_data_folder(store, s3, keys, tmp_path):
    settings = sync_settings(s3.endpoint)
    here = make_workspace(store, tmp_path / "machine-a", settings)
    jobs = sample_jobs(here)
    seen = []

    report = sync.upload_jobs(here, storage=small_parts(here), progress=seen.append)

    assert len(report.moved) == 5 and not report.failed
    assert report.bytes == sum(len(c) for files in jobs.values() for c in files.values())
    assert seen[-1].done_bytes == report.bytes and seen[-1].percent == 100
    assert {a.sync_status for a in store.assets.all()} == {"synced"}
    remote = small_parts(here).head(small_parts(here).key_for(f"jobs/{min(jobs):06d}/{ODD_NAME}"))
    assert remote is not None and remote.size == 12 * MiB + 123 and "-3" in remote.etag  # went up in three parts

    there = make_workspace(store, tmp_path / "machine-b", settings)  # a second computer, same database and bucket
    restored = sync.restore_jobs(there, list(jobs))

    assert len(restored.moved) == 5 and not restored.failed
    for job_id, files in jobs.items():
        for name, content in files.items():
            assert (there.paths.job_dir(job_id) / name).read_bytes() == content
    assert not list(there.paths.jobs.rglob("*.nexus-download"))


def test_a_second_sync_with_no_change_reads_no_file_and_asks_the_bucket_nothing(sqlite_store, s3, keys, tmp_path, monkeypatch):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    sample_jobs(ws)
    storage = small_parts(ws)
    sync.upload_jobs(ws, storage=storage)
    monkeypatch.setattr(sync, "file_sha256", lambda path: pytest.fail(f"{path} was read"))
    monkeypatch.setattr(storage, "client", None)  # any request would fail

    report = sync.upload_jobs(ws, storage=storage)

    assert report.moved == () and len(report.skipped) == 5


def test_the_no_change_pass_over_a_thousand_assets_takes_under_two_seconds(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    storage = small_parts(ws)
    job_ids = add_jobs(ws.store, 10)
    for job_id in job_ids:
        record_files(ws, job_id, {f"scene-{n:03d}.png": b"x" for n in range(100)}, kind="scene_image")
    with ws.store.db.write() as session:  # as a first sync leaves them
        session.execute(update(Asset).values(sync_status="synced", remote_key=literal(storage.key_for("")) + Asset.path,
                                             remote_checksum=Asset.checksum))

    report = sync.upload_jobs(ws, storage=storage)

    assert len(report.skipped) == 1000 and report.moved == ()
    assert report.seconds < 30  # a hang guard; bench/sync.py measures the < 2 s target


def test_only_a_remade_file_goes_up_again(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, {"narration.wav": b"first take", "captions.srt": b"1\n"})
    storage = small_parts(ws)
    sync.upload_job(ws, job_id, storage)

    record_files(ws, job_id, {"narration.wav": b"second take, longer"}, stage=Stage.NARRATE)  # the stage remade it
    report = sync.upload_job(ws, job_id, storage)

    assert report.moved == (f"jobs/{job_id:06d}/narration.wav",)
    fresh = make_workspace(sqlite_store, tmp_path / "fresh", ws.settings)
    sync.restore_job(fresh, job_id, storage)
    assert (fresh.paths.job_dir(job_id) / "narration.wav").read_bytes() == b"second take, longer"


def test_a_file_another_machine_already_uploaded_is_not_sent_again(sqlite_store, s3, keys, tmp_path):
    settings = sync_settings(s3.endpoint)
    ws = make_workspace(sqlite_store, tmp_path / "data", settings)
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, {"video.mp4": pseudo_random(100_000, "v")})
    storage = small_parts(ws)
    asset = ws.store.assets.for_job(job_id)[0]
    storage.upload(ws.paths.data / asset.path, storage.key_for(asset.path), sha256=asset.checksum, size=asset.size)
    before = s3.client().head_object(Bucket=settings.sync.bucket, Key=storage.key_for(asset.path))["LastModified"]

    report = sync.upload_job(ws, job_id, storage)

    assert report.moved == () and report.skipped == (asset.path,)
    assert ws.store.assets.for_job(job_id)[0].sync_status == "synced"
    assert s3.client().head_object(Bucket=settings.sync.bucket, Key=storage.key_for(asset.path))["LastModified"] == before


def test_a_file_changed_on_disk_is_refused_and_the_others_go_up(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, {"small.txt": b"recorded", "big.bin": pseudo_random(11 * MiB, "b"), "fine.txt": b"ok"})
    (ws.paths.job_dir(job_id) / "small.txt").write_bytes(b"RECORDED")  # same size, other bytes
    big = ws.paths.job_dir(job_id) / "big.bin"
    with open(big, "r+b") as handle:
        handle.seek(7 * MiB)
        handle.write(b"!")
    storage = small_parts(ws)

    report = sync.upload_job(ws, job_id, storage)

    assert report.moved == (f"jobs/{job_id:06d}/fine.txt",)
    reasons = dict(report.failed)
    assert "changed on disk" in reasons[f"jobs/{job_id:06d}/small.txt"]
    assert "changed on disk" in reasons[f"jobs/{job_id:06d}/big.bin"]
    statuses = {a.path.rsplit("/", 1)[1]: (a.sync_status, a.sync_error) for a in ws.store.assets.for_job(job_id)}
    assert statuses["big.bin"][0] == "failed" and "run the job's stage again" in statuses["big.bin"][1]
    assert storage.head(storage.key_for(f"jobs/{job_id:06d}/big.bin")) is None  # no partial object
    assert storage.head(storage.key_for(f"jobs/{job_id:06d}/small.txt")) is None
    assert s3.client().list_multipart_uploads(Bucket=ws.settings.sync.bucket, Prefix=ws.settings.sync.prefix).get("Uploads", []) == []
    assert (ws.paths.job_dir(job_id) / "small.txt").read_bytes() == b"RECORDED"  # nothing lost locally


def test_a_presigned_link_serves_the_video_until_it_expires(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    (job_id,) = add_jobs(ws.store, 1)
    video = pseudo_random(300_000, "9x16")
    record_files(ws, job_id, {ODD_NAME: video, "wide.mp4": b"16x9"}, stage=Stage.ANALYZE,
                 formats={ODD_NAME: "9x16", "wide.mp4": "16x9"})

    url = sync.share_link(ws, job_id, format="9x16", expires_seconds=600)

    with urllib.request.urlopen(url) as response:
        assert response.read() == video
        assert response.headers["Content-Type"] == "video/mp4"
    expired = small_parts(ws).client.generate_presigned_url(
        "get_object", Params={"Bucket": ws.settings.sync.bucket, "Key": small_parts(ws).key_for(f"jobs/{job_id:06d}/wide.mp4")},
        ExpiresIn=1)
    import time

    def refused_code() -> int | None:  # the link stops working once its second is over
        try:
            urllib.request.urlopen(expired).close()
        except urllib.error.HTTPError as exc:
            return exc.code
        return None

    deadline = time.monotonic() + 15
    while (code := refused_code()) != 403 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert code == 403
    with pytest.raises(UserFixableError, match="has no 1x1 video"):
        sync.share_link(ws, job_id, format="1x1")
    with pytest.raises(UserFixableError, match="from 1 second to 7 days"):
        sync.share_link(ws, job_id, format="9x16", expires_seconds=8 * 24 * 3600)


def test_restore_leaves_a_different_local_copy_alone_and_says_what_is_missing(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    first, second = add_jobs(ws.store, 2)
    record_files(ws, first, {"a.txt": b"from the bucket"})
    record_files(ws, second, {"b.txt": b"never uploaded"})
    storage = small_parts(ws)
    sync.upload_job(ws, first, storage)
    other = make_workspace(sqlite_store, tmp_path / "other", ws.settings)
    (other.paths.job_dir(first) / "a.txt").write_bytes(b"edited by hand")

    report = sync.restore_jobs(other, [first, second], storage)

    reasons = dict(report.failed)
    assert "left as it is" in reasons[f"jobs/{first:06d}/a.txt"]
    assert "not in the bucket" in reasons[f"jobs/{second:06d}/b.txt"]
    assert (other.paths.job_dir(first) / "a.txt").read_bytes() == b"edited by hand"
    sync.restore_jobs(other, [first], storage, overwrite=True)
    assert (other.paths.job_dir(first) / "a.txt").read_bytes() == b"from the bucket"


def test_before_a_stage_missing_files_are_fetched_and_unuploaded_ones_waited_for(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "a", sync_settings(s3.endpoint))
    first, second = add_jobs(ws.store, 2)
    record_files(ws, first, {"script.json": b"{}"})
    record_files(ws, second, {"script.json": b"{}"})
    storage = small_parts(ws)
    sync.upload_job(ws, first, storage)
    other = make_workspace(sqlite_store, tmp_path / "b", ws.settings)

    assert sync.fetch_missing(other, storage, first) == 1
    assert (other.paths.job_dir(first) / "script.json").read_bytes() == b"{}"
    assert sync.fetch_missing(other, storage, first) == 0
    with pytest.raises(StorageUnavailable, match="not in the bucket yet"):
        sync.fetch_missing(other, storage, second, wait_seconds=0.3, poll_seconds=0.1)


# -- the command line ------------------------------------------------------------------------


def _cli_world(tmp_path: Path, endpoint: str, *, bucket: str | None = None):
    data = tmp_path / "cli"
    url = f"sqlite+pysqlite:///{tmp_path / 'cli.sqlite3'}"
    settings = sync_settings(endpoint, database_url=url, **({"bucket": bucket} if bucket else {}))
    ws = make_workspace(Store.open(url), data, settings)
    save_settings(settings, ws.paths.settings_file)
    return ws, ["--data-dir", str(data)]


def test_cli_sync_restore_and_link(s3, keys, tmp_path, capsys):
    ws, base = _cli_world(tmp_path, s3.endpoint)
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, {ODD_NAME: b"video bytes"}, formats={ODD_NAME: "9x16"})

    assert cli.main([*base, "sync"]) == 0
    assert "1 file(s) uploaded" in capsys.readouterr().out
    assert cli.main([*base, "sync", str(job_id)]) == 0
    assert "0 file(s) uploaded" in capsys.readouterr().out
    (ws.paths.job_dir(job_id) / ODD_NAME).unlink()
    assert cli.main([*base, "restore", "--all"]) == 0
    assert (ws.paths.job_dir(job_id) / ODD_NAME).read_bytes() == b"video bytes"
    capsys.readouterr()
    assert cli.main([*base, "link", str(job_id), "--format", "9x16", "--expires", "60"]) == 0
    url = capsys.readouterr().out.strip()
    assert "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"video bytes"


def test_a_missing_bucket_says_how_to_create_it_and_bucket_create_does(s3, keys, tmp_path, capsys):
    name = f"missing-{tmp_path.name[-8:].lower().replace('_', '-')}"
    ws, base = _cli_world(tmp_path, s3.endpoint, bucket=name)
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, {"a.txt": b"a"})

    assert cli.main([*base, "sync"]) == 2
    error = capsys.readouterr().err
    assert f"the bucket '{name}' does not exist" in error and "nexus bucket create" in error
    assert ws.store.assets.for_job(job_id)[0].sync_status == "local"
    assert cli.main([*base, "bucket", "create"]) == 0
    assert cli.main([*base, "sync"]) == 0
    assert ws.store.assets.for_job(job_id)[0].sync_status == "synced"
    assert cli.main([*base, "bucket", "check"]) == 0
    assert "accepts the access key" in capsys.readouterr().out


@pytest.mark.expect_log("sync is configured but cannot start")
def test_bucket_login_puts_the_keys_in_the_keyring(s3, keys, tmp_path, monkeypatch, capsys):
    import io
    import json

    _, base = _cli_world(tmp_path, s3.endpoint)
    keys.write_text("{}")
    monkeypatch.setattr("sys.stdin", io.StringIO("nexus-admin-secret-0123456789\n"))

    assert cli.main([*base, "bucket", "login", "--access-key-id", "nexus-admin-key"]) == 0

    stored = json.loads(keys.read_text())
    assert stored["nexus-desktop/s3_access_key_id"] == "nexus-admin-key"
    assert "accepts the access key" in capsys.readouterr().out
    assert "secret-0123" not in (tmp_path / "cli" / "config" / "settings.json").read_text()


def test_sync_off_says_where_to_turn_it_on(sqlite_store, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings("http://127.0.0.1:9"))
    ws.settings.sync.enabled = False
    with pytest.raises(UserFixableError, match="sync is off"):
        sync.upload_jobs(ws)
