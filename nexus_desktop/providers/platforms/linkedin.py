"""LinkedIn: Videos API upload (initialize → parts → finalize), then a Posts API post.

Every /rest call sends ``LinkedIn-Version`` from settings (a version LinkedIn
sunsets after about a year; a constant in code broke a popular scheduler) and
``X-Restli-Protocol-Version: 2.0.0``. The video URN, the upload instructions and
each part's ETag are saved as they come, so a restart uploads only the missing
parts; reconciliation looks for a post by the author that carries the video.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from ...settings import PublishSettings
from .account_publisher import AccountPublisher
from .base import CannotKnow, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from . import preflight
from .descriptions.linkedin import DESCRIPTION, ORGANIZATION_SCOPE, VERSIONS
from .errors import raise_for_response
from .oauth import AccountTokens, ApiSession, Identity, tokens_for
from .versions import VersionInUse

log = logging.getLogger(__name__)

PLATFORM = "linkedin"
POLL_LIMIT = 30
# Little text format: every reserved character is escaped with a backslash, or LinkedIn may cut
# the post at it; a #word becomes a hashtag template, a bare # (as in "C#") is escaped.
RESERVED = frozenset("|{}@[]()<>#\\*_~")
TOKEN = re.compile(r"(?<![\w#])#(\w+)|(.)", re.DOTALL)


def identify(settings: PublishSettings, access_token: str) -> Identity:
    """The member a fresh token belongs to (OpenID Connect userinfo)."""
    with httpx.Client(timeout=30) as http:
        response = http.get(f"{settings.linkedin_base_url.rstrip('/')}/v2/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    raise_for_response(PLATFORM, response.status_code, response.headers, response.content, action="reading the profile")
    info = response.json()
    return Identity(info["sub"], info.get("name") or info["sub"], {"person_urn": f"urn:li:person:{info['sub']}"})


def commentary(text: str) -> str:
    """Post text in LinkedIn's little text format: reserved characters escaped, hashtags as templates."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "{hashtag|\\#|" + match.group(1) + "}"
        ch = match.group(2)
        return "\\" + ch if ch in RESERVED else ch

    return TOKEN.sub(one, text)


class LinkedInPublisher(AccountPublisher):
    display_name = "LinkedIn"
    platform = PLATFORM

    def __init__(
        self,
        settings: PublishSettings,
        tokens: AccountTokens,
        *,
        sleep: Callable[[float], None] = time.sleep,
        poll_limit: int = POLL_LIMIT,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.sleep = sleep
        self.poll_limit = poll_limit
        self.version = VersionInUse("LinkedIn", VERSIONS, settings.linkedin_version)
        self.accounts_notice = ""

    def _url(self, path: str) -> str:
        return f"{self.settings.linkedin_base_url.rstrip('/')}{path}"

    def _session(self) -> ApiSession:
        return _VersionedSession(self.tokens, self.version, self._notice)

    def _notice(self, text: str) -> None:
        """A version step: the log has it, the account shows it, and the post's progress says it."""
        self.accounts_notice = text
        self.tokens.accounts.update_details(self.tokens.account_id, api_notice=text)

    def author(self, package: PostPackage) -> str:
        """A person by default; a page when the target names ``author: urn:li:organization:…``."""
        author = package.options.get("author") or self.tokens.details.get("person_urn")
        if not author:
            raise PublishError("the LinkedIn account has no member id", hint="reconnect it in Accounts")
        granted = self.tokens.details.get("scopes")
        if str(author).startswith("urn:li:organization:") and granted is not None and ORGANIZATION_SCOPE not in granted:
            raise PublishError(
                f"posting as the page {author} needs LinkedIn's {ORGANIZATION_SCOPE} permission, which this "
                "account did not grant",
                hint="add the Community Management API product to your LinkedIn app, then reconnect the account "
                "with 'Also post as a company page' ticked",
            )
        return str(author)

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        self.refuse_before_upload(package)
        self.author(package)  # a page post without the page permission stops before the upload
        state = dict(package.upload_state)
        api = self._session()
        try:
            if not state.get("post_urn") and is_article(package):
                content = self._article(api, package, state, save_state)
                state["post_urn"] = self._create_post(api, package, content)
                save_state(dict(state))
            elif not state.get("post_urn"):
                if not state.get("finalized"):
                    self._upload(api, package, state, progress, save_state)
                self._wait_available(api, state["video"])
                state["post_urn"] = self._create_post(api, package, {"media": {"title": package.title, "id": state["video"]}})
                save_state(dict(state))
        finally:
            api.close()
        progress(100, f"Published on LinkedIn. {self.version.notice}".strip())
        return self._result(state["post_urn"])

    @staticmethod
    def _result(urn: str) -> PublishResult:
        return PublishResult(urn, f"https://www.linkedin.com/feed/update/{urn}/")

    def _upload(self, api: ApiSession, package: PostPackage, state: dict[str, Any], progress: ProgressCallback, save_state: SaveState) -> None:
        total = package.video_path.stat().st_size
        if not state.get("video"):
            request = {
                "initializeUploadRequest": {
                    "owner": self.author(package),
                    "fileSizeBytes": total,
                    "uploadCaptions": False,
                    "uploadThumbnail": bool(package.thumbnail_path),
                }
            }
            value = api.request("POST", self._url("/rest/videos"), params={"action": "initializeUpload"}, json=request,
                                action="starting the video upload").json()["value"]
            state.update(video=value["video"], instructions=value["uploadInstructions"], token=value.get("uploadToken", ""),
                         thumbnail_url=value.get("thumbnailUploadUrl"), etags={})
            save_state(dict(state))
        etags: dict[str, str] = dict(state.get("etags", {}))
        instructions = state["instructions"]
        with package.video_path.open("rb") as handle, httpx.Client(timeout=120) as uploads:
            for index, part in enumerate(instructions):
                if str(index) in etags:
                    continue
                handle.seek(part["firstByte"])
                chunk = handle.read(part["lastByte"] - part["firstByte"] + 1)
                etags[str(index)] = self._put(uploads, part["uploadUrl"], chunk)
                state["etags"] = etags
                save_state(dict(state))
                progress(min(85, len(etags) * 85 // len(instructions)), f"Uploading to LinkedIn: {len(etags)}/{len(instructions)} parts")
            if state.get("thumbnail_url") and package.thumbnail_path and not state.get("thumbnail_done"):
                self._put(uploads, state["thumbnail_url"], package.thumbnail_path.read_bytes())
                state["thumbnail_done"] = True
        finalize = {
            "finalizeUploadRequest": {
                "video": state["video"],
                "uploadToken": state.get("token", ""),
                "uploadedPartIds": [etags[str(i)] for i in range(len(instructions))],
            }
        }
        api.request("POST", self._url("/rest/videos"), params={"action": "finalizeUpload"}, json=finalize, action="finishing the upload")
        state["finalized"] = True
        save_state(dict(state))

    def _put(self, http: httpx.Client, url: str, data: bytes) -> str:
        """Upload URLs are pre-signed: no bearer token goes with the bytes."""
        try:
            response = http.put(url, content=data, headers={"Content-Type": "application/octet-stream"})
        except httpx.TransportError as exc:
            raise TransientPublishError(f"the LinkedIn upload was interrupted: {type(exc).__name__}") from None
        raise_for_response(PLATFORM, response.status_code, response.headers, response.content, action="uploading a video part")
        return response.headers.get("etag", "")

    def _wait_available(self, api: ApiSession, video: str) -> None:
        for _ in range(self.poll_limit):
            answer = api.request("GET", self._url(f"/rest/videos/{quote(video, safe='')}"), action="checking the video").json()
            status = answer.get("status")
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                state_reason = answer.get("processingFailureReason") or "no reason given"
                raise PublishError(f"LinkedIn could not process the video: {state_reason}",
                                   hint="check it is an H.264 MP4 of 3 s to 30 min, render it again and reschedule")
            self.sleep(2.0)
        raise TransientPublishError("LinkedIn is still processing the video", retry_after=60)

    def preflight(self, package: PostPackage) -> list[str]:
        """An article share carries no video, so only its text is checked."""
        if not is_article(package):
            return super().preflight(package)
        problems = preflight.check(package, replace(DESCRIPTION, video=None))
        if not package.link.startswith(("https://", "http://")):
            problems.append("an article share needs the article's web address; this job has none")
        return problems

    def _article(self, api: ApiSession, package: PostPackage, state: dict[str, Any], save_state: SaveState) -> dict[str, Any]:
        """The seed's article distribution: the source link with its title and the job's thumbnail."""
        if package.thumbnail_path and package.thumbnail_path.is_file() and not state.get("image"):
            value = api.request("POST", self._url("/rest/images"), params={"action": "initializeUpload"},
                                json={"initializeUploadRequest": {"owner": self.author(package)}},
                                action="starting the thumbnail upload").json()["value"]
            with httpx.Client(timeout=120) as uploads:
                self._put(uploads, value["uploadUrl"], package.thumbnail_path.read_bytes())
            state["image"] = value["image"]
            save_state(dict(state))
        article = {"source": package.link, "title": package.title[:400], "description": package.description[:4086]}
        if state.get("image"):
            article["thumbnail"] = state["image"]
        return {"article": article}

    def _create_post(self, api: ApiSession, package: PostPackage, content: dict[str, Any]) -> str:
        body = {
            "author": self.author(package),
            "commentary": commentary(package.text),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "content": content,
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        response = api.request("POST", self._url("/rest/posts"), json=body, action="creating the post")
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise PublishError("LinkedIn accepted the post but did not say its id")
        return urn

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = package.upload_state
        if state.get("post_urn"):
            return self._result(state["post_urn"])
        if not state.get("finalized") and not is_article(package):
            return None  # a post is only created after the video is finalized and saved
        api = self._session()
        try:
            answer = api.request(
                "GET", self._url("/rest/posts"), params={"q": "author", "author": self.author(package), "count": 20},
                action="listing recent posts",
            ).json()
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"LinkedIn could not be asked about the earlier post: {exc}") from None
        finally:
            api.close()
        for post in answer.get("elements", []):
            content = post.get("content") or {}
            if is_article(package):
                if (content.get("article") or {}).get("source") == package.link and \
                        post.get("commentary") == commentary(package.text):
                    return self._result(post["id"])
            elif (content.get("media") or {}).get("id") == state.get("video"):
                return self._result(post["id"])
        return None


def is_article(package: PostPackage) -> bool:
    """A target configured with ``share: article`` posts the source link instead of the video."""
    return str(package.options.get("share", "")).lower() == "article"


class _VersionedSession(ApiSession):
    """Every /rest call carries the version in use; a 426 steps to the next live version once."""

    def __init__(self, tokens: AccountTokens, version: VersionInUse, notice: Callable[[str], None]) -> None:
        super().__init__(PLATFORM, tokens)
        self.version = version
        self.notice = notice

    def request(self, method: str, url: str, *, action: str, auth_scheme: str = "Bearer", **kwargs: Any) -> httpx.Response:
        extra = kwargs.pop("headers", {})
        while True:
            headers = {**extra, "LinkedIn-Version": self.version.name, "X-Restli-Protocol-Version": "2.0.0"}
            response = self.send(method, url, action=action, auth_scheme=auth_scheme, headers=headers, **kwargs)
            if response.status_code == 426 and self.version.step():
                self.notice(self.version.notice)
                continue
            raise_for_response(PLATFORM, response.status_code, response.headers, response.content, action=action)
            return response


def create(setup) -> LinkedInPublisher:
    """Registry factory: a ``PublisherSetup`` → this adapter for the target's account."""
    tokens, accounts = tokens_for(setup)
    return LinkedInPublisher(setup.settings.publish, tokens)
