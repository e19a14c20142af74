"""A local TikTok: Login Kit for Desktop token endpoint and the Content Posting API.

Contract enforced (TikTok for Developers, as documented today):
- https://developers.tiktok.com/doc/login-kit-desktop/ — authorize with ``client_key``, a loopback
  redirect and PKCE; ``/v2/oauth/token/`` takes client_key/client_secret/code/code_verifier as a
  form and answers access_token (24 h), refresh_token, open_id; ``refresh_token`` grant the same;
- https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info/ —
  privacy_level_options, comment/duet/stitch_disabled, max_video_post_duration_sec;
- https://developers.tiktok.com/doc/content-posting-api-reference-direct-post — post_info +
  source_info; an unaudited client may only post SELF_ONLY (403
  ``unaudited_client_can_only_post_to_private_accounts``); a privacy level not offered is
  ``privacy_level_option_mismatch``; every answer carries ``error.code`` ("ok" on success);
- https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide — chunks of 5–64 MB
  (the last up to 128 MB), total_chunk_count = video_size // chunk_size, a video under 5 MB
  whole, 1–1000 chunks, uploaded in order with ``Content-Range``; 206 until the last, then 201;
- https://developers.tiktok.com/doc/content-posting-api-reference-upload-video — inbox init;
- ``/v2/post/publish/status/fetch/`` reports PROCESSING_UPLOAD → PUBLISH_COMPLETE (or
  SEND_TO_USER_INBOX); a private post has no publicaly_available_post_id.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import time
from urllib.parse import urlencode, urlparse

from .oauth_server import FakeServer, Request, Response

MB = 1024 * 1024
PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")


def tt(data: dict | None = None, code: str = "ok", message: str = "", status: int = 200) -> Response:
    return Response(status, {"data": data or {}, "error": {"code": code, "message": message, "log_id": secrets.token_hex(8)}})


class FakeTikTok(FakeServer):
    def __init__(self, *, client_key: str = "sbawx0example", client_secret: str = "tt-secret-42", audited: bool = False,
                 max_seconds: int = 600, privacy_levels: tuple[str, ...] = PRIVACY, comment_disabled: bool = False) -> None:
        super().__init__()
        self.client_key, self.client_secret = client_key, client_secret
        self.audited = audited
        self.max_seconds = max_seconds
        self.privacy_levels = privacy_levels
        self.comment_disabled = comment_disabled
        self.username, self.open_id = "nexus.creator", "-000OvOdDf3bvTP5shHO-7Ny"
        self.tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, dict] = {}
        self.posts: dict[str, dict] = {}  # publish_id → post
        self.uploads = 0  # inits
        self.bytes_received = 0
        self.processing_polls = 1
        self._ids = itertools.count(7_300_000_000_000_000_001)
        self.route("GET", r"/v2/auth/authorize/", self._authorize)
        self.route("POST", r"/v2/oauth/token/", self._token)
        self.route("GET", r"/v2/user/info/", self._user)
        self.route("POST", r"/v2/post/publish/creator_info/query/", self._creator)
        self.route("POST", r"/v2/post/publish/video/init/", self._init_direct)
        self.route("POST", r"/v2/post/publish/inbox/video/init/", self._init_inbox)
        self.route("PUT", r"/upload/(?P<publish_id>[\w.~-]+)", self._chunk)
        self.route("POST", r"/v2/post/publish/status/fetch/", self._status)

    def issue(self) -> dict:
        access, refresh = f"act.{secrets.token_hex(16)}", f"rft.{secrets.token_hex(16)}"
        self.tokens[access] = time.time() + 86400
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "expires_in": 86400, "open_id": self.open_id, "refresh_token": refresh,
                "refresh_expires_in": 31536000, "scope": "user.info.basic,video.publish,video.upload", "token_type": "Bearer"}

    def revoke_all(self) -> None:
        self.tokens.clear()
        self.refresh_tokens.clear()

    def _auth(self, req: Request) -> Response | None:
        if self.tokens.get(req.bearer or "", 0) < time.time():
            return tt(code="access_token_invalid", message="The access token is invalid or not found in the request.", status=401)
        return None

    # -- Login Kit ------------------------------------------------------------------------------

    def _authorize(self, req: Request) -> Response:
        q = req.query
        if q.get("client_key") != self.client_key or q.get("response_type") != "code":
            return Response(400, "client_key")
        redirect = urlparse(q.get("redirect_uri", ""))
        if redirect.hostname not in ("127.0.0.1", "localhost") or not redirect.port:
            return Response(400, "redirect_uri: only localhost or 127.0.0.1 with a port")
        if q.get("code_challenge_method") != "S256" or not re.fullmatch(r"[0-9a-f]{64}", q.get("code_challenge", "")):
            return Response(400, "code_challenge must be the hex SHA-256 of the verifier")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": q["redirect_uri"], "challenge": q["code_challenge"]}
        return Response(302, b"", {"Location": f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', ''), 'scopes': q.get('scope', '')})}"})

    def _token(self, req: Request) -> Response:
        form = req.form()
        if form.get("client_key") != self.client_key or form.get("client_secret") != self.client_secret:
            return Response(401, {"error": "invalid_client", "error_description": "Client key or secret is incorrect.", "log_id": "x"})
        if form.get("grant_type") == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)
            if code is None or code["redirect_uri"] != form.get("redirect_uri"):
                return Response(400, {"error": "invalid_grant", "error_description": "Authorization code is expired.", "log_id": "x"})
            if hashlib.sha256(form.get("code_verifier", "").encode()).hexdigest() != code["challenge"]:
                return Response(400, {"error": "invalid_request", "error_description": "Code verifier or code challenge is invalid.", "log_id": "x"})
            return Response(200, self.issue())
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return Response(400, {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "x"})
            return Response(200, self.issue())
        return Response(400, {"error": "unsupported_grant_type", "error_description": "", "log_id": "x"})

    def _user(self, req: Request) -> Response:
        return self._auth(req) or tt({"user": {"open_id": self.open_id, "display_name": "Nexus", "username": self.username}})

    # -- Content Posting API -----------------------------------------------------------------

    def _creator(self, req: Request) -> Response:
        return self._auth(req) or tt({
            "creator_avatar_url": "https://p16.example/a.jpg", "creator_username": self.username, "creator_nickname": "Nexus",
            "privacy_level_options": list(self.privacy_levels), "comment_disabled": self.comment_disabled,
            "duet_disabled": False, "stitch_disabled": True, "max_video_post_duration_sec": self.max_seconds})

    def _source(self, source: dict) -> Response | None:
        if source.get("source") != "FILE_UPLOAD":
            return tt(code="invalid_params", message="source must be FILE_UPLOAD here", status=400)
        size, chunk, count = source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
        if not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)):
            return tt(code="invalid_params", message="video_size, chunk_size and total_chunk_count are required", status=400)
        if size < 5 * MB and (chunk != size or count != 1):
            return tt(code="invalid_params", message="a video under 5 MB must be uploaded whole", status=400)
        if size >= 5 * MB and not 5 * MB <= chunk <= 64 * MB:
            return tt(code="invalid_params", message="chunk_size must be 5 MB to 64 MB", status=400)
        if count != size // chunk or not 1 <= count <= 1000 or size - chunk * (count - 1) > 128 * MB:
            return tt(code="invalid_params", message="total_chunk_count must be video_size // chunk_size", status=400)
        return None

    def _new_post(self, body: dict, mode: str) -> Response:
        publish_id = f"v_pub_file~v2-1.{next(self._ids)}"
        self.uploads += 1
        self.posts[publish_id] = {"mode": mode, "source": body["source_info"], "post_info": body.get("post_info"),
                                  "received": 0, "next": 0, "status": "PROCESSING_UPLOAD", "polls": self.processing_polls}
        return tt({"publish_id": publish_id, "upload_url": f"{self.url}/upload/{publish_id}?upload_id={secrets.token_hex(6)}"})

    def _init_direct(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        body = req.json() or {}
        info = body.get("post_info") or {}
        if (bad := self._source(body.get("source_info") or {})) is not None:
            return bad
        level = info.get("privacy_level")
        if level not in self.privacy_levels:
            return tt(code="privacy_level_option_mismatch", message="privacy_level is not in the creator's options", status=400)
        if not self.audited and level != "SELF_ONLY":
            return tt(code="unaudited_client_can_only_post_to_private_accounts",
                      message="Unaudited clients can only post to a private account", status=403)
        if self.comment_disabled and not info.get("disable_comment"):
            return tt(code="invalid_params", message="comments are off for this creator", status=400)
        if len(info.get("title", "")) > 2200:
            return tt(code="invalid_params", message="title is longer than 2200 characters", status=400)
        return self._new_post(body, "direct")

    def _init_inbox(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        body = req.json() or {}
        if (bad := self._source(body.get("source_info") or {})) is not None:
            return bad
        return self._new_post(body, "inbox")

    def _chunk(self, req: Request, publish_id: str) -> Response:
        post = self.posts.get(publish_id)
        if post is None or "upload_id" not in req.query:
            return Response(404, b"")
        source = post["source"]
        size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", req.headers.get("content-range", ""))
        if not match or req.headers.get("content-type") not in ("video/mp4", "video/quicktime", "video/webm"):
            return Response(400, b"")
        first, last, total = map(int, match.groups())
        index = post["next"]
        want_first = index * chunk
        want_last = size - 1 if index == count - 1 else want_first + chunk - 1
        if total != size or (first, last) != (want_first, want_last) or len(req.body) != last - first + 1:
            return Response(416, b"")  # chunks go in order, each exactly its range
        post["received"] += len(req.body)
        self.bytes_received += len(req.body)
        post["next"] += 1
        return Response(201 if post["next"] == count else 206, b"")

    def _status(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        post = self.posts.get((req.json() or {}).get("publish_id", ""))
        if post is None:
            return tt(code="invalid_publish_id", message="publish_id not found", status=400)
        if post["received"] < post["source"]["video_size"]:
            return tt({"status": "PROCESSING_UPLOAD", "uploaded_bytes": post["received"]})
        if post["polls"] > 0:
            post["polls"] -= 1
            return tt({"status": "PROCESSING_DOWNLOAD", "uploaded_bytes": post["received"]})
        if post["mode"] == "inbox":
            post["status"] = "SEND_TO_USER_INBOX"
            return tt({"status": "SEND_TO_USER_INBOX"})
        post["status"] = "PUBLISH_COMPLETE"
        public = post["post_info"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
        post.setdefault("post_id", str(next(self._ids)))
        return tt({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [int(post["post_id"])] if public else [],
                   "uploaded_bytes": post["received"]})
