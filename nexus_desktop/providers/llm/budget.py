"""Tokens: how many a script's reply needs, how much of an article fits the
model's context, what the calls cost.

Token counts are estimated from characters (no tokenizer download): about 3.5
characters a token for English, fewer for other scripts, so the estimate errs
on the side of sending less.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from urllib.parse import urlparse

import httpx

from .base import ScriptRequest

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.0
DEFAULT_CONTEXT = 8192  # a local server that does not say: llama.cpp's and Ollama's common size
HOSTED_CONTEXT = 128_000  # OpenAI, Gemini and other hosted endpoints
MAX_REPLY_TOKENS = 4096
# US dollars per million tokens (input, output), from the providers' price pages;
# a model missing here is not estimated, and a local server costs nothing.
PRICES = {
    "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1": (2.00, 8.00), "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40), "gpt-5": (1.25, 10.00), "gpt-5-mini": (0.25, 2.00), "gpt-5-nano": (0.05, 0.40),
    "gemini-2.0-flash": (0.10, 0.40), "gemini-2.5-flash": (0.30, 2.50), "gemini-2.5-pro": (1.25, 10.00),
}


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 4


def reply_tokens(request: ScriptRequest) -> int:
    """The token cap for one script: the narration twice (it and its scenes), titles, posts."""
    words = request.narration_words * 2 + 500
    return min(MAX_REPLY_TOKENS, max(1024, int(words * 1.7)))


def is_local(base_url: str) -> bool:
    host = urlparse(base_url).hostname or ""
    if host in ("localhost",) or host.endswith((".local", ".lan", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


@lru_cache(maxsize=16)
def server_context(base_url: str, timeout: float) -> int | None:
    """The context size a llama.cpp server reports at /props, if it does."""
    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        with httpx.Client(timeout=min(timeout, 5.0), follow_redirects=False, trust_env=False) as client:
            response = client.get(f"{root}/props")
        if response.status_code == 200:
            n_ctx = (response.json().get("default_generation_settings") or {}).get("n_ctx")
            return int(n_ctx) if n_ctx else None
    except (httpx.HTTPError, ValueError, TypeError, AttributeError) as exc:
        log.debug("no context size from %s/props: %s", root, exc)
    return None


def context_size(base_url: str, setting: int, timeout: float) -> int:
    """The model's context: the setting, else what the server reports, else a safe guess."""
    if setting > 0:
        return setting
    if is_local(base_url):
        return server_context(base_url, timeout) or DEFAULT_CONTEXT
    return HOSTED_CONTEXT


def estimate_cost(model: str, base_url: str, prompt: int, completion: int) -> float | None:
    """US dollars for these tokens; 0 on this computer's network, None when the price is unknown."""
    if is_local(base_url):
        return 0.0
    name = model.split("/")[-1].lower()
    price = PRICES.get(name) or next((p for key, p in sorted(PRICES.items(), key=lambda kv: -len(kv[0]))
                                      if name.startswith(key)), None)
    if price is None:
        return None
    return round((prompt * price[0] + completion * price[1]) / 1_000_000, 6)
