"""Fetching a feed's bytes: HTTP(S) with conditional GET, or a local file.

httpx does redirects; ``providers.safe_http`` decodes gzip layer by layer under
the size cap and a total deadline. Every failure becomes a sentence a person can
act on. A local file is read only when it is a regular file (never a device or
a pipe), and never more than the cap.
"""

from __future__ import annotations

import email.utils
import stat as stat_kind
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from ..domain.addresses import is_reserved_host
from ..domain.errors import RetryableError, UserFixableError
from ..providers.safe_http import (
    ACCEPT_ENCODING, BodyTooLarge, DeadlineExceeded, InternalAddressRefused, UnsupportedEncoding,
    is_internal_address, read_capped,
)
from ..settings import HarvestSettings


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    final_url: str


def local_path(url: str) -> Path | None:
    """The file a feed 'URL' names, if it is a path or a file:// URL."""
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    if "://" not in url:
        return Path(url).expanduser()
    return None


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def read_local_file(path: Path, max_bytes: int) -> bytes:
    """A feed or OPML file the creator names, read as the harvest reads it: only a regular
    file (a device like /dev/zero never ends, a pipe may never answer), at most ``max_bytes``."""
    return _fetch_file(path, None, max_bytes).body


def _fetch_file(path: Path, last_modified: str | None, max_bytes: int) -> Fetched:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UserFixableError(f"file not found: {path}", hint="check the path or remove the feed") from None
    except OSError as exc:
        raise UserFixableError(f"cannot read {path}: {exc.strerror}") from exc
    if not stat_kind.S_ISREG(stat.st_mode):
        raise UserFixableError(f"{path} is not a regular file", hint="a feed file must be an RSS, Atom, JSON Feed or OPML file")
    if stat.st_size > max_bytes:
        raise UserFixableError(f"feed file is larger than {_mib(max_bytes)}")
    stamp = email.utils.format_datetime(datetime.fromtimestamp(stat.st_mtime, timezone.utc), usegmt=True)
    if last_modified == stamp:
        return Fetched(True, b"", "", None, stamp, str(path))
    try:
        with open(path, "rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UserFixableError(f"cannot read {path}: {exc.strerror}") from exc
    if len(body) > max_bytes:
        raise UserFixableError(f"feed file is larger than {_mib(max_bytes)}")
    return Fetched(False, body, "", None, stamp, str(path))


def make_client(settings: HarvestSettings) -> httpx.Client:
    return httpx.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds)),
        headers={
            "User-Agent": settings.user_agent,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
        },
        limits=httpx.Limits(max_connections=settings.concurrency * 2, max_keepalive_connections=settings.concurrency),
        event_hooks={"request": [_refuse_internal_redirect]},
    )


def fetch(client: httpx.Client, url: str, *, etag: str | None, last_modified: str | None, max_bytes: int,
          deadline_seconds: float | None = None, allow_local: bool = True) -> Fetched:
    """``allow_local`` is for addresses the creator typed; one read from a file or a
    network document may only name http(s) feeds."""
    path = local_path(url)
    if path is not None:
        if not allow_local:
            raise UserFixableError(f"not a web address: {url[:200]}", hint="only http(s) feeds can come from a list; add a local file by hand")
        return _fetch_file(path, last_modified, max_bytes)
    deadline = time.monotonic() + deadline_seconds if deadline_seconds else None
    if is_reserved_host(url):
        raise UserFixableError(f"{urlparse(url).hostname} is a domain reserved for examples; no server answers for it")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    _origin.public = not is_internal_address(url)
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(True, b"", "", etag, last_modified, str(response.url))
            _raise_for_status(response)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise UserFixableError(f"feed is larger than {_mib(max_bytes)} ({_mib(int(declared))} declared)")
            try:
                body = read_capped(response, max_bytes, deadline)
            except BodyTooLarge:
                raise UserFixableError(f"feed is larger than {_mib(max_bytes)}; stopped reading") from None
            except UnsupportedEncoding as exc:
                raise UserFixableError(f"feed cannot be read: {exc}") from None
            return Fetched(
                False,
                body,
                response.headers.get("content-type", ""),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
                str(response.url),
            )
    except InternalAddressRefused as exc:
        raise UserFixableError(f"refused: {exc}, and {urlparse(url).hostname} is on the internet") from None
    except DeadlineExceeded:
        raise RetryableError(f"feed took longer than {deadline_seconds:g} s to download; stopped",
                             hint="the server is too slow; the next harvest tries again") from None
    except httpx.TimeoutException:
        raise RetryableError("feed timed out", hint="the server did not answer in time; the next harvest tries again") from None
    except httpx.TooManyRedirects:
        raise UserFixableError("feed redirects in a loop") from None
    except httpx.UnsupportedProtocol:
        raise UserFixableError(f"not a web address: {url}") from None
    except httpx.ConnectError as exc:
        raise RetryableError(f"cannot connect to {urlparse(url).netloc}: {_reason(exc)}") from None
    except httpx.HTTPError as exc:
        raise RetryableError(f"download failed: {_reason(exc)}") from None
    finally:
        _origin.public = False


_origin = threading.local()  # whether the address being fetched in this thread is on the internet


def _refuse_internal_redirect(request: httpx.Request) -> None:
    """A request hook (it runs before every request, redirects included): an address on the
    internet may not send us to this computer or its network, so a feed or an article page
    cannot make the app call local services."""
    if getattr(_origin, "public", False) and is_internal_address(str(request.url)):
        raise InternalAddressRefused(f"{request.url.host} is on this computer or its local network")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("] ")[-1]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date, RFC 9110 §10.2.3) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _raise_for_status(response: httpx.Response) -> None:
    code = response.status_code
    if code < 400:
        return
    message = f"feed returned HTTP {code}"
    if code == 429 or code >= 500:
        raise RetryableError(message, retry_after=retry_after_seconds(response.headers.get("retry-after")))
    hints = {404: "the address may have moved; check it", 401: "the feed needs a login", 403: "the server refused access"}
    raise UserFixableError(message, hint=hints.get(code, ""))
