"""A local stand-in for ElevenLabs' text-to-speech API, on 127.0.0.1.

Implements, as documented (elevenlabs.io/docs/api-reference/text-to-speech):

- ``POST /v1/text-to-speech/{voice_id}/with-timestamps``: JSON body with a
  required ``text``; ``output_format`` in the query; answers
  ``{"audio_base64", "alignment", "normalized_alignment"}`` where each alignment
  is ``{"characters", "character_start_times_seconds", "character_end_times_seconds"}``.
- ``POST /v1/text-to-speech/{voice_id}``: the same request, answered with the audio bytes.

Voices (elevenlabs.io/docs/api-reference/voices/search and
elevenlabs.io/docs/api-reference/voices/ivc/create):

- ``GET /v2/voices``: the account's voices, ``{"voices": [{"voice_id", "name",
  "category", "labels", "description", "preview_url"}], "has_more",
  "total_count", "next_page_token"}``; ``page_size`` (at most 100),
  ``next_page_token`` and ``search`` in the query.
- ``POST /v1/voices/add`` (instant voice cloning): multipart form with a
  required ``name`` and one or more ``files``, optional ``description``,
  ``labels`` (JSON) and ``remove_background_noise``; answers ``{"voice_id",
  "requires_verification"}`` and the voice joins the list as "cloned".

Every request must carry the ``xi-api-key`` header. A request that breaks the
contract (missing text, unknown field, malformed voice or model id, unknown
output format) is refused the way the API refuses it, and is kept in
``violations`` so a test can insist there were none.

Errors use ElevenLabs' documented body, ``{"detail": {"status": ..., "message": ...}}``
(newer answers add ``code``, ``type`` and ``request_id``). Queue scripted failures in
``failures``: "invalid_key", "quota", "rate_limit", "server_error".

The audio is a buzz for every spoken character and silence for spaces and
punctuation, so the character times are true of the audio.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import imageio_ffmpeg
import numpy as np

PATH = re.compile(r"^/v1/text-to-speech/(?P<voice_id>[^/]+)(?P<timestamps>/with-timestamps)?$")
VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")
MODEL_ID = re.compile(r"^eleven_[a-z0-9_]+$")
OUTPUT_FORMAT = re.compile(
    r"^(?P<codec>mp3|pcm)_(?P<rate>8000|16000|22050|24000|32000|44100|48000)(?:_(?P<kbps>\d+))?$"
)
BODY_FIELDS = {
    "text": str,
    "model_id": str,
    "language_code": str,
    "voice_settings": dict,
    "pronunciation_dictionary_locators": list,
    "seed": int,
    "previous_text": str,
    "next_text": str,
    "previous_request_ids": list,
    "next_request_ids": list,
    "use_pvc_as_ivc": bool,
    "apply_text_normalization": str,
    "apply_language_text_normalization": bool,
}
VOICE_SETTINGS = {"stability", "similarity_boost", "style", "use_speaker_boost", "speed"}

# Seconds per character of the made-up speech.
SPOKEN, SPACE, PAUSE = 0.065, 0.05, 0.15


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    api_key: str | None
    body: Any


@dataclass
class FakeElevenLabs:
    api_key: str = "test-elevenlabs-key"
    requests: list[Recorded] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering, to test cancelling
    voices: list[dict[str, Any]] = field(default_factory=lambda: [
        {"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel", "category": "premade",
         "labels": {"accent": "american", "gender": "female", "language": "en"}, "description": "calm"},
        {"voice_id": "pNInz6obpgDQGcFmaJgB", "name": "Adam", "category": "premade",
         "labels": {"accent": "american", "gender": "male", "language": "en"}, "description": "deep"},
    ])
    clones: list[dict[str, Any]] = field(default_factory=list)  # what each clone request sent
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeElevenLabs":
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-elevenlabs", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeElevenLabs
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        fake = self.server_fake
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        fake.requests.append(Recorded(url.path, query, self.headers.get("xi-api-key"), None))
        if url.path != "/v2/voices":
            self._send(404, json.dumps({"detail": "Not Found"}).encode(), "application/json")
            return
        if self.headers.get("xi-api-key") != fake.api_key:
            self._send(401, json.dumps(_error("invalid_api_key", "Invalid API key")).encode(), "application/json")
            return
        status, answer = _voice_page(fake.voices, query)
        if status != 200:
            fake.violations.append(json.dumps(answer))
        self._send(status, json.dumps(answer).encode(), "application/json")

    def _clone(self) -> None:
        fake = self.server_fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake.requests.append(Recorded("/v1/voices/add", {}, self.headers.get("xi-api-key"), None))
        if self.headers.get("xi-api-key") != fake.api_key:
            status, answer = 401, _error("invalid_api_key", "Invalid API key")
        else:
            status, answer = _clone(fake, self.headers.get("Content-Type", ""), raw)
            if status == 422:
                fake.violations.append(json.dumps(answer))
        self._send(status, json.dumps(answer).encode(), "application/json")

    def do_POST(self) -> None:
        fake = self.server_fake
        url = urlsplit(self.path)
        if url.path == "/v1/voices/add":
            self._clone()
            return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        fake.requests.append(Recorded(url.path, query, self.headers.get("xi-api-key"), body))
        if fake.delay:
            threading.Event().wait(fake.delay)
        status, answer = self._answer(url.path, query, body)
        if isinstance(answer, bytes):
            self._send(status, answer, "audio/mpeg")
        else:
            self._send(status, json.dumps(answer).encode(), "application/json")

    def _answer(self, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        fake = self.server_fake
        route = PATH.match(path)
        if not route:
            return 404, {"detail": "Not Found"}
        if self.headers.get("xi-api-key") != fake.api_key:
            return 401, _error("invalid_api_key", "Invalid API key")
        if fake.failures:
            return _scripted(fake.failures.pop(0), body)
        problem = _contract_problem(route["voice_id"], query, body, self.headers.get("Content-Type", ""))
        if problem:
            fake.violations.append(json.dumps(problem[1]))
            return problem
        output = OUTPUT_FORMAT.match(query.get("output_format", "mp3_44100_128"))
        assert output is not None
        audio, alignment = _speech(body["text"], output["codec"], int(output["rate"]))
        if not route["timestamps"]:
            return 200, audio
        return 200, {
            "audio_base64": base64.b64encode(audio).decode(),
            "alignment": alignment,
            "normalized_alignment": alignment,
        }

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if status == 429:
            self.send_header("Retry-After", "2")
        self.end_headers()
        self.wfile.write(payload)


def _error(status: str, message: str, **more: Any) -> dict[str, Any]:
    return {"detail": {"status": status, "message": message, **more}}


def _scripted(kind: str, body: Any) -> tuple[int, dict[str, Any]]:
    needed = len(body.get("text", "")) if isinstance(body, dict) else 0
    request_id = uuid.uuid4().hex
    if kind == "invalid_key":
        return 401, _error("invalid_api_key", "Invalid API key")
    if kind == "quota":
        # ElevenLabs answers an exhausted quota with 401, not 402 or 429.
        message = (
            f"This request exceeds your quota of 10000. You have 0 credits remaining,"
            f" while {needed} credits are required for this request."
        )
        return 401, _error("quota_exceeded", message)
    if kind == "rate_limit":
        message = "Too many requests in a short time; slow down."
        extra = {"code": "rate_limit_exceeded", "type": "rate_limit_error", "request_id": request_id}
        return 429, _error("rate_limit_exceeded", message, **extra)
    if kind == "server_error":
        return 500, _error("internal_error", "Internal server error", request_id=request_id)
    raise ValueError(f"unknown scripted failure {kind!r}")


def _invalid(kind: str, where: list[str], message: str) -> tuple[int, dict[str, Any]]:
    """A request validation error, in the API's (FastAPI) shape."""
    return 422, {"detail": [{"type": kind, "loc": where, "msg": message}]}


def _contract_problem(voice_id: str, query: dict[str, str], body: Any, content_type: str) -> tuple[int, Any] | None:
    if not content_type.startswith("application/json"):
        return _invalid("content_type", ["header", "content-type"], f"expected application/json, not {content_type!r}")
    if not isinstance(body, dict):
        return _invalid("model_attributes_type", ["body"], "Input should be a valid dictionary")
    if "text" not in body:
        return _invalid("missing", ["body", "text"], "Field required")
    for name, value in body.items():
        if name not in BODY_FIELDS:
            return _invalid("extra_forbidden", ["body", name], "Extra inputs are not permitted")
        if value is not None and not isinstance(value, BODY_FIELDS[name]):
            return _invalid("type_error", ["body", name], f"Input should be {BODY_FIELDS[name].__name__}")
    if not body["text"].strip():
        return 400, _error("invalid_parameters", "text must not be empty")
    if not VOICE_ID.match(voice_id):
        return 400, _error("voice_not_found", f"A voice with the voice_id {voice_id} was not found.")
    if "model_id" in body and not MODEL_ID.match(body["model_id"]):
        return 400, _error("model_not_found", f"A model with model ID {body['model_id']} does not exist.")
    settings = body.get("voice_settings") or {}
    if set(settings) - VOICE_SETTINGS or not 0.7 <= settings.get("speed", 1.0) <= 1.2:
        return _invalid("value_error", ["body", "voice_settings"], f"invalid voice_settings {settings}")
    if not OUTPUT_FORMAT.match(query.get("output_format", "mp3_44100_128")):
        return _invalid("enum", ["query", "output_format"], f"unknown output_format {query.get('output_format')!r}")
    return None


def _speech(text: str, codec: str, rate: int) -> tuple[bytes, dict[str, list]]:
    """A buzz per spoken character, silence for the rest, and its alignment."""
    starts, ends, pieces, clock = [], [], [], 0.0
    for char in text:
        length = SPACE if char.isspace() else SPOKEN if char.isalnum() else PAUSE
        samples = int(round(length * rate))
        t = np.arange(samples) / rate
        if char.isalnum():
            buzz = sum(np.sin(2 * np.pi * 130 * h * t) / h for h in (1, 2, 3, 4))
            pieces.append(0.25 * buzz)
        else:
            pieces.append(np.zeros(samples))
        starts.append(round(clock, 3))
        clock += samples / rate
        ends.append(round(clock, 3))
    pcm = (np.concatenate(pieces) * 32767).astype("<i2").tobytes() if pieces else b""
    alignment = {"characters": list(text), "character_start_times_seconds": starts, "character_end_times_seconds": ends}
    return (pcm if codec == "pcm" else _mp3(pcm, rate)), alignment


def _mp3(pcm: bytes, rate: int) -> bytes:
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate),
         "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3", "pipe:1"],
        input=pcm, capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout


def _voice_page(voices: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, Any]:
    size = query.get("page_size", "10")
    if not size.isdigit() or not 1 <= int(size) <= 100:
        return _invalid("less_than_equal", ["query", "page_size"], "Input should be less than or equal to 100")
    found = [v for v in voices if query.get("search", "").lower() in v["name"].lower()]
    start = int(query.get("next_page_token") or 0)
    page = found[start : start + int(size)]
    more = start + int(size) < len(found)
    answer = [{**v, "preview_url": f"https://storage.example.org/{v['voice_id']}.mp3"} for v in page]
    return 200, {"voices": answer, "has_more": more, "total_count": len(found),
                 "next_page_token": str(start + int(size)) if more else None}


def _clone(fake: FakeElevenLabs, content_type: str, raw: bytes) -> tuple[int, Any]:
    """Instant voice cloning from a multipart form, as documented."""
    if not content_type.startswith("multipart/form-data"):
        return _invalid("content_type", ["header", "content-type"], "expected multipart/form-data")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or name == "files":
            files.append((part.get_filename() or "", part.get_payload(decode=True) or b""))
        elif name:
            fields[name] = part.get_content().strip() if part.get_content_maintype() == "text" else ""
    unknown = set(fields) - {"name", "description", "labels", "remove_background_noise"}
    if unknown:
        return _invalid("extra_forbidden", ["body", sorted(unknown)[0]], "Extra inputs are not permitted")
    if not fields.get("name"):
        return _invalid("missing", ["body", "name"], "Field required")
    if not files:
        return _invalid("missing", ["body", "files"], "Field required")
    if any(not data for _, data in files):
        return 400, _error("invalid_audio", "One of the uploaded files is empty or not audio.")
    voice_id = uuid.uuid4().hex[:20]
    labels = json.loads(fields["labels"]) if fields.get("labels") else {}
    fake.voices.append({"voice_id": voice_id, "name": fields["name"], "category": "cloned", "labels": labels,
                        "description": fields.get("description", "")})
    fake.clones.append({"fields": fields, "files": [name for name, _ in files]})
    return 200, {"voice_id": voice_id, "requires_verification": False}
