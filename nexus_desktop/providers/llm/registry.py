"""settings.analyze.provider -> the adapter that writes the script."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ...settings import AnalyzeSettings
from .base import LLMProvider
from .extractive import ExtractiveProvider

log = logging.getLogger(__name__)
# Local servers (Ollama, LM Studio, llama.cpp) ignore the key, but the client
# insists on one.
NO_KEY = "not-needed"


def _api_key() -> str:
    """The key from the OS keyring, or a placeholder for local endpoints."""
    try:
        from ... import secrets
    except ImportError:
        return NO_KEY
    try:
        return secrets.get_secret("openai_api_key") or NO_KEY
    except Exception as exc:  # a broken keyring backend must not stop local endpoints
        log.warning("could not read the analysis API key from the keyring: %s", type(exc).__name__)
        return NO_KEY


def _openai(settings: AnalyzeSettings) -> LLMProvider:
    from .openai_compat import OpenAICompatProvider  # the openai client is slow to import: only when used

    return OpenAICompatProvider(
        base_url=settings.base_url, model=settings.model, api_key=_api_key(), timeout=settings.timeout_seconds,
        context_tokens=settings.context_tokens,
    )


PROVIDERS: dict[str, Callable[[AnalyzeSettings], LLMProvider]] = {
    "extractive": lambda settings: ExtractiveProvider(),
    "openai": _openai,
}


def get_provider(settings: AnalyzeSettings) -> LLMProvider:
    return PROVIDERS[settings.provider](settings)
