"""An OpenAI-compatible endpoint's errors in the app's terms, and a blocking
request run so that a cancel is honoured within a fraction of a second."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import openai

from ...domain.errors import NexusError, RetryableError, UserFixableError
from .base import CheckCancelledFn

SETTINGS_HINT = "Settings → Analyze"
_POLL_SECONDS = 0.2  # how often a waiting request looks at the cancel flag


def translate(exc: openai.APIError, base_url: str, model: str, timeout: float) -> NexusError:
    where = f"the analysis service at {base_url}"
    if isinstance(exc, openai.APITimeoutError):
        return RetryableError(
            f"the analysis service did not answer within {timeout:g} s",
            hint=f"check that {base_url} is up, or allow more time in {SETTINGS_HINT}",
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
    return status_error(exc, where, model)


def status_error(exc: openai.APIError, where: str, model: str) -> NexusError:
    status = getattr(exc, "status_code", 0)
    detail = error_message(exc)
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
                                hint=f"check the base URL and model name in {SETTINGS_HINT}")
    if isinstance(exc, openai.PermissionDeniedError):
        return UserFixableError(f"the API key may not use '{model}' at {where} (403): {detail}",
                                hint=f"pick a model your account can use in {SETTINGS_HINT}")
    return UserFixableError(f"{where} refused the request ({status or 'error'}): {detail}",
                            hint=f"check the model name and base URL in {SETTINGS_HINT}")


def error_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(inner.get("message"), str):
            return inner["message"]
    return exc.message


def error_field(exc: openai.APIError, name: str):
    """A field of the error body (llama.cpp adds n_ctx and n_prompt_tokens to context errors)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    return inner.get(name)


def is_context_error(exc: openai.APIError) -> bool:
    """The prompt does not fit the model's context (llama.cpp, OpenAI, vLLM, LM Studio wordings)."""
    text = f"{error_field(exc, 'type') or ''} {error_field(exc, 'code') or ''} {error_message(exc)}".lower()
    return any(mark in text for mark in (
        "exceed_context_size", "context_length_exceeded", "context size", "context length", "context window",
        "maximum context", "too many tokens", "prompt is too long", "input is too long",
    ))


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        return float(exc.response.headers.get("retry-after", ""))
    except ValueError:
        return None


def wait(call: Callable, check_cancelled: CheckCancelledFn, *, on_done: Callable[[], None]):
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
