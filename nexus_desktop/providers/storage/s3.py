"""S3 and S3-compatible buckets (AWS, MinIO, Cloudflare R2, SeaweedFS) through boto3.

Small files go up in one PUT; large ones in parts, several at a time, each part
with its SHA-256 so the server refuses a corrupted one. The state of an
unfinished multipart upload is kept in a small JSON file, so an upload cut off
by a dropped connection resumes with the parts the bucket already has. The
object appears only when CompleteMultipartUpload succeeds, which happens only
after every part is in and the whole file hashed to the checksum the store
recorded; any other failure aborts the upload. Keys come from the keyring.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import math
import mimetypes
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from ...domain.errors import NexusError
from ...secrets import get_secret
from ...settings import SyncSettings
from .base import (
    AccessDenied,
    BadCredentials,
    BucketMissing,
    BytesCallback,
    ChangedOnDisk,
    ClockSkew,
    NotInBucket,
    RemoteObject,
    StorageError,
    StorageUnavailable,
)

log = logging.getLogger(__name__)

MiB = 1024 * 1024
GiB = 1024 * MiB
MIN_PART_SIZE = 5 * MiB  # S3's floor for every part but the last
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * 1024 * GiB
DEFAULT_PART_SIZE = 8 * MiB
MULTIPART_THRESHOLD = 16 * MiB
MAX_LINK_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs live at most a week
READ_CHUNK = 1 * MiB

ACCESS_KEY_ID = "s3_access_key_id"  # names in the keyring
SECRET_ACCESS_KEY = "s3_secret_access_key"

_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity"}
_RETRYABLE_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException",
                    "RequestTimeTooSkewedRetry", "503", "500", "502", "504"}
_DIGEST_CODES = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum"}


class UploadForgotten(StorageUnavailable):
    """The bucket aborted or expired our unfinished upload: start it over."""


def part_size_for(size: int, preferred: int = DEFAULT_PART_SIZE) -> int:
    """The part size for a file of ``size`` bytes: ``preferred`` unless that needs
    more than S3's 10,000 parts, always a whole number of MiB within S3's limits."""
    if size > MAX_OBJECT_SIZE:
        raise StorageError(f"a file of {size / GiB:.0f} GiB is larger than S3 allows for one object (5 TiB)")
    part = max(preferred, MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    return min(MAX_PART_SIZE, math.ceil(part / MiB) * MiB)


def part_count(size: int, part_size: int) -> int:
    return max(1, math.ceil(size / part_size))


def _b64(hex_digest: str) -> str:
    return base64.b64encode(binascii.unhexlify(hex_digest)).decode("ascii")


def _b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


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

    # -- naming, checking ----------------------------------------------------------

    def key_for(self, relative_path: str) -> str:
        prefix = self.config.prefix.strip("/")
        path = relative_path.lstrip("/")
        return f"{prefix}/{path}" if prefix else path

    def check(self) -> None:
        try:
            self.client.list_objects_v2(Bucket=self.config.bucket, Prefix=self.config.prefix, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            raise self.explain(exc, "list") from exc

    def create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.config.bucket}
        if self.config.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.config.region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            code = _code(exc)
            if code == "BucketAlreadyOwnedByYou":
                return
            if code == "BucketAlreadyExists":
                raise StorageError(f"the bucket name '{self.config.bucket}' is taken by someone else",
                                   hint="choose another name in Settings → Sync") from exc
            raise self.explain(exc, "create") from exc
        except BotoCoreError as exc:
            raise self.explain(exc, "create") from exc

    # -- reading -------------------------------------------------------------------

    def head(self, key: str) -> RemoteObject | None:
        try:
            resp = self.client.head_object(Bucket=self.config.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self.explain(exc, "read") from exc
        except BotoCoreError as exc:
            raise self.explain(exc, "read") from exc
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
                    if _code(exc) not in ("PreconditionFailed", "412", "InvalidRange", "416") or attempt:
                        raise
                    partial.unlink(missing_ok=True)  # the object changed since the partial file began
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise NotInBucket(f"{key} is not in the bucket") from exc
            raise self.explain(exc, "read") from exc
        except BotoCoreError as exc:
            raise self.explain(exc, "read") from exc
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
        return self._multipart(path, key, sha256, size, progress)

    def _put(self, path: Path, key: str, sha256: str, size: int, progress: BytesCallback) -> RemoteObject:
        try:
            with open(path, "rb") as body:
                # The server hashes what it receives and refuses it unless it is
                # the file the store recorded (BadDigest): no re-read here.
                resp = self.client.put_object(
                    Bucket=self.config.bucket, Key=key, Body=body, ContentType=_content_type(path),
                    Metadata={"sha256": sha256}, ChecksumSHA256=_b64(sha256),
                )
        except (ClientError, BotoCoreError) as exc:
            raise self.explain(exc, "write", path=path) from exc
        progress(size)
        return RemoteObject(key, size, sha256, resp.get("ETag", ""))

    def _multipart(self, path: Path, key: str, sha256: str, size: int, progress: BytesCallback) -> RemoteObject:
        part_size = part_size_for(size, self.part_size)
        count = part_count(size, part_size)
        state: dict[str, Any] | None = None
        try:
            state = self._resumable(key, sha256, size, part_size) or self._start(path, key, sha256, size, part_size)
            whole = self._send_parts(path, state, count, progress)
            if whole != sha256:
                raise ChangedOnDisk(f"{path.name} changed on disk since its stage recorded it; nothing was stored",
                                    hint="run the job's stage again, then sync")
            parts = [{"PartNumber": n, "ETag": state["parts"][str(n)]["etag"], "ChecksumSHA256": state["parts"][str(n)]["checksum"]}
                     for n in range(1, count + 1)]
            resp = self.client.complete_multipart_upload(
                Bucket=self.config.bucket, Key=key, UploadId=state["upload_id"], MultipartUpload={"Parts": parts}
            )
        except BaseException as exc:
            error = self.explain(exc, "write", path=path) if isinstance(exc, (ClientError, BotoCoreError)) else exc
            if state is not None:
                self._after_failure(state, error)
            if error is exc:
                raise
            raise error from exc
        self._drop_state(key)
        return RemoteObject(key, size, sha256, resp.get("ETag", ""))

    def _start(self, path: Path, key: str, sha256: str, size: int, part_size: int) -> dict[str, Any]:
        resp = self.client.create_multipart_upload(
            Bucket=self.config.bucket, Key=key, ContentType=_content_type(path), Metadata={"sha256": sha256},
            ChecksumAlgorithm="SHA256",
        )
        state = {"key": key, "upload_id": resp["UploadId"], "sha256": sha256, "size": size, "part_size": part_size, "parts": {}}
        self._save_state(state)
        return state

    def _send_parts(self, path: Path, state: dict[str, Any], count: int, progress: BytesCallback) -> str:
        """Read the file once, in order, hashing it whole; the pool hashes each part
        and sends the ones the bucket lacks. At most ``workers + 1`` parts are in
        memory at a time, whatever the file's size."""
        whole = hashlib.sha256()
        lock = threading.Lock()
        with open(path, "rb") as source, ThreadPoolExecutor(self.workers, thread_name_prefix="s3-part") as pool:
            pending: set[Future] = set()
            for number in range(1, count + 1):
                data = source.read(state["part_size"])
                whole.update(data)
                pending.add(pool.submit(self._send_part, state, number, data, lock, progress))
                del data
                if len(pending) > self.workers:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
            if source.read(1):
                whole.update(b"+")  # the file grew: it cannot match the recorded checksum
            for future in pending:
                future.result()
        return whole.hexdigest()

    def _send_part(self, state: dict[str, Any], number: int, data: bytes, lock: threading.Lock, progress: BytesCallback) -> None:
        checksum = _b64_sha256(data)  # hashlib lets go of the GIL: parts hash on other cores
        with lock:
            known = state["parts"].get(str(number))
        if not (known and known["checksum"] == checksum):
            resp = self.client.upload_part(
                Bucket=self.config.bucket, Key=state["key"], UploadId=state["upload_id"], PartNumber=number, Body=data,
                ChecksumSHA256=checksum,
            )
            with lock:
                state["parts"][str(number)] = {"etag": resp["ETag"], "checksum": checksum}
                self._save_state(state)
        progress(len(data))

    def _after_failure(self, state: dict[str, Any], error: BaseException) -> None:
        """Keep an upload the next sync can resume (a dropped connection, a busy
        server, an interrupted run); abort one that cannot succeed as it is."""
        if isinstance(error, UploadForgotten):
            self._drop_state(state["key"])
        elif isinstance(error, StorageUnavailable):
            log.info("upload of %s stopped after %d part(s); the next sync resumes it", state["key"], len(state["parts"]))
        elif isinstance(error, NexusError):
            self._abort(state)
            self._drop_state(state["key"])
        # Anything else (KeyboardInterrupt, a bug): keep it for the next run.

    def _resumable(self, key: str, sha256: str, size: int, part_size: int) -> dict[str, Any] | None:
        state = self._load_state(key)
        if state is None:
            return None
        if (state.get("sha256"), state.get("size"), state.get("part_size")) != (sha256, size, part_size):
            self._abort(state)  # the file changed since: its old parts are of no use
            self._drop_state(key)
            return None
        try:
            on_server = self._listed_parts(key, state["upload_id"])
        except ClientError as exc:
            if _code(exc) in ("NoSuchUpload", "404"):
                self._drop_state(key)
                return None
            raise
        state["parts"] = {n: p for n, p in state["parts"].items() if on_server.get(int(n)) == p["etag"]}
        log.info("resuming the upload of %s with %d part(s) already in the bucket", key, len(state["parts"]))
        return state

    def _listed_parts(self, key: str, upload_id: str) -> dict[int, str]:
        parts: dict[int, str] = {}
        paginator = self.client.get_paginator("list_parts")
        for page in paginator.paginate(Bucket=self.config.bucket, Key=key, UploadId=upload_id):
            for part in page.get("Parts", []):
                parts[part["PartNumber"]] = part["ETag"]
        return parts

    def _abort(self, state: dict[str, Any]) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.config.bucket, Key=state["key"], UploadId=state["upload_id"])
        except (ClientError, BotoCoreError):
            log.warning("could not abort the unfinished upload of %s; the bucket keeps its parts until a lifecycle rule removes them",
                        state["key"], exc_info=True)

    # -- resumable state -------------------------------------------------------------

    def _state_file(self, key: str) -> Path:
        name = hashlib.sha256(f"{self.config.endpoint_url}|{self.config.bucket}|{key}".encode()).hexdigest()[:32]
        return self.state_dir / f"{name}.json"

    def _load_state(self, key: str) -> dict[str, Any] | None:
        try:
            state = json.loads(self._state_file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) and state.get("key") == key and "upload_id" in state else None

    def _save_state(self, state: dict[str, Any]) -> None:
        target = self._state_file(state["key"])
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, target)

    def _drop_state(self, key: str) -> None:
        self._state_file(key).unlink(missing_ok=True)

    def unfinished_uploads(self) -> list[str]:
        """Keys of uploads this machine started and has not finished."""
        if not self.state_dir.is_dir():
            return []
        keys = []
        for file in sorted(self.state_dir.glob("*.json")):
            try:
                keys.append(json.loads(file.read_text(encoding="utf-8"))["key"])
            except (OSError, ValueError, KeyError):
                continue
        return keys

    # -- errors ----------------------------------------------------------------------

    def explain(self, exc: BaseException, doing: str, *, path: Path | None = None) -> NexusError:
        """Turn what boto3 raised into an error that says what to do."""
        bucket, where = self.config.bucket, self.config.endpoint_url or "AWS S3"
        if isinstance(exc, NoCredentialsError):
            return BadCredentials("no access key for the bucket is in the keyring", hint="run: nexus bucket login")
        if isinstance(exc, (HTTPClientError, BotoConnectionError)):
            return StorageUnavailable(f"lost the connection to {where} ({type(exc).__name__})",
                                      hint="check the network and sync again; an interrupted upload resumes where it stopped")
        if not isinstance(exc, ClientError):
            return StorageError(f"the bucket could not be used: {exc}")
        code = _code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _CREDENTIAL_CODES:
            return BadCredentials(f"{where} refused the access key ({code})",
                                  hint="check the access key ID and secret in Settings → Sync, or run: nexus bucket login")
        if code in ("NoSuchBucket",) or (doing == "list" and code == "404"):
            return BucketMissing(f"the bucket '{bucket}' does not exist at {where}", hint="create it with: nexus bucket create")
        if code == "RequestTimeTooSkewed":
            return ClockSkew(f"this computer's clock is too far from {where}'s clock (RequestTimeTooSkewed)",
                             hint="set the date and time automatically (NTP) and sync again")
        if code in _DIGEST_CODES:
            name = path.name if path else "the file"
            return ChangedOnDisk(f"{name} changed on disk since its stage recorded it, so the bucket refused it ({code})",
                                 hint="run the job's stage again, then sync")
        if code in ("AccessDenied", "403", "AllAccessDisabled", "AccountProblem"):
            verb = {"write": "write to", "read": "read from", "list": "list", "create": "create"}.get(doing, doing)
            return AccessDenied(f"the access key may not {verb} the bucket '{bucket}' ({code})",
                                hint="give the key that permission on the bucket (s3:PutObject to upload, s3:GetObject to restore)")
        if code == "NoSuchUpload":
            return UploadForgotten("the bucket no longer knows the unfinished upload", hint="sync again: the upload starts over")
        if code in _RETRYABLE_CODES or status >= 500:
            return StorageUnavailable(f"{where} is busy or failing ({code})", hint="sync again in a while; finished parts are kept")
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        return StorageError(f"the bucket refused to {doing}: {code}: {message}")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
