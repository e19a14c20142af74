"""YouTube through google-api-python-client: resumable upload, thumbnail, captions.

The upload is a resumable videos.insert sent in chunks. After every acknowledged
chunk the session URI and the byte count go to ``save_state``; after a crash or
restart a new instance asks the session where it stands (an empty PUT with
``Content-Range: bytes */TOTAL`` answers 308 + ``Range``) and sends only the rest.

Quota: videos.insert draws on its own daily bucket (100 calls), everything else
on 10,000 units (captions.insert 400, thumbnails.set 50, lists 1); both reset at
midnight Pacific time. Units used are kept on the account and an upload that
would exceed them waits for the reset instead of failing halfway.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import googleapiclient
import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload, build_http

from ...settings import PublishSettings
from .account_publisher import AccountPublisher
from .accounts import Accounts
from .descriptions.youtube import EARLY_UPLOAD_MARGIN, SHORTS_MAX_SECONDS, THUMBNAIL_MAX_BYTES
from .base import CannotKnow, PostPackage, ProgressCallback, PublishError, PublishResult, SaveState, TransientPublishError
from .errors import raise_for_response, seconds_until_pacific_midnight
from .oauth import AccountTokens, Identity, tokens_for

log = logging.getLogger(__name__)

PLATFORM = "youtube"
CHUNK_SIZE = 8 * 256 * 1024  # resumable chunks must be multiples of 256 KiB
DAILY_UNITS = 10_000
DAILY_INSERTS = 100
COST = {"videos.insert": 0, "thumbnails.set": 50, "captions.insert": 400, "playlistItems.insert": 50, "list": 1}
TAGS_MAX_CHARS = 500


@lru_cache(maxsize=4)
def discovery_document(base_url: str) -> str:
    """The library's bundled YouTube v3 discovery document, pointed at ``base_url``."""
    cache = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "youtube.v3.json"
    doc = json.loads(cache.read_text(encoding="utf-8"))
    root = base_url.rstrip("/") + "/"
    doc["rootUrl"] = root
    doc["baseUrl"] = root + doc.get("servicePath", "")
    doc["mtlsRootUrl"] = root
    return json.dumps(doc)


def _naive_utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(timezone.utc) + timedelta(hours=1)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def build_service(settings: PublishSettings, credentials: Credentials, timeout: float = 120):
    """The client library's Resource over an authorized httplib2 (401 → refresh → retry once)."""
    inner = build_http()  # httplib2 without following 308: resumable uploads answer "308 Resume Incomplete"
    inner.timeout = timeout
    http = AuthorizedHttp(credentials, http=inner, max_refresh_attempts=1)
    service = build_from_document(discovery_document(settings.youtube_base_url), http=http)
    service.authorized_http = http
    return service


def identify(settings: PublishSettings, access_token: str) -> Identity:
    """The channel a fresh token belongs to (channels.list mine=true)."""
    service = build_service(settings, Credentials(token=access_token))
    try:
        answer = service.channels().list(part="snippet,contentDetails", mine=True).execute()
    except HttpError as exc:
        raise_for_response(PLATFORM, exc.resp.status, dict(exc.resp), exc.content, action="reading the channel")
        raise
    finally:
        service.close()
    items = answer.get("items") or []
    if not items:
        raise PublishError("this Google account has no YouTube channel", hint="create a channel, then connect again")
    channel = items[0]
    uploads = channel.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads", "")
    return Identity(channel["id"], channel["snippet"]["title"], {"uploads_playlist": uploads})


def shorts_note(package: PostPackage) -> str:
    """YouTube shows a vertical or square video of up to 3 minutes as a Short, by itself."""
    w, _, h = package.video_format.partition("x")
    upright = w.isdigit() and h.isdigit() and int(w) <= int(h)
    if not upright:
        return ""
    if package.video_duration <= SHORTS_MAX_SECONDS:
        return " (as a Short)"
    return f" (as a regular video: Shorts are at most {SHORTS_MAX_SECONDS // 60} minutes)"


def fit_thumbnail(path: Path) -> Path:
    """The thumbnail as YouTube takes it: at most 2 MB (descriptions/youtube.py), else re-encoded
    next to the original as a 1280x720-bounded JPEG of decreasing quality until it fits."""
    if path.stat().st_size <= THUMBNAIL_MAX_BYTES:
        return path
    from PIL import Image

    target = path.with_name(path.stem + ".youtube.jpg")
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((1280, 720))
        for quality in (90, 80, 70, 60, 50, 40):
            image.save(target, "JPEG", quality=quality, optimize=True)
            if target.stat().st_size <= THUMBNAIL_MAX_BYTES:
                break
    log.info("the thumbnail %s was %s bytes; sent as %s (%s bytes)", path.name, path.stat().st_size, target.name,
             target.stat().st_size)
    return target


def reconcile_marker(package: PostPackage) -> str:
    """A tag that names this post and nothing else, so crash recovery never mistakes another video
    with the same title for it. Tags are not shown to viewers; the API returns them."""
    return f"nxp{package.post_id}j{package.job_id}"


class _ChunkBytes(MediaIoBaseUpload):
    """Chunks as bytes, not a stream slice, so a chunk re-sent after a token refresh is whole."""

    def has_stream(self) -> bool:
        return False


class YouTubePublisher(AccountPublisher):
    display_name = "YouTube"
    platform = PLATFORM

    def __init__(
        self,
        settings: PublishSettings,
        tokens: AccountTokens,
        accounts: Accounts,
        *,
        chunk_size: int = CHUNK_SIZE,
        now=lambda: datetime.now(timezone.utc),
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.accounts = accounts
        self.chunk_size = chunk_size
        self._now = now

    # -- plumbing ----------------------------------------------------------------------------

    def _credentials(self) -> Credentials:
        def refresh(_request, scopes=None):
            token = self.tokens.refresh(stale=credentials.token)
            return token, _naive_utc(self.tokens._expires_at)

        credentials = Credentials(
            token=self.tokens.access_token(), expiry=_naive_utc(self.tokens._expires_at), refresh_handler=refresh
        )
        return credentials

    def _call(self, request, action: str) -> Any:
        try:
            return request.execute()
        except HttpError as exc:
            raise_for_response(PLATFORM, exc.resp.status, dict(exc.resp), exc.content, action=action)
            raise
        except (httplib2.HttpLib2Error, OSError) as exc:
            raise TransientPublishError(f"cannot reach YouTube during {action}: {type(exc).__name__}") from None

    # -- quota -------------------------------------------------------------------------------

    @property
    def project(self) -> str:
        """Google counts quota per Cloud project: the OAuth client id names it."""
        return self.tokens.client_id or f"account:{self.tokens.account_id}"

    def _quota(self) -> dict[str, Any]:
        day = self._now().astimezone(ZoneInfo("America/Los_Angeles")).date().isoformat()
        quota = dict(self.accounts.project_usage(PLATFORM, self.project) or {})
        if quota.get("day") != day:
            quota = {"day": day, "units": 0, "inserts": 0}
        return quota

    def quota_used(self) -> tuple[int, int]:
        """(units, inserts) used today, for the Accounts view."""
        quota = self._quota()
        return int(quota["units"]), int(quota["inserts"])

    def _spend(self, method: str) -> None:
        quota = self._quota()
        if method == "videos.insert":
            quota["inserts"] += 1
        else:
            quota["units"] += COST.get(method, COST["list"])
        self.accounts.record_project_usage(PLATFORM, self.project, quota)

    def _check_quota(self, package: PostPackage, state: dict[str, Any]) -> None:
        quota = self._quota()
        units = COST["list"] * 2
        if package.thumbnail_path and not state.get("thumbnail_done"):
            units += COST["thumbnails.set"]
        if package.captions_path and not state.get("captions_done"):
            units += COST["captions.insert"]
        if package.options.get("playlist_id") and not state.get("playlist_done"):
            units += COST["playlistItems.insert"]
        needs_insert = not state.get("session_uri") and not state.get("video_id")
        if needs_insert and quota["inserts"] + 1 > DAILY_INSERTS or quota["units"] + units > DAILY_UNITS:
            raise TransientPublishError(
                f"YouTube quota: {quota['units']} of {DAILY_UNITS} units and {quota['inserts']} of "
                f"{DAILY_INSERTS} uploads used today; this post needs {units} units",
                hint="it waits for the daily reset at midnight Pacific time",
                retry_after=seconds_until_pacific_midnight(self._now()),
            )

    # -- Publisher ---------------------------------------------------------------------------

    def _body(self, package: PostPackage) -> dict[str, Any]:
        options = package.options
        marker = reconcile_marker(package)
        tags, used = [marker], len(marker) + 1
        for tag in (t.lstrip("#") for t in package.hashtags):
            if tag and used + len(tag) + 1 <= TAGS_MAX_CHARS:
                tags.append(tag)
                used += len(tag) + 1
        status: dict[str, Any] = {
            "privacyStatus": options.get("privacy") or self.settings.youtube_privacy,
            "selfDeclaredMadeForKids": bool(options.get("made_for_kids", self.settings.youtube_made_for_kids)),
            # Altered or synthetic content disclosure: narrated with a synthetic voice and generated visuals.
            "containsSyntheticMedia": bool(options.get("synthetic_media", self.settings.youtube_synthetic_media)),
        }
        publish_at = options.get("publish_at")
        scheduled = package.scheduled_at
        if not publish_at and scheduled is not None and scheduled - self._now() > EARLY_UPLOAD_MARGIN:
            # Uploaded ahead of its time: private with a publish time, so YouTube publishes it on
            # time even when this computer is asleep.
            publish_at = scheduled.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if publish_at:
            status["publishAt"] = publish_at
            status["privacyStatus"] = "private"  # publishAt only works on private videos
        return {
            "snippet": {
                "title": package.title,
                "description": package.description,
                "tags": tags,
                "categoryId": str(options.get("category_id") or self.settings.youtube_category_id),
            },
            "status": status,
        }

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        self.refuse_before_upload(package)
        state = dict(package.upload_state)
        self._check_quota(package, state)
        credentials = self._credentials()
        service = build_service(self.settings, credentials)
        try:
            if not state.get("video_id"):
                video = self._upload(service, package, state, progress, save_state)
                state["video_id"] = video["id"]
                # As YouTube took it: the publish time is decided once, when the upload starts.
                state["publish_at"] = (video.get("status") or {}).get("publishAt") or ""
                save_state(dict(state))
                self._warn_if_locked(video, package)
            self._extras(service, package, state, save_state)
        finally:
            service.close()
        publish_at = state["publish_at"] if "publish_at" in state else self._body(package)["status"].get("publishAt")
        public_at = _moment(publish_at) if publish_at else None
        done = f"Uploaded to YouTube; it goes public at {publish_at}" if publish_at else "Published on YouTube"
        progress(100, f"{done}{shorts_note(package)}")
        return PublishResult(state["video_id"], self._result(state["video_id"]).url, public_at)

    @staticmethod
    def _result(video_id: str) -> PublishResult:
        return PublishResult(video_id, f"https://www.youtube.com/watch?v={video_id}")

    def _warn_if_locked(self, video: dict[str, Any], package: PostPackage) -> None:
        wanted = self._body(package)["status"]["privacyStatus"]
        got = (video.get("status") or {}).get("privacyStatus")
        if got and got != wanted:
            log.warning(
                "YouTube set video %s to %s instead of %s: videos uploaded through an unverified API project "
                "are locked private until Google verifies the project",
                video.get("id"), got, wanted,
            )

    def _session_status(self, service, uri: str, total: int) -> tuple[int, dict[str, Any] | None]:
        """Ask a resumable session how far it got: (bytes acknowledged, video when complete)."""
        headers = {"Content-Range": f"bytes */{total}", "Content-Length": "0"}
        try:
            resp, content = service.authorized_http.request(uri, "PUT", body=b"", headers=headers)
        except (httplib2.HttpLib2Error, OSError) as exc:
            raise TransientPublishError(f"cannot reach YouTube to resume the upload: {type(exc).__name__}") from None
        if resp.status in (200, 201):
            return total, json.loads(content)
        if resp.status == 308:
            ranges = resp.get("range")
            return (int(ranges.rsplit("-", 1)[1]) + 1 if ranges else 0), None
        if resp.status in (404, 410):
            return -1, None  # the session expired: start a new one
        raise_for_response(PLATFORM, resp.status, dict(resp), content, action="resuming the upload")
        raise AssertionError("unreachable")

    def _upload(self, service, package: PostPackage, state: dict[str, Any], progress: ProgressCallback, save_state: SaveState) -> dict[str, Any]:
        total = package.video_path.stat().st_size
        with package.video_path.open("rb") as handle:
            media = _ChunkBytes(handle, mimetype="video/mp4", chunksize=self.chunk_size, resumable=True)
            request = service.videos().insert(part="snippet,status", body=self._body(package), media_body=media)
            uri = state.get("session_uri")
            if uri and state.get("total") == total:
                acknowledged, video = self._session_status(service, uri, total)
                if video is not None:
                    return video
                if acknowledged >= 0:
                    request.resumable_uri = uri
                    request.resumable_progress = acknowledged
                    log.info("resuming the YouTube upload at byte %s of %s", acknowledged, total)
            if request.resumable_uri is None:
                state.pop("session_uri", None)
                self._spend("videos.insert")
            response = None
            while response is None:
                try:
                    _status, response = request.next_chunk()
                except HttpError as exc:
                    raise_for_response(PLATFORM, exc.resp.status, dict(exc.resp), exc.content, action="the video upload")
                    raise
                except (httplib2.HttpLib2Error, OSError) as exc:
                    raise TransientPublishError(f"the YouTube upload was interrupted: {type(exc).__name__}") from None
                state.update(session_uri=request.resumable_uri, total=total, acknowledged=request.resumable_progress)
                save_state(dict(state))
                done = total if response is not None else request.resumable_progress
                progress(min(95, int(done * 95 / max(total, 1))), f"Uploading to YouTube: {done * 100 // max(total, 1)}%")
            return response

    def _extras(self, service, package: PostPackage, state: dict[str, Any], save_state: SaveState) -> None:
        """Thumbnail and captions: a permanent refusal is logged, not fatal, since the video is up."""
        video_id = state["video_id"]
        if package.thumbnail_path and not state.get("thumbnail_done"):
            thumb = fit_thumbnail(package.thumbnail_path)
            mime = "image/png" if thumb.suffix.lower() == ".png" else "image/jpeg"
            with thumb.open("rb") as handle:
                request = service.thumbnails().set(videoId=video_id, media_body=MediaIoBaseUpload(handle, mimetype=mime))
                self._optional(request, "setting the thumbnail", "thumbnails.set")
            state["thumbnail_done"] = True
            save_state(dict(state))
        if package.captions_path and not state.get("captions_done"):
            body = {"snippet": {"videoId": video_id, "language": package.options.get("language", "en"), "name": "", "isDraft": False}}
            with package.captions_path.open("rb") as handle:
                media = MediaIoBaseUpload(handle, mimetype="application/octet-stream")
                request = service.captions().insert(part="snippet", body=body, media_body=media)
                self._optional(request, "uploading captions", "captions.insert")
            state["captions_done"] = True
            save_state(dict(state))
        playlist = package.options.get("playlist_id")
        if playlist and not state.get("playlist_done"):
            body = {"snippet": {"playlistId": str(playlist), "resourceId": {"kind": "youtube#video", "videoId": video_id}}}
            self._optional(service.playlistItems().insert(part="snippet", body=body), "adding it to the playlist",
                           "playlistItems.insert")
            state["playlist_done"] = True
            save_state(dict(state))

    def _optional(self, request, action: str, method: str) -> None:
        self._spend(method)
        try:
            self._call(request, action)
        except PublishError as exc:
            log.warning("YouTube video is up, but %s failed: %s", action, exc)

    # -- reconciliation ----------------------------------------------------------------------

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        state = package.upload_state
        if state.get("video_id"):
            return self._result(state["video_id"])
        try:
            service = build_service(self.settings, self._credentials())
            try:
                if state.get("session_uri"):
                    acknowledged, video = self._session_status(service, state["session_uri"], int(state.get("total") or 0))
                    if video is not None:
                        return self._result(video["id"])
                    if acknowledged >= 0:
                        return None  # the session is alive and unfinished: no video exists yet
                return self._search_uploads(service, package)
            finally:
                service.close()
        except (TransientPublishError, PublishError) as exc:
            raise CannotKnow(f"YouTube could not be asked about the earlier upload: {exc}") from None

    def _search_uploads(self, service, package: PostPackage) -> PublishResult | None:
        account = self.accounts.get(self.tokens.account_id)
        playlist = (account.details if account else {}).get("uploads_playlist")
        if not playlist:
            channels = self._call(service.channels().list(part="contentDetails", mine=True), "reading the channel")
            self._spend("list")
            playlist = channels["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
        items = self._call(service.playlistItems().list(part="snippet", playlistId=playlist, maxResults=25), "listing uploads")
        self._spend("list")
        ids = [(i.get("snippet") or {}).get("resourceId", {}).get("videoId") for i in items.get("items", [])]
        ids = [i for i in ids if i]
        if not ids:
            return None
        # The title is no proof (a creator may reuse one): the marker tag this post's upload carried is.
        videos = self._call(service.videos().list(part="snippet", id=",".join(ids)), "reading recent uploads")
        self._spend("list")
        marker = reconcile_marker(package)
        for video in videos.get("items", []):
            if marker in ((video.get("snippet") or {}).get("tags") or []):
                return self._result(video["id"])
        return None


def create(setup) -> YouTubePublisher:
    """Registry factory: a ``PublisherSetup`` → this adapter for the target's account."""
    tokens, accounts = tokens_for(setup)
    return YouTubePublisher(setup.settings.publish, tokens, accounts)


def _moment(rfc3339: str) -> datetime | None:
    """A publishAt time as a datetime (None if it does not read as one)."""
    try:
        moment = datetime.fromisoformat(rfc3339)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
