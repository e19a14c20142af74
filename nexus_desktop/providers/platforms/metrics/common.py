"""What the metrics readers share: one authorized GET with the answers sorted
into the errors the measure stage acts on, and a per-account count of calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx

from ..base import TransientPublishError
from ..errors import NAMES, body_json, is_auth_failure, platform_message, raise_for_response
from ..oauth import AccountTokens
from . import MissingScope, PostGone

log = logging.getLogger(__name__)

# How each platform says "you may not read this" (as opposed to "this does not exist").
SCOPE_WORDS = ("insufficient", "scope", "permission", "not authorized", "access_denied", "forbidden")


class MetricsSession:
    """httpx with the account's bearer token; a 401 refreshes it once, like ``oauth.ApiSession``."""

    def __init__(self, platform: str, tokens: AccountTokens, *, headers: dict[str, str] | None = None,
                 timeout: float = 30.0, on_call: Callable[[], None] = lambda: None) -> None:
        self.platform = platform
        self.tokens = tokens
        self.http = httpx.Client(timeout=timeout, headers=headers or {})
        self.on_call = on_call

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "MetricsSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, action: str, params: Mapping[str, Any] | None = None,
            gone: Callable[[int, Any], bool] | None = None) -> Any:
        """The answer's JSON. ``gone(status, body)`` tells a deleted post from other refusals."""
        return self.request("GET", url, action=action, params=params, gone=gone)

    def request(self, method: str, url: str, *, action: str, gone: Callable[[int, Any], bool] | None = None,
                headers: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        name = NAMES.get(self.platform, self.platform)
        token = self.tokens.access_token()
        for attempt in range(2):
            self.on_call()
            try:
                response = self.http.request(method, url, headers={**(headers or {}), "Authorization": f"Bearer {token}"}, **kwargs)
            except httpx.TimeoutException:
                raise TransientPublishError(f"{name} did not answer in time while {action}") from None
            except httpx.TransportError as exc:
                raise TransientPublishError(f"cannot reach {name} while {action}: {type(exc).__name__}") from None
            body = body_json(response.content)
            if attempt == 0 and is_auth_failure(self.platform, response.status_code, body):
                token = self.tokens.refresh(stale=token)
                continue
            self._raise(response, body, action, gone)
            return body
        raise AssertionError("unreachable")

    def _raise(self, response: httpx.Response, body: Any, action: str, gone) -> None:
        status = response.status_code
        if status < 400:
            return
        name = NAMES.get(self.platform, self.platform)
        message, reason = platform_message(self.platform, body)
        if status == 404 or (gone is not None and gone(status, body)):
            raise PostGone(f"{name} no longer has this post ({message or status})",
                           hint="it was deleted or removed; its earlier figures are kept")
        if status in (400, 403) and self._is_scope(message, reason, status) and not _is_rate(self.platform, body):
            raise MissingScope(f"{name} does not let this account read figures: {message or reason or status}",
                               hint="reconnect the account in Accounts and allow reading statistics")
        raise_for_response(self.platform, status, response.headers, response.content, action=action)

    def _is_scope(self, message: str, reason: str, status: int) -> bool:
        text = f"{message} {reason}".lower()
        return status == 403 or any(w in text for w in SCOPE_WORDS)


def _is_rate(platform: str, body: Any) -> bool:
    if platform == "youtube":
        _, reason = platform_message(platform, body)
        return reason in {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
    if platform == "instagram" and isinstance(body, dict):
        return (body.get("error") or {}).get("code") in {4, 17, 32, 613, 80001, 80002}
    return False


def count_call(accounts, account_id: int, platform: str, now: Callable[[], datetime]) -> Callable[[], None]:
    """A callback that counts today's metrics calls on the account (shown in Health)."""

    def call() -> None:
        day = now().astimezone(timezone.utc).date().isoformat()
        account = accounts.get(account_id)
        calls = dict((account.details if account else {}).get("metrics_calls") or {})
        if calls.get("day") != day:
            calls = {"day": day, "calls": 0}
        calls["calls"] = int(calls["calls"]) + 1
        accounts.update_details(account_id, metrics_calls=calls)

    return call
