"""Mastodon: any instance the creator names, through Mastodon.py (the maintained client).

Connecting registers this app on that instance (``POST /api/v1/apps``, once per
instance), then runs the authorization code flow with a loopback redirect; Mastodon
tokens do not expire. Publishing uploads the video to ``/api/v2/media`` (202 while
the instance processes it, polled until it has a URL), then posts the status with an
``Idempotency-Key`` saved before the call, so a retry after a crash returns the same
status instead of a second one. The character limit is the instance's own
(``/api/v2/instance`` ``configuration.statuses.max_characters``), links counting 23.
"""

from __future__ import annotations

import logging
import re
import secrets as random_tokens
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

import requests
from mastodon import (
    Mastodon,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from ...domain.errors import UserFixableError
from . import preflight, registry
from .base import CannotKnow, NeedsReconnect, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .networks import HINTS, NetworkTokens
from .oauth import LoopbackReceiver, TokenSet, save_tokens

log = logging.getLogger(__name__)

PLATFORM = "mastodon"
SCOPES = ["read:accounts", "read:statuses", "write:media", "write:statuses"]
APP_NAME = "Nexus Desktop"
DEFAULT_MAX_CHARACTERS = 500
URL = re.compile(r"https?://\S+")
MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")


@dataclass(frozen=True)
class InstanceLimits:
    max_characters: int
    url_characters: int
    video_size_limit: int


def instance_url(address: str) -> str:
    address = address.strip().rstrip("/")
    if not address:
        raise UserFixableError("no Mastodon instance was given", hint="type its address, for example mastodon.social")
    if "://" not in address:
        address = "https://" + address
    parsed = urlparse(address)
    if not parsed.hostname:
        raise UserFixableError(f"'{address}' is not an instance address", hint="type it like mastodon.social")
    return f"{parsed.scheme}://{parsed.netloc}"


def _allow_http(base: str) -> bool:
    return urlparse(base).hostname in ("127.0.0.1", "localhost", "::1")


def client(base: str, session: requests.Session, *, access_token: str | None = None, client_id: str | None = None,
           client_secret: str | None = None) -> Mastodon:
    """A Mastodon.py client on our own HTTP session, which the caller closes."""
    return Mastodon(client_id=client_id, client_secret=client_secret, access_token=access_token, api_base_url=base,
                    ratelimit_method="throw", request_timeout=60, version_check_mode="none", session=session,
                    user_agent="NexusDesktop")


def translate(exc: MastodonError, doing: str, instance: str) -> Exception:
    """Mastodon.py's exceptions → the errors the publish machinery understands."""
    host = urlparse(instance).hostname or instance
    if isinstance(exc, MastodonNetworkError):
        return TransientPublishError(f"the Mastodon instance {host} is not answering ({doing})",
                                     hint="it is retried later; check the instance's status page")
    if isinstance(exc, MastodonRatelimitError):
        return TransientPublishError(f"{host} is rate limiting {doing}", hint="it will be retried later", retry_after=300)
    if isinstance(exc, MastodonServerError):
        return TransientPublishError(f"the Mastodon instance {host} had a server error during {doing}", retry_after=120)
    message = str(exc.args[3]) if len(exc.args) > 3 and exc.args[3] else str(exc)
    if isinstance(exc, MastodonUnauthorizedError):
        return NeedsReconnect(f"{host} no longer accepts this account's sign-in: {message}", hint="reconnect it in Accounts")
    hint = next((h for key, h in HINTS[PLATFORM].items() if key.lower() in message.lower()), "")
    return PublishError(f"{host} refused {doing}: {message}", hint=hint)


def count_characters(text: str, url_characters: int = 23) -> int:
    """How Mastodon counts a status: each link as 23 characters, ``@user@domain`` as ``@user``."""
    text = URL.sub("x" * url_characters, text)
    text = MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(text)


class MastodonPublisher:
    platform = PLATFORM
    display_name = "Mastodon"

    def __init__(self, tokens: NetworkTokens, *, sleep: Callable[[float], None] = time.sleep, poll_limit: int = 120,
                 visibility: str = "public") -> None:
        self.tokens = tokens
        self.sleep = sleep
        self.poll_limit = poll_limit
        self.visibility = visibility
        self.instance = str(tokens.details.get("instance", ""))
        self._limits: InstanceLimits | None = None
        self._api: Mastodon | None = None
        self._http = requests.Session()

    def _client(self) -> Mastodon:
        token = self.tokens.access_token()
        if self._api is None or self._api.access_token != token:
            self._api = client(self.instance, self._http, access_token=token)
        return self._api

    def close(self) -> None:
        self._http.close()
        self._api = None

    def _call(self, doing: str, work: Callable[[Mastodon], Any]) -> Any:
        try:
            return work(self._client())
        except MastodonError as exc:
            error = translate(exc, doing, self.instance)
            if isinstance(error, NeedsReconnect):
                self.tokens.fail(error.message)
            raise error from None

    def limits(self) -> InstanceLimits:
        """The instance's own limits, read once per publisher."""
        if self._limits is None:
            info = self._call("reading the instance's limits", lambda m: m.instance_v2())
            config = info.get("configuration") or {}
            statuses = config.get("statuses") or {}
            media = config.get("media_attachments") or {}
            self._limits = InstanceLimits(
                int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS),
                int(statuses.get("characters_reserved_per_url") or 23),
                int(media.get("video_size_limit") or 99 * 1024 * 1024),
            )
        return self._limits

    def status_text(self, package: PostPackage) -> str:
        return package.text

    def preflight(self, package: PostPackage) -> list[str]:
        limits = self.limits()
        described = registry.description(PLATFORM)
        video = replace(described.video, max_bytes=limits.video_size_limit)
        problems = preflight.check(package, replace(described, video=video))
        count = count_characters(self.status_text(package), limits.url_characters)
        if count > limits.max_characters:
            host = urlparse(self.instance).hostname
            problems.append(f"the text is {count} characters (links count {limits.url_characters}); {host} allows "
                            f"{limits.max_characters} — shorten it in the preview")
        return problems

    def refresh_credentials(self) -> None:
        self.tokens.access_token()

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        try:
            return self._publish(package, progress, save_state)
        finally:
            self.close()

    def _publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        state = dict(package.upload_state)
        if not state.get("status_id"):
            problems = self.preflight(package)
            if problems:
                raise PublishError("Mastodon would refuse this post: " + "; ".join(problems))
            if not state.get("media_id"):
                progress(5, "Uploading to Mastodon")
                with package.video_path.open("rb") as handle:  # Mastodon.py leaves a file it opened open
                    media = self._call("the video upload", lambda m: m.media_post(
                        handle, mime_type="video/mp4", file_name=package.video_path.name, description=package.title[:1500]))
                state["media_id"] = str(media["id"])
                save_state(dict(state))
            progress(60, "Mastodon is processing the video")
            self._wait_processed(state["media_id"])
            if not state.get("idempotency_key"):
                state["idempotency_key"] = f"nexus-{package.post_id}-{random_tokens.token_hex(8)}"
                save_state(dict(state))
            status = self._call("the status", lambda m: m.status_post(
                self.status_text(package), media_ids=[state["media_id"]], visibility=self.visibility,
                idempotency_key=state["idempotency_key"]))
            state.update(status_id=str(status["id"]), url=str(status.get("url") or status.get("uri")))
            save_state(dict(state))
        progress(100, "Published on Mastodon")
        return PublishResult(state["status_id"], state["url"])

    def _wait_processed(self, media_id: str) -> None:
        for _ in range(self.poll_limit):
            media = self._call("checking the video", lambda m: m.media(media_id))
            if media.get("url"):
                return
            self.sleep(2.0)
        raise TransientPublishError("the Mastodon instance is still processing the video", retry_after=120)

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        try:
            return self._find_existing(package)
        finally:
            self.close()

    def _find_existing(self, package: PostPackage) -> PublishResult | None:
        state = package.upload_state
        if state.get("status_id"):
            return PublishResult(state["status_id"], state["url"])
        if not state.get("idempotency_key"):
            return None  # the status is only posted after its key is saved
        try:
            me = self._call("reading the account", lambda m: m.account_verify_credentials())
            recent = self._call("listing recent statuses", lambda m: m.account_statuses(me["id"], limit=20))
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"Mastodon could not be asked about the earlier status: {exc}") from None
        for status in recent:
            if any(str(a.get("id")) == state["media_id"] for a in status.get("media_attachments") or []):
                return PublishResult(str(status["id"]), str(status.get("url") or status.get("uri")))
        return None


# -- connecting --------------------------------------------------------------------------


def connect(address: str, *, accounts: Any, open_url: Callable[[str], Any] = webbrowser.open, port: int = 0,
            timeout: float = 300, cancel: threading.Event | None = None) -> Any:
    """Register the app on the instance, sign in in the browser, store the account."""
    base = instance_url(address)
    with requests.Session() as http:
        return _connect(base, http, accounts, open_url, port, timeout, cancel)


def _connect(base: str, http: requests.Session, accounts: Any, open_url: Callable[[str], Any], port: int, timeout: float,
             cancel: threading.Event | None) -> Any:
    receiver = LoopbackReceiver(port)
    try:
        try:
            client_id, client_secret = Mastodon.create_app(
                APP_NAME, scopes=SCOPES, redirect_uris=receiver.redirect_uri, website="https://github.com/nexus-desktop",
                api_base_url=base, request_timeout=30, session=http, user_agent="NexusDesktop")
            app = client(base, http, client_id=client_id, client_secret=client_secret)
            state = random_tokens.token_urlsafe(24)
            open_url(app.auth_request_url(redirect_uris=receiver.redirect_uri, scopes=SCOPES, state=state,
                                          allow_http=_allow_http(base)))
        except MastodonError as exc:
            raise translate(exc, "registering Nexus Desktop", base) from None
        result = receiver.wait(timeout, cancel)
    finally:
        receiver.close()
    if result.get("error") or result.get("state") != state or not result.get("code"):
        reason = result.get("error_description") or result.get("error") or "the sign-in answer did not match"
        raise UserFixableError(f"the Mastodon instance did not grant access: {reason}", hint="connect again and allow access")
    try:
        token = app.log_in(code=result["code"], redirect_uri=receiver.redirect_uri, scopes=SCOPES, allow_http=_allow_http(base))
        me = client(base, http, access_token=token).account_verify_credentials()
    except MastodonError as exc:
        raise translate(exc, "the sign-in", base) from None
    host = urlparse(base).netloc
    view = accounts.upsert(PLATFORM, f"@{me['username']}@{host}", remote_user_id=str(me["id"]), token_expires_at=None,
                           details={"instance": base, "client_id": client_id, "refreshable": False, "url": me.get("url")})
    save_tokens(view.id, TokenSet(token, None, None), client_secret)
    return view


def create(setup) -> MastodonPublisher:
    if setup.account_id is None or setup.accounts is None:
        raise PublishError(f"the target {setup.target_name} has no connected account", hint="choose one in Targets")
    accounts = setup.accounts
    return MastodonPublisher(NetworkTokens(setup.account_id, accounts), visibility=str(setup.options.get("visibility", "public")))
