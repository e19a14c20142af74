"""A model's JSON reply -> a valid Script, or the list of what is wrong with it.

What can be mended is mended (narration rebuilt from the scenes, long headlines
cut, too many scenes merged, platform text brought within limits); what cannot
(not JSON, no scenes, a narration far from the asked length) is reported so the
model can be asked once more.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...domain.content import (
    INSTAGRAM_CAPTION_MAX,
    INSTAGRAM_HASHTAGS_MAX,
    LINKEDIN_POST_MAX,
    X_POST_MAX,
    YOUTUBE_DESCRIPTION_MAX,
    YOUTUBE_TITLE_MAX,
    PlatformText,
    Scene,
    Script,
)
from .base import ScriptRequest
from .checks import script_problems
from .compose import (
    HEADLINE_MAX_WORDS,
    build_scenes,
    capitalize,
    description,
    first_words,
    headline_for,
    partition,
    plan_scenes,
    platform_text,
    shorten,
    x_length,
)
from .keywords import hashtag
from .sentences import split_sentences, word_count
from .textclean import normalize_space, strip_urls


class InvalidDraft(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SceneDraft(_Model):
    narration: str = Field(min_length=1)
    headline: str = ""
    keywords: list[str] = Field(default_factory=list)


class PlatformDraft(_Model):
    youtube_title: str = ""
    youtube_description: str = ""
    x_post: str = ""
    instagram_caption: str = ""
    linkedin_post: str = ""


class ScriptDraft(_Model):
    title: str = ""
    summary: str = ""
    narration: str = ""
    scenes: list[SceneDraft] = Field(min_length=1)
    titles: list[str] = Field(default_factory=list)
    description: str = ""
    hashtags: list[str] = Field(default_factory=list)
    platforms: PlatformDraft = Field(default_factory=PlatformDraft)


def parse_reply(content: str | None, request: ScriptRequest) -> Script:
    """The Script in a model's reply. Raises InvalidDraft listing what to fix."""
    data = _json_object(content)
    try:
        draft = ScriptDraft.model_validate(data)
    except ValidationError as exc:
        raise InvalidDraft([_describe(err) for err in exc.errors()]) from None
    script = _repair(draft, request)
    problems = _length_problems(script, request) + script_problems(script, scenes_max=request.scenes_max)
    if problems:
        raise InvalidDraft(problems)
    return script


def _json_object(content: str | None) -> dict:
    if not content or not content.strip():
        raise InvalidDraft(["the reply was empty; reply with one JSON object"])
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    if fenced:  # models love code fences even when told not to
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        data = _embedded_object(text)  # plain-text mode: "Sure! Here it is: {...} Hope it helps."
        if data is None:
            where = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            raise InvalidDraft([f"the reply is not valid JSON ({where})"]) from None
    if not isinstance(data, dict):
        raise InvalidDraft([f"the reply must be a JSON object, not a JSON {type(data).__name__}"])
    return data


def _embedded_object(text: str) -> dict | None:
    """The first JSON object inside prose, if there is a whole one."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            data, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(data, dict):
            return data
        start = text.find("{", start + 1)
    return None


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "reply"
    return f"{where}: {error['msg']}"


def _repair(draft: ScriptDraft, request: ScriptRequest) -> Script:
    text = request.text
    language = text.language
    title = normalize_space(strip_urls(draft.title)) or text.title
    scenes = _scenes(draft, request, title)
    summary = normalize_space(draft.summary) or " ".join(split_sentences(scenes[min(1, len(scenes) - 1)].narration)[:2])
    about = draft.description.strip() or description(summary, text.article.link, text.source, language)
    tags = _hashtags(draft.hashtags)
    fallback = platform_text(
        title=title, summary=summary, description_text=about, points=[], link=text.article.link,
        source=text.source, hashtags=tags, language=language,
    )
    return Script(
        title=shorten(title, YOUTUBE_TITLE_MAX),
        summary=summary,
        narration=" ".join(scene.narration for scene in scenes),
        scenes=scenes,
        titles=_titles(draft.titles, title, text.source),
        description=about,
        hashtags=tags,
        platforms=_platforms(draft.platforms, fallback, text.article.link),
        language=language,
    )


def _scenes(draft: ScriptDraft, request: ScriptRequest, title: str) -> tuple[Scene, ...]:
    language = request.text.language
    narrations = [strip_urls(normalize_space(scene.narration)) for scene in draft.scenes]
    pairs = [(n, scene) for n, scene in zip(narrations, draft.scenes) if n]
    if not pairs:
        raise InvalidDraft(["every scene's narration is empty"])
    sentences = [s for n, _ in pairs for s in split_sentences(n)]
    if len(pairs) < request.scenes_min and len(sentences) > len(pairs):
        # Too few scenes for the screen to change often enough: regroup by sentence.
        groups = plan_scenes(sentences, request.scenes_min, request.scenes_max)
        return build_scenes(groups, title=title, language=language)
    if len(pairs) > request.scenes_max:
        merged = partition([n for n, _ in pairs], request.scenes_max)
        lookup = {n: scene for n, scene in pairs}
        pairs = [(" ".join(group), lookup[group[0]]) for group in merged]
    used: set[str] = set()
    return tuple(_scene(narration, scene, language, used) for narration, scene in pairs)


def _scene(narration: str, draft: SceneDraft, language: str, used: set[str]) -> Scene:
    headline = normalize_space(draft.headline).strip("\"'“”")
    if headline:
        headline = first_words(headline, HEADLINE_MAX_WORDS, language)
        used.add(headline.lower())
    else:
        headline = headline_for(narration, language, used)
    keywords = tuple(k for k in (normalize_space(k) for k in draft.keywords[:6]) if k)
    return Scene(narration, capitalize(headline), keywords)


def _hashtags(raw: list[str]) -> tuple[str, ...]:
    tags: list[str] = []
    for item in raw:
        tag = hashtag(item)
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tuple(tags[:INSTAGRAM_HASHTAGS_MAX])


def _titles(raw: list[str], title: str, source: str) -> tuple[str, ...]:
    titles: list[str] = []
    extras = [title, f"{title} ({source})" if source else "", f"{title} (2)", f"{title} (3)"]
    for candidate in [*raw, *extras]:
        candidate = shorten(normalize_space(strip_urls(str(candidate))), YOUTUBE_TITLE_MAX)
        if candidate and candidate.lower() not in {t.lower() for t in titles}:
            titles.append(candidate)
    return tuple(titles[:3])


def _platforms(draft: PlatformDraft, fallback: PlatformText, link: str) -> PlatformText:
    def pick(value: str, default: str, limit: int) -> str:
        value = value.strip()
        return value if value and len(value) <= limit else default

    post = draft.x_post.strip()
    if post and link and link not in post:
        post = f"{post}\n\n{link}"
    if not post or x_length(post) > X_POST_MAX:
        post = fallback.x_post
    caption = pick(draft.instagram_caption, fallback.instagram_caption, INSTAGRAM_CAPTION_MAX)
    if len(re.findall(r"#[^\W_]+", caption)) > INSTAGRAM_HASHTAGS_MAX:
        caption = fallback.instagram_caption
    return PlatformText(
        youtube_title=_no_angles(shorten(draft.youtube_title.strip(), YOUTUBE_TITLE_MAX)) or fallback.youtube_title,
        youtube_description=_no_angles(
            pick(draft.youtube_description, fallback.youtube_description, YOUTUBE_DESCRIPTION_MAX)
        ),
        x_post=post,
        instagram_caption=caption,
        linkedin_post=pick(draft.linkedin_post, fallback.linkedin_post, LINKEDIN_POST_MAX),
    )


def _no_angles(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")


def _length_problems(script: Script, request: ScriptRequest) -> list[str]:
    """A narration far from the asked length: too short only counts when the article had more to say."""
    words = word_count(script.narration)
    wanted = request.narration_words
    available = word_count(request.text.body)
    if words > wanted * 1.6:
        return [f"the narration has {words:.0f} words; write about {wanted} words"]
    if words < wanted * 0.4 and available > wanted:
        return [f"the narration has only {words:.0f} words; write about {wanted} words"]
    return []

