"""X: chunked video upload (API v2 media endpoints), then the post through tweepy.

tweepy covers creating posts and reading the timeline; it has no v2 media
upload, so INIT/APPEND/FINALIZE/STATUS go over httpx. Text longer than one post
becomes a thread, each reply to the one before. The media id, the segments sent
and every post id are saved as they happen, so a restart resumes the upload and
the thread without sending anything twice.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import requests
import tweepy

from .descriptions.x import comparable, cost_of, split_thread  # noqa: F401 (split_thread re-exported)
from ...settings import PublishSettings
from .account_publisher import AccountPublisher
from .base import CannotKnow, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .errors import raise_for_response
from .oauth import AccountTokens, ApiSession, Identity, tokens_for

log = logging.getLogger(__name__)
# tweepy logs request headers (the bearer token) at DEBUG; the redaction filter would blank it,
# but there is no reason to produce those lines at all.
logging.getLogger("tweepy").setLevel(logging.INFO)

PLATFORM = "x"
TWEEPY_HOST = "https://api.twitter.com"  # tweepy's fixed host; rewritten to the x_base_url setting
CHUNK_SIZE = 4 * 1024 * 1024  # APPEND segments must be ≤ 5 MB
POLL_LIMIT = 60


class _Rebase(requests.adapters.HTTPAdapter):
    """Sends tweepy's requests to the configured base URL instead of its built-in host."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        if request.url.startswith(TWEEPY_HOST):
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        return super().send(request, **kwargs)


def tweepy_client(settings: PublishSettings, access_token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=access_token)  # an OAuth 2.0 user token, sent as Bearer
    client.session.mount(TWEEPY_HOST, _Rebase(settings.x_base_url))
    return client


def identify(settings: PublishSettings, access_token: str) -> Identity:
    client = tweepy_client(settings, access_token)
    try:
        me = client.get_me(user_auth=False)
    except tweepy.HTTPException as exc:
        raise_for_response(PLATFORM, exc.response.status_code, exc.response.headers, exc.response.content, action="reading the account")
        raise
    finally:
        client.session.close()
    return Identity(str(me.data.id), f"@{me.data.username}", {"username": me.data.username})


class XPublisher(AccountPublisher):
    display_name = "X"
    platform = PLATFORM

    def __init__(
        self,
        settings: PublishSettings,
        tokens: AccountTokens,
        *,
        chunk_size: int = CHUNK_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        poll_limit: int = POLL_LIMIT,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.chunk_size = chunk_size
        self.sleep = sleep
        self.poll_limit = poll_limit

    def _url(self, path: str) -> str:
        return f"{self.settings.x_base_url.rstrip('/')}{path}"

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        self.refuse_before_upload(package)
        state = dict(package.upload_state)
        parts = split_thread(package.text)
        if not state.get("tweet_ids"):
            cost = cost_of(package)
            log.info("X: %s", cost)
            progress(0, f"Posting on X — {cost}")
        if not state.get("media_ready"):
            api = ApiSession(PLATFORM, self.tokens)
            try:
                self._upload(api, package, state, progress, save_state)
            finally:
                api.close()
        tweet_ids: list[str] = list(state.get("tweet_ids", []))
        for index in range(len(tweet_ids), len(parts)):
            tweet_id = self._post(
                parts[index],
                media_ids=[state["media_id"]] if index == 0 else None,
                reply_to=tweet_ids[-1] if tweet_ids else None,
            )
            tweet_ids.append(tweet_id)
            state["tweet_ids"] = tweet_ids
            save_state(dict(state))
            progress(95 + 5 * len(tweet_ids) // len(parts), f"Posted {len(tweet_ids)} of {len(parts)} on X")
        return self._result(tweet_ids[0])

    def _result(self, tweet_id: str) -> PublishResult:
        account = self.tokens.details.get("username") or "i"
        return PublishResult(tweet_id, f"https://x.com/{account}/status/{tweet_id}")

    # -- media -------------------------------------------------------------------------------

    def _upload(self, api: ApiSession, package: PostPackage, state: dict[str, Any], progress: ProgressCallback, save_state: SaveState) -> None:
        total = package.video_path.stat().st_size
        if not state.get("media_id"):
            answer = api.request(
                "POST", self._url("/2/media/upload/initialize"),
                json={"media_type": "video/mp4", "total_bytes": total, "media_category": "tweet_video"},
                action="starting the video upload",
            ).json()
            state.update(media_id=answer["data"]["id"], segments=0, finalized=False)
            save_state(dict(state))
        media_id = state["media_id"]
        segments = math.ceil(total / self.chunk_size)
        with package.video_path.open("rb") as handle:
            for index in range(int(state.get("segments", 0)), segments):
                handle.seek(index * self.chunk_size)
                chunk = handle.read(self.chunk_size)
                api.request(
                    "POST", self._url(f"/2/media/upload/{media_id}/append"),
                    files={"media": ("chunk", chunk, "application/octet-stream")},
                    data={"segment_index": str(index)},
                    action="uploading the video",
                )
                state["segments"] = index + 1
                save_state(dict(state))
                progress(min(85, (index + 1) * 85 // segments), f"Uploading to X: {(index + 1) * 100 // segments}%")
        if not state.get("finalized"):
            answer = api.request("POST", self._url(f"/2/media/upload/{media_id}/finalize"), action="finishing the upload").json()
            state["finalized"] = True
            save_state(dict(state))
            info = answer["data"].get("processing_info")
            if info:
                self._wait_processed(api, media_id, info, progress)
        else:
            self._wait_processed(api, media_id, {"state": "pending", "check_after_secs": 0}, progress)
        alt = str(package.options.get("alt_text") or package.title)[:1000]
        if alt and not state.get("alt_text_done"):
            try:
                api.request(
                    "POST", self._url("/2/media/metadata"),
                    json={"id": media_id, "metadata": {"alt_text": {"text": alt}}}, action="adding alt text",
                )
            except (PublishError, TransientPublishError) as exc:  # the video is up: post it without the description
                log.warning("X video %s is posted without alt text: %s", media_id, exc)
                progress(90, "X refused the video description (alt text); posting without it")
            state["alt_text_done"] = True
        state["media_ready"] = True
        save_state(dict(state))

    def _wait_processed(self, api: ApiSession, media_id: str, info: dict[str, Any], progress: ProgressCallback) -> None:
        for _ in range(self.poll_limit):
            if info.get("state") == "succeeded":
                return
            if info.get("state") == "failed":
                error = (info.get("error") or {}).get("message", "processing failed")
                raise PublishError(f"X could not process the video: {error}", hint="check it is H.264 MP4 ≤ 140 s")
            self.sleep(float(info.get("check_after_secs", 1)))
            progress(90, "X is processing the video")
            answer = api.request(
                "GET", self._url("/2/media/upload"), params={"command": "STATUS", "media_id": media_id},
                action="checking the video",
            ).json()
            info = answer["data"].get("processing_info") or {"state": "succeeded"}
        raise TransientPublishError("X is still processing the video", retry_after=60)

    # -- posts through tweepy ----------------------------------------------------------------

    def _tweepy(self, call: Callable[[tweepy.Client], Any], action: str) -> Any:
        token = self.tokens.access_token()
        for attempt in range(2):
            client = tweepy_client(self.settings, token)
            try:
                return call(client)
            except tweepy.Unauthorized:
                if attempt:
                    raise PublishError("X refused the account's sign-in after a refresh", hint="reconnect it") from None
                token = self.tokens.refresh(stale=token)
            except tweepy.HTTPException as exc:
                raise_for_response(PLATFORM, exc.response.status_code, exc.response.headers, exc.response.content, action=action)
                raise
            except requests.RequestException as exc:
                raise TransientPublishError(f"cannot reach X during {action}: {type(exc).__name__}") from None
            finally:
                client.session.close()
        raise AssertionError("unreachable")

    def _post(self, text: str, *, media_ids: list[str] | None, reply_to: str | None) -> str:
        response = self._tweepy(
            lambda c: c.create_tweet(text=text, media_ids=media_ids, in_reply_to_tweet_id=reply_to, user_auth=False),
            "creating the post",
        )
        return str(response.data["id"])

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = package.upload_state
        if state.get("tweet_ids"):
            return self._result(state["tweet_ids"][0])
        if not state.get("media_ready"):
            return None  # posts are created only after the media is ready and saved
        first = comparable(split_thread(package.text)[0])
        try:
            response = self._tweepy(
                lambda c: c.get_users_tweets(self.tokens.remote_user_id, max_results=20, user_auth=False),
                "reading recent posts",
            )
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"X could not be asked about the earlier post: {exc}") from None
        for tweet in response.data or []:
            if comparable(tweet.text) == first:
                return self._result(str(tweet.id))
        return None


def create(setup) -> XPublisher:
    """Registry factory: a ``PublisherSetup`` → this adapter for the target's account."""
    tokens, accounts = tokens_for(setup)
    return XPublisher(setup.settings.publish, tokens)
