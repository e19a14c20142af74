"""What the TikTok, Facebook Pages, Threads, Bluesky and Mastodon adapters share.

- ``NetworkTokens``: the account's access token from the keyring, refreshed through the
  network's own refresh call (TikTok's ``client_key`` form, Threads' ``th_refresh_token``),
  and the account marked "needs reconnecting" when the network refuses it.
- ``NetworkSession``: httpx with that token; a refused token is refreshed once, then every
  error answer becomes a sentence (``explain``): rate limits and 5xx retry later, a refused
  sign-in holds the account's posts, anything else is a refusal with the network's message.

The adapters take an accounts object (``accounts.get``, ``mark_needs_reconnect``,
``set_token_expiry``); nothing here opens a database.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from .base import NeedsReconnect, PublishError, TransientPublishError
from .errors import retry_after_seconds
from .oauth import TokenSet, load_secret_payload, save_tokens

log = logging.getLogger(__name__)

NAMES = {"tiktok": "TikTok", "facebook": "Facebook", "threads": "Threads", "bluesky": "Bluesky", "mastodon": "Mastodon"}
DEFAULT_RETRY = 60.0
REFRESH_MARGIN = timedelta(minutes=5)

# What to do about the errors we know, keyed by the network's own code.
HINTS: dict[str, dict[str, str]] = {
    "tiktok": {
        "unaudited_client_can_only_post_to_private_accounts":
            "until your TikTok app passes TikTok's audit, posts can only be private (Only me): choose SELF_ONLY",
        "privacy_level_option_mismatch": "choose one of the privacy levels TikTok offers this account",
        "spam_risk_too_many_posts": "the account reached TikTok's daily post limit; it is retried tomorrow",
        "spam_risk_user_banned_from_posting": "TikTok has stopped this account from posting; check the TikTok app",
        "scope_not_authorized": "the app lacks video.publish (or video.upload); reconnect and grant it",
        "access_token_invalid": "the TikTok sign-in is no longer valid; reconnect the account",
        "reached_active_user_cap": "your TikTok app reached its daily user cap; try again tomorrow",
        "file_format_check_failed": "TikTok cannot read the video: MP4/MOV/WebM in H.264, H.265, VP8 or VP9",
        "duration_check_failed": "the video is longer than TikTok allows this account",
        "frame_rate_check_failed": "TikTok needs 23 to 60 frames per second",
        "picture_size_check_failed": "TikTok needs a picture at least 360 px wide and tall",
    },
    "facebook": {
        "190": "the Facebook sign-in is no longer valid; reconnect the account",
        "200": "the token cannot post to this Page: you need the CREATE_CONTENT task on it and pages_manage_posts",
        "10": "the app lacks pages_manage_posts; reconnect and grant every permission asked",
        "100": "Facebook refused a parameter of the request",
        "368": "Facebook blocked this post as abusive; check the Page's quality",
    },
    "threads": {
        "190": "the Threads sign-in is no longer valid; reconnect the account",
        "10": "the app lacks threads_content_publish; reconnect and grant it",
        "FAILED_DOWNLOADING_VIDEO": "Threads could not download the video from its link; check the bucket is reachable",
        "INVALID_DURATION": "Threads allows videos up to 5 minutes",
    },
    "bluesky": {
        "AuthenticationRequired": "the handle or app password was refused; create a new app password and reconnect",
        "ExpiredToken": "the Bluesky session expired; it is renewed automatically",
        "AccountTakedown": "Bluesky has taken this account down",
        "unconfirmed_email": "Bluesky needs the account's e-mail confirmed before it accepts videos",
    },
    "mastodon": {
        "The access token is invalid": "the Mastodon sign-in was revoked; reconnect the account",
        "Validation failed: Text character limit": "shorten the post to the instance's character limit",
    },
}
GRAPH_RATE_CODES = {4, 17, 32, 613, 80001, 80002, 80004}
GRAPH_AUTH_CODES = {190, 102, 463, 467}
AUTH_REASONS = {"access_token_invalid", "AuthenticationRequired", "InvalidToken", "ExpiredToken", "190", "102", "463", "467"}
RATE_REASONS = {"rate_limit_exceeded", "RateLimitExceeded", "spam_risk_too_many_posts", "4", "17", "32", "613"}


def name(platform: str) -> str:
    return NAMES.get(platform, platform)


def _body(raw: bytes | str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def message_and_code(platform: str, body: Any) -> tuple[str, str]:
    """(the network's message, its code) from an error answer."""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if platform == "tiktok" and isinstance(error, dict):
        return str(error.get("message", "")), str(error.get("code", ""))
    if platform in ("facebook", "threads") and isinstance(error, dict):
        message = error.get("error_user_msg") or error.get("message") or ""
        return str(message), str(error.get("code") or error.get("error_subcode") or "")
    if platform == "bluesky":
        return str(body.get("message") or error or ""), str(error or "")
    if isinstance(error, str):  # Mastodon: {"error": "..."}
        return error, error
    return str(body.get("message", "")), ""


def hint_for(platform: str, message: str, code: str) -> str:
    table = HINTS.get(platform, {})
    if code in table:
        return table[code]
    for key, hint in table.items():
        if not key.isdigit() and key.lower() in message.lower():
            return hint
    return ""


def is_auth_failure(platform: str, status: int, body: Any) -> bool:
    if status == 401:
        return True
    _, code = message_and_code(platform, body)
    return code in AUTH_REASONS


def explain(platform: str, status: int, headers: Mapping[str, str], raw: bytes | str | None, *, action: str) -> None:
    """Return on success; otherwise raise the error the publish machinery understands."""
    body = _body(raw)
    message, code = message_and_code(platform, body)
    ok_tiktok = platform == "tiktok" and code in ("", "ok")
    if 200 <= status < 300 and (platform != "tiktok" or ok_tiktok):
        return
    label = name(platform)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
    log.warning("%s answered HTTP %s to %s: %s", label, status, action, text[:4000])
    said = f": {message}" if message else ""
    hint = hint_for(platform, message, code)
    wait = retry_after_seconds(headers)
    if status == 429 or code in RATE_REASONS:
        raise TransientPublishError(f"{label} is rate limiting {action}{said}", hint=hint or "it will be retried later",
                                    retry_after=wait or (6 * 3600 if code == "spam_risk_too_many_posts" else DEFAULT_RETRY))
    if status >= 500 or status == 408:
        raise TransientPublishError(f"{label} had a server error ({status}) during {action}{said}", retry_after=wait)
    if is_auth_failure(platform, status, body):
        raise NeedsReconnect(f"{label} no longer accepts this account's sign-in{said}",
                             hint=hint or "reconnect the account in Accounts")
    raise PublishError(f"{label} refused {action}{said}", hint=hint)


class NetworkTokens:
    """A valid access token for one account of these networks.

    ``refresher(payload) -> TokenSet`` renews it (None: the network's tokens do not expire)."""

    _locks: dict[int, threading.Lock] = {}
    _guard = threading.Lock()

    def __init__(self, account_id: int, accounts: Any, *, refresher: Callable[[dict[str, Any]], TokenSet] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.account_id = account_id
        self.accounts = accounts
        self.refresher = refresher
        self._now = now
        self.reload()

    def reload(self) -> None:
        account = self.accounts.get(self.account_id)
        if account is None:
            raise NeedsReconnect("the account for this post was disconnected", hint="connect it again in Accounts")
        self.platform = account.platform
        self.details = dict(account.details)
        self.remote_user_id = account.remote_user_id
        self.status = str(account.status)
        self.expires_at = account.token_expires_at

    def payload(self) -> dict[str, Any]:
        payload = load_secret_payload(self.account_id)
        if not payload.get("access_token"):
            self.fail("its sign-in is missing from the keyring")
        return payload

    def access_token(self) -> str:
        self.reload()
        if self.status != "connected":
            problem = self.details.get("problem") or "it needs reconnecting"
            raise NeedsReconnect(f"{name(self.platform)} account: {problem}", hint="reconnect it in Accounts")
        payload = self.payload()
        if self.expires_at is not None and self.expires_at - self._now() <= REFRESH_MARGIN:
            return self.refresh(stale=payload["access_token"])
        return payload["access_token"]

    def refresh(self, stale: str | None = None) -> str:
        with self._guard:
            lock = self._locks.setdefault(self.account_id, threading.Lock())
        with lock:
            payload = self.payload()
            if stale is not None and payload["access_token"] != stale:
                return payload["access_token"]
            if self.refresher is None:
                self.fail("the network refused its sign-in")
            try:
                tokens = self.refresher(payload)
            except NeedsReconnect as exc:
                self.fail(exc.message)
            save_tokens(self.account_id, tokens, payload.get("client_secret"))
            self.accounts.set_token_expiry(self.account_id, tokens.expires_at)
            self.expires_at = tokens.expires_at
            log.info("refreshed the %s token of account %s", name(self.platform), self.account_id)
            return tokens.access_token

    def fail(self, problem: str):
        self.accounts.mark_needs_reconnect(self.account_id, problem)
        self.status = "needs_reconnect"
        raise NeedsReconnect(f"{name(self.platform)} account needs reconnecting: {problem}",
                             hint="reconnect it in Accounts; its posts are held until then")


class NetworkSession:
    """httpx with the account's token; a refused token is refreshed and the call tried once more."""

    def __init__(self, platform: str, tokens: NetworkTokens, *, timeout: float = 60.0, token_in: str = "header") -> None:
        self.platform = platform
        self.tokens = tokens
        self.token_in = token_in  # "header" (Bearer) or "query" (Graph's access_token parameter)
        self.http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "NetworkSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def request(self, method: str, url: str, *, action: str, **kwargs: Any) -> httpx.Response:
        token = self.tokens.access_token()
        for attempt in range(2):
            response = send(self.http, method, url, self.platform, action, token, self.token_in, **kwargs)
            if attempt == 0 and is_auth_failure(self.platform, response.status_code, _body(response.content)):
                log.info("%s refused the access token during %s; refreshing it", name(self.platform), action)
                token = self.tokens.refresh(stale=token)
                continue
            explain(self.platform, response.status_code, response.headers, response.content, action=action)
            return response
        raise AssertionError("unreachable")


def send(http: httpx.Client, method: str, url: str, platform: str, action: str, token: str | None = None,
         token_in: str = "header", **kwargs: Any) -> httpx.Response:
    """One request; the network being unreachable becomes a retry-later error."""
    headers = dict(kwargs.pop("headers", {}) or {})
    if token and token_in == "header":
        headers["Authorization"] = f"Bearer {token}"
    elif token:
        kwargs["params"] = {**(kwargs.get("params") or {}), "access_token": token}
    try:
        return http.request(method, url, headers=headers, **kwargs)
    except httpx.TimeoutException:
        raise TransientPublishError(f"{name(platform)} did not answer in time during {action}") from None
    except httpx.TransportError as exc:
        raise TransientPublishError(f"cannot reach {name(platform)} during {action}: {type(exc).__name__}") from None


def token_set(data: Mapping[str, Any], previous_refresh: str | None = None) -> TokenSet:
    return TokenSet.from_response(dict(data), previous_refresh=previous_refresh)
