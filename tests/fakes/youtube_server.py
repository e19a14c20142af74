"""A local YouTube Data API v3 for the endpoints the adapter uses.

Contract enforced (YouTube Data API docs: "Resumable uploads" guide, videos.insert,
thumbnails.set, captions.insert, channels.list, playlistItems.list):

- every call needs a valid bearer token, else 401 with Google's error body;
- starting a session (POST /upload/youtube/v3/videos?uploadType=resumable) needs
  X-Upload-Content-Length, a video/* or application/octet-stream X-Upload-Content-Type,
  a snippet.title of 1..100 characters without < or >, a description of ≤ 5000
  bytes in UTF-8 (https://developers.google.com/youtube/v3/docs/videos#snippet.description),
  and status.selfDeclaredMadeForKids; it answers 200 with the session URI in Location;
- videos.insert needs a youtube.upload (or youtube, youtube.force-ssl) scope, else 403
  insufficientPermissions;
- a session URI expires (``expire_sessions``): chunks and status queries answer 404;
- chunk PUTs carry Content-Range "bytes first-last/total": ``first`` must be the
  next byte the server expects, ``total`` the declared length, the body exactly
  last-first+1 bytes, and every chunk but the last a multiple of 256 KiB;
  unfinished sessions answer 308 with Range "bytes=0-N";
- "Content-Range: bytes */total" with an empty body asks for the status:
  308 + Range while incomplete, 200/201 with the video once complete;
- thumbnails and captions need a video the caller owns; a thumbnail is at most 2 MB
  (https://developers.google.com/youtube/v3/docs/thumbnails/set), else 413;
- playlistItems.insert needs a playlist of the channel and a video it owns.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

CHUNK_GRANULARITY = 256 * 1024


def google_error(status: int, message: str, reason: str, domain: str = "youtube.video") -> Response:
    return Response(
        status,
        {"error": {"code": status, "message": message, "errors": [{"message": message, "domain": domain, "reason": reason}]}},
    )


@dataclass
class Session:
    owner: str
    total: int
    resource: dict[str, Any]
    received: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


class FakeYouTube(FakeServer):
    def __init__(self, oauth: FakeOAuthServer, *, channel_id: str = "UCfake-channel", channel_title: str = "Nexus Test Channel") -> None:
        super().__init__()
        self.oauth = oauth
        self.channel_id = channel_id
        self.channel_title = channel_title
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.thumbnails: dict[str, int] = {}
        self.captions: dict[str, dict[str, Any]] = {}
        self.bytes_received = 0  # every media byte any chunk PUT carried, re-sends included
        self._ids = itertools.count(1)
        for prefix in ("/upload", "/resumable/upload"):
            self.route("POST", prefix + "/youtube/v3/videos", self._start)
            self.route("PUT", prefix + "/youtube/v3/videos", self._chunk)
            self.route("POST", prefix + "/youtube/v3/thumbnails/set", self._thumbnail)
            self.route("POST", prefix + "/youtube/v3/captions", self._caption)
        self.route("GET", "/youtube/v3/channels", self._channels)
        self.route("GET", "/youtube/v3/playlistItems", self._playlist_items)
        self.route("GET", "/youtube/v3/videos", self._videos_list)
        self.route("POST", "/youtube/v3/playlistItems", self._playlist_insert)
        self.playlists: dict[str, list[str]] = {"PLnexus-test": []}

    def _auth(self, req: Request) -> str | Response:
        subject = self.oauth.subject_of(req.bearer)
        if subject is None:
            return google_error(401, "Request had invalid authentication credentials.", "authError", "global")
        return subject

    # -- videos.insert, resumable ------------------------------------------------------------

    def _start(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if req.query.get("uploadType") != "resumable":
            return google_error(400, "Use the resumable protocol for videos", "badRequest", "global")
        if not {"https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube",
                "https://www.googleapis.com/auth/youtube.force-ssl"} & self.oauth.scopes_of(req.bearer):
            return google_error(403, "Request had insufficient authentication scopes.", "insufficientPermissions", "global")
        length = req.headers.get("x-upload-content-length", "")
        ctype = req.headers.get("x-upload-content-type", "")
        if not length.isdigit():
            return google_error(400, "X-Upload-Content-Length is required", "badRequest", "global")
        if not (ctype.startswith("video/") or ctype == "application/octet-stream"):
            return google_error(400, f"Media type '{ctype}' is not supported", "badContent")
        body = req.json() or {}
        snippet, status = body.get("snippet") or {}, body.get("status") or {}
        title = snippet.get("title", "")
        if not title or len(title) > 100 or re.search(r"[<>]", title):
            return google_error(400, "The request metadata specifies an invalid video title.", "invalidTitle")
        if len(snippet.get("description", "").encode("utf-8")) > 5000 or re.search(r"[<>]", snippet.get("description", "")):
            return google_error(400, "The request metadata specifies an invalid video description.", "invalidDescription")
        if "selfDeclaredMadeForKids" not in status:
            return google_error(400, "status.selfDeclaredMadeForKids must be set", "invalidVideoMetadata")
        if status.get("publishAt") and status.get("privacyStatus") != "private":
            return google_error(400, "publishAt needs privacyStatus private", "invalidPublishAt")
        upload_id = secrets.token_urlsafe(12)
        self.sessions[upload_id] = Session(who, int(length), body)
        location = f"{self.url}{req.path}?uploadType=resumable&upload_id={upload_id}"
        return Response(200, b"", {"Location": location})

    def _chunk(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        session = self.sessions.get(req.query.get("upload_id", ""))
        if session is None or session.owner != who:
            return Response(404, google_error(404, "upload session not found", "notFound").body)
        crange = req.headers.get("content-range", "")
        status_query = re.fullmatch(r"bytes \*/(\d+)", crange)
        if status_query:
            if int(status_query.group(1)) != session.total or req.body:
                return google_error(400, "bad status query", "badRequest", "global")
            return self._progress(session)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", crange)
        if not match:
            return google_error(400, f"invalid Content-Range '{crange}'", "badRequest", "global")
        first, last, total = map(int, match.groups())
        self.bytes_received += len(req.body)
        if total != session.total:
            return google_error(400, "Content-Range total differs from X-Upload-Content-Length", "badRequest", "global")
        if first != len(session.received):
            # A chunk out of order, or a re-send the server did not ask for.
            return google_error(400, f"expected the chunk starting at byte {len(session.received)}", "badRequest", "global")
        if len(req.body) != last - first + 1:
            return google_error(400, "chunk length differs from Content-Range", "badRequest", "global")
        if last + 1 < total and len(req.body) % CHUNK_GRANULARITY:
            return google_error(400, "chunks must be a multiple of 256 KiB", "badRequest", "global")
        session.received.extend(req.body)
        if len(session.received) == session.total:
            self._finish(session)
        return self._progress(session)

    def _progress(self, session: Session) -> Response:
        if session.video_id:
            return Response(200, self.videos[session.video_id])
        headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
        return Response(308, b"", headers)

    def _finish(self, session: Session) -> None:
        video_id = f"vid{next(self._ids):08d}"
        snippet = dict(session.resource.get("snippet") or {})
        snippet.update(channelId=self.channel_id, publishedAt="2026-11-24T10:00:00Z")
        self.videos[video_id] = {
            "kind": "youtube#video",
            "id": video_id,
            "snippet": snippet,
            "status": {**(session.resource.get("status") or {}), "uploadStatus": "uploaded"},
            "owner": session.owner,
            "size": len(session.received),
        }
        session.video_id = video_id

    def expire_sessions(self) -> None:
        """Upload sessions last about a week; after that the session URI is gone."""
        self.sessions = {k: v for k, v in self.sessions.items() if v.video_id}

    # -- thumbnails, captions ----------------------------------------------------------------

    def _owned_video(self, who: str, video_id: str) -> dict[str, Any] | None:
        video = self.videos.get(video_id or "")
        return video if video and video["owner"] == who else None

    def _thumbnail(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if self._owned_video(who, req.query.get("videoId", "")) is None:
            return google_error(404, "The video that you are trying to update cannot be found.", "videoNotFound")
        if not req.body:
            return google_error(400, "The request does not include the image content.", "mediaBodyRequired")
        if len(req.body) > 2 * 1024 * 1024:
            return google_error(413, "Media larger than: 2097152", "mediaBodyTooLarge", "global")
        self.thumbnails[req.query["videoId"]] = len(req.body)
        return Response(200, {"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "https://i.ytimg.com/x.jpg"}}]})

    def _caption(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        parts = req.multipart() if req.headers.get("content-type", "").startswith("multipart/") else {}
        metadata = _first_json(req)
        snippet = (metadata or {}).get("snippet") or {}
        if not snippet.get("videoId") or not snippet.get("language") or "name" not in snippet:
            return google_error(400, "snippet.videoId, snippet.language and snippet.name are required", "invalidMetadata", "youtube.caption")
        if self._owned_video(who, snippet["videoId"]) is None:
            return google_error(404, "The video identified by videoId could not be found.", "videoNotFound", "youtube.caption")
        caption_id = f"cap{next(self._ids):06d}"
        self.captions[caption_id] = {"snippet": snippet, "parts": len(parts)}
        return Response(200, {"kind": "youtube#caption", "id": caption_id, "snippet": snippet})

    # -- reads -------------------------------------------------------------------------------

    def _channels(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if req.query.get("mine") != "true":
            return google_error(400, "this fake only answers mine=true", "badRequest", "global")
        return Response(200, {"items": [{
            "id": self.channel_id,
            "snippet": {"title": self.channel_title},
            "contentDetails": {"relatedPlaylists": {"uploads": "UU" + self.channel_id[2:]}},
        }]})

    def _playlist_items(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        items = [
            {"snippet": {"title": v["snippet"]["title"], "publishedAt": v["snippet"]["publishedAt"],
                         "resourceId": {"kind": "youtube#video", "videoId": vid}}}
            for vid, v in reversed(list(self.videos.items())) if v["owner"] == who
        ]
        return Response(200, {"items": items[: int(req.query.get("maxResults", 5))]})

    def _playlist_insert(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        snippet = (req.json() or {}).get("snippet") or {}
        playlist, video = snippet.get("playlistId"), (snippet.get("resourceId") or {}).get("videoId", "")
        if playlist not in self.playlists:
            return google_error(404, "The playlist identified with the request's playlistId parameter cannot be found.",
                                "playlistNotFound")
        if self._owned_video(who, video) is None:
            return google_error(404, "The video that you are trying to add cannot be found.", "videoNotFound")
        self.playlists[playlist].append(video)
        return Response(200, {"kind": "youtube#playlistItem", "id": f"PLI{len(self.playlists[playlist])}", "snippet": snippet})

    def _videos_list(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        ids = req.query.get("id", "").split(",")
        return Response(200, {"items": [
            {k: v for k, v in self.videos[i].items() if k not in ("owner", "size")} for i in ids if i in self.videos
        ]})


def _first_json(req: Request) -> Any:
    ctype = req.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return req.json()
    if ctype.startswith("multipart/"):
        raw = f"Content-Type: {ctype}\r\n\r\n".encode() + req.body
        import email.parser
        import email.policy

        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        for part in message.iter_parts():
            if part.get_content_type() == "application/json":
                return json.loads(part.get_payload(decode=True))
    return None
