"""A local Threads API: OAuth with long-lived tokens, media containers and publishing.

Contract enforced (Meta for Developers, Threads API, as documented today):
- https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions —
  ``POST /oauth/access_token`` exchanges the code (client_id, client_secret, redirect_uri);
- https://developers.facebook.com/docs/threads/get-started/long-lived-tokens — ``GET /access_token``
  with grant_type=th_exchange_token → a 60-day token; ``GET /refresh_access_token`` with
  th_refresh_token renews it;
- https://developers.facebook.com/docs/threads/posts/ — ``POST /{user}/threads`` with media_type
  TEXT (text required) or VIDEO (video_url required, fetched by Threads from a public server);
  text at most 500 characters, an emoji counting its UTF-8 bytes; ``POST /{user}/threads_publish``
  with creation_id publishes a FINISHED container once;
- https://developers.facebook.com/docs/threads/troubleshooting — a container's status is
  IN_PROGRESS, FINISHED, PUBLISHED, ERROR (with error_message such as FAILED_DOWNLOADING_VIDEO)
  or EXPIRED.
"""

from __future__ import annotations

import itertools
import secrets
import time
from urllib.parse import urlencode

import httpx

from .oauth_server import FakeServer, Request, Response
from .facebook_server import graph_error

V = r"/v1\.0"


def threads_length(text: str) -> int:
    return sum(len(ch.encode()) if ord(ch) > 0xFFFF else 1 for ch in text)


class FakeThreads(FakeServer):
    def __init__(self, *, client_id: str = "990000000000001", client_secret: str = "threads-secret-7") -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.user_id, self.username = "17841400000000001", "nexus.threads"
        self.codes: dict[str, str] = {}
        self.tokens: dict[str, float] = {}  # token → expires at
        self.containers: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        self.fetched: list[str] = []  # video URLs Threads downloaded
        self.bytes_fetched = 0
        self.processing_polls = 1
        self.https_only = True  # a live Meta app; a test may allow a development loopback redirect
        self._ids = itertools.count(18000000000000001)
        self.route("GET", r"/oauth/authorize", self._authorize)
        self.route("POST", r"/oauth/access_token", self._code)
        self.route("GET", r"/access_token", self._exchange)
        self.route("GET", r"/refresh_access_token", self._refresh)
        self.route("GET", V + r"/me", self._me)
        self.route("POST", V + r"/(?P<user>\d+)/threads", self._create)
        self.route("POST", V + r"/(?P<user>\d+)/threads_publish", self._publish)
        self.route("GET", V + r"/(?P<user>\d+)/threads", self._list)
        self.route("GET", V + r"/(?P<object_id>\d+)", self._object)

    def issue(self, seconds: int = 60 * 86400) -> str:
        token = f"THAA{secrets.token_hex(16)}"
        self.tokens[token] = time.time() + seconds
        return token

    def revoke_all(self) -> None:
        self.tokens.clear()

    def _token(self, req: Request) -> str | None:
        return req.bearer or req.query.get("access_token")

    def _auth(self, req: Request) -> Response | None:
        if self.tokens.get(self._token(req) or "", 0) < time.time():
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        return None

    def _authorize(self, req: Request) -> Response:
        q = req.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code" or not q.get("redirect_uri"):
            return Response(400, "Invalid request")
        if self.https_only and not q["redirect_uri"].startswith("https://"):
            return Response(400, "Invalid redirect_uri: the callback must be a registered HTTPS address")
        code = secrets.token_urlsafe(12)
        self.codes[code] = q["redirect_uri"]
        return Response(302, b"", {"Location": f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"})

    def _code(self, req: Request) -> Response:
        form = req.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return graph_error(400, 101, "Error validating client secret.")
        redirect = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or redirect is None or redirect != form.get("redirect_uri"):
            return graph_error(400, 100, "Invalid authorization code")
        return Response(200, {"access_token": self.issue(3600), "user_id": int(self.user_id)})

    def _exchange(self, req: Request) -> Response:
        q = req.query
        if q.get("grant_type") != "th_exchange_token" or q.get("client_secret") != self.client_secret:
            return graph_error(400, 100, "Invalid grant_type or client_secret")
        if self.tokens.get(q.get("access_token", ""), 0) < time.time():
            return graph_error(400, 190, "Invalid OAuth access token")
        return Response(200, {"access_token": self.issue(), "token_type": "bearer", "expires_in": 60 * 86400})

    def _refresh(self, req: Request) -> Response:
        q = req.query
        if q.get("grant_type") != "th_refresh_token" or self.tokens.get(q.get("access_token", ""), 0) < time.time():
            return graph_error(400, 190, "Invalid OAuth access token")
        return Response(200, {"access_token": self.issue(), "token_type": "bearer", "expires_in": 60 * 86400})

    def _me(self, req: Request) -> Response:
        return self._auth(req) or Response(200, {"id": self.user_id, "username": self.username})

    def _create(self, req: Request, user: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        if user != self.user_id:
            return graph_error(403, 10, "(#10) Application does not have permission for this action")
        form = {**req.query, **(req.form() if req.body else {})}
        kind, text = form.get("media_type"), form.get("text", "")
        if threads_length(text) > 500:
            return graph_error(400, 100, "The text is too long: posts are limited to 500 characters")
        container_id = str(next(self._ids))
        entry = {"kind": kind, "text": text, "status": "IN_PROGRESS", "polls": self.processing_polls, "error": None}
        if kind == "TEXT":
            if not text:
                return graph_error(400, 100, "text is required for TEXT posts")
            entry.update(status="FINISHED", polls=0)
        elif kind == "VIDEO":
            url = form.get("video_url", "")
            if not url.startswith(("http://", "https://")):
                return graph_error(400, 100, "video_url must be a URL")
            entry["video"] = self._fetch(url)
            if entry["video"] is None:
                entry.update(status="ERROR", error="FAILED_DOWNLOADING_VIDEO", polls=0)
        else:
            return graph_error(400, 100, "media_type must be TEXT, IMAGE, VIDEO or CAROUSEL")
        self.containers[container_id] = entry
        return Response(200, {"id": container_id})

    def _fetch(self, url: str) -> bytes | None:
        """Threads cURLs the video from the address it is given."""
        try:
            with httpx.Client(timeout=30) as http:
                response = http.get(url)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or b"ftyp" not in response.content[:16]:
            return None
        self.fetched.append(url)
        self.bytes_fetched += len(response.content)
        return response.content

    def _publish(self, req: Request, user: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        form = {**req.query, **(req.form() if req.body else {})}
        container = self.containers.get(form.get("creation_id", ""))
        if container is None:
            return graph_error(400, 100, "Invalid creation_id")
        if container["status"] == "PUBLISHED":
            return graph_error(400, 100, "This media has already been published")
        if container["status"] != "FINISHED":
            return graph_error(400, 24, "The media is not ready for publishing, please wait for a moment", subcode=4279001)
        media_id = str(next(self._ids))
        container["status"] = "PUBLISHED"
        self.media[media_id] = {"id": media_id, "text": container["text"], "media_type": container["kind"],
                                "permalink": f"https://www.threads.net/@{self.username}/post/C{media_id[-8:]}"}
        return Response(200, {"id": media_id})

    def _list(self, req: Request, user: str) -> Response:
        return self._auth(req) or Response(200, {"data": list(reversed(list(self.media.values())))})

    def _object(self, req: Request, object_id: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        if object_id in self.containers:
            entry = self.containers[object_id]
            if entry["status"] == "IN_PROGRESS":
                if entry["polls"] > 0:
                    entry["polls"] -= 1
                else:
                    entry["status"] = "FINISHED"
            body = {"id": object_id, "status": entry["status"]}
            if entry["error"]:
                body["error_message"] = entry["error"]
            return Response(200, body)
        if object_id in self.media:
            return Response(200, self.media[object_id])
        return graph_error(400, 100, "Unsupported get request")
