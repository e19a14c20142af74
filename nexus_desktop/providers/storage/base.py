"""What a bucket offers sync: put a file, fetch it back, say what is there, share a link.

Keys are the asset's path relative to the data folder, under the bucket prefix,
so a second machine finds a job's files at the same place in its own data folder.
Every object carries the file's SHA-256 (hex) as metadata: that is what "the
same file" means to sync, to restore and to a second machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...domain.errors import RetryableError, UserFixableError

# Called with the number of bytes just moved (not a running total).
BytesCallback = Callable[[int], None]


@dataclass(frozen=True)
class RemoteObject:
    key: str
    size: int
    sha256: str | None  # hex, from the object's metadata; None if another tool put it there
    etag: str = ""


class Storage(Protocol):
    """A bucket (or a folder of one) that holds the assets of every job."""

    name: str  # where it is, for messages: "s3://bucket/prefix at http://host:port"

    def key_for(self, relative_path: str) -> str:
        """The object key of a file at ``relative_path`` in the data folder."""

    def check(self) -> None:
        """Raise the error a person can act on if the bucket is missing or the keys are refused."""

    def create_bucket(self) -> None: ...

    def head(self, key: str) -> RemoteObject | None:
        """The object at ``key``, or None when there is none."""

    def upload(self, path: Path, key: str, *, sha256: str, size: int, progress: BytesCallback = lambda n: None) -> RemoteObject:
        """Put a file, refusing it if its bytes do not hash to ``sha256``.

        Large files go in parts and resume where an interrupted upload stopped;
        the object only appears once every part is in."""

    def download(self, key: str, dest: Path, *, sha256: str | None, progress: BytesCallback = lambda n: None) -> None:
        """Fetch an object to ``dest``; ``dest`` appears only complete and verified.
        Raises NotInBucket when there is no such object."""

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        """A link anyone can GET the object with until it expires."""


class StorageError(UserFixableError):
    """The bucket refused what was asked; the message says what to change."""


class BucketMissing(StorageError):
    pass


class BadCredentials(StorageError):
    pass


class AccessDenied(StorageError):
    pass


class ClockSkew(StorageError):
    pass


class NotInBucket(StorageError):
    """There is no object under the key."""


class ChangedOnDisk(StorageError):
    """The file's bytes are not what the stage recorded; nothing was stored."""


class StorageUnavailable(RetryableError):
    """The connection dropped or the server is busy; the next sync resumes."""


# Errors about the bucket, the keys or the connection rather than one file:
# a sync stops at the first, since every other file would fail the same way.
BUCKET_WIDE = (BucketMissing, BadCredentials, AccessDenied, ClockSkew, StorageUnavailable)
