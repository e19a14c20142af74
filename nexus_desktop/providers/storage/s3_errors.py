"""What an S3 server's refusal means for the creator: each boto3 error becomes a
``StorageError`` that says what happened and what to do."""

from __future__ import annotations

from pathlib import Path

from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ...domain.errors import NexusError
from .base import AccessDenied, BadCredentials, BucketMissing, ChangedOnDisk, ClockSkew, StorageError, StorageUnavailable
from .s3_client import S3Config

_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity"}
_RETRYABLE_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException",
                    "RequestTimeTooSkewedRetry", "503", "500", "502", "504"}
_DIGEST_CODES = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum"}


class UploadForgotten(StorageUnavailable):
    """The bucket aborted or expired our unfinished upload: start it over."""


def explain(exc: BaseException, doing: str, config: S3Config, *, path: Path | None = None) -> NexusError:
    """Turn what boto3 raised into an error that says what to do."""
    bucket, where = config.bucket, config.endpoint_url or "AWS S3"
    if isinstance(exc, NoCredentialsError):
        return BadCredentials("no access key for the bucket is in the keyring", hint="run: nexus bucket login")
    if isinstance(exc, (HTTPClientError, BotoConnectionError)):
        return StorageUnavailable(f"lost the connection to {where} ({type(exc).__name__})",
                                  hint="check the network and sync again; an interrupted upload resumes where it stopped")
    if not isinstance(exc, ClientError):
        return StorageError(f"the bucket could not be used: {exc}")
    code = error_code(exc)
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


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
