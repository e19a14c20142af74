"""A local Bluesky: a PDS (sessions, service auth, records) and the video service.

Contract enforced (as documented today):
- https://docs.bsky.app/docs/api/com-atproto-server-create-session — identifier + password
  (an app password) → accessJwt/refreshJwt/did/handle; a wrong one is 401 AuthenticationRequired;
- https://docs.bsky.app/docs/api/com-atproto-server-get-service-auth — a token for ``aud`` and
  ``lxm``, expiring at most an hour ahead;
- https://docs.bsky.app/docs/tutorials/video — ``app.bsky.video.getUploadLimits`` and
  ``uploadVideo`` take only a service token (``aud`` did:web of the video service, resp. of the
  user's PDS with ``lxm`` com.atproto.repo.uploadBlob); the same video again is 409
  ``already_exists`` with its jobId; ``getJobStatus`` reports JOB_STATE_* and, once complete, the blob;
- https://docs.bsky.app/docs/advanced-guides/post-richtext — facets index UTF-8 bytes;
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json — text at
  most 300 graphemes / 3000 bytes; an embedded video blob must exist;
- ``createRecord`` with an rkey already used is refused; ``getRecord`` of a missing key is
  400 RecordNotFound.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import time
from urllib.parse import urlparse

import regex

from .oauth_server import FakeServer, Request, Response

TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload: dict) -> str:
    header = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}.{_b64(secrets.token_bytes(32))}"


def jwt_payload(token: str) -> dict:
    try:
        body = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError):
        return {}


def xrpc_error(status: int, error: str, message: str, **extra) -> Response:
    return Response(status, {"error": error, "message": message, **extra})


class FakeBluesky(FakeServer):
    def __init__(self, *, handle: str = "nexus.bsky.social", password: str = "abcd-efgh-ijkl-mnop",
                 did: str = "did:plc:z72i7hdynmk6r22z27h6tvur") -> None:
        super().__init__()
        self.handle, self.password, self.did = handle, password, did
        self.sessions: set[str] = set()
        self.service_tokens: dict[str, dict] = {}
        self.jobs: dict[str, dict] = {}
        self.by_digest: dict[str, str] = {}
        self.blobs: set[str] = set()
        self.records: dict[str, dict] = {}  # rkey → record
        self.uploads = 0
        self.bytes_received = 0
        self.processing_polls = 2
        self.can_upload = True
        self._ids = itertools.count(1)
        for name, handler in (("com.atproto.server.createSession", self._create_session),
                              ("com.atproto.repo.createRecord", self._create_record),
                              ("app.bsky.video.uploadVideo", self._upload)):
            self.route("POST", f"/xrpc/{re.escape(name)}", handler)
        for name, handler in (("com.atproto.server.getServiceAuth", self._service_auth),
                              ("app.bsky.video.getUploadLimits", self._limits),
                              ("app.bsky.video.getJobStatus", self._job),
                              ("com.atproto.repo.getRecord", self._get_record)):
            self.route("GET", f"/xrpc/{re.escape(name)}", handler)

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or ""

    def revoke_sessions(self) -> None:
        """The creator deleted the app password: its sessions die and it no longer signs in."""
        self.sessions.clear()
        self.password = secrets.token_hex(8)

    def _session(self, req: Request) -> Response | None:
        if req.bearer not in self.sessions:
            return xrpc_error(401, "InvalidToken", "Token could not be verified")
        return None

    def _create_session(self, req: Request) -> Response:
        body = req.json() or {}
        if body.get("identifier") not in (self.handle, self.did) or body.get("password") != self.password:
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        now = int(time.time())
        access = make_jwt({"scope": "com.atproto.appPass", "sub": self.did, "iat": now, "exp": now + 7200, "aud": f"did:web:{self.host}"})
        self.sessions.add(access)
        refresh = make_jwt({"scope": "com.atproto.refresh", "sub": self.did, "iat": now, "exp": now + 90 * 86400, "jti": secrets.token_hex(8)})
        return Response(200, {"accessJwt": access, "refreshJwt": refresh, "handle": self.handle, "did": self.did,
                              "email": "nexus@example.org", "emailConfirmed": True, "active": True})

    def _service_auth(self, req: Request) -> Response:
        if (denied := self._session(req)) is not None:
            return denied
        q = req.query
        exp = int(q.get("exp") or time.time() + 60)
        if not q.get("aud", "").startswith("did:"):
            return xrpc_error(400, "InvalidRequest", "aud must be a DID")
        if exp > time.time() + 3600 or (exp > time.time() + 60 and not q.get("lxm")):
            return xrpc_error(400, "BadExpiration", "expiration is too far in the future")
        token = make_jwt({"iss": self.did, "aud": q["aud"], "lxm": q.get("lxm"), "exp": exp, "jti": secrets.token_hex(8)})
        self.service_tokens[token] = {"aud": q["aud"], "lxm": q.get("lxm"), "exp": exp}
        return Response(200, {"token": token})

    def _service(self, req: Request, lxm: str) -> Response | None:
        grant = self.service_tokens.get(req.bearer or "")
        if grant is None or grant["exp"] < time.time():
            return xrpc_error(401, "AuthMissing", "Authentication Required")
        if grant["lxm"] != lxm or grant["aud"] != f"did:web:{self.host}":
            return xrpc_error(401, "BadJwtAudience", f"jwt audience or lexicon method does not match {lxm}")
        return None

    def _limits(self, req: Request) -> Response:
        if (denied := self._service(req, "app.bsky.video.getUploadLimits")) is not None:
            return denied
        if not self.can_upload:
            return Response(200, {"canUpload": False, "error": "unconfirmed_email", "message": "Please confirm your email"})
        return Response(200, {"canUpload": True, "remainingDailyVideos": 25, "remainingDailyBytes": 10 * 1024**3})

    def _upload(self, req: Request) -> Response:
        if (denied := self._service(req, "com.atproto.repo.uploadBlob")) is not None:
            return denied
        if req.query.get("did") != self.did:
            return xrpc_error(400, "InvalidRequest", "did does not match the token")
        if req.headers.get("content-type") != "video/mp4":
            return xrpc_error(400, "InvalidRequest", "unsupported content type")
        self.uploads += 1
        self.bytes_received += len(req.body)
        if len(req.body) > 100 * 1024 * 1024:
            return xrpc_error(413, "PayloadTooLarge", "video is larger than 100 MB")
        digest = hashlib.sha256(req.body).hexdigest()
        if digest in self.by_digest:
            return xrpc_error(409, "already_exists", "Video already processed", jobId=self.by_digest[digest])
        job_id = f"job-{next(self._ids)}-{secrets.token_hex(4)}"
        cid = "bafkrei" + base64.b32encode(hashlib.sha256(req.body).digest()).decode().lower().rstrip("=")[:52]
        self.jobs[job_id] = {"polls": self.processing_polls, "cid": cid, "size": len(req.body)}
        self.by_digest[digest] = job_id
        return Response(200, {"did": self.did, "jobId": job_id, "state": "JOB_STATE_CREATED"})

    def _job(self, req: Request) -> Response:
        job = self.jobs.get(req.query.get("jobId", ""))
        if job is None:
            return xrpc_error(404, "NotFound", "job not found")
        status = {"jobId": req.query["jobId"], "did": self.did, "state": "JOB_STATE_ENCODING", "progress": 40}
        if job["polls"] > 0:
            job["polls"] -= 1
            return Response(200, {"jobStatus": status})
        self.blobs.add(job["cid"])
        status.update(state="JOB_STATE_COMPLETED", progress=100,
                      blob={"$type": "blob", "ref": {"$link": job["cid"]}, "mimeType": "video/mp4", "size": job["size"]})
        return Response(200, {"jobStatus": status})

    def _create_record(self, req: Request) -> Response:
        if (denied := self._session(req)) is not None:
            return denied
        body = req.json() or {}
        record, rkey = body.get("record") or {}, body.get("rkey") or f"3l{secrets.token_hex(6)[:11]}"
        if body.get("repo") != self.did or body.get("collection") != "app.bsky.feed.post" or record.get("$type") != "app.bsky.feed.post":
            return xrpc_error(400, "InvalidRequest", "repo, collection and record $type must match")
        if not TID.fullmatch(rkey):
            return xrpc_error(400, "InvalidRequest", "rkey must be a TID")
        if rkey in self.records:
            return xrpc_error(400, "InvalidRequest", "Record already exists")
        text = record.get("text", "")
        if len(regex.findall(r"\X", text)) > 300 or len(text.encode()) > 3000:
            return xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
        raw = text.encode()
        for facet in record.get("facets") or []:
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            if not 0 <= start < end <= len(raw):
                return xrpc_error(400, "InvalidRequest", "facet index out of range")
            raw[start:end].decode()  # a facet must cut at character boundaries
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.video":
            link = ((embed.get("video") or {}).get("ref") or {}).get("$link")
            if link not in self.blobs:
                return xrpc_error(400, "InvalidRequest", f"Could not find blob: {link}")
        self.records[rkey] = record
        return Response(200, {"uri": f"at://{self.did}/app.bsky.feed.post/{rkey}", "cid": "bafyrei" + secrets.token_hex(26),
                              "validationStatus": "valid"})

    def _get_record(self, req: Request) -> Response:
        q = req.query
        record = self.records.get(q.get("rkey", "")) if q.get("repo") == self.did else None
        if record is None:
            return xrpc_error(400, "RecordNotFound", f"Could not locate record: at://{q.get('repo')}/{q.get('collection')}/{q.get('rkey')}")
        return Response(200, {"uri": f"at://{self.did}/app.bsky.feed.post/{q['rkey']}", "cid": "bafyrei" + "0" * 52, "value": record})
