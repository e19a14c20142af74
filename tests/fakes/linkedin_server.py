"""A local LinkedIn Community Management API: Videos API and Posts API.

Contract enforced (Microsoft Learn, LinkedIn Marketing docs: "Videos API"
initializeUpload / finalizeUpload, "Posts API" create and find by author,
"LinkedIn API versioning"; OpenID Connect userinfo):

- /rest calls need a valid bearer token (401 with serviceErrorCode 65600 otherwise),
  a ``LinkedIn-Version`` header naming a version that is live on the server's date —
  released, and before its sunset date on https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations
  (426 NONEXISTENT_VERSION otherwise) — and ``X-Restli-Protocol-Version: 2.0.0``;
- posting as a member needs w_member_social, as an organization w_organization_social
  (403 ACCESS_DENIED otherwise), per the Posts API permissions table;
- after finalizeUpload a video is PROCESSING for a few status reads, then AVAILABLE
  (or PROCESSING_FAILED); a post with a video that is not AVAILABLE is refused;
- an article post (content.article) needs an http(s) source and a title; its thumbnail
  must be an image uploaded through the Images API (initializeUpload, then PUT);
- commentary is little text format (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format):
  an unescaped reserved character ``| { } @ [ ] ( ) < > # \\ * _ ~`` outside a template ends
  the text there, as LinkedIn truncates it; ``rendered`` holds what members would read.
- initializeUpload needs owner and fileSizeBytes and answers with uploadInstructions
  (firstByte/lastByte/uploadUrl, 4 MiB parts) and an uploadToken;
- every part is PUT to its upload URL with exactly its byte range; the answer
  carries an ETag;
- finalizeUpload needs the video, the uploadToken and uploadedPartIds equal to the
  parts' ETags in order;
- a post needs author, commentary ≤ 3000 characters, visibility, distribution,
  lifecycleState, and a video that was finalized; it answers 201 with x-restli-id.
"""

from __future__ import annotations

import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import unquote

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

PART_SIZE = 4 * 1024 * 1024
# Marketing versions: released (first of the month) and sunset, as on the migrations page.
SUNSETS = {
    "202506": date(2026, 6, 15), "202507": date(2026, 7, 15), "202508": date(2026, 8, 17),
    "202509": date(2026, 9, 15), "202510": date(2026, 10, 15), "202511": date(2026, 11, 16),
    "202601": date(2027, 1, 15), "202602": date(2027, 2, 15), "202603": date(2027, 3, 16),
    "202604": date(2027, 4, 15), "202605": date(2027, 5, 15), "202606": date(2027, 6, 15),
    "202607": date(2027, 7, 15),
}
RESERVED = set("|{}@[]()<>#\\*_~")
TEMPLATE = re.compile(r"\{hashtag\|\\#\|(\w+)\}")


def render_little_text(text: str) -> str:
    """What LinkedIn shows for a commentary: escapes undone, hashtag templates as #tags, and the
    text cut at the first reserved character that is neither escaped nor part of a template."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        template = TEMPLATE.match(text, i)
        if template:
            out.append("#" + template.group(1))
            i = template.end()
            continue
        if ch in RESERVED:
            break
        out.append(ch)
        i += 1
    return "".join(out)


def version_live(version: str, on: date) -> bool:
    sunset = SUNSETS.get(version[:6])
    if sunset is None:
        return False
    released = date(int(version[:4]), int(version[4:6]), 1)
    return released <= on < sunset


def li_error(status: int, message: str, code: int | None = None, extra: dict | None = None) -> Response:
    body = {"status": status, "message": message}
    if code is not None:
        body["serviceErrorCode"] = code
    body.update(extra or {})
    return Response(status, body)


@dataclass
class Video:
    owner: str
    size: int
    token: str
    parts: list[tuple[int, int]]
    etags: dict[int, str] = field(default_factory=dict)
    finalized: bool = False
    status: str = "WAITING_UPLOAD"
    polls_left: int = 0


class FakeLinkedIn(FakeServer):
    def __init__(self, oauth: FakeOAuthServer, *, person_id: str = "abc123XYZ", name: str = "Mara Lindqvist",
                 today: date | None = None) -> None:
        super().__init__()
        self.today = today or datetime.now(timezone.utc).date()
        self.processing_polls = 1  # status reads answered PROCESSING after finalize
        self.fail_processing = False
        self.admin_of = {"urn:li:organization:5515715"}  # pages the member administers
        self.oauth = oauth
        self.person_id = person_id
        self.name = name
        self.videos: dict[str, Video] = {}
        self.posts: dict[str, dict] = {}
        self.versions_seen: list[str] = []
        self.bytes_received = 0
        self._ids = itertools.count(1)
        self.route("POST", r"/rest/videos", self._videos_action)
        self.route("GET", r"/rest/videos/(?P<urn>[^/]+)", self._video)
        self.route("PUT", r"/upload/(?P<video>[^/]+)/(?P<part>\d+)", self._part)
        self.route("PUT", r"/upload-image/(?P<image>[^/]+)", self._image_put)
        self.route("POST", r"/rest/posts", self._post)
        self.route("GET", r"/rest/posts", self._find_posts)
        self.route("GET", r"/v2/userinfo", self._userinfo)
        self.route("POST", r"/rest/images", self._images_action)
        self.images: dict[str, int] = {}  # image URN -> bytes uploaded (0 until the PUT)

    def _rest(self, req: Request) -> str | Response:
        subject = self.oauth.subject_of(req.bearer)
        if subject is None:
            return li_error(401, "Invalid access token", 65600)
        version = req.headers.get("linkedin-version", "")
        self.versions_seen.append(version)
        if not version:
            return li_error(400, "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                            extra={"code": "VERSION_MISSING"})
        if not re.fullmatch(r"\d{6}(\.\d{2})?", version) or not version_live(version, self.today):
            return li_error(426, f"Requested version {version} is not active", extra={"code": "NONEXISTENT_VERSION"})
        if req.headers.get("x-restli-protocol-version") != "2.0.0":
            return li_error(400, "X-Restli-Protocol-Version 2.0.0 is required")
        return subject

    def _videos_action(self, req: Request) -> Response:
        who = self._rest(req)
        if isinstance(who, Response):
            return who
        action = req.query.get("action")
        body = req.json() or {}
        if action == "initializeUpload":
            init = body.get("initializeUploadRequest") or {}
            if not init.get("owner") or not isinstance(init.get("fileSizeBytes"), int):
                return li_error(422, "owner and fileSizeBytes are required", 100)
            size = init["fileSizeBytes"]
            urn_id = f"D4D10AQ{next(self._ids):06d}"
            parts = [(start, min(start + PART_SIZE, size) - 1) for start in range(0, size, PART_SIZE)]
            token = secrets.token_hex(6) if len(parts) > 1 else ""
            self.videos[urn_id] = Video(who, size, token, parts)
            instructions = [
                {"uploadUrl": f"{self.url}/upload/{urn_id}/{i}?sig={secrets.token_hex(4)}", "firstByte": a, "lastByte": b}
                for i, (a, b) in enumerate(parts)
            ]
            value = {"video": f"urn:li:video:{urn_id}", "uploadInstructions": instructions, "uploadToken": token,
                     "uploadUrlsExpireAt": 1999999999000}
            if init.get("uploadThumbnail"):
                value["thumbnailUploadUrl"] = f"{self.url}/upload/{urn_id}/9999?sig=thumb"
            return Response(200, {"value": value})
        if action == "finalizeUpload":
            fin = body.get("finalizeUploadRequest") or {}
            video = self.videos.get(str(fin.get("video", "")).removeprefix("urn:li:video:"))
            if video is None or video.owner != who:
                return li_error(404, "video not found")
            if fin.get("uploadToken", None) != video.token:
                return li_error(400, "uploadToken does not match")
            expected = [video.etags.get(i) for i in range(len(video.parts))]
            if None in expected or fin.get("uploadedPartIds") != expected:
                return li_error(400, "uploadedPartIds must list every part's ETag in order")
            video.finalized, video.status, video.polls_left = True, "PROCESSING", self.processing_polls
            return Response(200, b"")
        return li_error(400, f"unknown action {action}")

    def _images_action(self, req: Request) -> Response:
        who = self._rest(req)
        if isinstance(who, Response):
            return who
        init = (req.json() or {}).get("initializeUploadRequest") or {}
        if req.query.get("action") != "initializeUpload" or not init.get("owner"):
            return li_error(422, "initializeUploadRequest.owner is required", 100)
        image_id = f"D4E10AQ{next(self._ids):06d}"
        self.images[f"urn:li:image:{image_id}"] = 0
        return Response(200, {"value": {"uploadUrl": f"{self.url}/upload-image/{image_id}?sig=img",
                                        "image": f"urn:li:image:{image_id}", "uploadUrlExpiresAt": 1999999999000}})

    def _image_put(self, req: Request, image: str) -> Response:
        urn = f"urn:li:image:{image}"
        if urn not in self.images or "sig" not in req.query:
            return li_error(403, "upload URL not valid")
        self.images[urn] = len(req.body)
        return Response(201, b"", {"ETag": "img"})

    def _part(self, req: Request, video: str, part: str) -> Response:
        v = self.videos.get(video)
        if v is None or "sig" not in req.query:
            return li_error(403, "upload URL not valid")
        index = int(part)
        if index == 9999:
            return Response(201, b"", {"ETag": "thumb"})
        first, last = v.parts[index]
        self.bytes_received += len(req.body)
        if len(req.body) != last - first + 1:
            return li_error(400, f"part {index} must be bytes {first}-{last}")
        etag = f"/ambry-video/{secrets.token_hex(6)}"
        v.etags[index] = etag
        return Response(201, b"", {"ETag": etag})

    def _video(self, req: Request, urn: str) -> Response:
        who = self._rest(req)
        if isinstance(who, Response):
            return who
        video = self.videos.get(unquote(urn).removeprefix("urn:li:video:"))
        if video is None:
            return li_error(404, "video not found")
        if video.status == "PROCESSING":
            if video.polls_left <= 0:
                video.status = "PROCESSING_FAILED" if self.fail_processing else "AVAILABLE"
            video.polls_left -= 1
        body = {"id": unquote(urn), "status": video.status}
        if video.status == "PROCESSING_FAILED":
            body["processingFailureReason"] = "Video format is not supported"
        return Response(200, body)

    def _post(self, req: Request) -> Response:
        who = self._rest(req)
        if isinstance(who, Response):
            return who
        body = req.json() or {}
        missing = [k for k in ("author", "commentary", "visibility", "distribution", "lifecycleState") if k not in body]
        if missing:
            return li_error(422, f"missing fields: {', '.join(missing)}", 100)
        if len(body["commentary"]) > 3000:
            return li_error(422, "commentary is longer than 3000 characters", 100)
        scopes = self.oauth.scopes_of(req.bearer)
        if body["author"] == f"urn:li:person:{self.person_id}":
            needed = "w_member_social"
        elif body["author"] in self.admin_of:
            needed = "w_organization_social"
        else:
            return li_error(403, "Not enough permissions to post as this author", 100, {"code": "ACCESS_DENIED"})
        if needed not in scopes:
            return li_error(403, f"Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101 ({needed})",
                            100, {"code": "ACCESS_DENIED"})
        media_id = ((body.get("content") or {}).get("media") or {}).get("id", "")
        video = self.videos.get(media_id.removeprefix("urn:li:video:"))
        if media_id and (video is None or video.status != "AVAILABLE"):
            return li_error(400, f"{media_id} is not AVAILABLE yet")
        article = (body.get("content") or {}).get("article")
        if article is not None:
            if not re.match(r"https?://", str(article.get("source", ""))) or not article.get("title"):
                return li_error(422, "content.article needs an http(s) source and a title", 100)
            if article.get("thumbnail") and not self.images.get(article["thumbnail"]):
                return li_error(400, f"{article['thumbnail']} is not an uploaded image")
        urn = f"urn:li:share:{7000000000000000000 + next(self._ids)}"
        self.posts[urn] = {**body, "id": urn, "rendered": render_little_text(body["commentary"])}
        return Response(201, b"", {"x-restli-id": urn})

    def _find_posts(self, req: Request) -> Response:
        who = self._rest(req)
        if isinstance(who, Response):
            return who
        if req.query.get("q") != "author" or not req.query.get("author"):
            return li_error(400, "q=author and author are required")
        author = unquote(req.query["author"])
        found = [p for p in reversed(list(self.posts.values())) if p["author"] == author]
        return Response(200, {"elements": found[: int(req.query.get("count", 10))], "paging": {"start": 0}})

    def _userinfo(self, req: Request) -> Response:
        if self.oauth.subject_of(req.bearer) is None:
            return li_error(401, "Invalid access token", 65600)
        return Response(200, {"sub": self.person_id, "name": self.name, "email_verified": True})
