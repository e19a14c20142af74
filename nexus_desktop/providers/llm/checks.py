"""What a finished Script must satisfy, whoever wrote it. Narrate, visualize and
render rely on these; the LLM adapter sends the list back to the model."""

from __future__ import annotations

import re

from ...domain.content import (
    INSTAGRAM_CAPTION_MAX,
    INSTAGRAM_HASHTAGS_MAX,
    LINKEDIN_POST_MAX,
    X_POST_MAX,
    YOUTUBE_DESCRIPTION_MAX,
    YOUTUBE_TITLE_MAX,
    Script,
)
from .compose import HEADLINE_MAX_WORDS, x_length
from .textclean import URL_RE


def script_problems(script: Script, *, scenes_max: int) -> list[str]:
    """Every broken rule, as a sentence a model (or a person) can act on."""
    problems = _narration_problems(script, scenes_max)
    problems += _title_problems(script)
    problems += _platform_problems(script)
    return problems


def _narration_problems(script: Script, scenes_max: int) -> list[str]:
    problems = []
    if not script.narration.strip():
        problems.append("narration is empty")
    if not 1 <= len(script.scenes) <= scenes_max:
        problems.append(f"there must be 1 to {scenes_max} scenes, not {len(script.scenes)}")
    if script.narration != " ".join(scene.narration for scene in script.scenes):
        problems.append("narration must equal the scenes' narrations joined with single spaces")
    if URL_RE.search(script.narration):
        problems.append("narration must not contain links or e-mail addresses")
    for number, scene in enumerate(script.scenes, 1):
        if not scene.narration.strip() or not scene.headline.strip():
            problems.append(f"scene {number} needs both narration and a headline")
        elif len(scene.headline.split()) > HEADLINE_MAX_WORDS:
            problems.append(f"scene {number} headline has more than {HEADLINE_MAX_WORDS} words")
    return problems


def _title_problems(script: Script) -> list[str]:
    problems = []
    if len(script.titles) != 3 or len({t.lower() for t in script.titles}) != 3:
        problems.append("give exactly 3 different title candidates")
    if any(not t.strip() or len(t) > YOUTUBE_TITLE_MAX for t in script.titles):
        problems.append(f"every title must have 1 to {YOUTUBE_TITLE_MAX} characters")
    if any(not re.fullmatch(r"#[^\W_]+", tag) for tag in script.hashtags):
        problems.append("hashtags must look like #Word, letters and digits only")
    return problems


def _platform_problems(script: Script) -> list[str]:
    text = script.platforms
    limits = (
        ("youtube_title", len(text.youtube_title), YOUTUBE_TITLE_MAX),
        ("youtube_description", len(text.youtube_description), YOUTUBE_DESCRIPTION_MAX),
        ("x_post", x_length(text.x_post), X_POST_MAX),
        ("instagram_caption", len(text.instagram_caption), INSTAGRAM_CAPTION_MAX),
        ("linkedin_post", len(text.linkedin_post), LINKEDIN_POST_MAX),
    )
    problems = [f"{name} is {size} characters, the limit is {limit}" for name, size, limit in limits if size > limit]
    problems += [f"{name} is empty" for name, size, _ in limits if size == 0]
    if any(ch in text.youtube_title + text.youtube_description for ch in "<>"):
        problems.append("YouTube refuses '<' and '>' in titles and descriptions")
    if len(re.findall(r"#[^\W_]+", text.instagram_caption)) > INSTAGRAM_HASHTAGS_MAX:
        problems.append(f"instagram_caption has more than {INSTAGRAM_HASHTAGS_MAX} hashtags")
    return problems
