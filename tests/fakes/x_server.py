"""A local X API v2 for chunked media upload and creating posts.

Contract enforced (docs.x.com: "Chunked media upload" quickstart, POST
/2/media/upload/initialize, /2/media/upload/{id}/append, /2/media/upload/{id}/finalize,
GET /2/media/upload (command=STATUS), POST /2/media/metadata, POST /2/tweets,
GET /2/users/me, GET /2/users/{id}/tweets):

- every call needs a valid OAuth 2.0 user token, else 401 with a problem body;
- initialize needs media_type and a positive total_bytes;
- append is multipart with ``media`` and ``segment_index``; indexes start at 0 and
  must come in order (0..999), each segment at most 5 MB;
- finalize is refused unless the appended bytes add up to total_bytes;
- a post's text is at most 280 *weighted* characters (https://docs.x.com/resources/fundamentals/counting-characters):
  code points outside the light ranges (CJK, emoji) weigh 2 and every URL 23;
  media must have finished processing, a reply must point at an existing post, and
  duplicate text is refused (403);
- media calls need the media.write scope and posts tweet.write (403 otherwise);
- the timeline returns each post's text as X stores it: links shortened to
  https://t.co/… and, for a post with media, a t.co link to the media appended;
- rate limits answer 429 with x-rate-limit-limit / -remaining / -reset (epoch seconds)
  and no Retry-After (https://docs.x.com/x-api/fundamentals/rate-limits);
- a video can fail processing: STATUS answers state "failed" with an error.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

MAX_SEGMENT = 5 * 1024 * 1024
URL = re.compile(r"https?://\S+", re.IGNORECASE)
LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # twitter-text v3 weight-100 ranges


def weighted_length(text: str) -> int:
    total = 0
    for part in re.split(f"({URL.pattern})", text, flags=re.IGNORECASE):
        if URL.fullmatch(part or ""):
            total += 23
        else:
            total += sum(1 if any(a <= ord(c) <= b for a, b in LIGHT) else 2 for c in part or "")
    return total


def rate_limited(limit: int = 100, reset_in: int = 120) -> Response:
    """X's 429: no Retry-After, the window's end in x-rate-limit-reset."""
    headers = {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0",
               "x-rate-limit-reset": str(int(time.time()) + reset_in)}
    return Response(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                          "status": 429}, headers)


def problem(status: int, title: str, detail: str) -> Response:
    kind = {400: "invalid-request", 401: "not-authorized", 403: "not-authorized"}.get(status, "invalid-request")
    return Response(status, {"title": title, "detail": detail, "type": f"https://api.x.com/2/problems/{kind}", "status": status})


@dataclass
class Upload:
    owner: str
    total: int
    segments: list[int] = field(default_factory=list)
    finalized: bool = False
    status_polls: int = 1
    state: str = ""
    alt_text: str = ""


class FakeX(FakeServer):
    def __init__(self, oauth: FakeOAuthServer, *, user_id: str = "2244994945", username: str = "nexus_test") -> None:
        super().__init__()
        self.oauth = oauth
        self.user_id = user_id
        self.username = username
        self.uploads: dict[str, Upload] = {}
        self.tweets: dict[str, dict] = {}
        self.bytes_received = 0
        self.fail_processing = ""  # an error message: the next video fails processing with it
        self._links = itertools.count(1)
        self._ids = itertools.count(1)
        self.route("POST", r"/2/media/upload/initialize", self._init)
        self.route("POST", r"/2/media/upload/(?P<media_id>\d+)/append", self._append)
        self.route("POST", r"/2/media/upload/(?P<media_id>\d+)/finalize", self._finalize)
        self.route("GET", r"/2/media/upload", self._status)
        self.route("POST", r"/2/media/metadata", self._metadata)
        self.route("POST", r"/2/tweets", self._tweet)
        self.route("GET", r"/2/users/me", self._me)
        self.route("GET", r"/2/users/(?P<user>\d+)/tweets", self._timeline)

    def _auth(self, req: Request, scope: str = "") -> str | Response:
        subject = self.oauth.subject_of(req.bearer)
        if subject is None:
            return problem(401, "Unauthorized", "Unauthorized")
        if scope and scope not in self.oauth.scopes_of(req.bearer):
            return problem(403, "Forbidden", f"Your client app is not configured with the appropriate oauth2 scope ({scope}) "
                           "to access this endpoint.")
        return subject

    def _tco(self) -> str:
        return f"https://t.co/{next(self._links):010d}"

    def _init(self, req: Request) -> Response:
        who = self._auth(req, "media.write")
        if isinstance(who, Response):
            return who
        body = req.json() or {}
        if not body.get("media_type") or not isinstance(body.get("total_bytes"), int) or body["total_bytes"] <= 0:
            return problem(400, "Invalid Request", "media_type and total_bytes are required")
        media_id = f"18800{next(self._ids):014d}"
        self.uploads[media_id] = Upload(who, body["total_bytes"])
        return Response(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86400}})

    def _append(self, req: Request, media_id: str) -> Response:
        who = self._auth(req, "media.write")
        if isinstance(who, Response):
            return who
        upload = self.uploads.get(media_id)
        if upload is None or upload.owner != who or upload.finalized:
            return problem(400, "Invalid Request", "unknown or finalized media id")
        parts = req.multipart() if req.headers.get("content-type", "").startswith("multipart/") else {}
        if "media" not in parts or "segment_index" not in parts:
            return problem(400, "Invalid Request", "media and segment_index are required")
        index = int(parts["segment_index"])
        self.bytes_received += len(parts["media"])
        if index != len(upload.segments) or not 0 <= index <= 999:
            return problem(400, "Invalid Request", f"segment_index {index} out of order; expected {len(upload.segments)}")
        if len(parts["media"]) > MAX_SEGMENT:
            return problem(400, "Invalid Request", "segment larger than 5 MB")
        upload.segments.append(len(parts["media"]))
        return Response(200, {"data": {"expires_at": 1999999999}})

    def _finalize(self, req: Request, media_id: str) -> Response:
        who = self._auth(req, "media.write")
        if isinstance(who, Response):
            return who
        upload = self.uploads.get(media_id)
        if upload is None or upload.owner != who:
            return problem(400, "Invalid Request", "unknown media id")
        if sum(upload.segments) != upload.total:
            return problem(400, "Invalid Request", f"File size mismatch: got {sum(upload.segments)} of {upload.total} bytes")
        upload.finalized, upload.state = True, "pending"
        return Response(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "size": upload.total,
                                       "processing_info": {"state": "pending", "check_after_secs": 1}}})

    def _status(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        upload = self.uploads.get(req.query.get("media_id", ""))
        if req.query.get("command") != "STATUS" or upload is None or not upload.finalized:
            return problem(400, "Invalid Request", "command=STATUS and a finalized media_id are required")
        upload.status_polls -= 1
        upload.state = "succeeded" if upload.status_polls < 0 else "in_progress"
        if upload.status_polls < 0 and self.fail_processing:
            upload.state = "failed"
            info = {"state": "failed", "progress_percent": 100,
                    "error": {"code": 1, "name": "InvalidMedia", "message": self.fail_processing}}
            return Response(200, {"data": {"id": req.query["media_id"], "processing_info": info}})
        info = {"state": upload.state, "progress_percent": 100 if upload.state == "succeeded" else 50}
        if upload.state != "succeeded":
            info["check_after_secs"] = 1
        return Response(200, {"data": {"id": req.query["media_id"], "processing_info": info}})

    def _metadata(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        body = req.json() or {}
        upload = self.uploads.get(str(body.get("id", "")))
        text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text", "")
        if upload is None or not text or len(text) > 1000:
            return problem(400, "Invalid Request", "id and metadata.alt_text.text (≤ 1000 characters) are required")
        upload.alt_text = text
        return Response(200, {"data": {"id": body["id"], "associated_metadata": True}})

    def _tweet(self, req: Request) -> Response:
        who = self._auth(req, "tweet.write")
        if isinstance(who, Response):
            return who
        body = req.json() or {}
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not text and not media_ids:
            return problem(400, "Invalid Request", "text or media.media_ids is required")
        if weighted_length(text) > 280:
            return Response(400, {"errors": [{"message": "text: must be at most 280 characters"}],
                                  "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                                  "type": "https://api.x.com/2/problems/invalid-request"})
        for media_id in media_ids:
            upload = self.uploads.get(media_id)
            if upload is None or upload.state != "succeeded":
                return problem(400, "Invalid Request", f"media {media_id} is not ready")
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply is not None and reply not in self.tweets:
            return problem(400, "Invalid Request", "in_reply_to_tweet_id does not exist")
        if any(t["text"] == text and t["author"] == who for t in self.tweets.values()):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        tweet_id = f"19000{next(self._ids):014d}"
        stored = URL.sub(lambda m: self._tco(), text)
        if media_ids:
            stored = f"{stored} {self._tco()}"
        self.tweets[tweet_id] = {"id": tweet_id, "text": text, "stored": stored, "author": who, "media": media_ids,
                                 "reply_to": reply}
        return Response(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}})

    def _me(self, req: Request) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        return Response(200, {"data": {"id": self.user_id, "name": "Nexus Test", "username": self.username}})

    def _timeline(self, req: Request, user: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        mine = [{"id": t["id"], "text": t["stored"], "edit_history_tweet_ids": [t["id"]]} for t in reversed(list(self.tweets.values())) if t["author"] == who]
        return Response(200, {"data": mine[: int(req.query.get("max_results", 10))], "meta": {"result_count": len(mine)}})
