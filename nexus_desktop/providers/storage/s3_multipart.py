"""Large files go up to S3 in parts, several at a time, each with its SHA-256 so the
server refuses a corrupted one.

The state of an unfinished multipart upload is kept in a small JSON file, so an upload
cut off by a dropped connection resumes with the parts the bucket already has. The
object appears only when CompleteMultipartUpload succeeds, which happens only after
every part is in and the whole file hashed to the checksum the store recorded; any
other failure aborts the upload.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import os
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ...domain.errors import NexusError
from .base import BytesCallback, ChangedOnDisk, RemoteObject, StorageError, StorageUnavailable
from .s3_client import GiB, MiB, S3Config, content_type
from .s3_errors import UploadForgotten, error_code, explain

log = logging.getLogger(__name__)

MIN_PART_SIZE = 5 * MiB  # S3's floor for every part but the last
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * 1024 * GiB
DEFAULT_PART_SIZE = 8 * MiB
MULTIPART_THRESHOLD = 16 * MiB
READ_CHUNK = 1 * MiB


def part_size_for(size: int, preferred: int = DEFAULT_PART_SIZE) -> int:
    """The part size for a file of ``size`` bytes: ``preferred`` unless that needs
    more than S3's 10,000 parts, always a whole number of MiB within S3's limits."""
    if size > MAX_OBJECT_SIZE:
        raise StorageError(f"a file of {size / GiB:.0f} GiB is larger than S3 allows for one object (5 TiB)")
    part = max(preferred, MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    return min(MAX_PART_SIZE, math.ceil(part / MiB) * MiB)


def part_count(size: int, part_size: int) -> int:
    return max(1, math.ceil(size / part_size))


def _b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class MultipartUploader:
    """Multipart uploads to one bucket; ``state_dir`` keeps the unfinished ones."""

    def __init__(self, client: Any, config: S3Config, *, state_dir: Path, part_size: int, workers: int) -> None:
        self.client, self.config, self.state_dir = client, config, state_dir
        self.part_size, self.workers = part_size, workers

    def upload(self, path: Path, key: str, sha256: str, size: int, progress: BytesCallback) -> RemoteObject:
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
            error = explain(exc, "write", self.config, path=path) if isinstance(exc, (ClientError, BotoCoreError)) else exc
            if state is not None:
                self._after_failure(state, error)
            if error is exc:
                raise
            raise error from exc
        self._drop_state(key)
        return RemoteObject(key, size, sha256, resp.get("ETag", ""))

    def _start(self, path: Path, key: str, sha256: str, size: int, part_size: int) -> dict[str, Any]:
        resp = self.client.create_multipart_upload(
            Bucket=self.config.bucket, Key=key, ContentType=content_type(path), Metadata={"sha256": sha256},
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
            if error_code(exc) in ("NoSuchUpload", "404"):
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

    # -- the state file that lets a cut-off upload resume ----------------------------

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
