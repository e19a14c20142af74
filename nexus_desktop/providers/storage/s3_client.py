"""Which S3 bucket, and a boto3 client for it (AWS, MinIO, Cloudflare R2, SeaweedFS).

The bucket and endpoint come from Settings → Sync, the keys from the keyring.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

from ...secrets import get_secret
from ...settings import SyncSettings
from .base import BadCredentials, StorageError

MiB = 1024 * 1024
GiB = 1024 * MiB
MAX_LINK_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs live at most a week

ACCESS_KEY_ID = "s3_access_key_id"  # names in the keyring
SECRET_ACCESS_KEY = "s3_secret_access_key"


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint_url: str = ""  # empty: AWS S3 itself
    region: str = "us-east-1"
    prefix: str = ""
    path_style: bool = True
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, sync: SyncSettings, secret: Callable[[str], str | None] = get_secret) -> S3Config:
        """The bucket from Settings → Sync, the keys from the keyring."""
        if not sync.bucket.strip():
            raise StorageError("no bucket is set for sync", hint="set sync.bucket (and sync.endpoint_url for MinIO, R2 ...) in Settings")
        key_id, secret_key = secret(ACCESS_KEY_ID), secret(SECRET_ACCESS_KEY)
        if not key_id or not secret_key:
            raise BadCredentials("no access key for the bucket is in the keyring", hint="add it in Settings → Sync, or run: nexus bucket login")
        return cls(
            bucket=sync.bucket.strip(),
            endpoint_url=sync.endpoint_url.strip(),
            region=sync.region.strip() or "us-east-1",
            prefix=sync.prefix.strip(),
            path_style=sync.path_style,
            access_key_id=key_id,
            secret_access_key=secret_key,
        )

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")


def make_client(config: S3Config, *, max_connections: int = 10, max_attempts: int = 3):
    """A boto3 S3 client for this bucket; thread-safe, made once per S3Storage."""
    botocore_config = Config(
        signature_version="s3v4",
        region_name=config.region,
        # Every body we send carries its SHA-256 in a signed x-amz-checksum-sha256
        # header that the server verifies, so signing the payload again (botocore
        # does on plain http) would only hash every byte a third time.
        s3={"addressing_style": "path" if config.path_style else "virtual", "payload_signing_enabled": False},
        retries={"mode": "standard", "total_max_attempts": max_attempts},  # "max_attempts" would count retries only
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=max_connections,
        # We send a SHA-256 of every body ourselves and verify downloads against
        # the store's checksum, so botocore's own CRC pass would only cost time.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=config.endpoint_url or None,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        config=botocore_config,
    )


def content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def sha256_header(hex_digest: str) -> str:
    """A SHA-256 as S3's x-amz-checksum-sha256 header wants it (base64 of the bytes)."""
    return base64.b64encode(binascii.unhexlify(hex_digest)).decode("ascii")
