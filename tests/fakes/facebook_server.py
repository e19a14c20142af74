"""A local Facebook Graph API for Pages: Page tokens and Reels publishing.

Contract enforced (Meta for Developers, as documented today):
- https://developers.facebook.com/docs/pages-api/overview — ``/me/accounts`` with a user token
  lists the Pages the person manages, each with its Page access token and the person's tasks;
- https://developers.facebook.com/docs/video-api/guides/reels-publishing/ —
  ``POST /{page-id}/video_reels upload_phase=start`` needs a Page token (a user token is
  refused, code 210) of a person with CREATE_CONTENT (else code 200); it answers video_id and
  upload_url; the file goes to that rupload address with ``Authorization: OAuth <page token>``,
  ``offset`` and ``file_size`` headers, from the offset the server holds;
  ``upload_phase=finish`` with video_state=PUBLISHED publishes a fully uploaded video;
  ``GET /{video-id}?fields=status`` reports uploading_phase.bytes_transferred,
  video_status and publishing_phase.status; 30 reels per Page per 24 h (code 4);
- https://developers.facebook.com/docs/graph-api/guides/error-handling — errors as
  ``{"error": {"message", "type", "code", "error_subcode"}}``; code 190 for a bad token.
"""

from __future__ import annotations

import itertools
import secrets

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

V = r"/v\d+\.\d+"


def graph_error(status: int, code: int, message: str, subcode: int | None = None) -> Response:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": secrets.token_hex(6)}
    if subcode:
        error["error_subcode"] = subcode
    return Response(status, {"error": error})


class FakeFacebook(FakeServer):
    def __init__(self, oauth: FakeOAuthServer) -> None:
        super().__init__()
        self.oauth = oauth
        self.user_id, self.user_name = "10158000000000001", "Mara Lindqvist"
        self.pages = [
            {"id": "104000000000001", "name": "Tech Digest", "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]},
            {"id": "104000000000002", "name": "Friends' Bakery", "tasks": ["ANALYZE"]},
        ]
        self.page_tokens: dict[str, str] = {}  # token → page id
        self.videos: dict[str, dict] = {}
        self.reels_today = 0
        self.starts = 0
        self.bytes_received = 0
        self.processing_polls = 1
        self._ids = itertools.count(1220000000000001)
        self.route("GET", V + r"/me", self._me)
        self.route("GET", V + r"/me/accounts", self._accounts)
        self.route("POST", V + r"/(?P<page>\d+)/video_reels", self._reels)
        self.route("POST", r"/video-upload" + V + r"/(?P<video>\d+)", self._rupload)
        self.route("GET", V + r"/(?P<video>\d+)", self._video)

    def _token(self, req: Request) -> str | None:
        return req.query.get("access_token") or req.bearer or (req.form().get("access_token") if req.body else None)

    def _user(self, req: Request) -> str | Response:
        subject = self.oauth.subject_of(self._token(req))
        return subject if subject else graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")

    def _page_of(self, token: str | None) -> dict | None:
        page_id = self.page_tokens.get(token or "")
        return next((p for p in self.pages if p["id"] == page_id), None)

    def revoke_page_tokens(self) -> None:
        self.page_tokens.clear()

    def _me(self, req: Request) -> Response:
        who = self._user(req)
        return who if isinstance(who, Response) else Response(200, {"id": self.user_id, "name": self.user_name})

    def _accounts(self, req: Request) -> Response:
        who = self._user(req)
        if isinstance(who, Response):
            return who
        data = []
        for page in self.pages:
            token = f"EAAPage{page['id'][-2:]}{secrets.token_hex(10)}"
            self.page_tokens[token] = page["id"]
            data.append({**page, "access_token": token, "category": "Media/News Company"})
        return Response(200, {"data": data, "paging": {"cursors": {"before": "a", "after": "b"}}})

    def _reels(self, req: Request, page: str) -> Response:
        form = {**req.query, **req.form()}
        token_page = self._page_of(form.get("access_token") or req.bearer)
        if token_page is None:
            if self.oauth.subject_of(form.get("access_token") or req.bearer):
                return graph_error(400, 210, "(#210) A page access token is required to request this resource.")
            return graph_error(401, 190, "Error validating access token: The session has been invalidated.")
        if token_page["id"] != page or "CREATE_CONTENT" not in token_page["tasks"]:
            return graph_error(403, 200, "(#200) Permissions error: the user cannot create content on this Page")
        phase = form.get("upload_phase")
        if phase == "start":
            self.starts += 1
            video_id = str(next(self._ids))
            self.videos[video_id] = {"page": page, "received": 0, "size": None, "published": False, "polls": self.processing_polls,
                                     "description": None}
            return Response(200, {"video_id": video_id, "upload_url": f"{self.url}/video-upload/v24.0/{video_id}"})
        if phase == "finish":
            video = self.videos.get(form.get("video_id", ""))
            if video is None or video["page"] != page:
                return graph_error(400, 100, "(#100) Invalid video_id")
            if video["size"] is None or video["received"] != video["size"]:
                return graph_error(400, 6000, "There was a problem uploading your video file: the upload is not complete")
            if form.get("video_state") != "PUBLISHED":
                return graph_error(400, 100, "(#100) video_state must be PUBLISHED, DRAFT or SCHEDULED")
            if video["published"]:
                return graph_error(400, 100, "(#100) This video has already been published")
            if self.reels_today >= 30:
                return graph_error(400, 4, "(#4) Application request limit reached: 30 reels per 24 hours")
            self.reels_today += 1
            video.update(published=True, description=form.get("description"))
            return Response(200, {"success": True})
        return graph_error(400, 100, "(#100) upload_phase must be start or finish")

    def _rupload(self, req: Request, video: str) -> Response:
        auth = req.headers.get("authorization", "")
        page = self._page_of(auth[6:] if auth.startswith("OAuth ") else None)
        entry = self.videos.get(video)
        if page is None or entry is None or entry["page"] != page["id"]:
            return Response(401, {"debug_info": {"type": "AuthException", "message": "Invalid OAuth access token"}})
        offset, size = int(req.headers.get("offset", "-1")), int(req.headers.get("file_size", "0"))
        if offset != entry["received"] or size <= 0 or (entry["size"] not in (None, size)):
            return Response(400, {"debug_info": {"type": "ProcessingFailedError", "message": f"offset must be {entry['received']}"}})
        entry["size"] = size
        entry["received"] += len(req.body)
        self.bytes_received += len(req.body)
        return Response(200, {"success": True})

    def _video(self, req: Request, video: str) -> Response:
        token = self._token(req)
        entry = self.videos.get(video)
        if self._page_of(token) is None and not self.oauth.subject_of(token):
            return graph_error(401, 190, "Invalid OAuth access token")
        if entry is None:
            return graph_error(404, 100, "(#100) Unsupported get request.")
        complete = entry["size"] is not None and entry["received"] == entry["size"]
        publishing = "not_started"
        if entry["published"]:
            if entry["polls"] > 0:
                entry["polls"] -= 1
                publishing = "in_progress"
            else:
                publishing = "complete"
        return Response(200, {"id": video, "status": {
            "video_status": "ready" if publishing == "complete" else ("processing" if complete else "upload_not_started"),
            "uploading_phase": {"status": "complete" if complete else "in_progress", "bytes_transferred": entry["received"]},
            "processing_phase": {"status": "complete" if entry["published"] else "not_started"},
            "publishing_phase": {"status": publishing}}})
