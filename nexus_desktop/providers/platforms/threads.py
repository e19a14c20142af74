"""Threads: text posts and video posts through the Threads API.

Threads fetches a video from a public address; it takes no upload. With a bucket set
in Settings → Sync the video goes to the bucket and Threads gets a presigned link that
lasts an hour. Without one, pre-flight refuses the video post and says so, and the
target can be switched to a text post carrying the link. Publishing is two steps: a
media container (``POST /{user}/threads``), polled until FINISHED, then
``threads_publish``; the container id is saved first, so a restart publishes that
same container, and reconciliation asks Threads for the container's status.
"""

from __future__ import annotations

import logging
import secrets as random_tokens
import threading
import time
import webbrowser
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from ...domain.errors import Cancelled, NexusError, UserFixableError
from . import preflight
from .base import CannotKnow, NeedsReconnect, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .descriptions.threads import AUTHORIZE_URL, PASTE_REDIRECT, SCOPES
from .networks import NetworkSession, NetworkTokens, explain, send, token_set
from .oauth import LoopbackReceiver, TokenSet, answer_from_address, save_tokens
from .public_links import PublicLinks, bucket_links

log = logging.getLogger(__name__)

PLATFORM = "threads"
TEXT_MAX = 500


def threads_length(text: str) -> int:
    """Threads counts an emoji as its UTF-8 bytes; other characters count one."""
    return sum(len(ch.encode()) if ord(ch) > 0xFFFF else 1 for ch in text)


class ThreadsPublisher:
    platform = PLATFORM
    display_name = "Threads"

    def __init__(self, tokens: NetworkTokens, *, base_url: str, links: PublicLinks | None, text_only: bool = False,
                 sleep: Callable[[float], None] = time.sleep, poll_limit: int = 60) -> None:
        self.tokens = tokens
        self.api = f"{base_url.rstrip('/')}/v1.0"
        self.links = links
        self.text_only = text_only
        self.sleep = sleep
        self.poll_limit = poll_limit

    def refresh_credentials(self) -> None:
        self.tokens.access_token()

    def body(self, package: PostPackage) -> str:
        """A text post carries the link; a video post its text."""
        if self.text_only and package.link and package.link not in package.text:
            return f"{package.text}\n{package.link}".strip()
        return package.text

    def preflight(self, package: PostPackage) -> list[str]:
        problems: list[str] = []
        if not self.text_only:
            problems = preflight.check(package)
            if self.links is None:
                problems.append("Threads takes a video only from a public web address, and no bucket is set up in "
                                "Settings → Sync to give it one — set up a bucket, or switch this target to "
                                "'Text post with the link'")
        count = threads_length(self.body(package))
        if count > TEXT_MAX:
            problems.append(f"the text is {count} characters (an emoji counts as its bytes); Threads allows {TEXT_MAX} — "
                            "shorten it in the preview")
        return problems

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        state = dict(package.upload_state)
        if state.get("media_id"):
            return PublishResult(state["media_id"], state["url"])
        problems = self.preflight(package)
        if problems:
            raise PublishError("Threads would refuse this post: " + "; ".join(problems))
        with NetworkSession(PLATFORM, self.tokens) as api:
            user = self.tokens.remote_user_id
            if not state.get("container_id"):
                params: dict[str, str] = {"media_type": "TEXT", "text": self.body(package)}
                if not self.text_only:
                    progress(5, "Putting the video where Threads can fetch it")
                    link = self._link(package)
                    params = {"media_type": "VIDEO", "video_url": link, "text": self.body(package)}
                created = api.request("POST", f"{self.api}/{user}/threads", action="creating the post", params=params).json()
                state["container_id"] = str(created["id"])
                save_state(dict(state))
            progress(40, "Threads is fetching and processing the video" if not self.text_only else "Posting on Threads")
            status = self._wait(api, state["container_id"])
            if status != "PUBLISHED":
                published = api.request("POST", f"{self.api}/{user}/threads_publish", action="publishing the post",
                                        params={"creation_id": state["container_id"]}).json()
                state["media_id"] = str(published["id"])
            else:
                state["media_id"] = self._find_published(api, package) or ""
                if not state["media_id"]:
                    raise CannotKnow("Threads says the post is published but does not list it yet")
            state["url"] = self._permalink(api, state["media_id"])
            save_state(dict(state))
        progress(100, "Published on Threads")
        return PublishResult(state["media_id"], state["url"])

    def _link(self, package: PostPackage) -> str:
        assert self.links is not None
        try:
            return self.links.link(package.video_path, f"threads-{package.post_id}-{package.video_path.stat().st_size}.mp4")
        except NexusError as exc:
            raise TransientPublishError(f"the Sync bucket could not hold the video for Threads: {exc}",
                                        hint="check Settings → Sync; it is retried later") from None

    def _wait(self, api: NetworkSession, container_id: str) -> str:
        for _ in range(self.poll_limit):
            answer = api.request("GET", f"{self.api}/{container_id}", action="checking the post",
                                 params={"fields": "status,error_message"}).json()
            status = str(answer.get("status", ""))
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status == "ERROR":
                reason = str(answer.get("error_message") or "UNKNOWN")
                from .networks import hint_for

                raise PublishError(f"Threads could not use the video: {reason}", hint=hint_for(PLATFORM, reason, reason))
            if status == "EXPIRED":
                raise PublishError("the Threads container expired (24 hours) before it was published",
                                   hint="publish the post again; a new container is made")
            self.sleep(10.0)
        raise TransientPublishError("Threads is still processing the video", retry_after=120)

    def _permalink(self, api: NetworkSession, media_id: str) -> str:
        answer = api.request("GET", f"{self.api}/{media_id}", action="reading the post's address", params={"fields": "permalink"}).json()
        return str(answer.get("permalink") or f"https://www.threads.net/t/{media_id}")

    def _find_published(self, api: NetworkSession, package: PostPackage) -> str | None:
        answer = api.request("GET", f"{self.api}/{self.tokens.remote_user_id}/threads", action="listing recent posts",
                             params={"fields": "id,text,media_type", "limit": "25"}).json()
        for media in answer.get("data", []):
            if media.get("text") == self.body(package):
                return str(media["id"])
        return None

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = dict(package.upload_state)
        if state.get("media_id"):
            return PublishResult(state["media_id"], state["url"])
        if not state.get("container_id"):
            return None
        try:
            with NetworkSession(PLATFORM, self.tokens) as api:
                status = api.request("GET", f"{self.api}/{state['container_id']}", action="checking the post",
                                     params={"fields": "status"}).json().get("status")
                if status != "PUBLISHED":
                    return None  # publish() publishes this same container
                media_id = self._find_published(api, package)
                if media_id is None:
                    raise CannotKnow("Threads says the container is published but does not list the post")
                return PublishResult(media_id, self._permalink(api, media_id))
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"Threads could not be asked about the earlier post: {exc}") from None


# -- connecting ------------------------------------------------------------------------------


def _token_get(url: str, params: dict[str, str], doing: str) -> dict[str, Any]:
    with httpx.Client(timeout=30) as http:
        response = send(http, "GET", url, PLATFORM, doing, params=params)
    if response.status_code in (400, 401):
        raise NeedsReconnect(f"Threads refused {doing}", hint="reconnect the account in Accounts")
    explain(PLATFORM, response.status_code, response.headers, response.content, action=doing)
    return response.json()


def refresher(base_url: str) -> Callable[[dict[str, Any]], TokenSet]:
    """Threads long-lived tokens (60 days) are refreshed with themselves (th_refresh_token)."""
    def refresh(payload: dict[str, Any]) -> TokenSet:
        data = _token_get(f"{base_url.rstrip('/')}/refresh_access_token",
                          {"grant_type": "th_refresh_token", "access_token": payload["access_token"]}, "renewing the sign-in")
        return token_set(data)
    return refresh


def _consent(authorize_url: str, client_id: str, redirect: str, state: str) -> str:
    return f"{authorize_url}?" + urlencode({"client_id": client_id, "redirect_uri": redirect, "scope": ",".join(SCOPES),
                                           "response_type": "code", "state": state})


def connect(client_id: str, client_secret: str, *, accounts: Any, base_url: str, authorize_url: str = AUTHORIZE_URL,
            open_url: Callable[[str], Any] = webbrowser.open, port: int = 0, timeout: float = 300,
            cancel: threading.Event | None = None, ask_address: Callable[[str], str | None] | None = None) -> Any:
    """Threads OAuth: code → short-lived token → 60-day token (th_exchange_token) → profile.

    With ``ask_address`` (the Accounts view) the browser goes to the registered HTTPS callback and
    the creator pastes the address back; without it, to a loopback listener (a development app)."""
    if not client_id.strip() or not client_secret.strip():
        raise UserFixableError("Threads needs your app's id and secret", hint="copy them from the app's Threads settings")
    base = base_url.rstrip("/")
    state = random_tokens.token_urlsafe(24)
    if ask_address is not None:
        redirect_uri = PASTE_REDIRECT
        open_url(_consent(authorize_url, client_id, redirect_uri, state))
        address = ask_address(redirect_uri)
        if address is None or (cancel is not None and cancel.is_set()):
            raise Cancelled("connecting was cancelled")
        result = answer_from_address(address)
    else:
        receiver = LoopbackReceiver(port)
        redirect_uri = receiver.redirect_uri
        try:
            open_url(_consent(authorize_url, client_id, redirect_uri, state))
            result = receiver.wait(timeout, cancel)
        finally:
            receiver.close()
    if result.get("error") or result.get("state") != state or not result.get("code"):
        reason = result.get("error_description") or result.get("error") or "the sign-in answer did not match"
        raise UserFixableError(f"Threads did not grant access: {reason}", hint="connect again and allow access")
    with httpx.Client(timeout=30) as http:
        response = send(http, "POST", f"{base}/oauth/access_token", PLATFORM, "the sign-in", data={
            "client_id": client_id, "client_secret": client_secret, "grant_type": "authorization_code",
            "redirect_uri": redirect_uri, "code": result["code"]})
    explain(PLATFORM, response.status_code, response.headers, response.content, action="the sign-in")
    short = response.json()
    long = _token_get(f"{base}/access_token", {"grant_type": "th_exchange_token", "client_secret": client_secret,
                                               "access_token": short["access_token"]}, "the sign-in")
    tokens = token_set(long)
    with httpx.Client(timeout=30) as http:
        me = send(http, "GET", f"{base}/v1.0/me", PLATFORM, "reading the profile", tokens.access_token,
                  params={"fields": "id,username"})
    explain(PLATFORM, me.status_code, me.headers, me.content, action="reading the profile")
    profile = me.json()
    view = accounts.upsert(PLATFORM, f"@{profile['username']}", remote_user_id=str(profile["id"]),
                           token_expires_at=tokens.expires_at, details={"client_id": client_id, "refreshable": True})
    save_tokens(view.id, tokens, client_secret)
    return view


def create(setup) -> ThreadsPublisher:
    if setup.account_id is None or setup.accounts is None:
        raise PublishError(f"the target {setup.target_name} has no connected account", hint="choose one in Targets")
    base = setup.settings.publish.threads_base_url
    tokens = NetworkTokens(setup.account_id, setup.accounts, refresher=refresher(base))
    text_only = bool(setup.options.get("text_only", False))
    links = None if text_only else bucket_links(setup.settings, setup.paths.data / ".sync" / "uploads")
    return ThreadsPublisher(tokens, base_url=base, links=links, text_only=text_only)
