"""A local OAuth 2.0 authorization server, and the small HTTP server the platform fakes share.

``FakeOAuthServer`` follows RFC 6749 (authorization code, refresh token) with
RFC 7636 PKCE (S256) and the Graph API's ``fb_exchange_token`` grant. It issues
the bearer tokens the platform fakes accept, and lets a test expire one, revoke
a refresh token, or see how often each grant was used.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            return {k: v.decode("utf-8", "replace") for k, v in self.multipart().items()}
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def multipart(self) -> dict[str, bytes]:
        raw = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        parts = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts[name] = part.get_payload(decode=True) or b""
        return parts

    @property
    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme) :]
        return None


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str as is
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Response]


@dataclass
class Scripted:
    """A failure the test asks for: the next request matching ``method``/``pattern`` gets it."""

    method: str
    pattern: str
    response: Response
    times: int = 1


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with a free port and a tiny router."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self.scripted: list[Scripted] = []
        self.lock = threading.RLock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urlparse(self.path)
                request = Request(
                    self.command,
                    parsed.path,
                    {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                response = fake.dispatch(request)
                if response.status == 0:  # the request was handled but its answer is lost on the way
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = response.body
                headers = dict(response.headers)
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload).encode()
                    headers.setdefault("Content-Type", "application/json; charset=UTF-8")
                elif isinstance(payload, str):
                    payload = payload.encode()
                    headers.setdefault("Content-Type", "text/html; charset=utf-8")
                payload = payload or b""
                self.send_response(response.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), handler))

    def script(self, method: str, pattern: str, status: int, body: Any = None, headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next ``times`` matching requests with this response instead."""
        with self.lock:
            self.scripted.append(Scripted(method, pattern, Response(status, body, headers or {}), times))

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
            for item in self.scripted:
                if item.method == request.method and re.fullmatch(item.pattern, request.path):
                    item.times -= 1
                    if item.times <= 0:
                        self.scripted.remove(item)
                    return item.response
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                with self.lock:
                    return handler(request, **match.groupdict())
        return Response(404, {"error": {"code": 404, "message": f"no route {request.method} {request.path}"}})

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for r in self.requests if r.method == method and re.fullmatch(pattern, r.path))


@dataclass
class Grant:
    subject: str
    client_id: str
    scope: str
    expires_at: float


class FakeOAuthServer(FakeServer):
    """Authorization and token endpoints; the platform fakes ask it whether a bearer token is valid."""

    def __init__(self, *, expires_in: int = 3600, require_pkce: bool = True, rotate_refresh: bool = False) -> None:
        super().__init__()
        self.expires_in = expires_in
        self.require_pkce = require_pkce
        self.rotate_refresh = rotate_refresh
        self.clients: dict[str, str | None] = {}  # client_id -> secret
        self.subject = "user-1"  # who "signs in" in the browser
        self.codes: dict[str, dict[str, str]] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.grants_used: list[str] = []
        # Meta and LinkedIn take only the redirect URIs registered with the app, HTTPS outside development.
        self.registered_redirects: set[str] = set()
        self.loopback_allowed = True
        self._ids = itertools.count(1)
        self.route("GET", "/o/authorize", self._authorize)
        self.route("POST", "/o/token", self._token)
        # The Graph API takes its token grants at /<version>/oauth/access_token.
        self.route("POST", r"/v[\d.]+/oauth/access_token", self._token)

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/o/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.url}/o/token"

    def register_client(self, client_id: str, secret: str | None) -> None:
        self.clients[client_id] = secret

    def issue(self, subject: str = "user-1", client_id: str = "client", scope: str = "") -> dict[str, Any]:
        n = next(self._ids)
        access = f"fake-access-{n}-{secrets.token_hex(8)}"
        refresh = f"fake-refresh-{n}-{secrets.token_hex(8)}"
        grant = Grant(subject, client_id, scope, time.time() + self.expires_in)
        self.access[access] = grant
        self.refresh[refresh] = grant
        return {"access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": self.expires_in, "scope": scope}

    def expire(self, token: str) -> None:
        self.access[token].expires_at = 0

    def expire_all(self) -> None:
        for grant in self.access.values():
            grant.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        self.refresh.clear()

    def subject_of(self, token: str | None) -> str | None:
        """The user a bearer token belongs to, or None when it is missing, unknown or expired."""
        grant = self.access.get(token or "")
        if grant is None or grant.expires_at <= time.time():
            return None
        return grant.subject

    def scopes_of(self, token: str | None) -> set[str]:
        """The scopes the creator granted to this token (space- or comma-separated when asked)."""
        grant = self.access.get(token or "")
        return set(grant.scope.replace(",", " ").split()) if grant else set()

    # -- endpoints ----------------------------------------------------------------------------

    def _authorize(self, req: Request) -> Response:
        q = req.query
        missing = [k for k in ("response_type", "client_id", "redirect_uri", "state") if not q.get(k)]
        if missing or q["response_type"] != "code" or q["client_id"] not in self.clients:
            return Response(400, f"invalid authorization request: {missing or q.get('client_id')}")
        redirect = urlparse(q["redirect_uri"])
        loopback = redirect.scheme == "http" and redirect.hostname == "127.0.0.1"  # RFC 8252 loopback redirect
        if q["redirect_uri"] in self.registered_redirects:
            pass  # Meta and LinkedIn: the exact HTTPS address registered with the app
        elif not loopback or not self.loopback_allowed:
            return Response(400, "redirect_uri does not match a registered redirect URI")
        if self.require_pkce and (not q.get("code_challenge") or q.get("code_challenge_method") != "S256"):
            return Response(400, "PKCE S256 code_challenge required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "client_id": q["client_id"],
            "redirect_uri": q["redirect_uri"],
            "challenge": q.get("code_challenge", ""),
            "scope": q.get("scope", ""),
        }
        location = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return Response(302, b"", {"Location": location})

    def _client(self, req: Request, form: dict[str, str]) -> str | None:
        auth = req.headers.get("authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret")
        if client_id not in self.clients:
            return None
        expected = self.clients[client_id]
        return client_id if expected is None or expected == secret else None

    def _token(self, req: Request) -> Response:
        form = {**req.query, **req.form()}
        client_id = self._client(req, form)
        if client_id is None:
            return Response(401, {"error": "invalid_client"})
        grant_type = form.get("grant_type", "")
        self.grants_used.append(grant_type)
        if grant_type == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)
            if code is None or code["redirect_uri"] != form.get("redirect_uri") or code["client_id"] != client_id:
                return Response(400, {"error": "invalid_grant", "error_description": "bad code or redirect_uri"})
            if code["challenge"]:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if digest != code["challenge"]:
                    return Response(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            return Response(200, self.issue(self.subject, client_id, code["scope"]))
        if grant_type == "refresh_token":
            grant = self.refresh.get(form.get("refresh_token", ""))
            if grant is None:
                return Response(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
            issued = self.issue(grant.subject, client_id, grant.scope)
            self.refresh.pop(issued["refresh_token"])
            if self.rotate_refresh:
                self.refresh.pop(form["refresh_token"])
                self.refresh[issued["refresh_token"]] = grant
            else:
                issued.pop("refresh_token")
            return Response(200, issued)
        if grant_type == "fb_exchange_token":
            subject = self.subject_of(form.get("fb_exchange_token"))
            if subject is None:
                return Response(400, {"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}})
            # The exchanged token keeps the permissions the creator granted.
            issued = self.issue(subject, client_id, self.access[form["fb_exchange_token"]].scope)
            self.refresh.pop(issued.pop("refresh_token"))
            issued["expires_in"] = max(self.expires_in, 60 * 24 * 3600) if self.expires_in >= 3600 else self.expires_in
            self.access[issued["access_token"]].expires_at = time.time() + issued["expires_in"]
            return Response(200, issued)
        return Response(400, {"error": "unsupported_grant_type"})


def browser_landing_address(url: str, *, timeout: float = 10) -> str:
    """What the creator's browser shows after consenting where the redirect is a registered HTTPS page:
    the address it was sent to (the page itself is never loaded here, it is not on this machine)."""
    import httpx

    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        response = client.get(url)
    if response.status_code != 302:
        raise AssertionError(f"the consent page refused: {response.status_code} {response.text}")
    return response.headers["location"]


def play_browser(url: str, *, timeout: float = 10) -> None:
    """What the creator's browser does: open the consent page, consent, follow the redirect home."""
    import httpx

    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        response = client.get(url)
        response.raise_for_status()
