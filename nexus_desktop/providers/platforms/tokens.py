"""A valid access token for one connected account, and an HTTP session that uses it.

``AccountTokens`` hands adapters a valid access token, refreshing it shortly before
it expires; a refresh the platform refuses marks the account "needs reconnecting"
and raises ``NeedsReconnect`` so its posts are held, not failed.

One refresh at a time, across threads and processes: X rotates refresh tokens (the
old one dies the moment a new one is issued), so the window and the background
service refreshing together would each kill the other's token. The refresh takes
the account's lock in the accounts store (``Accounts.try_refresh_lock``), then reads
the keyring again: when another process refreshed meanwhile, its token is used.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from ...settings import PublishSettings
from .accounts import Accounts
from .base import NeedsReconnect, TransientPublishError
from .errors import NAMES, is_auth_failure, raise_for_response
from .oauth_client import (
    ClientApp, OAuthProvider, TokenSet, fb_exchange, load_secret_payload, provider, refresh_tokens, save_tokens,
)

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
LOCK_SECONDS = 60.0  # a refresh holding the lock longer than this is presumed dead
LOCK_WAIT = 30.0

_refresh_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _account_lock(account_id: int) -> threading.Lock:
    with _locks_guard:
        return _refresh_locks.setdefault(account_id, threading.Lock())


class AccountTokens:
    """A valid access token for one account, refreshed before it expires."""

    def __init__(
        self,
        account_id: int,
        accounts: Accounts,
        settings: PublishSettings,
        *,
        margin: timedelta = REFRESH_MARGIN,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        lock_wait: float = LOCK_WAIT,
    ) -> None:
        self.account_id = account_id
        self.accounts = accounts
        self.settings = settings
        self.margin = margin
        self._now = now
        self.lock_wait = lock_wait
        self.holder = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._reload()

    def _reload(self) -> None:
        """Read the account again: it may have been reconnected, or refreshed by another thread."""
        account = self.accounts.get(self.account_id)
        if account is None:
            raise NeedsReconnect("the account for this post was disconnected", hint="connect it again in Accounts")
        self.platform = account.platform
        self.details = account.details
        self.remote_user_id = account.remote_user_id
        self._account_status = str(account.status)
        self._expires_at = account.token_expires_at

    @property
    def expires_at(self) -> datetime | None:
        return self._expires_at

    @property
    def client_id(self) -> str:
        return str(self.details.get("client_id", ""))

    def _provider(self) -> tuple[OAuthProvider, ClientApp]:
        prov = provider(self.platform, self.settings)
        prov = replace(
            prov,
            token_url=self.details.get("token_url") or prov.token_url,
            authorize_url=self.details.get("authorize_url") or prov.authorize_url,
        )
        payload = load_secret_payload(self.account_id)
        return prov, ClientApp(self.client_id, payload.get("client_secret"))

    def _payload(self) -> dict[str, Any]:
        payload = load_secret_payload(self.account_id)
        if not payload.get("access_token"):
            self._fail("its tokens are missing from the keyring")
        return payload

    def _due(self, prov: OAuthProvider) -> bool:
        expires = self._expires_at
        if expires is None:
            return False
        left = expires - self._now()
        if left <= self.margin:
            return True
        # A 60-day Graph token is re-extended while it is valid, well before the end, so a creator
        # who posts every few weeks never meets an expired one.
        return prov.refresh == "fb_exchange_token" and prov.reextend_days > 0 and left <= timedelta(days=prov.reextend_days)

    def access_token(self) -> str:
        """The current token, refreshed first when it is due."""
        self._reload()
        if self._account_status != "connected":
            problem = self.details.get("problem") or "it needs reconnecting"
            raise NeedsReconnect(f"{NAMES[self.platform]} account: {problem}", hint="reconnect it in Accounts")
        payload = self._payload()
        if self._due(provider(self.platform, self.settings)):
            return self.refresh(stale=payload["access_token"])
        return payload["access_token"]

    def refresh(self, stale: str | None = None) -> str:
        """Get a new access token now; ``stale`` is the one that was refused or is expiring."""
        with _account_lock(self.account_id):
            self._take_shared_lock()
            try:
                payload = self._payload()
                if stale is not None and payload["access_token"] != stale:
                    self._reload()
                    return payload["access_token"]  # another thread or process refreshed meanwhile
                prov, client = self._provider()
                tokens = self._refreshed(prov, client, payload)
                save_tokens(self.account_id, tokens, client.client_secret)
                self._expires_at = tokens.expires_at
                self.accounts.set_token_expiry(self.account_id, tokens.expires_at)
                log.info("refreshed the %s token of account %s", NAMES[self.platform], self.account_id)
                return tokens.access_token
            finally:
                self.accounts.release_refresh_lock(self.account_id, self.holder)

    def _take_shared_lock(self) -> None:
        deadline = time.monotonic() + self.lock_wait
        while not self.accounts.try_refresh_lock(self.account_id, self.holder, LOCK_SECONDS):
            if time.monotonic() >= deadline:
                raise TransientPublishError(
                    f"another part of the app is refreshing the {NAMES[self.platform]} sign-in",
                    hint="it is tried again shortly", retry_after=LOCK_SECONDS,
                )
            time.sleep(0.05)

    def _refreshed(self, prov: OAuthProvider, client: ClientApp, payload: dict[str, Any]) -> TokenSet:
        try:
            if prov.refresh == "fb_exchange_token":
                if self._expires_at is not None and self._expires_at <= self._now():
                    self._fail("its 60-day token expired")
                return fb_exchange(prov, client, payload["access_token"])
            refresh_token = payload.get("refresh_token")
            if not refresh_token:
                self._fail("the token expired and this app cannot refresh it")
            return refresh_tokens(prov, client, refresh_token)
        except NeedsReconnect as exc:
            self._fail(exc.message)
            raise  # unreachable: _fail raises

    def _fail(self, problem: str) -> None:
        self.accounts.mark_needs_reconnect(self.account_id, problem)
        self._account_status = "needs_reconnect"
        raise NeedsReconnect(
            f"{NAMES[self.platform]} account needs reconnecting: {problem}",
            hint="reconnect it in Accounts; its posts are held until then",
        )


class ApiSession:
    """httpx with the account's bearer token: a 401 refreshes the token and retries once."""

    def __init__(self, platform: str, tokens: AccountTokens, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self.platform = platform
        self.tokens = tokens
        self.http = httpx.Client(timeout=timeout, headers=headers or {})

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, url: str, *, action: str, auth_scheme: str = "Bearer", **kwargs: Any) -> httpx.Response:
        """The answer as it came (after one refresh on a refused token), errors not raised."""
        token = self.tokens.access_token()
        for attempt in range(2):
            headers = {**kwargs.pop("headers", {}), "Authorization": f"{auth_scheme} {token}"}
            try:
                response = self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException:
                raise TransientPublishError(f"{NAMES[self.platform]} did not answer in time during {action}") from None
            except httpx.TransportError as exc:
                raise TransientPublishError(
                    f"cannot reach {NAMES[self.platform]} during {action}: {type(exc).__name__}"
                ) from None
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if attempt == 0 and is_auth_failure(self.platform, response.status_code, _json_or_none(response)):
                log.info("%s refused the access token during %s; refreshing it", NAMES[self.platform], action)
                token = self.tokens.refresh(stale=token)
                continue
            return response
        raise AssertionError("unreachable")

    def request(self, method: str, url: str, *, action: str, auth_scheme: str = "Bearer", **kwargs: Any) -> httpx.Response:
        response = self.send(method, url, action=action, auth_scheme=auth_scheme, **kwargs)
        raise_for_response(self.platform, response.status_code, response.headers, response.content, action=action)
        return response


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
