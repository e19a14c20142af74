"""A local Mastodon instance: app registration, OAuth, instance limits, media and statuses.

Contract enforced (docs.joinmastodon.org, as of today):
- https://docs.joinmastodon.org/methods/apps/ — ``POST /api/v1/apps`` needs client_name and
  redirect_uris; the app's client id/secret are good only on this instance;
- https://docs.joinmastodon.org/methods/oauth/ — ``/oauth/authorize`` (code flow) and
  ``/oauth/token`` check client, redirect_uri and code; tokens never expire (revocable);
- https://docs.joinmastodon.org/methods/instance/#v2 — ``configuration.statuses.max_characters``
  and ``characters_reserved_per_url``, ``media_attachments.video_size_limit``;
- https://docs.joinmastodon.org/methods/media/#v2 — ``POST /api/v2/media`` answers 202 with
  ``url: null`` while the video is processed; ``GET /api/v1/media/:id`` is 206 until done;
- https://docs.joinmastodon.org/methods/statuses/#create — text over the limit (links count
  23) is 422; unprocessed media is 422; the same ``Idempotency-Key`` returns the same status.
"""

from __future__ import annotations

import itertools
import re
import secrets
from urllib.parse import parse_qs, urlencode

from .oauth_server import FakeServer, Request, Response

URL = re.compile(r"https?://\S+")


def _form_lists(req: Request) -> dict[str, list[str]]:
    if req.headers.get("content-type", "").startswith("multipart/form-data"):
        return {k: [v.decode("utf-8", "replace")] for k, v in req.multipart().items()}
    if req.headers.get("content-type", "").startswith("application/json"):
        return {k: v if isinstance(v, list) else [str(v)] for k, v in (req.json() or {}).items()}
    return parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)


class FakeMastodon(FakeServer):
    def __init__(self, *, max_characters: int = 500, video_size_limit: int = 99 * 1024 * 1024, username: str = "nexus") -> None:
        super().__init__()
        self.max_characters = max_characters
        self.video_size_limit = video_size_limit
        self.username = username
        self.account_id = "109876543210"
        self.processing_polls = 2  # GETs answered 206 before a video is ready
        self.apps: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.tokens: set[str] = set()
        self.media: dict[str, dict] = {}
        self.statuses: dict[str, dict] = {}
        self.keys: dict[str, str] = {}  # Idempotency-Key → status id
        self.uploads = 0
        self.bytes_received = 0
        self._ids = itertools.count(110000000000000001)
        self.route("POST", r"/api/v1/apps", self._apps)
        self.route("GET", r"/\.well-known/oauth-authorization-server", self._oauth_info)
        self.route("GET", r"/oauth/authorize", self._authorize)
        self.route("POST", r"/oauth/token", self._token)
        self.route("GET", r"/api/v1/accounts/verify_credentials", self._me)
        self.route("GET", r"/api/v2/instance/?", self._instance)
        self.route("GET", r"/api/v1/instance/?", self._instance_v1)
        self.route("POST", r"/api/v2/media", self._upload)
        self.route("GET", r"/api/v1/media/(?P<media_id>\d+)", self._media)
        self.route("POST", r"/api/v1/statuses", self._status)
        self.route("GET", r"/api/v1/accounts/(?P<account>\d+)/statuses", self._account_statuses)

    def issue_token(self) -> str:
        token = f"mastodon-{secrets.token_hex(12)}"
        self.tokens.add(token)
        return token

    def revoke_all(self) -> None:
        self.tokens.clear()

    def _auth(self, req: Request) -> Response | None:
        if req.bearer not in self.tokens:
            return Response(401, {"error": "The access token is invalid"})
        return None

    # -- apps and OAuth ---------------------------------------------------------------------

    def _apps(self, req: Request) -> Response:
        form = {k: v[0] for k, v in _form_lists(req).items()}
        if not form.get("client_name") or not form.get("redirect_uris"):
            return Response(422, {"error": "Validation failed: Application name can't be blank, Redirect URI can't be blank"})
        client_id, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
        self.apps[client_id] = {"secret": secret, "redirect_uris": form["redirect_uris"].split(), "scopes": form.get("scopes", "read")}
        return Response(200, {"id": str(len(self.apps)), "name": form["client_name"], "website": form.get("website"),
                              "redirect_uri": form["redirect_uris"], "redirect_uris": form["redirect_uris"].split(),
                              "client_id": client_id, "client_secret": secret, "scopes": form.get("scopes", "read").split()})

    def _oauth_info(self, req: Request) -> Response:
        return Response(200, {"issuer": self.url + "/", "authorization_endpoint": f"{self.url}/oauth/authorize",
                              "token_endpoint": f"{self.url}/oauth/token", "response_types_supported": ["code"],
                              "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
                              "code_challenge_methods_supported": ["S256"],
                              "scopes_supported": ["read", "write", "read:accounts", "read:statuses", "write:media", "write:statuses"]})

    def _authorize(self, req: Request) -> Response:
        q = req.query
        app = self.apps.get(q.get("client_id", ""))
        if app is None or q.get("response_type") != "code":
            return Response(400, "The client is unknown")
        if q.get("redirect_uri") not in app["redirect_uris"]:
            return Response(400, "The redirect uri included is not valid.")
        asked, allowed = set(q.get("scope", "read").split()), set(app["scopes"].split())
        if not asked <= allowed:
            return Response(400, "The requested scope is invalid, unknown, or malformed.")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"client_id": q["client_id"], "redirect_uri": q["redirect_uri"]}
        location = f"{q['redirect_uri']}?{urlencode({'code': code, **({'state': q['state']} if q.get('state') else {})})}"
        return Response(302, b"", {"Location": location})

    def _token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in _form_lists(req).items()}
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app["secret"] != form.get("client_secret"):
            return Response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        code = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or code is None or code["redirect_uri"] != form.get("redirect_uri"):
            return Response(400, {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"})
        return Response(200, {"access_token": self.issue_token(), "token_type": "Bearer", "scope": app["scopes"], "created_at": 1765000000})

    # -- API --------------------------------------------------------------------------------

    def _account(self) -> dict:
        return {"id": self.account_id, "username": self.username, "acct": self.username, "display_name": "Nexus",
                "url": f"{self.url}/@{self.username}", "created_at": "2024-01-01T00:00:00.000Z", "locked": False, "bot": False}

    def _me(self, req: Request) -> Response:
        return self._auth(req) or Response(200, self._account())

    def _instance(self, req: Request) -> Response:
        return Response(200, {
            "domain": "127.0.0.1", "title": "Local test instance", "version": "4.3.2", "source_url": "https://github.com/mastodon/mastodon",
            "api_versions": {"mastodon": 2},
            "configuration": {
                "urls": {"streaming": "wss://127.0.0.1"},
                "statuses": {"max_characters": self.max_characters, "max_media_attachments": 4, "characters_reserved_per_url": 23},
                "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "video/mp4", "video/webm", "video/quicktime"],
                                      "image_size_limit": 16777216, "image_matrix_limit": 33177600,
                                      "video_size_limit": self.video_size_limit, "video_frame_rate_limit": 120,
                                      "video_matrix_limit": 8294400},
            },
        })

    def _instance_v1(self, req: Request) -> Response:
        return Response(200, {"uri": "127.0.0.1", "title": "Local test instance", "version": "4.3.2",
                              "configuration": self._instance(req).body["configuration"]})

    def _upload(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        parts = req.multipart() if req.headers.get("content-type", "").startswith("multipart/form-data") else {}
        data = parts.get("file")
        if not data:
            return Response(422, {"error": "Validation failed: File can't be blank"})
        self.uploads += 1
        self.bytes_received += len(data)
        if len(data) > self.video_size_limit:
            return Response(422, {"error": f"Validation failed: File file size must be less than {self.video_size_limit} Bytes"})
        media_id = str(next(self._ids))
        self.media[media_id] = {"id": media_id, "type": "video", "url": None, "preview_url": f"{self.url}/p/{media_id}.png",
                                "remote_url": None, "description": parts.get("description", b"").decode() or None,
                                "blurhash": None, "meta": {}, "polls": self.processing_polls}
        return Response(202, self._public(media_id))

    def _public(self, media_id: str) -> dict:
        return {k: v for k, v in self.media[media_id].items() if k != "polls"}

    def _media(self, req: Request, media_id: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        media = self.media.get(media_id)
        if media is None:
            return Response(404, {"error": "Record not found"})
        if media["polls"] > 0:
            media["polls"] -= 1
            return Response(206, self._public(media_id))
        media["url"] = f"{self.url}/system/media/{media_id}.mp4"
        return Response(200, self._public(media_id))

    def _status(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        key = req.headers.get("idempotency-key")
        if key and key in self.keys:
            return Response(200, self.statuses[self.keys[key]])
        form = _form_lists(req)
        text = (form.get("status") or [""])[0]
        media_ids = form.get("media_ids[]") or form.get("media_ids") or []
        if not text and not media_ids:
            return Response(422, {"error": "Validation failed: Text can't be blank"})
        counted = len(URL.sub("x" * 23, text))
        if counted > self.max_characters:
            return Response(422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"})
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None:
                return Response(422, {"error": "Validation failed: Media attachments are invalid"})
            if media["url"] is None:
                return Response(422, {"error": "Cannot attach files that have not finished processing. Try again in a moment!"})
        status_id = str(next(self._ids))
        self.statuses[status_id] = {
            "id": status_id, "uri": f"{self.url}/users/{self.username}/statuses/{status_id}",
            "url": f"{self.url}/@{self.username}/{status_id}", "content": f"<p>{text}</p>", "text": text,
            "visibility": (form.get("visibility") or ["public"])[0], "created_at": "2026-12-06T12:00:00.000Z",
            "account": self._account(), "media_attachments": [self._public(m) for m in media_ids],
            "sensitive": False, "spoiler_text": "", "mentions": [], "tags": [], "emojis": [],
        }
        if key:
            self.keys[key] = status_id
        return Response(200, self.statuses[status_id])

    def _account_statuses(self, req: Request, account: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        found = [s for s in reversed(list(self.statuses.values())) if s["account"]["id"] == account]
        return Response(200, found[: int(req.query.get("limit", 20))])
