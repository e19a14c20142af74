"""S3 and S3-compatible buckets (AWS, MinIO, Cloudflare R2, SeaweedFS) through boto3.

``S3Storage`` is the Sync side's view of one bucket and prefix: checking and creating
the bucket, reading (resumable, verified downloads), presigned links, and uploads.
Small files go up in one PUT the server checks against their SHA-256; large ones go
through ``s3_multipart``. The bucket and keys are described by ``s3_client.S3Config``,
and what a refusal means by ``s3_errors``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .base import BytesCallback, NotInBucket, RemoteObject, StorageError
from .s3_client import MAX_LINK_SECONDS, S3Config, content_type, make_client, sha256_header
from .s3_errors import error_code, explain
from .s3_multipart import DEFAULT_PART_SIZE, MIN_PART_SIZE, MULTIPART_THRESHOLD, READ_CHUNK, MultipartUploader


class S3Storage:
    """One bucket and prefix. ``state_dir`` keeps unfinished multipart uploads."""

    def __init__(
        self,
        config: S3Config,
        *,
        state_dir: Path,
        part_size: int = DEFAULT_PART_SIZE,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        workers: int = 4,
        max_attempts: int = 3,
        client: Any = None,
    ) -> None:
        self.config = config
        self.state_dir = state_dir
        self.part_size = part_size
        self.multipart_threshold = max(multipart_threshold, MIN_PART_SIZE)
        self.workers = max(1, workers)
        self.client = client or make_client(config, max_connections=self.workers + 4, max_attempts=max_attempts)
        self.name = config.where
        self.multipart = MultipartUploader(self.client, config, state_dir=state_dir, part_size=part_size, workers=self.workers)

    # -- naming, checking ----------------------------------------------------------

    def key_for(self, relative_path: str) -> str:
        prefix = self.config.prefix.strip("/")
        path = relative_path.lstrip("/")
        return f"{prefix}/{path}" if prefix else path

    def check(self) -> None:
        try:
            self.client.list_objects_v2(Bucket=self.config.bucket, Prefix=self.config.prefix, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            raise explain(exc, "list", self.config) from exc

    def create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.config.bucket}
        if self.config.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.config.region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            code = error_code(exc)
            if code == "BucketAlreadyOwnedByYou":
                return
            if code == "BucketAlreadyExists":
                raise StorageError(f"the bucket name '{self.config.bucket}' is taken by someone else",
                                   hint="choose another name in Settings → Sync") from exc
            raise explain(exc, "create", self.config) from exc
        except BotoCoreError as exc:
            raise explain(exc, "create", self.config) from exc

    # -- reading -------------------------------------------------------------------

    def head(self, key: str) -> RemoteObject | None:
        try:
            resp = self.client.head_object(Bucket=self.config.bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise explain(exc, "read", self.config) from exc
        except BotoCoreError as exc:
            raise explain(exc, "read", self.config) from exc
        return RemoteObject(key, int(resp.get("ContentLength", 0)), (resp.get("Metadata") or {}).get("sha256"), resp.get("ETag", ""))

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        if not 1 <= expires_seconds <= MAX_LINK_SECONDS:
            raise StorageError(f"a link can last from 1 second to 7 days, not {expires_seconds} seconds",
                               hint="choose a shorter expiry")
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.config.bucket, "Key": key}, ExpiresIn=expires_seconds
        )

    def download(self, key: str, dest: Path, *, sha256: str | None, progress: BytesCallback = lambda n: None) -> None:
        """Fetch into a hidden partial file beside ``dest``, continuing one a cut-off
        download left, then verify and rename: ``dest`` is never half written."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.nexus-download")
        try:
            for attempt in range(2):
                try:
                    digest = self._fetch(key, partial, progress)
                    break
                except ClientError as exc:
                    if error_code(exc) not in ("PreconditionFailed", "412", "InvalidRange", "416") or attempt:
                        raise
                    partial.unlink(missing_ok=True)  # the object changed since the partial file began
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise NotInBucket(f"{key} is not in the bucket") from exc
            raise explain(exc, "read", self.config) from exc
        except BotoCoreError as exc:
            raise explain(exc, "read", self.config) from exc
        if sha256 and digest != sha256:
            partial.unlink(missing_ok=True)
            raise StorageError(f"the copy of {key} in the bucket is not the file the store recorded (checksum differs)",
                               hint="sync the job again from the machine that made it")
        os.replace(partial, dest)

    def _fetch(self, key: str, partial: Path, progress: BytesCallback) -> str:
        head = self.client.head_object(Bucket=self.config.bucket, Key=key)
        size, etag = int(head["ContentLength"]), head["ETag"]
        offset = partial.stat().st_size if partial.exists() else 0
        if offset > size:
            partial.unlink()
            offset = 0
        digest = hashlib.sha256()
        if offset:
            with open(partial, "rb") as done:
                while block := done.read(READ_CHUNK):
                    digest.update(block)
            progress(offset)
        with open(partial, "ab") as out:
            if offset < size:
                extra = {"Range": f"bytes={offset}-"} if offset else {}
                resp = self.client.get_object(Bucket=self.config.bucket, Key=key, IfMatch=etag, **extra)
                for chunk in resp["Body"].iter_chunks(READ_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    progress(len(chunk))
        return digest.hexdigest()

    # -- writing -------------------------------------------------------------------

    def upload(self, path: Path, key: str, *, sha256: str, size: int, progress: BytesCallback = lambda n: None) -> RemoteObject:
        if size < self.multipart_threshold:
            return self._put(path, key, sha256, size, progress)
        return self.multipart.upload(path, key, sha256, size, progress)

    def _put(self, path: Path, key: str, sha256: str, size: int, progress: BytesCallback) -> RemoteObject:
        try:
            with open(path, "rb") as body:
                # The server hashes what it receives and refuses it unless it is
                # the file the store recorded (BadDigest): no re-read here.
                resp = self.client.put_object(
                    Bucket=self.config.bucket, Key=key, Body=body, ContentType=content_type(path),
                    Metadata={"sha256": sha256}, ChecksumSHA256=sha256_header(sha256),
                )
        except (ClientError, BotoCoreError) as exc:
            raise explain(exc, "write", self.config, path=path) from exc
        progress(size)
        return RemoteObject(key, size, sha256, resp.get("ETag", ""))

    def unfinished_uploads(self) -> list[str]:
        """Keys of uploads this machine started and has not finished."""
        return self.multipart.unfinished_uploads()

