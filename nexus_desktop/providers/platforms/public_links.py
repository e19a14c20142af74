"""Short-lived public links to this computer's files, for networks that fetch media themselves
from a web address (Threads videos, Instagram feed images): the file goes to the Sync bucket
once and the network gets a presigned GET that expires after an hour."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Protocol

from ...domain.errors import NexusError
from ...settings import Settings

log = logging.getLogger(__name__)

LINK_SECONDS = 3600


class PublicLinks(Protocol):
    def link(self, path: Path, name: str) -> str: ...


class BucketLinks:
    """The Sync bucket as a source of short-lived public links (a presigned GET)."""

    def __init__(self, settings: Settings, state_dir: Path) -> None:
        from ..storage.s3 import S3Storage
        from ..storage.s3_client import S3Config

        self.storage = S3Storage(S3Config.from_settings(settings.sync), state_dir=state_dir)

    def link(self, path: Path, name: str) -> str:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        key = self.storage.key_for(f"public/{name}")
        if self.storage.head(key) is None:
            self.storage.upload(path, key, sha256=digest, size=path.stat().st_size)
        return self.storage.presigned_url(key, LINK_SECONDS)


def bucket_links(settings: Settings, state_dir: Path) -> PublicLinks | None:
    if not settings.sync.bucket.strip():
        return None
    try:
        return BucketLinks(settings, state_dir)
    except NexusError as exc:
        log.warning("the Sync bucket cannot give public links (Threads videos, Instagram feed images): %s", exc)
        return None
