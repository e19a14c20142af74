"""A local Instagram Graph API (Facebook Login for Business) for content publishing.

Contract enforced (Instagram Platform docs: "Content Publishing", "IG Container",
"Upload Video to Meta Servers" (resumable uploads), IG User media / media_publish):

- every call needs a valid user token (Authorization header), else HTTP 400 with
  an OAuthException code 190 body, as the Graph API answers;
- POST /<ver>/<IG_USER_ID>/media needs media_type=REELS (VIDEO is refused as
  deprecated) and either video_url or upload_type=resumable; the caption is at
  most 2200 characters with at most 30 hashtags;
- resumable bytes go to POST /ig-api-upload/<ver>/<container> on the rupload host
  with "Authorization: OAuth <token>", "offset" and "file_size" headers; an offset
  other than the bytes already received is refused;
- GET /<ver>/<container>?fields=status_code reports IN_PROGRESS until processing
  is done, then FINISHED; media_publish before FINISHED is refused (code 9007,
  subcode 2207027 "Media ID is not available"); once published: PUBLISHED.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

V = r"/(?P<ver>v[\d.]+)"


def graph_error(message: str, code: int, subcode: int | None = None, status: int = 400, kind: str = "OAuthException") -> Response:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AfakeTrace"}
    if subcode:
        error["error_subcode"] = subcode
    return Response(status, {"error": error})


@dataclass
class Container:
    owner: str
    caption: str
    resumable: bool
    file_size: int | None = None
    received: int = 0
    polls_left: int = 2  # status polls answered IN_PROGRESS before FINISHED
    status: str = "IN_PROGRESS"
    media_id: str | None = None
    share_to_feed: bool = False


class FakeInstagram(FakeServer):
    def __init__(self, oauth: FakeOAuthServer, *, ig_user_id: str = "17841400000000001", username: str = "nexus.test") -> None:
        super().__init__()
        self.oauth = oauth
        self.ig_user_id = ig_user_id
        self.username = username
        self.processing_polls = 2
        self.containers: dict[str, Container] = {}
        self.media: dict[str, dict] = {}
        self.bytes_received = 0
        self._ids = itertools.count(1)
        self.route("POST", V + r"/(?P<user>\d+)/media", self._create)
        self.route("POST", V + r"/(?P<user>\d+)/media_publish", self._publish)
        self.route("GET", V + r"/(?P<user>\d+)/media", self._list_media)
        self.route("GET", V + r"/me/accounts", self._pages)
        self.route("GET", V + r"/(?P<node>\d+)", self._node)
        self.route("POST", r"/ig-api-upload" + V + r"/(?P<container>\d+)", self._upload)

    def _auth(self, req: Request) -> str | Response:
        subject = self.oauth.subject_of(req.bearer)
        if subject is None:
            return graph_error("Error validating access token: Session has expired.", 190, 463)
        return subject

    def _params(self, req: Request) -> dict[str, str]:
        return {**req.query, **(req.form() if req.body else {})}

    def _create(self, req: Request, ver: str, user: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if user != self.ig_user_id:
            return graph_error("Unsupported post request: the IG user does not exist or lacks permission", 100, 33)
        p = self._params(req)
        if p.get("media_type") == "VIDEO":
            return graph_error("The VIDEO media type is deprecated; use REELS", 100, 2207067)
        if p.get("media_type") != "REELS":
            return graph_error("(#100) The parameter media_type is required", 100)
        resumable = p.get("upload_type") == "resumable"
        if not resumable and not p.get("video_url"):
            return graph_error("(#100) The parameter video_url is required", 100)
        caption = p.get("caption", "")
        if len(caption) > 2200:
            return graph_error("The caption is too long (2200 characters maximum)", 100, 2207010)
        if len(set(re.findall(r"#\w+", caption.lower()))) > 30:
            return graph_error("The caption has more than 30 hashtags", 100, 2207028)
        container_id = f"{next(self._ids):017d}"
        self.containers[container_id] = Container(who, caption, resumable, polls_left=self.processing_polls,
                                                  share_to_feed=p.get("share_to_feed") == "true")
        body = {"id": container_id}
        if resumable:
            body["uri"] = f"{self.url}/ig-api-upload/{ver}/{container_id}"
        return Response(200, body)

    def _upload(self, req: Request, ver: str, container: str) -> Response:
        if not req.headers.get("authorization", "").startswith("OAuth "):
            return graph_error("Authorization must be 'OAuth <token>'", 190)
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        c = self.containers.get(container)
        if c is None or c.owner != who or not c.resumable:
            return graph_error("Unknown upload session", 100)
        offset, size = req.headers.get("offset", ""), req.headers.get("file_size", "")
        if not offset.isdigit() or not size.isdigit():
            return graph_error("offset and file_size headers are required", 100)
        self.bytes_received += len(req.body)
        if c.file_size is None:
            c.file_size = int(size)
        if int(size) != c.file_size or int(offset) != c.received:
            return Response(400, {"debug_info": {"type": "ProcessingFailedError", "message": f"offset must be {c.received}"}})
        c.received += len(req.body)
        if c.received > c.file_size:
            return Response(400, {"debug_info": {"type": "ProcessingFailedError", "message": "more bytes than file_size"}})
        return Response(200, {"success": True, "message": "Upload successful."})

    def _ready(self, c: Container) -> bool:
        return not c.resumable or (c.file_size is not None and c.received == c.file_size)

    def _node(self, req: Request, ver: str, node: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if node in self.containers:
            c = self.containers[node]
            if c.status == "IN_PROGRESS" and self._ready(c):
                if c.polls_left <= 0:
                    c.status = "FINISHED"
                c.polls_left -= 1
            return Response(200, {"id": node, "status_code": c.status, "status": c.status})
        if node in self.media:
            return Response(200, self.media[node])
        return graph_error(f"Unsupported get request. Object with ID '{node}' does not exist", 100, 33)

    def _publish(self, req: Request, ver: str, user: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        creation_id = self._params(req).get("creation_id", "")
        c = self.containers.get(creation_id)
        if c is None or c.owner != who or user != self.ig_user_id:
            return graph_error("(#100) The parameter creation_id is required", 100)
        if c.status == "PUBLISHED":
            return graph_error("The media has already been published", 100, 2207006)
        if c.status != "FINISHED":
            return graph_error("Media ID is not available", 9007, 2207027, kind="OAuthException")
        media_id = f"1790{next(self._ids):013d}"
        c.status, c.media_id = "PUBLISHED", media_id
        self.media[media_id] = {"id": media_id, "caption": c.caption,
                                "permalink": f"https://www.instagram.com/reel/C{media_id[-8:]}/"}
        return Response(200, {"id": media_id})

    def _list_media(self, req: Request, ver: str, user: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        return Response(200, {"data": list(reversed(list(self.media.values())))})

    def _pages(self, req: Request, ver: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        return Response(200, {"data": [{
            "id": "1122334455", "name": "Nexus Test Page",
            "instagram_business_account": {"id": self.ig_user_id, "username": self.username},
        }]})
