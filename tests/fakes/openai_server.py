"""A local stand-in for POST /v1/chat/completions, on 127.0.0.1.

It checks requests the way the documented API does (bearer key, a model, a list
of role/content messages, a known response_format, JSON mode requiring the word
"json" in the messages) and answers with the documented shapes: a
``chat.completion`` object with ``usage``, or ``{"error": {message, type, param,
code}}``. Tests queue the replies (a script as JSON, broken text, a slow answer,
401, 429, 500) and read back every request it received.

    with FakeOpenAI() as server:
        server.queue(Reply.json({...}))
        OpenAI(base_url=server.base_url, api_key="k").chat.completions.create(...)
        server.requests[0].body["model"]

``FakeOpenAI(like_llama_cpp=True, context_tokens=4096)`` also behaves like a
local llama.cpp server (tools/server/README.md in ggml-org/llama.cpp): GET /props
reports ``default_generation_settings.n_ctx``; a prompt plus ``max_tokens`` over
the context is refused with 400 ``exceed_context_size_error`` carrying
``n_prompt_tokens`` and ``n_ctx``; a ``json_schema`` response format the build
cannot turn into a grammar answers 500 ``server_error``. Prompt tokens are
counted as characters / 4. ``Reply.cut_off`` answers with ``finish_reason:
"length"`` and half a JSON object, as a model stopped at its token cap does.
A tour of the endpoints: https://mvysny.github.io/llama-server-endpoints/
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})
# The request fields of the documented endpoint; anything else is "unrecognized".
KNOWN_FIELDS = frozenset(
    {"model", "messages", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
     "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
     "presence_penalty", "prompt_cache_key", "reasoning_effort", "response_format", "safety_identifier", "seed",
     "service_tier", "stop", "store", "stream", "stream_options", "temperature", "tool_choice", "tools",
     "top_logprobs", "top_p", "user", "verbosity", "web_search_options"}
)


@dataclass
class Reply:
    """One canned answer. Build with the class methods."""

    status: int = 200
    content: str | None = None
    error: dict[str, Any] | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    usage: tuple[int, int] = (120, 80)  # prompt_tokens, completion_tokens
    finish_reason: str = "stop"

    @classmethod
    def json(cls, data: Any, *, usage: tuple[int, int] = (120, 80)) -> "Reply":
        return cls(content=json.dumps(data), usage=usage)

    @classmethod
    def text(cls, content: str, *, usage: tuple[int, int] = (120, 80)) -> "Reply":
        return cls(content=content, usage=usage)

    @classmethod
    def cut_off(cls, data: Any, *, usage: tuple[int, int] = (120, 1024)) -> "Reply":
        text = json.dumps(data)
        return cls(content=text[: len(text) // 2], usage=usage, finish_reason="length")

    @classmethod
    def slow(cls, seconds: float, then: "Reply | None" = None) -> "Reply":
        reply = then or cls(content="{}")
        reply.delay = seconds
        return reply

    @classmethod
    def fail(cls, status: int, message: str, *, type: str, code: str | None = None,
             headers: dict[str, str] | None = None) -> "Reply":
        return cls(status=status, error=_error(message, type, code=code), headers=headers or {})

    @classmethod
    def unauthorized(cls) -> "Reply":
        return cls.fail(401, "Incorrect API key provided: sk-...abcd.", type="invalid_request_error",
                        code="invalid_api_key")

    @classmethod
    def rate_limited(cls, retry_after: float = 7) -> "Reply":
        return cls.fail(429, "Rate limit reached for requests", type="requests", code="rate_limit_exceeded",
                        headers={"retry-after": f"{retry_after:g}"})

    @classmethod
    def server_error(cls) -> "Reply":
        return cls.fail(500, "The server had an error while processing your request.", type="server_error")


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: Any


def _error(message: str, type: str, *, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


class ContractError(Exception):
    """A request the real API would refuse: (status, error body)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body


def _invalid(message: str, param: str | None = None, code: str | None = None) -> ContractError:
    return ContractError(400, _error(message, "invalid_request_error", param=param, code=code))


def check_request(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    """The parsed body of a valid request, or ContractError as the API would answer."""
    auth = headers.get("authorization", "")
    if not auth.startswith("Bearer ") or not auth[len("Bearer "):].strip():
        raise ContractError(401, _error(
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error"))
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                       "using your HTTP library correctly.)") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise _invalid(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
    _check_model_and_messages(body)
    _check_options(body)
    return body


def _check_model_and_messages(body: dict[str, Any]) -> None:
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _invalid("you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("[] is too short - 'messages'" if messages == [] else "Missing required parameter: 'messages'.",
                       param="messages")
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise _invalid(f"Invalid value for '{where}.role': expected one of {sorted(ROLES)}.", param=f"{where}.role")
        content = message.get("content")
        if not (isinstance(content, (str, list)) or (content is None and message["role"] == "assistant")):
            raise _invalid(f"Invalid type for '{where}.content': expected a string or an array.",
                           param=f"{where}.content")
        if message["role"] == "tool" and not message.get("tool_call_id"):
            raise _invalid(f"Missing required parameter: '{where}.tool_call_id'.", param=f"{where}.tool_call_id")


def _check_options(body: dict[str, Any]) -> None:
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
        raise _invalid("Invalid 'temperature': must be between 0 and 2.", param="temperature")
    if body.get("stream"):
        raise _invalid("this fake does not stream", param="stream")
    if body.get("n", 1) != 1:
        raise _invalid("this fake answers with one choice only", param="n")
    response_format = body.get("response_format")
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind not in RESPONSE_FORMATS:
        raise _invalid(f"Invalid value: '{kind}'. Supported values are: 'json_object', 'json_schema', and 'text'.",
                       param="response_format.type")
    if kind == "json_schema":
        schema = response_format.get("json_schema")
        if not isinstance(schema, dict) or not schema.get("name"):
            raise _invalid("Missing required parameter: 'response_format.json_schema.name'.",
                           param="response_format.json_schema.name")
    if kind == "json_object" and "json" not in json.dumps(body["messages"]).lower():
        raise _invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                       "'json_object'.", param="messages")


def completion(model: str, reply: Reply) -> dict[str, Any]:
    prompt, completion_tokens = reply.usage
    return {
        "id": f"chatcmpl-fake{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply.content, "refusal": None},
            "logprobs": None,
            "finish_reason": reply.finish_reason,
        }],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
                  "total_tokens": prompt + completion_tokens},
        "system_fingerprint": "fp_fake",
    }


class FakeOpenAI:
    """The server. ``base_url`` ends in /v1, as the openai client expects."""

    def __init__(self, *, like_llama_cpp: bool = False, context_tokens: int | None = None) -> None:
        self.like_llama_cpp = like_llama_cpp
        self.context_tokens = context_tokens
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.rejected: list[ContractError] = []  # requests that broke the contract
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any slow reply
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self) -> Reply:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
        return Reply.fail(500, "the fake server has no reply queued", type="server_error")

    def _llama_cpp_refusal(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """What a local llama.cpp server refuses before generating anything."""
        if not self.like_llama_cpp:
            return None
        if (body.get("response_format") or {}).get("type") == "json_schema":
            return 500, {"error": {"code": 500, "type": "server_error",
                                   "message": "JSON schema conversion failed: unsupported keyword 'title' in schema"}}
        if self.context_tokens:
            prompt = len(json.dumps(body["messages"], ensure_ascii=False)) // 4
            wanted = prompt + int(body.get("max_tokens") or body.get("max_completion_tokens") or 0)
            if wanted > self.context_tokens:
                return 400, {"error": {
                    "code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": prompt,
                    "n_ctx": self.context_tokens,
                    "message": f"request ({wanted} tokens) exceeds the available context size "
                               f"({self.context_tokens} tokens), try increasing it",
                }}
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, _error(f"Invalid URL (POST {self.path})", "invalid_request_error"))
                    return
                try:
                    body = check_request(headers, raw)
                except ContractError as exc:
                    fake.rejected.append(exc)
                    self._send(exc.status, exc.body)
                    return
                fake.requests.append(Request(self.path, headers, body))
                refusal = fake._llama_cpp_refusal(body)
                if refusal is not None:
                    self._send(*refusal)
                    return
                reply = fake._next_reply()
                if reply.delay and fake._stopping.wait(reply.delay):
                    self.close_connection = True  # shutting down: let the waiting client see it
                    return
                payload = reply.error if reply.error else completion(body["model"], reply)
                self._send(reply.status, payload, reply.headers)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") == "/props" and fake.like_llama_cpp:
                    self._send(200, {"default_generation_settings": {"n_ctx": fake.context_tokens or 4096},
                                     "total_slots": 1, "model_path": "/models/small.gguf"})
                    return
                self._send(404, {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}})

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler
