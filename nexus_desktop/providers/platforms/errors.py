"""Turning each platform's error answers into sentences a person can act on.

The raw body goes to the log (the redaction filter keeps tokens out); what the
creator reads is the platform's own message, plus what to do where we know it.
Rate limits become ``TransientPublishError`` with ``retry_after`` from the
``Retry-After`` header or the platform's own rate headers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import registry
from .base import NeedsReconnect, PublishError, TransientPublishError
from .description import ErrorMap

log = logging.getLogger(__name__)

DEFAULT_RETRY = 60.0


class _Names(Mapping[str, str]):
    """platform → the name the creator reads, from each platform's description."""

    def __getitem__(self, platform: str) -> str:
        return registry.display_name(platform)

    def __iter__(self):
        return iter([d.name for d in registry.descriptions()])

    def __len__(self) -> int:
        return len(registry.descriptions())


NAMES: Mapping[str, str] = _Names()


def _errors(platform: str) -> ErrorMap | None:
    try:
        return registry.description(platform).errors
    except PublishError:
        return None


def body_json(body: bytes | str | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name.lower())


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or the platforms' rate headers."""
    now = time.time() if now is None else now
    value = _header(headers, "retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = _header(headers, "x-rate-limit-reset")  # X: epoch seconds when the window resets
    if reset and reset.strip().isdigit():
        return max(1.0, float(reset) - now)
    for name in ("x-business-use-case-usage", "x-app-usage"):  # Graph API usage headers
        usage = body_json(_header(headers, name))
        minutes = _graph_regain_minutes(usage)
        if minutes:
            return minutes * 60.0
    return None


def _graph_regain_minutes(usage: Any) -> float | None:
    if isinstance(usage, dict):
        if "estimated_time_to_regain_access" in usage:
            return float(usage["estimated_time_to_regain_access"] or 0) or None
        for item in usage.values():
            found = _graph_regain_minutes(item)
            if found:
                return found
    if isinstance(usage, list):
        for item in usage:
            found = _graph_regain_minutes(item)
            if found:
                return found
    return None


def seconds_until_pacific_midnight(now: datetime | None = None) -> float:
    """YouTube quotas reset at midnight Pacific time."""
    pacific = ZoneInfo("America/Los_Angeles")
    local = (now or datetime.now(timezone.utc)).astimezone(pacific)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(60.0, (midnight - local).total_seconds())


def platform_message(platform: str, body: Any) -> tuple[str, str]:
    """(the platform's message, its reason/code) from an error body."""
    if not isinstance(body, dict):
        return "", ""
    errors = _errors(platform)
    style = errors.style if errors else platform
    if style in ("google", "youtube"):
        error = body.get("error") or {}
        if isinstance(error, str):  # OAuth token endpoint style
            return str(body.get("error_description") or error), error
        reasons = [e.get("reason", "") for e in error.get("errors", []) if isinstance(e, dict)]
        return str(error.get("message", "")), reasons[0] if reasons else str(error.get("status", ""))
    if style in ("graph", "instagram"):
        error = body.get("error") or {}
        message = error.get("error_user_msg") or error.get("message") or ""
        code = error.get("error_subcode") or error.get("code") or ""
        return str(message), str(code)
    if style == "x":
        if body.get("detail") or body.get("title"):
            return str(body.get("detail") or body.get("title")), str(body.get("title", ""))
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or ""), str(errors[0].get("title", ""))
    if style == "linkedin":
        return str(body.get("message", "")), str(body.get("code") or body.get("serviceErrorCode") or "")
    return str(body.get("message", "")), ""


def hint_for(platform: str, message: str, reason: str) -> str:
    errors = _errors(platform)
    table = errors.hints if errors else {}
    if reason in table:
        return table[reason]
    lowered = message.lower()
    for key, hint in table.items():
        if not key.isdigit() and key.lower() in lowered:
            return hint
    return ""


def is_auth_failure(platform: str, status: int, body: Any) -> bool:
    """The access token was refused: refresh and try once more."""
    if status == 401:
        return True
    errors = _errors(platform)
    if errors and errors.auth_codes and isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code") in errors.auth_codes
    return False


def raise_for_response(
    platform: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes | str | None,
    *,
    action: str,
) -> None:
    """Return on success; otherwise raise the error the publish machinery understands."""
    if 200 <= status < 400:
        return
    name = NAMES.get(platform, platform)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    log.warning("%s answered HTTP %s to %s: %s", name, status, action, text[:4000])
    parsed = body_json(text)
    message, reason = platform_message(platform, parsed)
    hint = hint_for(platform, message, reason)
    said = f": {message}" if message else ""
    wait = retry_after_seconds(headers)

    errors = _errors(platform)
    if status == 429 or (errors is not None and _graph_code(parsed) in errors.rate_codes):
        raise TransientPublishError(
            f"{name} is rate limiting {action}{said}", hint="it will be retried later", retry_after=wait or DEFAULT_RETRY
        )
    if errors is not None and reason and reason in errors.retryable_codes:
        # Temporary by the platform's own word (Instagram's 50-posts-a-day cap, code 9 / 2207042).
        raise TransientPublishError(f"{name} cannot take {action} now{said}", hint=hint or "it will be retried later",
                                    retry_after=wait or 3600.0)
    if platform == "youtube" and reason in {"rateLimitExceeded", "userRateLimitExceeded"}:
        raise TransientPublishError(f"{name} is rate limiting {action}{said}", retry_after=wait or DEFAULT_RETRY)
    if platform == "youtube" and reason == "quotaExceeded":
        raise TransientPublishError(f"{name} quota exceeded{said}", hint=hint, retry_after=seconds_until_pacific_midnight())
    if status >= 500 or status == 408:
        raise TransientPublishError(f"{name} had a server error ({status}) during {action}{said}", retry_after=wait)
    if is_auth_failure(platform, status, parsed):
        raise NeedsReconnect(
            f"{name} no longer accepts this account's sign-in{said}", hint="reconnect the account in Accounts"
        )
    raise PublishError(f"{name} refused {action}{said}", hint=hint)


def _graph_code(body: Any) -> int | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return int(code) if isinstance(code, int) or (isinstance(code, str) and code.isdigit()) else None
    return None
