"""Scripts from any OpenAI-compatible chat endpoint: OpenAI, Gemini's
compatibility endpoint, Ollama, LM Studio, a llama.cpp server.

A model can never break a job. Every request carries a token cap sized to the
script, and only as much of the article as fits the model's context (the
article condensed by the extractive writer when it is long). A server that
refuses structured output (llama.cpp answers 500 to some ``json_schema``
requests) is asked again with ``json_object``, then with plain text whose JSON
is dug out. A reply cut off at the cap is asked for once more with a shorter
article, never by pasting the broken reply back. A reply that cannot be mended
is asked for once more with the list of problems. When all that fails, the
extractive writer writes the script and the job carries a notice saying why.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace

import openai
from openai import OpenAI

from ...domain.content import INSTAGRAM_CAPTION_MAX, LINKEDIN_POST_MAX, X_POST_MAX, YOUTUBE_TITLE_MAX, Script
from ...domain.errors import Cancelled, NexusError
from .base import CheckCancelledFn, ProgressFn, ScriptRequest
from .budget import context_size, estimate_cost, estimate_tokens, reply_tokens
from .compose import HEADLINE_MAX_WORDS
from .draft import InvalidDraft, ScriptDraft, parse_reply
from .openai_errors import error_field, error_message, is_context_error, translate, wait

log = logging.getLogger(__name__)

ARTICLE_WORDS_MAX = 3000  # what we send of a long article: enough to summarize, cheap in tokens
FORMATS = ("json_schema", "json_object", "text")  # the structured output asked for, strictest first
_MARGIN_TOKENS = 256  # chat template and role markers the estimate does not see
_MAX_REQUESTS = 8
OFFLINE_NOTICE = "written offline: the model's answers were unusable: {reason}"

Message = dict[str, str]


class Unusable(Exception):
    """The model's answers cannot become a script; the message says why."""


@dataclass
class _Usage:
    prompt: int = 0
    completion: int = 0

    def add(self, completion) -> None:
        usage = getattr(completion, "usage", None)
        self.prompt += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion += int(getattr(usage, "completion_tokens", 0) or 0)


class OpenAICompatProvider:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float, context_tokens: int = 0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.context_tokens = context_tokens
        self._api_key = api_key or "not-needed"

    def write_script(
        self, request: ScriptRequest, *, progress: ProgressFn, check_cancelled: CheckCancelledFn
    ) -> Script:
        usage = _Usage()
        try:
            script = self._ask(request, usage, progress, check_cancelled)
        except Cancelled:
            raise
        except (Unusable, NexusError) as failure:
            reason = failure.message if isinstance(failure, NexusError) else str(failure)
            log.warning("%s at %s gave no usable script (%s); writing it offline", self.model, self.base_url, reason)
            return self._offline(request, usage, reason, progress, check_cancelled)
        return self._with_usage(script, usage, f"{self.name}:{self.model}")

    def _offline(self, request: ScriptRequest, usage: _Usage, reason: str, progress, check_cancelled) -> Script:
        from .extractive import ExtractiveProvider

        progress(60, "The model's answers were unusable: writing the script offline")
        script = ExtractiveProvider().write_script(request, progress=lambda *_: None, check_cancelled=check_cancelled)
        script = replace(script, notice=OFFLINE_NOTICE.format(reason=reason))
        return self._with_usage(script, usage, f"extractive (after {self.name}:{self.model})")

    def _with_usage(self, script: Script, usage: _Usage, provider: str) -> Script:
        return replace(
            script, provider=provider, tokens_used=usage.prompt + usage.completion, prompt_tokens=usage.prompt,
            completion_tokens=usage.completion,
            cost_usd=estimate_cost(self.model, self.base_url, usage.prompt, usage.completion),
        )

    def _ask(self, request: ScriptRequest, usage: _Usage, progress, check_cancelled) -> Script:
        cap = reply_tokens(request)
        context = context_size(self.base_url, self.context_tokens, self.timeout)
        share = 1.0  # of the article that fits; halved after a cut-off reply or a context error
        options: dict = {"temperature": 0.4, "max_tokens": cap}
        fmt = 0
        problems: list[str] = []
        cut_off = invalid = False
        for attempt in range(_MAX_REQUESTS):
            progress(20 + 5 * attempt, f"Asking {self.model} for a script" + (" again" if attempt else ""))
            messages = build_messages(request, room=int((context - cap - _MARGIN_TOKENS) * share), problems=problems)
            try:
                completion = self._request(messages, {**options, **_format(FORMATS[fmt])}, check_cancelled)
            except (openai.BadRequestError, openai.UnprocessableEntityError, openai.InternalServerError) as exc:
                step = self._step_down(exc, options, fmt)
                if step is None:
                    raise translate(exc, self.base_url, self.model, self.timeout) from exc
                kind, value = step
                if kind == "context":
                    context, share = value or min(context, 4096), share / 2
                elif kind == "format":
                    fmt = value
                else:
                    options = value
                continue
            except openai.APIError as exc:
                raise translate(exc, self.base_url, self.model, self.timeout) from exc
            usage.add(completion)
            reply, finish = _reply(completion)
            if finish == "length":
                if cut_off:
                    raise Unusable(f"the reply was cut off at the {cap}-token cap twice")
                cut_off, share = True, share / 2
                continue
            try:
                return parse_reply(reply, request)
            except InvalidDraft as bad:
                if invalid:
                    raise Unusable("; ".join(bad.problems[:4])) from None
                invalid, problems = True, bad.problems
        raise Unusable(f"no usable reply after {_MAX_REQUESTS} requests")

    def _step_down(self, exc: openai.APIStatusError, options: dict, fmt: int):
        """What to change after a refused request: ("context", n_ctx), ("format", next) or ("options", new)."""
        message = error_message(exc).lower()
        if is_context_error(exc):
            reported = error_field(exc, "n_ctx")
            return "context", (reported if isinstance(reported, int) and reported > 0 else None)
        if isinstance(exc, openai.BadRequestError):
            if "temperature" in message and "temperature" in options:
                return "options", {k: v for k, v in options.items() if k != "temperature"}
            if "max_tokens" in message and "max_tokens" in options:  # newer OpenAI models
                return "options", {**{k: v for k, v in options.items() if k != "max_tokens"},
                                   "max_completion_tokens": options["max_tokens"]}
        if fmt + 1 < len(FORMATS):
            log.info("%s refused %s (%s); asking with %s", self.base_url, FORMATS[fmt], exc.status_code, FORMATS[fmt + 1])
            return "format", fmt + 1
        return None

    def _request(self, messages: list[Message], options: dict, check_cancelled: CheckCancelledFn):
        client = OpenAI(api_key=self._api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0)
        return wait(
            lambda: client.chat.completions.create(model=self.model, messages=messages, **options),
            check_cancelled,
            on_done=client.close,
        )


def _reply(completion) -> tuple[str | None, str]:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        return None, "stop"
    return choices[0].message.content, choices[0].finish_reason or "stop"


def _format(kind: str) -> dict:
    if kind == "json_schema":
        return {"response_format": {
            "type": "json_schema",
            "json_schema": {"name": "video_script", "schema": ScriptDraft.model_json_schema(), "strict": False},
        }}
    if kind == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def build_messages(request: ScriptRequest, *, room: int = 100_000, problems: list[str] | None = None) -> list[Message]:
    """The system prompt and the article, the article cut to ``room`` tokens in all."""
    system = system_prompt(request)
    text = request.text
    head = "\n".join([f"Title: {text.title}", f"Source: {text.source}", f"Link: {text.article.link}",
                      f"Language: {text.language}", ""])
    note = _problems_note(problems)
    room_for_body = max(200, room - estimate_tokens(system) - estimate_tokens(head) - estimate_tokens(note))
    body = fit_body(request, room_for_body)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": head + "\n" + body}]
    if note:
        messages.append({"role": "user", "content": note})
    return messages


def fit_body(request: ScriptRequest, room_tokens: int) -> str:
    """The article's text within ``room_tokens``: whole when it fits, else its best
    sentences in order, chosen by the extractive writer's ranking."""
    text = request.text
    words = text.body.split()
    body = " ".join(words[:ARTICLE_WORDS_MAX]) + (" …" if len(words) > ARTICLE_WORDS_MAX else "")
    if estimate_tokens(body) <= room_tokens:
        return body
    from .extractive import _Ranker

    budget_words = max(30, math.floor(room_tokens * 0.6))  # ~1.6 tokens a word, spoken-length counted
    chosen = _Ranker(text).select(budget_words, avoid_title=False)
    condensed = " ".join(text.sentences[i].text for i in chosen)
    limit = int(room_tokens * 3.0)
    return condensed if len(condensed) <= limit else condensed[:limit].rsplit(" ", 1)[0] + " …"


def _problems_note(problems: list[str] | None) -> str:
    if not problems:
        return ""
    listed = "\n".join(f"- {problem}" for problem in problems[:12])
    return f"Your previous reply could not be used:\n{listed}\nReply again with the corrected JSON object only."


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
        "opening with a hook, ending with a pointer to the full story; no links, no lists, no stage directions. "
        "Keep every caveat the article gives (still, but, not yet, at least, only, may).",
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
