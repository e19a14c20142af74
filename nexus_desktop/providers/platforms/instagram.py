"""Instagram Reels through the Graph API content publishing flow.

Create a REELS media container (from a public ``video_url`` when the target has
one, else a resumable upload of the local file to the rupload host), poll its
``status_code`` until FINISHED, then ``media_publish``. The container id and the
bytes the upload host acknowledged are saved after each step, so a restart
continues where it stopped and a crash never publishes twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ...domain.errors import NexusError
from ...settings import PublishSettings
from . import instagram_feed, preflight
from .account_publisher import AccountPublisher
from .base import CannotKnow, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .description import TextRules
from .descriptions.graph import VERSIONS
from .descriptions.instagram import CAROUSEL_MAX, DESCRIPTION, STORY_VIDEO
from .errors import raise_for_response
from .oauth import AccountTokens, ApiSession, Identity, api_version, tokens_for
from .public_links import PublicLinks, bucket_links
from .versions import VersionInUse

log = logging.getLogger(__name__)

PLATFORM = "instagram"
CHUNK_SIZE = 4 * 1024 * 1024
POLL_SECONDS = 5.0
POLL_LIMIT = 60  # five minutes of processing, then retry later from the saved container


def _graph(settings: PublishSettings) -> str:
    return f"{settings.instagram_base_url.rstrip('/')}/{api_version(PLATFORM, settings)}"


def identify(settings: PublishSettings, access_token: str) -> Identity:
    """The Instagram professional account linked to the signed-in user's Page."""
    import httpx

    with httpx.Client(timeout=30) as http:
        response = http.get(
            f"{_graph(settings)}/me/accounts",
            params={"fields": "id,name,instagram_business_account{id,username}"},
            headers={"Authorization": f"Bearer {access_token}"},
        )
    raise_for_response(PLATFORM, response.status_code, response.headers, response.content, action="reading the account")
    for page in response.json().get("data", []):
        ig = page.get("instagram_business_account")
        if ig:
            return Identity(ig["id"], ig.get("username") or page.get("name", ig["id"]), {"page_id": page["id"]})
    raise PublishError(
        "no Instagram Business or Creator account is linked to your Facebook Pages",
        hint="switch Instagram to a professional account and link it to a Page, then connect again",
    )


def caption_of(package: PostPackage) -> str:
    """The caption with the hashtags not already in it appended."""
    text = package.text.strip()
    present = {t.lower() for t in preflight.HASHTAG.findall(text)}
    extra = [f"#{t.lstrip('#')}" for t in package.hashtags if f"#{t.lstrip('#')}".lower() not in present]
    return f"{text}\n\n{' '.join(extra)}" if extra else text


class InstagramPublisher(AccountPublisher):
    display_name = "Instagram"
    platform = PLATFORM

    def __init__(
        self,
        settings: PublishSettings,
        tokens: AccountTokens,
        *,
        chunk_size: int = CHUNK_SIZE,
        poll_seconds: float = POLL_SECONDS,
        poll_limit: int = POLL_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
        links: PublicLinks | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.links = links  # the Sync bucket's presigned links, for feed images
        self.chunk_size = chunk_size
        self.poll_seconds = poll_seconds
        self.poll_limit = poll_limit
        self.sleep = sleep
        self.version = VersionInUse("Instagram (Graph API)", VERSIONS, settings.instagram_api_version)
        self._last_status = ""

    @property
    def user_id(self) -> str:
        return str(self.tokens.remote_user_id)

    def _g(self) -> str:
        return f"{self.settings.instagram_base_url.rstrip('/')}/{self.version.name}"

    def _session(self) -> ApiSession:
        return _GraphSession(self.tokens, self.version)

    def _check_publishing_limit(self, api: ApiSession) -> None:
        """Instagram allows 50 API-published posts per account in a rolling 24 hours: read the
        usage first, and wait instead of uploading a reel that cannot be published."""
        answer = api.request("GET", f"{self._g()}/{self.user_id}/content_publishing_limit",
                             params={"fields": "quota_usage,config"}, action="reading the publishing limit").json()
        data = (answer.get("data") or [{}])[0]
        used = int(data.get("quota_usage") or 0)
        total = int((data.get("config") or {}).get("quota_total") or 50)
        if used >= total:
            raise TransientPublishError(
                f"Instagram allows {total} posts through the API in 24 hours and this account used {used}",
                hint="the post waits and is retried in an hour", retry_after=3600,
            )

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        self.refuse_before_upload(package)
        state = dict(package.upload_state)
        api = self._session()
        try:
            if not state.get("media_id"):
                if state.get("container_id") and self._status(api, state["container_id"]) == "EXPIRED":
                    # Containers live 24 hours: a retry after that makes a new one instead of failing.
                    log.info("Instagram container %s expired; creating a new one", state["container_id"])
                    progress(0, "The upload Instagram kept for 24 hours expired; uploading again")
                    state = {k: v for k, v in state.items() if k not in _CONTAINER_KEYS}
                    save_state(dict(state))
                if not state.get("container_id"):
                    self._check_publishing_limit(api)
                    self._create_container(api, package, state, save_state)
                if state.get("upload_uri") and state.get("uploaded", 0) < package.video_path.stat().st_size:
                    self._upload(api, package, state, progress, save_state)
                self._wait_until_finished(api, state["container_id"], progress)
                answer = api.request(
                    "POST", f"{self._g()}/{self.user_id}/media_publish",
                    data={"creation_id": state["container_id"]}, action="publishing the reel",
                ).json()
                state["media_id"] = answer["id"]
                save_state(dict(state))
            result = self._result(api, state["media_id"])
        finally:
            api.close()
        if self.version.notice:
            self.tokens.accounts.update_details(self.tokens.account_id, api_notice=self.version.notice)
        progress(100, f"Published on Instagram. {self.version.notice}".strip())
        return result

    def preflight(self, package: PostPackage) -> list[str]:
        """Reels and Stories by their video specs; a feed post by its caption and its images."""
        kind = kind_of(package)
        if kind == "story":
            return preflight.check(package, replace(DESCRIPTION, video=STORY_VIDEO, text=TextRules(None)))
        if kind != "feed":
            return super().preflight(package)
        problems = preflight.check(package, replace(DESCRIPTION, video=None))
        urls = image_urls(package)
        if not urls and self.links is None:
            problems.append("an Instagram feed post needs its images at public addresses (Instagram fetches them), and no "
                            "bucket is set up in Settings → Sync to give the thumbnail one — set up a bucket, or post a Reel instead")
        elif not urls:
            problems.extend(instagram_feed.problems(package.thumbnail_path))
        elif len(urls) > CAROUSEL_MAX:
            problems.append(f"an Instagram carousel holds at most {CAROUSEL_MAX} images; this post has {len(urls)}")
        return problems

    def _feed_urls(self, package: PostPackage) -> list[str]:
        """The images the target names, else the thumbnail through a short-lived link from the bucket."""
        urls = image_urls(package)
        if urls or self.links is None or package.thumbnail_path is None:
            return urls
        image = instagram_feed.jpeg_of(package.thumbnail_path)
        try:
            return [self.links.link(image, f"instagram-{package.post_id}-{image.stat().st_size}.jpg")]
        except NexusError as exc:
            raise TransientPublishError(f"the Sync bucket could not hold the image for Instagram: {exc}",
                                        hint="check Settings → Sync; it is retried later") from None

    def _create_feed_container(self, api: ApiSession, package: PostPackage) -> str:
        urls = self._feed_urls(package)
        if len(urls) == 1:
            params = {"image_url": urls[0], "caption": caption_of(package)}
        else:
            children = [
                api.request("POST", f"{self._g()}/{self.user_id}/media", data={"image_url": url, "is_carousel_item": "true"},
                            action="adding an image to the carousel").json()["id"]
                for url in urls
            ]
            params = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption_of(package)}
        return api.request("POST", f"{self._g()}/{self.user_id}/media", data=params, action="creating the post").json()["id"]

    def _create_container(self, api: ApiSession, package: PostPackage, state: dict[str, Any], save_state: SaveState) -> None:
        options = package.options
        kind = kind_of(package)
        if kind == "feed":
            state.update(container_id=self._create_feed_container(api, package), upload_uri=None, uploaded=0)
            save_state(dict(state))
            return
        params: dict[str, Any] = {
            "media_type": "REELS",
            "caption": caption_of(package),
            "share_to_feed": "true" if options.get("share_to_feed", True) else "false",
        }
        if kind == "story":
            params = {"media_type": "STORIES"}  # a story has no caption
        if kind == "story":
            pass
        elif options.get("cover_url"):
            params["cover_url"] = options["cover_url"]
        elif options.get("thumb_offset_ms") is not None:
            params["thumb_offset"] = str(int(options["thumb_offset_ms"]))
        if options.get("video_url"):
            params["video_url"] = options["video_url"]  # e.g. a presigned URL from the S3 sync
        else:
            params["upload_type"] = "resumable"
        answer = api.request("POST", f"{self._g()}/{self.user_id}/media", data=params, action="creating the reel").json()
        state.update(container_id=answer["id"], upload_uri=answer.get("uri"), uploaded=0)
        save_state(dict(state))

    def _server_offset(self, api: ApiSession, uri: str) -> int:
        """How many bytes the upload host holds: after a lost acknowledgement the app's own count is stale."""
        answer = api.request("GET", uri, auth_scheme="OAuth", action="asking how much of the video arrived").json()
        return int(answer.get("file_offset") or answer.get("offset") or 0)

    def _upload(self, api: ApiSession, package: PostPackage, state: dict[str, Any], progress: ProgressCallback, save_state: SaveState) -> None:
        total = package.video_path.stat().st_size
        if state.get("upload_attempted"):
            offset = self._server_offset(api, state["upload_uri"])
            if offset != int(state.get("uploaded", 0)):
                log.info("Instagram holds %s bytes, the app counted %s; resuming from the server's offset",
                         offset, state.get("uploaded", 0))
        else:
            offset = int(state.get("uploaded", 0))
            state["upload_attempted"] = True
            save_state(dict(state))
        state["uploaded"] = offset
        with package.video_path.open("rb") as handle:
            while offset < total:
                handle.seek(offset)
                chunk = handle.read(self.chunk_size)
                api.request(
                    "POST", state["upload_uri"], content=chunk, auth_scheme="OAuth",
                    headers={"offset": str(offset), "file_size": str(total), "Content-Type": "application/octet-stream"},
                    action="uploading the video",
                )
                offset += len(chunk)
                state["uploaded"] = offset
                save_state(dict(state))
                progress(min(90, offset * 90 // total), f"Uploading to Instagram: {offset * 100 // total}%")

    def _status(self, api: ApiSession, container_id: str) -> str:
        answer = api.request(
            "GET", f"{self._g()}/{container_id}", params={"fields": "status_code,status"}, action="checking the reel"
        ).json()
        self._last_status = str(answer.get("status") or "")
        return str(answer.get("status_code", ""))

    def _wait_until_finished(self, api: ApiSession, container_id: str, progress: ProgressCallback) -> None:
        for _ in range(self.poll_limit):
            status = self._status(api, container_id)
            if status == "FINISHED":
                return
            if status == "EXPIRED":
                raise TransientPublishError("the upload Instagram kept expired before processing finished",
                                            hint="it is uploaded again", retry_after=1)
            if status == "ERROR":
                raise PublishError(
                    f"Instagram could not process the video: {self._last_status or 'container error'}",
                    hint="check the video meets the Reels specs (H.264, AAC, 3 s to 15 min) and schedule it again",
                )
            progress(92, "Instagram is processing the video")
            self.sleep(self.poll_seconds)
        raise TransientPublishError("Instagram is still processing the video", retry_after=60)

    def _result(self, api: ApiSession, media_id: str) -> PublishResult:
        answer = api.request("GET", f"{self._g()}/{media_id}", params={"fields": "permalink"}, action="reading the reel").json()
        return PublishResult(media_id, answer.get("permalink") or f"https://www.instagram.com/{media_id}")

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = package.upload_state
        if not state.get("media_id") and not state.get("container_id"):
            return None  # media_publish is only called with a saved container
        api = self._session()
        try:
            if state.get("media_id"):
                return self._result(api, state["media_id"])
            if self._status(api, state["container_id"]) != "PUBLISHED":
                return None
            listing = api.request(
                "GET", f"{self._g()}/{self.user_id}/media", params={"fields": "id,caption,permalink", "limit": 25},
                action="listing recent posts",
            ).json()
            caption = caption_of(package)
            for media in listing.get("data", []):
                if media.get("caption") == caption:
                    return PublishResult(media["id"], media.get("permalink", ""))
            raise CannotKnow("Instagram says the reel was published but it is not among the recent posts")
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"Instagram could not be asked about the earlier upload: {exc}") from None
        finally:
            api.close()


def kind_of(package: PostPackage) -> str:
    """What the target posts: "reel" (default), "story" (the video as a Story) or "feed" (images)."""
    kind = str(package.options.get("kind") or "reel").lower()
    return kind if kind in ("reel", "story", "feed") else "reel"


def image_urls(package: PostPackage) -> list[str]:
    return [str(u) for u in package.options.get("image_urls") or [] if str(u).startswith(("https://", "http://"))]


_CONTAINER_KEYS = ("container_id", "upload_uri", "uploaded", "upload_attempted")
_VERSION_CODES = {12, 2635}  # "deprecated" answers of the Graph API


class _GraphSession(ApiSession):
    """Graph calls carry the version in the path; a "version deprecated" answer steps once."""

    def __init__(self, tokens: AccountTokens, version: VersionInUse) -> None:
        super().__init__(PLATFORM, tokens)
        self.version = version

    def request(self, method: str, url: str, *, action: str, auth_scheme: str = "Bearer", **kwargs: Any):
        headers = kwargs.pop("headers", {})
        while True:
            response = self.send(method, url, action=action, auth_scheme=auth_scheme, headers=dict(headers), **kwargs)
            old = self.version.name
            if _version_refused(response) and f"/{old}/" in url and self.version.step():
                url = url.replace(f"/{old}/", f"/{self.version.name}/", 1)
                continue
            raise_for_response(PLATFORM, response.status_code, response.headers, response.content, action=action)
            return response


def _version_refused(response) -> bool:
    if response.status_code < 400:
        return False
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return False
    message = str(error.get("message", "")).lower()
    return error.get("code") in _VERSION_CODES or ("deprecated" in message and "version" in message)


def create(setup) -> InstagramPublisher:
    """Registry factory: a ``PublisherSetup`` → this adapter for the target's account."""
    tokens, accounts = tokens_for(setup)
    feed = str((setup.options or {}).get("kind") or "").lower() == "feed"
    links = bucket_links(setup.settings, setup.paths.data / ".sync" / "uploads") if feed else None
    return InstagramPublisher(setup.settings.publish, tokens, links=links)
