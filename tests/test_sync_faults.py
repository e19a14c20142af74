"""What goes wrong with a bucket, and what the creator reads then: refused keys,
no write permission, a wrong clock, a dropped connection, a failing server, a
5 GB file. Nothing partial may look complete in the bucket, and nothing is lost locally."""

from __future__ import annotations

import base64
import datetime
import hashlib
import threading
import tracemalloc

import botocore.auth
import pytest

from nexus_desktop.pipeline import sync
from nexus_desktop.providers.storage.base import AccessDenied, BadCredentials, ClockSkew, StorageError, StorageUnavailable
from nexus_desktop.providers.storage.s3 import S3Storage
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY, GiB, MiB, S3Config
from nexus_desktop.providers.storage.s3_multipart import MAX_PARTS, part_count, part_size_for
from nexus_desktop.store import Store
from tests.fakes.cutting_proxy import CuttingProxy
from tests.fakes.keyring_file import FileKeyring
from tests.fakes.moto_faults import FaultyMotoServer
from tests.fakes.sync_world import add_jobs, keys, make_workspace, pseudo_random, record_files, s3, sync_settings  # noqa: F401
from tests.s3_server import READER


@pytest.fixture
def sqlite_store(tmp_path):
    opened = Store.open(f"sqlite+pysqlite:///{tmp_path / 'shared.sqlite3'}")
    yield opened
    opened.close()


def storage_for(ws, endpoint: str | None = None, **options) -> S3Storage:
    config = S3Config.from_settings(ws.settings.sync)
    if endpoint:
        config = S3Config(**{**config.__dict__, "endpoint_url": endpoint})
    defaults = dict(part_size=5 * MiB, multipart_threshold=5 * MiB, max_attempts=1)
    return S3Storage(config, state_dir=ws.paths.data / ".sync" / "uploads", **{**defaults, **options})


def one_job(ws, files: dict[str, bytes]) -> int:
    (job_id,) = add_jobs(ws.store, 1)
    record_files(ws, job_id, files)
    return job_id


def statuses(ws, job_id: int) -> dict[str, tuple[str, str | None]]:
    return {a.path.rsplit("/", 1)[1]: (a.sync_status, a.sync_error) for a in ws.store.assets.for_job(job_id)}


# -- keys, permissions, clock ----------------------------------------------------------------


def test_wrong_keys_are_named_and_nothing_is_marked(sqlite_store, s3, keys, tmp_path):
    FileKeyring(keys).set_password("nexus-desktop", SECRET_ACCESS_KEY, "not-the-secret")
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    job_id = one_job(ws, {"a.txt": b"a"})

    with pytest.raises(BadCredentials) as refused:
        sync.upload_job(ws, job_id, storage_for(ws))

    assert "refused the access key (SignatureDoesNotMatch)" in str(refused.value)
    assert "nexus bucket login" in str(refused.value)
    assert statuses(ws, job_id) == {"a.txt": ("local", None)}

    FileKeyring(keys).set_password("nexus-desktop", ACCESS_KEY_ID, "nobody")
    with pytest.raises(BadCredentials, match="InvalidAccessKeyId"):
        sync.upload_job(ws, job_id, storage_for(ws))


def test_no_keys_in_the_keyring_says_how_to_add_them(sqlite_store, tmp_path, keys):
    keys.write_text("{}")
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings("http://127.0.0.1:9"))
    with pytest.raises(BadCredentials, match="no access key .* nexus bucket login"):
        sync.open_storage(ws)


@pytest.mark.parametrize("size", [1000, 7 * MiB], ids=["single", "multipart"])
def test_a_read_only_key_cannot_upload_and_the_asset_says_why(sqlite_store, s3, keys, tmp_path, size):
    FileKeyring(keys).set_password("nexus-desktop", ACCESS_KEY_ID, READER[0])
    FileKeyring(keys).set_password("nexus-desktop", SECRET_ACCESS_KEY, READER[1])
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    content = pseudo_random(size, "ro")
    job_id = one_job(ws, {"video.mp4": content})

    with pytest.raises(AccessDenied) as denied:
        sync.upload_job(ws, job_id, storage_for(ws))

    assert "may not write to the bucket 'nexus-test'" in str(denied.value)
    status, reason = statuses(ws, job_id)["video.mp4"]
    assert status == "failed" and "may not write" in reason
    assert (ws.paths.job_dir(job_id) / "video.mp4").read_bytes() == content


def test_a_wrong_clock_is_named(sqlite_store, s3, keys, tmp_path, monkeypatch):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    job_id = one_job(ws, {"a.txt": b"a"})
    real_now = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: real_now(remove_tzinfo) - datetime.timedelta(hours=2))

    with pytest.raises(ClockSkew) as skewed:
        sync.upload_job(ws, job_id, storage_for(ws))

    assert "clock" in str(skewed.value) and "RequestTimeTooSkewed" in str(skewed.value)
    assert "NTP" in skewed.value.hint


# -- a dropped connection ----------------------------------------------------------------------


def test_an_upload_cut_off_mid_way_resumes_with_the_parts_already_sent(sqlite_store, s3, keys, tmp_path):
    proxy = CuttingProxy(s3.port)
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    content = pseudo_random(26 * MiB, "cut")  # six parts of 5 MiB
    job_id = one_job(ws, {"render 16x9.mp4": content})
    key = storage_for(ws).key_for(f"jobs/{job_id:06d}/render 16x9.mp4")
    proxy.cut_after(13 * MiB)  # mid-way through the third part

    with pytest.raises(StorageUnavailable) as lost:
        sync.upload_job(ws, job_id, storage_for(ws, proxy.endpoint, workers=1))

    assert "lost the connection" in str(lost.value) and "resumes" in lost.value.hint
    assert statuses(ws, job_id)["render 16x9.mp4"][0] == "failed"
    assert storage_for(ws).head(key) is None  # nothing that looks complete
    uploads = s3.client().list_multipart_uploads(Bucket="nexus-test", Prefix=ws.settings.sync.prefix).get("Uploads", [])
    assert [u["Key"] for u in uploads] == [key]
    assert storage_for(ws).unfinished_uploads() == [key]

    proxy.cut_after(10**12)  # the cable is back; count what the second try sends
    report = sync.upload_job(ws, job_id, storage_for(ws, proxy.endpoint, workers=1))

    assert report.moved == (f"jobs/{job_id:06d}/render 16x9.mp4",)
    assert proxy.sent < 26 * MiB - 10 * MiB + 1 * MiB  # the two finished parts were not sent again
    assert statuses(ws, job_id)["render 16x9.mp4"] == ("synced", None)
    assert storage_for(ws).unfinished_uploads() == []
    fresh = make_workspace(sqlite_store, tmp_path / "fresh", ws.settings)
    sync.restore_job(fresh, job_id, storage_for(ws))
    assert (fresh.paths.job_dir(job_id) / "render 16x9.mp4").read_bytes() == content
    assert (ws.paths.job_dir(job_id) / "render 16x9.mp4").read_bytes() == content
    proxy.close()


def test_a_download_cut_off_continues_from_its_partial_file(sqlite_store, s3, keys, tmp_path):
    ws = make_workspace(sqlite_store, tmp_path / "data", sync_settings(s3.endpoint))
    content = pseudo_random(3 * MiB, "down")
    job_id = one_job(ws, {"voice.wav": content})
    sync.upload_job(ws, job_id, storage_for(ws))
    there = make_workspace(sqlite_store, tmp_path / "there", ws.settings)
    partial = there.paths.job_dir(job_id) / ".voice.wav.nexus-download"
    partial.write_bytes(content[: 2 * MiB])
    moved = []

    sync.restore_job(there, job_id, storage_for(ws), progress=moved.append)

    assert (there.paths.job_dir(job_id) / "voice.wav").read_bytes() == content
    assert not partial.exists()
    partial.write_bytes(b"garbage" * 1000)  # a partial file from some other version
    (there.paths.job_dir(job_id) / "voice.wav").unlink()
    report = sync.restore_job(there, job_id, storage_for(ws))
    assert "checksum differs" in report.failed[0][1]
    assert not (there.paths.job_dir(job_id) / "voice.wav").exists() and not partial.exists()
    assert sync.restore_job(there, job_id, storage_for(ws)).moved == (f"jobs/{job_id:06d}/voice.wav",)


# -- a failing server (moto, faults on demand) -------------------------------------------------


@pytest.fixture(scope="module")
def moto():
    server = FaultyMotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def moto_ws(moto, sqlite_store, keys, tmp_path):
    moto.faults.clear()
    settings = sync_settings(moto.endpoint, bucket=f"moto-{tmp_path.name[-6:].lower().replace('_', '-')}")
    ws = make_workspace(sqlite_store, tmp_path / "data", settings)
    storage_for(ws).create_bucket()
    return ws


def test_a_busy_server_mid_upload_keeps_the_parts_and_the_next_sync_finishes(moto, moto_ws):
    ws = moto_ws
    content = pseudo_random(16 * MiB, "busy")
    job_id = one_job(ws, {"video.mp4": content})
    moto.fail("UploadPart", 503, "SlowDown", after=2, times=1)

    with pytest.raises(StorageUnavailable, match=r"busy or failing \(SlowDown\)"):
        sync.upload_job(ws, job_id, storage_for(ws, workers=1))

    client = storage_for(ws).client
    assert client.list_multipart_uploads(Bucket=ws.settings.sync.bucket).get("Uploads")
    sent_before = moto.faults[0].seen
    sync.upload_job(ws, job_id, storage_for(ws, workers=1))
    assert moto.faults[0].seen - sent_before == 1  # only part 3 again (part 4 went up before the sync stopped)
    body = client.get_object(Bucket=ws.settings.sync.bucket, Key=storage_for(ws).key_for(f"jobs/{job_id:06d}/video.mp4"))["Body"]
    assert body.read() == content


def test_a_refused_completion_aborts_the_upload_and_leaves_no_object(moto, moto_ws):
    ws = moto_ws
    job_id = one_job(ws, {"video.mp4": pseudo_random(11 * MiB, "refused")})
    moto.fail("CompleteMultipartUpload", 403, "AccessDenied")

    with pytest.raises(AccessDenied):
        sync.upload_job(ws, job_id, storage_for(ws))

    client = storage_for(ws).client
    assert client.list_multipart_uploads(Bucket=ws.settings.sync.bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=ws.settings.sync.bucket).get("KeyCount") == 0
    assert storage_for(ws).unfinished_uploads() == []
    assert statuses(ws, job_id)["video.mp4"][0] == "failed"


# -- a 5 GB file ---------------------------------------------------------------------------------


def test_part_sizes_stay_within_s3_limits_for_large_files():
    assert (part_size_for(5 * GiB), part_count(5 * GiB, part_size_for(5 * GiB))) == (8 * MiB, 640)
    for size in (5 * GiB, 100 * GiB, 1024 * GiB, 5 * 1024 * GiB):
        part = part_size_for(size)
        assert 5 * MiB <= part <= 5 * GiB and part % MiB == 0
        assert part_count(size, part) <= MAX_PARTS
    assert part_count(0, part_size_for(0)) == 1
    with pytest.raises(StorageError, match="larger than S3 allows"):
        part_size_for(5 * 1024 * GiB + 1)


class _CountingBucket:
    """Stands in for boto3's client: checks each part's checksum, keeps nothing."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at, self.parts, self.bytes, self.completed, self.aborted = fail_at, 0, 0, None, False
        self.lock = threading.Lock()

    def create_multipart_upload(self, **kwargs):
        assert kwargs["ChecksumAlgorithm"] == "SHA256" and len(kwargs["Metadata"]["sha256"]) == 64
        return {"UploadId": "u1"}

    def upload_part(self, *, Body, ChecksumSHA256, PartNumber, **kwargs):
        if PartNumber == self.fail_at:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        if PartNumber <= 2:  # hashing every part again would only slow the test
            assert base64.b64encode(hashlib.sha256(Body).digest()).decode() == ChecksumSHA256
        with self.lock:
            self.parts += 1
            self.bytes += len(Body)
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, **kwargs):
        self.completed = kwargs["MultipartUpload"]["Parts"]
        return {"ETag": '"done-640"'}

    def abort_multipart_upload(self, **kwargs):
        self.aborted = True


FIVE_GIB_OF_ZEROS = "7f06c62352aebd8125b2a1841e2b9e1ffcbed602f381c3dcb3200200e383d1d5"  # sha256


def _sparse_5gb(tmp_path):
    path = tmp_path / "five gigabytes.mp4"
    with open(path, "wb") as handle:
        handle.truncate(5 * GiB)  # sparse: takes no disk
    return path


def test_a_5gb_file_streams_in_parts_without_being_read_into_memory(tmp_path):
    path = _sparse_5gb(tmp_path)
    bucket = _CountingBucket(fail_at=40)
    storage = S3Storage(S3Config("b", access_key_id="k", secret_access_key="s"), state_dir=tmp_path / "state", client=bucket)
    tracemalloc.start()
    try:
        with pytest.raises(StorageUnavailable):
            storage.upload(path, "five gigabytes.mp4", sha256="0" * 64, size=5 * GiB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 8 * 8 * MiB  # a few 8 MiB parts in flight, never the file
    assert 35 <= bucket.parts < 50 and not bucket.aborted  # stopped at the dropped connection, resumable
    assert storage.unfinished_uploads() == ["five gigabytes.mp4"]


@pytest.mark.slow
def test_a_whole_5gb_file_goes_up_in_640_parts(tmp_path):
    path = _sparse_5gb(tmp_path)
    bucket = _CountingBucket()
    storage = S3Storage(S3Config("b", access_key_id="k", secret_access_key="s"), state_dir=tmp_path / "state", client=bucket)

    storage.upload(path, "five gigabytes.mp4", sha256=FIVE_GIB_OF_ZEROS, size=5 * GiB)

    assert bucket.bytes == 5 * GiB and len(bucket.completed) == 640
    assert [p["PartNumber"] for p in bucket.completed] == list(range(1, 641))
