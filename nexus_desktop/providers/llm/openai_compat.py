"""Scripts from any OpenAI-compatible chat endpoint: OpenAI, Gemini's
compatibility endpoint, Ollama, LM Studio, a llama.cpp server.

The model is asked for one JSON object; a reply that cannot be mended is sent
back once with the list of problems, and a second bad reply fails the stage with
a reason. The client does not retry on its own: the job runner decides when.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

import openai
from openai import OpenAI

from ...domain.content import INSTAGRAM_CAPTION_MAX, LINKEDIN_POST_MAX, X_POST_MAX, YOUTUBE_TITLE_MAX, Script
from ...domain.errors import NexusError, RetryableError, UserFixableError
from .base import CheckCancelledFn, ProgressFn, ScriptRequest
from .compose import HEADLINE_MAX_WORDS
from .draft import InvalidDraft, ScriptDraft, parse_reply

ARTICLE_WORDS_MAX = 3000  # what we send of a long article: enough to summarize, cheap in tokens
_POLL_SECONDS = 0.2  # how often a waiting request looks at the cancel flag
_SETTINGS_HINT = "Settings → Analyze"

Message = dict[str, str]


class OpenAICompatProvider:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self._api_key = api_key or "not-needed"

    def write_script(
        self, request: ScriptRequest, *, progress: ProgressFn, check_cancelled: CheckCancelledFn
    ) -> Script:
        messages = build_messages(request)
        tokens = 0
        problems: list[str] = []
        for attempt in range(2):
            progress(20 + 35 * attempt, f"Asking {self.model} for a script" + (" again" if attempt else ""))
            reply, used = self._complete(messages, check_cancelled)
            tokens += used
            try:
                script = parse_reply(reply, request)
            except InvalidDraft as invalid:
                problems = invalid.problems
                messages = [*messages, {"role": "assistant", "content": reply or ""}, retry_message(problems)]
                continue
            return replace(script, provider=f"{self.name}:{self.model}", tokens_used=tokens)
        raise UserFixableError(
            f"{self.model} at {self.base_url} twice returned a script that cannot be used: {'; '.join(problems[:4])}",
            hint=f"choose a stronger model or the built-in summarizer in {_SETTINGS_HINT}, then retry",
        )

    def _complete(self, messages: list[Message], check_cancelled: CheckCancelledFn) -> tuple[str | None, int]:
        """One chat completion: (the reply's text, tokens used)."""
        options: dict = {"response_format": {"type": "json_object"}, "temperature": 0.4}
        while True:
            try:
                completion = self._request(messages, options, check_cancelled)
            except openai.BadRequestError as exc:
                adjusted = _without_refused_option(options, str(exc))
                if adjusted is None:
                    raise self._translate(exc) from exc
                options = adjusted
                continue
            except openai.APIError as exc:
                raise self._translate(exc) from exc
            return _reply_text(completion), _tokens(completion)

    def _request(self, messages: list[Message], options: dict, check_cancelled: CheckCancelledFn):
        client = OpenAI(api_key=self._api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0)
        return _wait(
            lambda: client.chat.completions.create(model=self.model, messages=messages, **options),
            check_cancelled,
            on_done=client.close,
        )

    def _translate(self, exc: openai.APIError) -> NexusError:
        where = f"the analysis service at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError):
            return RetryableError(
                f"the analysis service did not answer within {self.timeout:g} s",
                hint=f"check that {self.base_url} is up, or allow more time in {_SETTINGS_HINT}",
            )
        if isinstance(exc, openai.APIConnectionError):
            return RetryableError(
                f"cannot reach {where}", hint="check the address and your connection; a local server must be running"
            )
        if isinstance(exc, openai.AuthenticationError):
            return UserFixableError(
                f"{where} refused the API key (401)",
                hint="enter a valid API key for the analysis service in Settings → Accounts",
            )
        return _status_error(exc, where, self.model)


def _status_error(exc: openai.APIError, where: str, model: str) -> NexusError:
    status = getattr(exc, "status_code", 0)
    detail = _error_message(exc)
    if isinstance(exc, openai.RateLimitError):
        if exc.code == "insufficient_quota":
            return UserFixableError(f"the analysis account has run out of credit (429): {detail}",
                                    hint="add credit to the account, or use the built-in summarizer")
        return RetryableError(f"{where} is limiting requests (429)", hint="it will be retried later",
                              retry_after=_retry_after(exc))
    if status >= 500:
        return RetryableError(f"{where} failed with an error ({status}): {detail}", hint="it will be retried later")
    if isinstance(exc, openai.NotFoundError):
        return UserFixableError(f"{where} has no model '{model}' or no chat endpoint (404)",
                                hint=f"check the base URL and model name in {_SETTINGS_HINT}")
    if isinstance(exc, openai.PermissionDeniedError):
        return UserFixableError(f"the API key may not use '{model}' at {where} (403): {detail}",
                                hint=f"pick a model your account can use in {_SETTINGS_HINT}")
    return UserFixableError(f"{where} refused the request ({status or 'error'}): {detail}",
                            hint=f"check the model name and base URL in {_SETTINGS_HINT}")


def _error_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return exc.message


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        return float(exc.response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _wait(call: Callable, check_cancelled: CheckCancelledFn, *, on_done: Callable[[], None]):
    """Run a blocking request in a thread, so a cancel is honoured within a fraction of a second.

    If the job is cancelled the request is left to finish (or time out) on its own;
    ``on_done`` then releases its connection."""
    future: Future = Future()

    def work() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to the waiting thread
            future.set_exception(exc)
        finally:
            on_done()

    threading.Thread(target=work, name="analysis-request", daemon=True).start()
    while True:
        check_cancelled()
        try:
            return future.result(timeout=_POLL_SECONDS)
        except TimeoutError:
            continue


def _reply_text(completion) -> str | None:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        return None
    return choices[0].message.content


def _tokens(completion) -> int:
    usage = getattr(completion, "usage", None)
    return int(getattr(usage, "total_tokens", 0) or 0)


def _without_refused_option(options: dict, refusal: str) -> dict | None:
    """The request options minus the one an endpoint refused, or None if it refused something else.

    Compatible servers differ: LM Studio takes json_schema but not json_object,
    reasoning models take no temperature, some llama.cpp builds take neither format
    (the prompt still asks for JSON)."""
    refusal = refusal.lower()
    if "temperature" in refusal and "temperature" in options:
        return {k: v for k, v in options.items() if k != "temperature"}
    response_format = options.get("response_format")
    if "response_format" in refusal and response_format is not None:
        if response_format["type"] == "json_object":
            return {**options, "response_format": _schema_format()}
        return {k: v for k, v in options.items() if k != "response_format"}
    return None


def _schema_format() -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": "video_script", "schema": ScriptDraft.model_json_schema(), "strict": False},
    }


def build_messages(request: ScriptRequest) -> list[Message]:
    text = request.text
    words = text.body.split()
    body = " ".join(words[:ARTICLE_WORDS_MAX]) + (" …" if len(words) > ARTICLE_WORDS_MAX else "")
    article = "\n".join([
        f"Title: {text.title}",
        f"Source: {text.source}",
        f"Link: {text.article.link}",
        f"Language: {text.language}",
        "",
        body,
    ])
    return [{"role": "system", "content": system_prompt(request)}, {"role": "user", "content": article}]


def system_prompt(request: ScriptRequest) -> str:
    example = {
        "title": "…", "summary": "one paragraph", "narration": "all scene narrations joined with spaces",
        "scenes": [{"narration": "one or more whole sentences", "headline": "short on-screen line",
                    "keywords": ["…", "…"]}],
        "titles": ["…", "…", "…"], "description": "…", "hashtags": ["#…"],
        "platforms": {"youtube_title": "…", "youtube_description": "…", "x_post": "…",
                      "instagram_caption": "…", "linkedin_post": "…"},
    }
    return "\n".join([
        "You turn a news article into the script of a short narrated video and its social posts.",
        "Reply with one JSON object and nothing else (no prose, no code fences), shaped like this:",
        json.dumps(example, ensure_ascii=False),
        "Rules:",
        f"- Write everything in the article's language ({request.text.language}). Use only facts from the article.",
        f"- narration: about {request.narration_words} words (45-60 seconds spoken), whole sentences, "
        "opening with a hook, ending with a pointer to the full story; no links, no lists, no stage directions.",
        f"- scenes: {request.scenes_min} to {request.scenes_max}, in order; each scene's narration is a run of whole "
        "sentences, and the scenes' narrations joined with single spaces are exactly the narration.",
        f"- headline: at most {HEADLINE_MAX_WORDS} words shown on screen; keywords: 2 to 4 per scene.",
        f"- titles: exactly 3 different candidates, each at most {YOUTUBE_TITLE_MAX} characters.",
        "- summary: one paragraph. description: 2-3 sentences for the video description.",
        "- hashtags: 5 to 8, like #SolidState (letters and digits only).",
        f"- platforms: youtube_title at most {YOUTUBE_TITLE_MAX} characters; x_post at most {X_POST_MAX} characters "
        "including the article link (a link counts as 23); "
        f"instagram_caption at most {INSTAGRAM_CAPTION_MAX} characters with at most 30 hashtags; "
        f"linkedin_post at most {LINKEDIN_POST_MAX} characters in a professional tone.",
    ])


def retry_message(problems: list[str]) -> Message:
    listed = "\n".join(f"- {problem}" for problem in problems[:12])
    return {
        "role": "user",
        "content": f"That reply cannot be used:\n{listed}\nReply again with the corrected JSON object only.",
    }

