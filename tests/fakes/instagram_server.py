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
  subcode 2207027 "Media ID is not available"); once published: PUBLISHED;
- creating media needs the instagram_content_publish permission (code 10 otherwise);
- STORIES take a video and no caption; an IMAGE needs a public image_url; a CAROUSEL
  takes 2 to 10 children made with is_carousel_item=true; a caption names at most 20 @accounts;
- a container not published within 24 hours is EXPIRED and cannot be published;
- an account may publish 50 posts through the API in a rolling 24 hours:
  GET /<IG_USER_ID>/content_publishing_limit reports quota_usage and config, and the
  51st media_publish answers code 9, subcode 2207042;
- a GET on the upload URI reports the bytes the upload host holds (``file_offset``, as
  the Graph API's Resumable Upload API does), so an upload whose acknowledgement was
  lost resumes from the server's offset; ``drop_next_ack`` loses one;
- Graph API versions retire on the dates of https://developers.facebook.com/docs/graph-api/changelog/versions:
  a call to a retired one is refused as deprecated (code 12).
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response

V = r"/(?P<ver>v[\d.]+)"
RETIRES = {"v19.0": date(2026, 5, 21), "v20.0": date(2026, 9, 24), "v21.0": date(2027, 1, 21),
           "v22.0": date(2027, 5, 20), "v23.0": date(2027, 10, 8), "v24.0": date(2028, 2, 18),
           "v25.0": date(2028, 7, 29), "v26.0": None}
RELEASED = {"v19.0": date(2024, 1, 23), "v20.0": date(2024, 5, 21), "v21.0": date(2024, 10, 2),
            "v22.0": date(2025, 1, 21), "v23.0": date(2025, 5, 29), "v24.0": date(2025, 10, 8),
            "v25.0": date(2026, 2, 18), "v26.0": date(2026, 7, 29)}
DAY = 24 * 3600


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
    created: float = field(default_factory=time.time)
    kind: str = "REELS"
    carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    image_url: str = ""  # an IMAGE's public address, which Instagram fetches


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
        self.today = datetime.now(timezone.utc).date()
        self.published_at: list[float] = []
        self.limit = 50
        self.drop_next_ack = False
        self.fail_processing = ""  # an error message: the next container to finish fails with it
        self._ids = itertools.count(1)
        self.route("POST", V + r"/(?P<user>\d+)/media", self._create)
        self.route("POST", V + r"/(?P<user>\d+)/media_publish", self._publish)
        self.route("GET", V + r"/(?P<user>\d+)/media", self._list_media)
        self.route("GET", V + r"/me/accounts", self._pages)
        self.route("GET", V + r"/(?P<user>\d+)/content_publishing_limit", self._limit)
        self.route("GET", r"/ig-api-upload" + V + r"/(?P<container>\d+)", self._upload_status)
        self.route("GET", V + r"/(?P<node>\d+)", self._node)
        self.route("POST", r"/ig-api-upload" + V + r"/(?P<container>\d+)", self._upload)

    def _auth(self, req: Request) -> str | Response:
        ver = req.path.split("/")[2] if req.path.startswith("/ig-api-upload/") else req.path.split("/")[1]
        released, retires = RELEASED.get(ver), RETIRES.get(ver, date.min)
        if released is None or released > self.today or (retires is not None and retires <= self.today):
            return graph_error(f"(#12) Graph API {ver} is deprecated for this call; use a newer version", 12)
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
        if "instagram_content_publish" not in self.oauth.scopes_of(req.bearer):
            return graph_error("(#10) Application does not have permission for this action", 10, status=403)
        p = self._params(req)
        kind = p.get("media_type") or ("IMAGE" if p.get("image_url") else "")
        if kind == "VIDEO":
            return graph_error("The VIDEO media type is deprecated; use REELS", 100, 2207067)
        if kind not in ("REELS", "STORIES", "IMAGE", "CAROUSEL"):
            return graph_error("(#100) The parameter media_type is required", 100)
        resumable = p.get("upload_type") == "resumable"
        if kind in ("REELS", "STORIES") and not resumable and not p.get("video_url"):
            return graph_error("(#100) The parameter video_url is required", 100)
        if kind == "IMAGE" and not re.match(r"https?://", p.get("image_url", "")):
            return graph_error("(#100) The parameter image_url is required", 100)
        children = [c for c in p.get("children", "").split(",") if c]
        if kind == "CAROUSEL" and (not 2 <= len(children) <= 10 or any(
                self.containers.get(c) is None or not self.containers[c].carousel_item for c in children)):
            return graph_error("(#100) children must be 2 to 10 carousel item containers", 100)
        caption = p.get("caption", "")
        if kind == "STORIES" and caption:
            return graph_error("(#100) Stories do not take a caption", 100)
        if len(caption) > 2200:
            return graph_error("The caption is too long (2200 characters maximum)", 100, 2207010)
        if len(set(re.findall(r"#\w+", caption.lower()))) > 30:
            return graph_error("The caption has more than 30 hashtags", 100, 2207028)
        if len(set(re.findall(r"(?<![\w@])@[\w.]+", caption.lower()))) > 20:
            return graph_error("The caption mentions more than 20 accounts", 100)
        container_id = f"{next(self._ids):017d}"
        self.containers[container_id] = Container(who, caption, resumable, polls_left=self.processing_polls,
                                                  share_to_feed=p.get("share_to_feed") == "true")
        self.containers[container_id].kind = kind
        self.containers[container_id].carousel_item = p.get("is_carousel_item") == "true"
        self.containers[container_id].children = children
        self.containers[container_id].image_url = p.get("image_url", "")
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
        if self.drop_next_ack:
            self.drop_next_ack = False
            return Response(0)  # the bytes arrived; the answer is lost on the way back
        return Response(200, {"success": True, "message": "Upload successful."})

    def _upload_status(self, req: Request, ver: str, container: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        c = self.containers.get(container)
        if c is None or c.owner != who or not c.resumable:
            return graph_error("Unknown upload session", 100)
        return Response(200, {"id": container, "file_offset": c.received})

    def age_containers(self, hours: float) -> None:
        for c in self.containers.values():
            c.created -= hours * 3600

    def _used(self) -> int:
        return sum(1 for t in self.published_at if t > time.time() - DAY)

    def _limit(self, req: Request, ver: str, user: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        return Response(200, {"data": [{"quota_usage": self._used(),
                                        "config": {"quota_total": self.limit, "quota_duration": DAY}}]})

    def _ready(self, c: Container) -> bool:
        return not c.resumable or (c.file_size is not None and c.received == c.file_size)

    def _node(self, req: Request, ver: str, node: str) -> Response:
        who = self._auth(req)
        if isinstance(who, Response):
            return who
        if node in self.containers:
            c = self.containers[node]
            if c.status != "PUBLISHED" and time.time() - c.created > DAY:
                c.status = "EXPIRED"
            if c.status == "IN_PROGRESS" and self._ready(c):
                if c.polls_left <= 0:
                    c.status = "ERROR" if self.fail_processing else "FINISHED"
                c.polls_left -= 1
            status = f"Error: {self.fail_processing}" if c.status == "ERROR" else c.status
            return Response(200, {"id": node, "status_code": c.status, "status": status})
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
        if time.time() - c.created > DAY:
            c.status = "EXPIRED"
            return graph_error("The media container has expired", 100, 2207008)
        if self._used() >= self.limit:
            error = graph_error("Application request limit reached", 9, 2207042)
            error.body["error"]["error_user_msg"] = ("You reached the maximum number of posts that is allowed to be "
                                                     "published by Content Publishing API.")
            return error
        if c.status != "FINISHED":
            return graph_error("Media ID is not available", 9007, 2207027, kind="OAuthException")
        media_id = f"1790{next(self._ids):013d}"
        c.status, c.media_id = "PUBLISHED", media_id
        self.published_at.append(time.time())
        path = {"REELS": "reel", "STORIES": "stories/nexus.test", "IMAGE": "p", "CAROUSEL": "p"}[c.kind]
        self.media[media_id] = {"id": media_id, "caption": c.caption, "media_type": c.kind,
                                "children": list(c.children),
                                "permalink": f"https://www.instagram.com/{path}/C{media_id[-8:]}/"}
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
