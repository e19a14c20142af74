"""Facebook Pages: a Reel on a Page the creator manages, through the Graph API's Video API.

The creator signs in with Facebook Login (a 60-day user token, re-extended like
Instagram's). For each post the app asks ``/me/accounts`` for the Page's access token;
a Page where the person lacks the CREATE_CONTENT task is refused before anything is
uploaded. Publishing starts a reel upload session (``video_reels`` upload_phase=start),
sends the file to the ``upload_url`` it returns (rupload, resumable from the offset the
server reports), finishes with ``video_state=PUBLISHED`` and the description, then
polls the video until Facebook reports it published. The video id is saved before the
bytes go up, and the finish step is skipped when Facebook already publishes it, so a
restart never creates a second reel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from ...settings import PublishSettings
from . import preflight
from .base import CannotKnow, NeedsReconnect, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .networks import explain, send
from .oauth import AccountTokens, ApiSession, Identity, api_version, tokens_for

log = logging.getLogger(__name__)

PLATFORM = "facebook"
CHUNK = 8 * 1024 * 1024
POLL_LIMIT = 60


def graph_url(settings: PublishSettings) -> str:
    return f"{settings.facebook_base_url.rstrip('/')}/{api_version(PLATFORM, settings)}"


def _pages(http: httpx.Client, graph: str, user_token: str) -> list[dict[str, Any]]:
    response = send(http, "GET", f"{graph}/me/accounts", PLATFORM, "listing your Pages", user_token,
                    params={"fields": "id,name,access_token,tasks", "limit": "100"})
    explain(PLATFORM, response.status_code, response.headers, response.content, action="listing your Pages")
    return list(response.json().get("data") or [])


def identify(settings: PublishSettings, access_token: str) -> Identity:
    """The signed-in person and the Pages they manage (their tokens stay out of the database)."""
    graph = graph_url(settings)
    with httpx.Client(timeout=30) as http:
        response = send(http, "GET", f"{graph}/me", PLATFORM, "reading the profile", access_token, params={"fields": "id,name"})
        explain(PLATFORM, response.status_code, response.headers, response.content, action="reading the profile")
        me = response.json()
        pages = [{"id": p["id"], "name": p.get("name", p["id"]), "tasks": p.get("tasks", [])} for p in _pages(http, graph, access_token)]
    postable = [p for p in pages if "CREATE_CONTENT" in p["tasks"]]
    if not postable:
        raise PublishError("you cannot post to any Facebook Page with this sign-in",
                           hint="you need the 'Create content' task on a Page; ask its admin, then connect again")
    return Identity(str(me["id"]), f"{postable[0]['name']} ({me.get('name', '')})", {"pages": pages, "page_id": postable[0]["id"]})


class FacebookPublisher:
    platform = PLATFORM
    display_name = "Facebook"

    def __init__(self, settings: PublishSettings, tokens: AccountTokens, *, page_id: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, poll_limit: int = POLL_LIMIT) -> None:
        self.settings = settings
        self.tokens = tokens
        self.graph = graph_url(settings)
        self.page_id = str(page_id or tokens.details.get("page_id") or "")
        self.sleep = sleep
        self.poll_limit = poll_limit
        self._page_token: str | None = None
        self._page_name = ""

    def refresh_credentials(self) -> None:
        self.tokens.access_token()

    def preflight(self, package: PostPackage) -> list[str]:
        problems = preflight.check(package)
        found = preflight.probe(package.video_path) if package.video_path.is_file() else None
        if found and found.width and found.height and (found.width < 540 or found.height < 960):
            problems.append(f"the video is {found.width}x{found.height}; Facebook Reels need at least 540x960 — "
                            "render the 9:16 format at a larger size")
        return problems

    # -- the Page's token --------------------------------------------------------------------

    def page_token(self, *, fresh: bool = False) -> str:
        if self._page_token and not fresh:
            return self._page_token
        api = ApiSession(PLATFORM, self.tokens)
        try:
            data = api.request("GET", f"{self.graph}/me/accounts", action="listing your Pages",
                               params={"fields": "id,name,access_token,tasks", "limit": "100"}).json().get("data") or []
        finally:
            api.close()
        page = next((p for p in data if str(p.get("id")) == self.page_id or (not self.page_id and "CREATE_CONTENT" in p.get("tasks", []))), None)
        if page is None:
            raise PublishError(f"the connected Facebook account does not manage the Page {self.page_id or ''}".rstrip(),
                               hint="choose a Page it manages on the target, or reconnect with the right account")
        if "CREATE_CONTENT" not in page.get("tasks", []):
            raise PublishError(f"your Facebook sign-in cannot post to the Page '{page.get('name', page['id'])}': "
                               "you do not have the 'Create content' task on it",
                               hint="ask a Page admin for the Create content task (Page settings → Page access), or choose another Page")
        self.page_id, self._page_name, self._page_token = str(page["id"]), str(page.get("name", "")), str(page["access_token"])
        return self._page_token

    def _call(self, method: str, url: str, action: str, **kwargs: Any) -> dict[str, Any]:
        """A call with the Page token; a refused one is fetched again once from the user token."""
        for attempt in range(2):
            with httpx.Client(timeout=300) as http:
                response = send(http, method, url, PLATFORM, action, self.page_token(fresh=attempt > 0), token_in="query", **kwargs)
            try:
                explain(PLATFORM, response.status_code, response.headers, response.content, action=action)
            except NeedsReconnect:
                if attempt == 0:
                    continue
                raise
            return response.json() if response.content else {}
        raise AssertionError("unreachable")

    # -- publishing --------------------------------------------------------------------------

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        state = dict(package.upload_state)
        if state.get("done"):
            return self._result(state)
        problems = self.preflight(package)
        if problems:
            raise PublishError("Facebook would refuse this reel: " + "; ".join(problems))
        self.page_token()  # a Page the sign-in cannot post to stops here, before any upload
        if not state.get("video_id"):
            started = self._call("POST", f"{self.graph}/{self.page_id}/video_reels", "starting the reel upload",
                                 data={"upload_phase": "start"})
            state.update(video_id=str(started["video_id"]), upload_url=started["upload_url"], page_id=self.page_id)
            save_state(dict(state))
        status = self._status(state["video_id"])
        if not state.get("uploaded"):
            self._upload(package, state, int(status.get("uploading_phase", {}).get("bytes_transferred") or 0), progress, save_state)
            status = self._status(state["video_id"])
        if (status.get("publishing_phase") or {}).get("status") not in ("complete", "in_progress"):
            progress(92, "Publishing the reel on Facebook")
            self._call("POST", f"{self.graph}/{self.page_id}/video_reels", "publishing the reel", data={
                "upload_phase": "finish", "video_id": state["video_id"], "video_state": "PUBLISHED",
                "description": package.text, "title": package.title})
        state["finished"] = True
        save_state(dict(state))
        self._wait_published(state["video_id"])
        state["done"] = True
        save_state(dict(state))
        progress(100, f"Published on Facebook{f' ({self._page_name})' if self._page_name else ''}")
        return self._result(state)

    def _status(self, video_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"{self.graph}/{video_id}", "checking the reel", params={"fields": "status"}).get("status") or {})

    def _upload(self, package: PostPackage, state: dict[str, Any], offset: int, progress: ProgressCallback, save_state: SaveState) -> None:
        total = package.video_path.stat().st_size
        with package.video_path.open("rb") as handle, httpx.Client(timeout=300) as http:
            while offset < total:
                handle.seek(offset)
                chunk = handle.read(CHUNK)
                for attempt in range(2):  # a refused Page token is fetched again once from the user token
                    response = send(http, "POST", state["upload_url"], PLATFORM, "uploading the reel", content=chunk, headers={
                        "Authorization": f"OAuth {self.page_token(fresh=attempt > 0)}", "offset": str(offset),
                        "file_size": str(total), "Content-Type": "application/octet-stream"})
                    if response.status_code != 401 or attempt:
                        break
                explain(PLATFORM, response.status_code, response.headers, response.content, action="uploading the reel")
                offset += len(chunk)
                progress(5 + 80 * offset // total, f"Uploading to Facebook: {offset * 100 // total}%")
        state["uploaded"] = True
        save_state(dict(state))

    def _wait_published(self, video_id: str) -> None:
        for _ in range(self.poll_limit):
            status = self._status(video_id)
            if status.get("video_status") == "error":
                raise PublishError("Facebook could not process the reel", hint="it needs an MP4 in H.264, 3–90 s, 9:16")
            if (status.get("publishing_phase") or {}).get("status") == "complete":
                return
            self.sleep(3.0)
        raise TransientPublishError("Facebook is still processing the reel", retry_after=120)

    @staticmethod
    def _result(state: dict[str, Any]) -> PublishResult:
        return PublishResult(state["video_id"], f"https://www.facebook.com/reel/{state['video_id']}")

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = dict(package.upload_state)
        if state.get("done"):
            return self._result(state)
        if not state.get("video_id"):
            return None  # no reel was started under a saved id
        try:
            status = self._status(state["video_id"])
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"Facebook could not be asked about the earlier reel: {exc}") from None
        if (status.get("publishing_phase") or {}).get("status") == "complete":
            return self._result(state)
        return None  # publish() continues the same reel


def create(setup) -> FacebookPublisher:
    tokens, _ = tokens_for(setup)
    return FacebookPublisher(setup.settings.publish, tokens, page_id=setup.options.get("page_id"))
