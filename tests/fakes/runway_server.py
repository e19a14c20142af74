"""A local stand-in for RunwayML's developer API, for pytest-httpserver, as documented today.

Contract (base URL ``https://api.dev.runwayml.com``):

- Every request carries ``Authorization: Bearer <key>`` and ``X-Runway-Version: 2024-11-06``;
  a missing, malformed or unknown version is refused with 400, a wrong key with 401.
  https://docs.dev.runwayml.com/api-details/versioning ,
  https://docs.dev.runwayml.com/errors/troubleshooting (keys look like ``key_`` + 128 hex
  characters; "be sure you're passing the key in the Authorization header").
- ``POST /v1/image_to_video`` with ``model`` (``gen4_turbo`` here), ``promptImage`` (an
  HTTPS URL or a base64 data URI of up to 5 MB; JPEG, PNG or WebP), ``promptText`` (optional,
  non-empty and at most 1000 characters when given), ``ratio`` (required for gen4_turbo: one of
  1280:720, 720:1280, 1104:832, 832:1104, 960:960, 1584:672), ``duration`` (2-10 s) and
  ``seed``; answers ``{"id": ...}``.
- ``POST /v1/text_to_video`` with ``model`` ``gen4.5``, ``promptText`` (required), ``ratio``
  1280:720 or 720:1280 and ``duration`` (required, 2-10 s).
  Both from the official SDK's generated types (github.com/runwayml/sdk-python,
  src/runwayml/types/image_to_video_create_params.py and text_to_video_create_params.py)
  and https://docs.dev.runwayml.com/api .
- ``GET /v1/tasks/{id}``: ``{"id", "createdAt", "status"}`` with status PENDING, THROTTLED,
  RUNNING (with ``progress``), SUCCEEDED (with ``output``: a list of URLs), FAILED (with
  ``failure`` and ``failureCode``) or CANCELLED; an unknown id is 404.
  (src/runwayml/types/task_retrieve_response.py in the SDK.)
- Errors: 400 with ``{"error": "..."}`` for a bad input, 401 for a bad key, 429 when an
  integration's limits are reached, 502/503/504 when Runway sheds load.
  https://docs.dev.runwayml.com/api-details/errors

Knobs for tests: ``rate_limit`` (requests allowed before 429), ``outage`` (a 5xx status
for every POST), ``fail_with`` (tasks end FAILED with this failure), ``polls_to_finish``
(how many GETs a task answers RUNNING first), ``never_finish``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
from dataclasses import dataclass, field

from werkzeug import Request, Response

API_VERSION = "2024-11-06"
IMAGE_RATIOS = {"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"}
TEXT_RATIOS = {"1280:720", "720:1280"}
DATA_URI_LIMIT = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass
class _Task:
    id: str
    kind: str
    body: dict
    polls: int = 0


@dataclass
class RunwayStandIn:
    key: str
    clip_url: str  # where a finished task's output is served
    rate_limit: int = 1000
    outage: int = 0
    fail_with: str = ""
    polls_to_finish: int = 1
    never_finish: bool = False
    tasks: dict[str, _Task] = field(default_factory=dict)
    created: list[dict] = field(default_factory=list)  # accepted task requests, in order
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, why) of every refusal

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- routing --------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        with self._lock:
            return self._answer(request)

    def _answer(self, request: Request) -> Response:
        refusal = self._check_headers(request)
        if refusal:
            return refusal
        if self.rate_limit <= 0:
            return self._error(429, "You have exceeded the rate limit for this integration.")
        self.rate_limit -= 1
        path = request.path
        if request.method == "POST" and path in ("/v1/image_to_video", "/v1/text_to_video"):
            if self.outage:
                return self._error(self.outage, "Runway is shedding load")
            return self._create(request, "image" if path == "/v1/image_to_video" else "text")
        if request.method == "GET" and path.startswith("/v1/tasks/"):
            return self._task(path.rsplit("/", 1)[1])
        if path in ("/v1/image_to_video", "/v1/text_to_video", "/v1/tasks"):
            return self._error(405, "Method not allowed")
        return self._error(404, "Not found")

    def _check_headers(self, request: Request) -> Response | None:
        version = request.headers.get("X-Runway-Version")
        if not version:
            return self._error(400, "The X-Runway-Version header is required.")
        if version != API_VERSION:
            return self._error(400, f"Unsupported API version {version!r}.")
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return self._error(401, "The provided API key is not valid.")
        return None

    # -- creating a task ----------------------------------------------------------------

    def _create(self, request: Request, kind: str) -> Response:
        try:
            body = json.loads(request.get_data() or b"")
        except ValueError:
            return self._error(400, "The request body is not valid JSON.")
        if not isinstance(body, dict):
            return self._error(400, "The request body must be an object.")
        problem = self._image_problem(body) if kind == "image" else self._text_problem(body)
        if problem:
            return self._error(400, problem)
        task = _Task(f"task-{next(self._ids):04d}", kind, body)
        self.tasks[task.id] = task
        self.created.append({"kind": kind, **body})
        return Response(json.dumps({"id": task.id}), status=200, content_type="application/json")

    def _image_problem(self, body: dict) -> str:
        if body.get("model") != "gen4_turbo":
            return f"model: expected 'gen4_turbo', got {body.get('model')!r}"
        image = body.get("promptImage")
        if not isinstance(image, str) or not image:
            return "promptImage: Required"
        if image.startswith("data:"):
            problem = self._data_uri_problem(image)
            if problem:
                return problem
        elif not image.startswith("https://"):
            return "promptImage: must be an HTTPS URL or a data URI"
        if body.get("ratio") not in IMAGE_RATIOS:
            return f"ratio: Invalid enum value. Expected one of {sorted(IMAGE_RATIOS)}, received {body.get('ratio')!r}"
        return self._common_problem(body, text_required=False)

    def _text_problem(self, body: dict) -> str:
        if body.get("model") != "gen4.5":
            return f"model: expected 'gen4.5', got {body.get('model')!r}"
        if body.get("ratio") not in TEXT_RATIOS:
            return f"ratio: Invalid enum value. Expected one of {sorted(TEXT_RATIOS)}, received {body.get('ratio')!r}"
        if "duration" not in body:
            return "duration: Required"
        return self._common_problem(body, text_required=True)

    @staticmethod
    def _common_problem(body: dict, *, text_required: bool) -> str:
        duration = body.get("duration", 5)
        if isinstance(duration, bool) or not isinstance(duration, int) or not 2 <= duration <= 10:
            return f"duration: must be an integer from 2 to 10, received {duration!r}"
        text = body.get("promptText")
        if text is None and text_required:
            return "promptText: Required"
        if text is not None and (not isinstance(text, str) or not text.strip() or len(text.encode("utf-16-le")) // 2 > 1000):
            return "promptText: must be a non-empty string of at most 1000 characters"
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= 4294967295):
            return "seed: must be an integer from 0 to 4294967295"
        return ""

    @staticmethod
    def _data_uri_problem(uri: str) -> str:
        head, _, payload = uri.partition(",")
        kind = head[5:].split(";")[0]
        if kind not in IMAGE_TYPES or ";base64" not in head:
            return "promptImage: a data URI must be a base64 JPEG, PNG or WebP image"
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return "promptImage: the data URI is not valid base64"
        if len(data) > DATA_URI_LIMIT:
            return "promptImage: data URIs are limited to 5MB"
        signatures = {"image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG", "image/webp": b"RIFF"}
        if not data.startswith(signatures[kind]):
            return "promptImage: Failed to decode the image"
        return ""

    # -- the task --------------------------------------------------------------------------

    def _task(self, task_id: str) -> Response:
        task = self.tasks.get(task_id)
        if task is None:
            return self._error(404, "Task not found")
        task.polls += 1
        answer = {"id": task.id, "createdAt": "2026-12-06T15:00:00.000Z"}
        if self.never_finish or task.polls <= self.polls_to_finish:
            answer.update(status="RUNNING" if task.polls > 1 else "PENDING", progress=min(0.9, task.polls / 10))
            if answer["status"] == "PENDING":
                answer.pop("progress")
        elif self.fail_with:
            answer.update(status="FAILED", failure=self.fail_with)
        else:
            answer.update(status="SUCCEEDED", output=[self.clip_url])
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def _error(self, status: int, message: str) -> Response:
        self.refused.append((status, message))
        return Response(json.dumps({"error": message}), status=status, content_type="application/json")
