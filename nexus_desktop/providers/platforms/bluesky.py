"""Bluesky: the AT Protocol through the ``atproto`` SDK, with an app password.

Publishing signs in to the account's PDS (``createSession``), asks the PDS for a
service-auth token for the video service (``getServiceAuth``, audience the PDS's
did:web, method ``com.atproto.repo.uploadBlob``), uploads the video to the video
service (``app.bsky.video.uploadVideo``), polls ``getJobStatus`` until it holds the
processed blob, then writes an ``app.bsky.feed.post`` record that embeds it. The
record key is chosen and saved before the record is written, so after a crash the
app asks the PDS for that exact record instead of posting again. Text is limited
to 300 graphemes; links and hashtags become facets with UTF-8 byte offsets.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import regex
from atproto import Client
from atproto_client.exceptions import AtProtocolError, NetworkError, RequestErrorBase, UnauthorizedError

from ...domain.errors import UserFixableError
from . import preflight
from .base import CannotKnow, NeedsReconnect, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .networks import HINTS, NetworkTokens, explain, send
from .oauth import TokenSet, load_secret_payload, save_tokens

log = logging.getLogger(__name__)

PLATFORM = "bluesky"
DEFAULT_PDS = "https://bsky.social"
DEFAULT_VIDEO_SERVICE = "https://video.bsky.app"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
LINK = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")
TAG = re.compile(r"(?<![\w#&])#([^\s#.,;:!?()\[\]\"']*[^\d\s#.,;:!?()\[\]\"'][^\s#.,;:!?()\[\]\"']*)")
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def graphemes(text: str) -> int:
    """What a reader sees as characters: an emoji with modifiers counts once."""
    return len(regex.findall(r"\X", text))


def facets(text: str) -> list[dict[str, Any]]:
    """Links and hashtags as richtext facets, indexed by UTF-8 byte offsets."""
    def span(start: int, end: int) -> dict[str, int]:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    found = [{"index": span(*m.span()), "features": [{"$type": "app.bsky.richtext.facet#link", "uri": m.group(0)}]}
             for m in LINK.finditer(text)]
    links = [(m.start(), m.end()) for m in LINK.finditer(text)]
    for m in TAG.finditer(text):
        if any(a <= m.start() < b for a, b in links) or len(m.group(1)) > 64:
            continue
        found.append({"index": span(*m.span()), "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}]})
    return sorted(found, key=lambda f: f["index"]["byteStart"])


def new_rkey(now: float | None = None) -> str:
    """A record key in the TID format (microseconds since 1970, then a random clock id, base32-sortable)."""
    value = (int((now or time.time()) * 1_000_000) << 10) | random.getrandbits(10)
    out = ""
    for _ in range(13):
        out = TID_CHARS[value & 31] + out
        value >>= 5
    return out


def _reason(exc: AtProtocolError) -> tuple[int | None, str, str]:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    error = str(getattr(content, "error", "") or "")
    message = str(getattr(content, "message", "") or "")
    return getattr(response, "status_code", None), error, message


def translate(exc: AtProtocolError, doing: str) -> Exception:
    status, error, message = _reason(exc)
    said = f": {message or error}" if message or error else ""
    if isinstance(exc, NetworkError) and status in (None, 502):
        return TransientPublishError(f"cannot reach Bluesky during {doing}", hint="it is retried later")
    if status == 429 or error == "RateLimitExceeded":
        return TransientPublishError(f"Bluesky is rate limiting {doing}{said}", hint="it will be retried later", retry_after=300)
    if status is not None and status >= 500:
        return TransientPublishError(f"Bluesky had a server error ({status}) during {doing}{said}", retry_after=120)
    if isinstance(exc, UnauthorizedError) or status == 401 or error in ("AuthenticationRequired", "InvalidToken", "ExpiredToken"):
        return NeedsReconnect(f"Bluesky refused the sign-in during {doing}{said}",
                              hint=HINTS[PLATFORM]["AuthenticationRequired"])
    return PublishError(f"Bluesky refused {doing}{said}", hint=HINTS[PLATFORM].get(error, ""))


class BlueskyPublisher:
    platform = PLATFORM
    display_name = "Bluesky"

    def __init__(self, tokens: NetworkTokens, *, video_service: str = DEFAULT_VIDEO_SERVICE,
                 sleep: Callable[[float], None] = time.sleep, poll_limit: int = 150) -> None:
        self.tokens = tokens
        self.video_service = video_service.rstrip("/")
        self.sleep = sleep
        self.poll_limit = poll_limit
        self.pds = str(tokens.details.get("pds") or DEFAULT_PDS).rstrip("/")
        self.handle = str(tokens.details.get("handle") or "")
        self._client: Client | None = None

    # -- signing in ------------------------------------------------------------------------

    def _signed_in(self) -> Client:
        """A session made from the app password (kept in the keyring)."""
        if self._client is None:
            self.tokens.access_token()  # refuses an account marked "needs reconnecting"
            password = load_secret_payload(self.tokens.account_id).get("client_secret")
            if not password:
                self.tokens.fail("its app password is missing from the keyring")
            api = Client(base_url=self.pds)
            try:
                api.login(self.handle, password, fetch_bsky_profile=False)
            except AtProtocolError as exc:
                api.request.close()
                error = translate(exc, "signing in")
                if isinstance(error, NeedsReconnect):
                    self.tokens.fail("Bluesky refused the app password; create a new one and reconnect")
                raise error from None
            self._client = api
        return self._client

    def _call(self, doing: str, work: Callable[[Client], Any]) -> Any:
        for attempt in range(2):
            api = self._signed_in()
            try:
                return work(api)
            except AtProtocolError as exc:
                error = translate(exc, doing)
                if isinstance(error, NeedsReconnect) and attempt == 0:
                    self.close()  # the session may have been revoked: sign in again once
                    continue
                if isinstance(error, NeedsReconnect):
                    self.tokens.fail(error.message)
                raise error from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._client is not None:
            self._client.request.close()
            self._client = None

    def refresh_credentials(self) -> None:
        self._signed_in()

    # -- checks ------------------------------------------------------------------------------

    def preflight(self, package: PostPackage) -> list[str]:
        problems = preflight.check(package)
        count = graphemes(package.text)
        if count > MAX_GRAPHEMES:
            problems.append(f"the text is {count} characters; Bluesky allows {MAX_GRAPHEMES} — shorten it in the preview")
        elif len(package.text.encode()) > MAX_BYTES:
            problems.append(f"the text is {len(package.text.encode())} bytes; Bluesky allows {MAX_BYTES} — shorten it")
        return problems

    # -- publishing --------------------------------------------------------------------------

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        try:
            return self._publish(package, progress, save_state)
        finally:
            self.close()

    def _publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        state = dict(package.upload_state)
        if state.get("uri"):
            return self._result(state)
        problems = self.preflight(package)
        if problems:
            raise PublishError("Bluesky would refuse this post: " + "; ".join(problems))
        if not state.get("blob"):
            if not state.get("job_id"):
                progress(5, "Uploading to Bluesky's video service")
                state["job_id"] = self._upload(package)
                save_state(dict(state))
            progress(50, "Bluesky is processing the video")
            state["blob"] = self._wait_job(state["job_id"])
            save_state(dict(state))
        if not state.get("rkey"):
            state["rkey"] = new_rkey()
            save_state(dict(state))
        existing = self._get_record(state["rkey"])
        if existing is None:
            progress(90, "Posting on Bluesky")
            created = self._call("the post", lambda api: api.com.atproto.repo.create_record(
                {"repo": self.tokens.remote_user_id, "collection": "app.bsky.feed.post", "rkey": state["rkey"],
                 "record": self._record(package, state["blob"])}))
            existing = str(created.uri)
        state["uri"] = existing
        save_state(dict(state))
        progress(100, "Published on Bluesky")
        return self._result(state)

    def _record(self, package: PostPackage, blob: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post", "text": package.text,
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "embed": {"$type": "app.bsky.embed.video", "video": blob, "alt": package.title[:1000]},
        }
        width, height = (int(n) for n in package.video_format.split("x")) if "x" in package.video_format else (16, 9)
        record["embed"]["aspectRatio"] = {"width": width, "height": height}
        if found := facets(package.text):
            record["facets"] = found
        return record

    def _service_token(self, aud: str, lxm: str) -> str:
        answer = self._call("asking for a video upload token", lambda api: api.com.atproto.server.get_service_auth(
            {"aud": aud, "lxm": lxm, "exp": int(time.time()) + 30 * 60}))
        return str(answer.token)

    def _upload(self, package: PostPackage) -> str:
        did = self.tokens.remote_user_id
        limits_token = self._service_token(f"did:web:{urlparse(self.video_service).hostname}", "app.bsky.video.getUploadLimits")
        with httpx.Client(timeout=300) as http:
            limits = send(http, "GET", f"{self.video_service}/xrpc/app.bsky.video.getUploadLimits", PLATFORM,
                          "checking the video limits", limits_token)
            explain(PLATFORM, limits.status_code, limits.headers, limits.content, action="checking the video limits")
            info = limits.json()
            if not info.get("canUpload", True):
                reason = info.get("message") or info.get("error") or "the account cannot upload videos now"
                raise PublishError(f"Bluesky will not take a video from this account now: {reason}",
                                   hint=HINTS[PLATFORM].get(str(info.get("error")), "try again tomorrow"))
            token = self._service_token(f"did:web:{urlparse(self.pds).hostname}", "com.atproto.repo.uploadBlob")
            response = send(http, "POST", f"{self.video_service}/xrpc/app.bsky.video.uploadVideo", PLATFORM,
                            "the video upload", token, params={"did": did, "name": f"nexus-{package.post_id}.mp4"},
                            content=package.video_path.read_bytes(), headers={"Content-Type": "video/mp4"})
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code == 409 and body.get("jobId"):
            return str(body["jobId"])  # the service already has this video: continue its job
        explain(PLATFORM, response.status_code, response.headers, response.content, action="the video upload")
        status = body.get("jobStatus") or body
        return str(status["jobId"])

    def _wait_job(self, job_id: str) -> dict[str, Any]:
        with httpx.Client(timeout=60) as http:
            for _ in range(self.poll_limit):
                response = send(http, "GET", f"{self.video_service}/xrpc/app.bsky.video.getJobStatus", PLATFORM,
                                "checking the video", params={"jobId": job_id})
                explain(PLATFORM, response.status_code, response.headers, response.content, action="checking the video")
                job = response.json()["jobStatus"]
                if job.get("state") == "JOB_STATE_COMPLETED" and job.get("blob"):
                    return dict(job["blob"])
                if job.get("state") == "JOB_STATE_FAILED":
                    raise PublishError(f"Bluesky could not process the video: {job.get('message') or job.get('error')}",
                                       hint="check it is an MP4 under 3 minutes and 100 MB")
                self.sleep(2.0)
        raise TransientPublishError("Bluesky is still processing the video", retry_after=120)

    def _get_record(self, rkey: str) -> str | None:
        try:
            api = self._signed_in()
            found = api.com.atproto.repo.get_record({"repo": self.tokens.remote_user_id, "collection": "app.bsky.feed.post", "rkey": rkey})
            return str(found.uri)
        except AtProtocolError as exc:
            status, error, _ = _reason(exc)
            if isinstance(exc, RequestErrorBase) and status == 400 and error == "RecordNotFound":
                return None
            raise translate(exc, "looking for the post") from None

    def _result(self, state: dict[str, Any]) -> PublishResult:
        return PublishResult(state["uri"], f"https://bsky.app/profile/{self.handle}/post/{state['rkey']}")

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = dict(package.upload_state)
        if state.get("uri"):
            return self._result(state)
        if not state.get("rkey"):
            return None  # the record is only written under a key saved beforehand
        try:
            uri = self._get_record(state["rkey"])
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"Bluesky could not be asked about the earlier post: {exc}") from None
        finally:
            self.close()
        return self._result({**state, "uri": uri}) if uri else None


def connect(handle: str, app_password: str, *, accounts: Any, pds: str = DEFAULT_PDS) -> Any:
    """Check the app password by signing in, then store the account (the password goes to the keyring)."""
    handle = handle.strip().lstrip("@")
    if not handle or not app_password.strip():
        raise UserFixableError("a Bluesky handle and an app password are needed", hint="create an app password in Bluesky's settings")
    api = Client(base_url=pds.rstrip("/"))
    try:
        session = api._get_and_set_session(handle, app_password.strip())  # noqa: SLF001 (login() minus the profile fetch)
    except AtProtocolError as exc:
        raise translate(exc, "signing in") from None
    finally:
        api.request.close()
    view = accounts.upsert(PLATFORM, f"@{session.handle}", remote_user_id=session.did, token_expires_at=None,
                           details={"handle": session.handle, "pds": pds.rstrip("/"), "refreshable": True})
    save_tokens(view.id, TokenSet(session.access_jwt, session.refresh_jwt, None), app_password.strip())
    return view


def create(setup) -> BlueskyPublisher:
    if setup.account_id is None or setup.accounts is None:
        raise PublishError(f"the target {setup.target_name} has no connected account", hint="choose one in Targets")
    accounts = setup.accounts
    return BlueskyPublisher(NetworkTokens(setup.account_id, accounts), video_service=setup.settings.publish.bluesky_video_url)
