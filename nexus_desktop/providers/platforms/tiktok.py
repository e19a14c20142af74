"""TikTok: the Content Posting API, Direct Post or Upload to inbox.

Before every post the creator's info is queried (``creator_info/query``): the privacy
levels this account may use, its longest video, and whether comments, duets and
stitches are off; only those choices are sent. Direct Post (``video.publish``)
initializes a FILE_UPLOAD with TikTok's chunk rules (5–64 MB chunks, the last up to
128 MB, ``total_chunk_count`` = size // chunk size, a video under 5 MB in one piece),
PUTs the chunks in order with ``Content-Range``, then polls ``status/fetch`` until
PUBLISH_COMPLETE. Upload to inbox (``video.upload``) sends the video to the creator's
TikTok inbox to finish there. The publish id and each chunk are saved as they go, so a
restart continues the same upload and never starts a second post.

Until the creator's TikTok app passes TikTok's audit, TikTok keeps every API post
private to the creator (SELF_ONLY); the app says so in the guide and pre-flight.
"""

from __future__ import annotations

import hashlib
import logging
import secrets as random_tokens
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from ...domain.errors import UserFixableError
from . import preflight
from .base import CannotKnow, NeedsReconnect, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .descriptions.tiktok import AUTHORIZE_URL, SCOPES
from .networks import NetworkSession, NetworkTokens, explain, send, token_set
from .oauth import LoopbackReceiver, TokenSet, save_tokens

log = logging.getLogger(__name__)

PLATFORM = "tiktok"
MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 128 * MB, 1000
PREFERRED_CHUNK = 10 * MB
PRIVATE = "SELF_ONLY"


@dataclass(frozen=True)
class CreatorInfo:
    username: str
    nickname: str
    privacy_levels: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_seconds: int


def chunk_plan(size: int, preferred: int = PREFERRED_CHUNK) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) under TikTok's rules; the last chunk takes the remainder."""
    if size <= 0:
        raise PublishError("the video file is empty; render the job again")
    if size < MIN_CHUNK:
        return size, 1
    chunk = min(max(preferred, MIN_CHUNK), MAX_CHUNK)
    if size // chunk > MAX_CHUNKS:
        chunk = -(-size // MAX_CHUNKS)
    count = size // chunk
    if size - chunk * (count - 1) > MAX_LAST_CHUNK:  # cannot happen with chunk ≤ 64 MB; kept for clarity
        raise PublishError("the video is too large for TikTok's chunked upload")
    return chunk, count


def chunk_ranges(size: int, chunk: int, count: int) -> list[tuple[int, int]]:
    ranges = [(i * chunk, (i + 1) * chunk - 1) for i in range(count)]
    ranges[-1] = (ranges[-1][0], size - 1)
    return ranges


def code_challenge(verifier: str) -> str:
    """TikTok Login Kit for Desktop takes the SHA-256 of the verifier hex-encoded."""
    return hashlib.sha256(verifier.encode()).hexdigest()


class TikTokPublisher:
    platform = PLATFORM
    display_name = "TikTok"

    def __init__(self, tokens: NetworkTokens, *, base_url: str, mode: str = "direct", options: dict[str, Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep, poll_limit: int = 120, chunk_size: int = PREFERRED_CHUNK) -> None:
        self.tokens = tokens
        self.base = base_url.rstrip("/")
        self.mode = mode
        self.options = dict(options or {})
        self.sleep = sleep
        self.poll_limit = poll_limit
        self.chunk_size = chunk_size
        self._creator: CreatorInfo | None = None

    def _session(self) -> NetworkSession:
        return NetworkSession(PLATFORM, self.tokens)

    def _post(self, api: NetworkSession, path: str, body: dict[str, Any] | None, action: str) -> dict[str, Any]:
        response = api.request("POST", f"{self.base}{path}", action=action, json=body,
                               headers={"Content-Type": "application/json; charset=UTF-8"})
        return response.json().get("data") or {}

    def refresh_credentials(self) -> None:
        self.tokens.access_token()

    # -- what the creator may choose --------------------------------------------------------

    def creator_info(self) -> CreatorInfo:
        if self._creator is None:
            with self._session() as api:
                data = self._post(api, "/v2/post/publish/creator_info/query/", None, "reading the creator's settings")
            self._creator = CreatorInfo(
                str(data.get("creator_username", "")), str(data.get("creator_nickname", "")),
                tuple(data.get("privacy_level_options") or ()), bool(data.get("comment_disabled")),
                bool(data.get("duet_disabled")), bool(data.get("stitch_disabled")),
                int(data.get("max_video_post_duration_sec") or 600))
        return self._creator

    @property
    def audited(self) -> bool:
        return bool(self.options.get("audited", False))

    def privacy_level(self, info: CreatorInfo) -> str:
        wanted = str(self.options.get("privacy_level") or ("PUBLIC_TO_EVERYONE" if self.audited else PRIVATE))
        return wanted

    def preflight(self, package: PostPackage) -> list[str]:
        problems = preflight.check(package)
        found = preflight.probe(package.video_path) if package.video_path.is_file() else None
        if found and found.width and found.height and min(found.width, found.height) < 360:
            problems.append(f"the video is {found.width}x{found.height}; TikTok needs at least 360 px on each side — "
                            "render it at a larger size")
        if self.mode == "inbox":
            return problems
        info = self.creator_info()
        if package.video_duration > info.max_seconds:
            problems.append(f"the video is {package.video_duration:.0f} s; this TikTok account may post up to "
                            f"{info.max_seconds} s — shorten the narration and render again")
        level = self.privacy_level(info)
        if not self.audited and level != PRIVATE:
            problems.append("until your TikTok app passes TikTok's audit, TikTok only accepts private posts (Only me) — "
                            "choose SELF_ONLY, or mark the target as audited once it has passed")
        elif level not in info.privacy_levels:
            offered = ", ".join(info.privacy_levels) or "none"
            problems.append(f"TikTok does not offer '{level}' to this account (it offers {offered}) — choose one of those")
        return problems

    # -- publishing --------------------------------------------------------------------------

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        state = dict(package.upload_state)
        if state.get("done"):
            return self._result(state)
        problems = self.preflight(package)
        if problems:
            raise PublishError("TikTok would refuse this post: " + "; ".join(problems))
        with self._session() as api:
            if not state.get("publish_id"):
                self._init(api, package, state)
                save_state(dict(state))
            if not state.get("uploaded"):
                self._upload(package, state, progress, save_state)
            progress(90, "TikTok is processing the video")
            self._wait(api, state)
        state["done"] = True
        save_state(dict(state))
        note = " (private: Only me, until your TikTok app is audited)" if state.get("privacy_level") == PRIVATE else ""
        progress(100, ("Sent to your TikTok inbox" if self.mode == "inbox" else "Published on TikTok") + note)
        return self._result(state)

    def _init(self, api: NetworkSession, package: PostPackage, state: dict[str, Any]) -> None:
        size = package.video_path.stat().st_size
        chunk, count = chunk_plan(size, self.chunk_size)
        source = {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count}
        if self.mode == "inbox":
            data = self._post(api, "/v2/post/publish/inbox/video/init/", {"source_info": source}, "starting the upload")
        else:
            info = self.creator_info()
            level = self.privacy_level(info)
            post_info = {
                "title": package.text, "privacy_level": level,
                "disable_comment": info.comment_disabled or bool(self.options.get("disable_comment", False)),
                "disable_duet": info.duet_disabled or bool(self.options.get("disable_duet", False)),
                "disable_stitch": info.stitch_disabled or bool(self.options.get("disable_stitch", False)),
                "video_cover_timestamp_ms": 1000,
            }
            data = self._post(api, "/v2/post/publish/video/init/", {"post_info": post_info, "source_info": source},
                              "starting the post")
            state["privacy_level"] = level
        state.update(publish_id=data["publish_id"], upload_url=data["upload_url"], chunk=chunk, count=count, sent=0,
                     username=self.creator_info().username if self.mode != "inbox" else "")

    def _upload(self, package: PostPackage, state: dict[str, Any], progress: ProgressCallback, save_state: SaveState) -> None:
        size = package.video_path.stat().st_size
        ranges = chunk_ranges(size, state["chunk"], state["count"])
        with package.video_path.open("rb") as handle, httpx.Client(timeout=300) as http:
            for index in range(int(state.get("sent", 0)), len(ranges)):
                first, last = ranges[index]
                handle.seek(first)
                data = handle.read(last - first + 1)
                response = send(http, "PUT", state["upload_url"], PLATFORM, "uploading the video", content=data, headers={
                    "Content-Type": "video/mp4", "Content-Length": str(len(data)), "Content-Range": f"bytes {first}-{last}/{size}"})
                if response.status_code not in (200, 201, 206):
                    explain(PLATFORM, response.status_code, response.headers, response.content, action="uploading the video")
                state["sent"] = index + 1
                save_state(dict(state))
                progress(5 + 80 * (index + 1) // len(ranges), f"Uploading to TikTok: {index + 1}/{len(ranges)} chunks")
        state["uploaded"] = True
        save_state(dict(state))

    def _wait(self, api: NetworkSession, state: dict[str, Any]) -> None:
        for _ in range(self.poll_limit):
            data = self._post(api, "/v2/post/publish/status/fetch/", {"publish_id": state["publish_id"]}, "checking the post")
            status = data.get("status")
            if status == "PUBLISH_COMPLETE" or (self.mode == "inbox" and status == "SEND_TO_USER_INBOX"):
                ids = data.get("publicaly_available_post_id") or []
                if ids:
                    state["post_id"] = str(ids[0])
                return
            if status == "FAILED":
                reason = str(data.get("fail_reason") or "unknown")
                from .networks import hint_for

                raise PublishError(f"TikTok could not publish the video: {reason}", hint=hint_for(PLATFORM, reason, reason))
            self.sleep(3.0)
        raise TransientPublishError("TikTok is still processing the video", retry_after=120)

    def _result(self, state: dict[str, Any]) -> PublishResult:
        username = state.get("username") or self.tokens.details.get("username", "")
        profile = f"https://www.tiktok.com/@{username}"
        if state.get("post_id"):
            return PublishResult(state["post_id"], f"{profile}/video/{state['post_id']}")
        # A private (or inbox) post has no public id: the publish id names it, the profile shows it to its creator.
        return PublishResult(state["publish_id"], profile)

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = dict(package.upload_state)
        if state.get("done"):
            return self._result(state)
        if not state.get("publish_id"):
            return None  # nothing reached TikTok under a saved id
        try:
            with self._session() as api:
                data = self._post(api, "/v2/post/publish/status/fetch/", {"publish_id": state["publish_id"]}, "checking the post")
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"TikTok could not be asked about the earlier post: {exc}") from None
        if data.get("status") in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"):
            ids = data.get("publicaly_available_post_id") or []
            return self._result({**state, **({"post_id": str(ids[0])} if ids else {})})
        return None  # still uploading or processing: publish() continues the same publish id


# -- connecting ------------------------------------------------------------------------------


def _token_call(base: str, form: dict[str, str]) -> dict[str, Any]:
    try:
        with httpx.Client(timeout=30) as http:
            response = http.post(f"{base.rstrip('/')}/v2/oauth/token/", data=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    except httpx.HTTPError as exc:
        raise TransientPublishError(f"cannot reach TikTok's sign-in server: {type(exc).__name__}") from None
    data = response.json() if response.content else {}
    if response.status_code == 200 and data.get("access_token"):
        return data
    reason = data.get("error_description") or data.get("error") or f"HTTP {response.status_code}"
    if response.status_code >= 500:
        raise TransientPublishError(f"TikTok's sign-in server had an error: {reason}")
    raise NeedsReconnect(f"TikTok refused the sign-in: {reason}", hint="reconnect the account in Accounts")


def refresher(base: str, client_key: str) -> Callable[[dict[str, Any]], TokenSet]:
    def refresh(payload: dict[str, Any]) -> TokenSet:
        if not payload.get("refresh_token"):
            raise NeedsReconnect("the TikTok sign-in expired and cannot be refreshed")
        data = _token_call(base, {"client_key": client_key, "client_secret": payload.get("client_secret") or "",
                                  "grant_type": "refresh_token", "refresh_token": payload["refresh_token"]})
        return token_set(data, previous_refresh=payload["refresh_token"])
    return refresh


def connect(client_key: str, client_secret: str, *, accounts: Any, base_url: str, authorize_url: str = AUTHORIZE_URL,
            open_url: Callable[[str], Any] = webbrowser.open, port: int = 0, timeout: float = 300,
            cancel: threading.Event | None = None) -> Any:
    """Login Kit for Desktop: loopback redirect, PKCE (hex SHA-256), then the creator's profile."""
    if not client_key.strip() or not client_secret.strip():
        raise UserFixableError("TikTok needs your app's client key and client secret", hint="copy them from developers.tiktok.com")
    receiver = LoopbackReceiver(port)
    try:
        verifier = random_tokens.token_urlsafe(48)
        state = random_tokens.token_urlsafe(24)
        redirect = receiver.redirect_uri
        open_url(f"{authorize_url}?" + urlencode({
            "client_key": client_key, "scope": ",".join(SCOPES), "response_type": "code", "redirect_uri": redirect,
            "state": state, "code_challenge": code_challenge(verifier), "code_challenge_method": "S256"}))
        result = receiver.wait(timeout, cancel)
    finally:
        receiver.close()
    if result.get("error") or result.get("state") != state or not result.get("code"):
        reason = result.get("error_description") or result.get("error") or "the sign-in answer did not match"
        raise UserFixableError(f"TikTok did not grant access: {reason}", hint="connect again and allow access")
    data = _token_call(base_url, {"client_key": client_key, "client_secret": client_secret, "code": result["code"],
                                  "grant_type": "authorization_code", "redirect_uri": redirect, "code_verifier": verifier})
    tokens = token_set(data)
    with httpx.Client(timeout=30) as http:
        response = send(http, "GET", f"{base_url.rstrip('/')}/v2/user/info/", PLATFORM, "reading the profile",
                        tokens.access_token, params={"fields": "open_id,display_name,username"})
    explain(PLATFORM, response.status_code, response.headers, response.content, action="reading the profile")
    user = response.json()["data"]["user"]
    username = str(user.get("username") or user.get("display_name") or data.get("open_id"))
    view = accounts.upsert(PLATFORM, f"@{username}", remote_user_id=str(user.get("open_id") or data.get("open_id")),
                           token_expires_at=tokens.expires_at,
                           details={"client_key": client_key, "username": username, "scopes": str(data.get("scope", "")),
                                    "refreshable": True})
    save_tokens(view.id, tokens, client_secret)
    return view


def create(setup) -> TikTokPublisher:
    if setup.account_id is None or setup.accounts is None:
        raise PublishError(f"the target {setup.target_name} has no connected account", hint="choose one in Targets")
    publish = setup.settings.publish
    account = setup.accounts.get(setup.account_id)
    client_key = str((account.details if account else {}).get("client_key", ""))
    tokens = NetworkTokens(setup.account_id, setup.accounts, refresher=refresher(publish.tiktok_base_url, client_key))
    mode = str(setup.options.get("mode") or publish.tiktok_mode)
    return TikTokPublisher(tokens, base_url=publish.tiktok_base_url, mode=mode, options=dict(setup.options))
