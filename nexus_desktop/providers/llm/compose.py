"""Pieces of a Script every provider builds the same way: scenes, headlines and
the per-platform text within each platform's limits."""

from __future__ import annotations

import re

from ...domain.content import (
    INSTAGRAM_CAPTION_MAX,
    INSTAGRAM_HASHTAGS_MAX,
    LINKEDIN_POST_MAX,
    X_POST_MAX,
    YOUTUBE_DESCRIPTION_MAX,
    YOUTUBE_TITLE_MAX,
    PlatformText,
    Scene,
)
from .keywords import key_phrases, stopwords
from .phrases import phrases_for
from .sentences import word_count
from .textclean import URL_RE

HEADLINE_MAX_WORDS = 8
WORDS_PER_SCENE = 22  # about 8 s of speech: long enough to read a headline
X_URL_LENGTH = 23  # X counts every link as 23 characters (t.co)
# Code points X counts as one character; everything else (CJK, emoji) counts two.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """At most ``limit`` characters, cut at a word boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ellipsis


def first_words(text: str, count: int, language: str) -> str:
    """The first ``count`` words, without a dangling "of the" at the end."""
    words = text.split()
    if len(words) <= count:
        return text.strip()
    words = words[:count]
    stop = stopwords(language)
    while len(words) > 2 and words[-1].lower().strip(",.;:") in stop:
        words.pop()
    return " ".join(words).rstrip(",;:—–-")


def plan_scenes(sentences: list[str], scenes_min: int, scenes_max: int) -> list[list[str]]:
    """Group narration sentences into contiguous scenes. The first sentence (the
    hook) gets a scene of its own, so the title card shows while it is spoken."""
    total = sum(word_count(s) for s in sentences)
    wanted = max(scenes_min, min(scenes_max, round(total / WORDS_PER_SCENE)))
    wanted = max(1, min(wanted, scenes_max, len(sentences)))
    if wanted == 1:
        return [list(sentences)]
    return [sentences[:1]] + partition(sentences[1:], wanted - 1)


def partition(sentences: list[str], groups: int) -> list[list[str]]:
    """Contiguous groups whose longest has as few words as possible."""
    weights = [word_count(s) for s in sentences]
    count = len(weights)
    groups = max(1, min(groups, count))
    prefix = [0.0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    inf = float("inf")
    # best[k][i]: the smallest possible longest group, splitting the first i sentences into k groups
    best = [[inf] * (count + 1) for _ in range(groups + 1)]
    cut = [[0] * (count + 1) for _ in range(groups + 1)]
    best[0][0] = 0.0
    for k in range(1, groups + 1):
        for i in range(k, count + 1):
            for j in range(k - 1, i):
                cost = max(best[k - 1][j], prefix[i] - prefix[j])
                if cost < best[k][i]:
                    best[k][i], cut[k][i] = cost, j
    bounds, end = [], count
    for k in range(groups, 0, -1):
        bounds.append((cut[k][end], end))
        end = cut[k][end]
    return [sentences[a:b] for a, b in reversed(bounds)]


def headline_for(text: str, language: str, used: set[str]) -> str:
    """A short on-screen line for a scene: its best key phrase not shown yet."""
    for phrase in key_phrases(text, language, top=6):
        if phrase.lower() not in used:
            used.add(phrase.lower())
            return capitalize(first_words(phrase, HEADLINE_MAX_WORDS, language))
    return capitalize(first_words(text.rstrip(".!?。！？"), 5, language))


def scene_keywords(text: str, language: str) -> tuple[str, ...]:
    return tuple(key_phrases(text, language, top=4, max_words=2))


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_scenes(
    groups: list[list[str]], *, title: str, language: str, templated: frozenset[str] = frozenset(), end_card: str = ""
) -> tuple[Scene, ...]:
    """Scenes with headlines; the opening scene shows the title, a closing scene
    that only points to the source shows ``end_card``. Template sentences (hook,
    close) are left out of key phrase extraction."""
    used = {title.lower()}
    scenes = []
    for index, group in enumerate(groups):
        narration = " ".join(group)
        content = " ".join(s for s in group if s not in templated)
        if index == 0:
            headline = capitalize(first_words(title, HEADLINE_MAX_WORDS, language))
            keywords = scene_keywords(content or title, language)
        elif not content:
            headline = capitalize(first_words(end_card or title, HEADLINE_MAX_WORDS, language))
            keywords = ()
        else:
            headline = headline_for(content, language, used)
            keywords = scene_keywords(content, language)
        scenes.append(Scene(narration, headline, keywords))
    return tuple(scenes)


# Per-platform text -----------------------------------------------------------


def x_length(text: str) -> int:
    """Length as X counts it: links are 23, CJK characters and emoji are 2."""
    length = 0
    for part in re.split(f"({URL_RE.pattern})", text, flags=re.IGNORECASE):
        if not part:
            continue
        if URL_RE.fullmatch(part):
            length += X_URL_LENGTH
        else:
            length += sum(1 if _x_light(ord(ch)) else 2 for ch in part)
    return length


def _x_light(code: int) -> bool:
    return any(low <= code <= high for low, high in _X_LIGHT_RANGES)


def _plain(text: str) -> str:
    """YouTube refuses '<' and '>' in titles and descriptions."""
    return text.replace("<", "‹").replace(">", "›")


def x_post(title: str, link: str, hashtags: tuple[str, ...]) -> str:
    """Title, up to three hashtags and the link, within 280 as X counts."""
    tail = f"\n\n{link}" if link else ""
    text = title
    while x_length(text + tail) > X_POST_MAX and len(text) > 1:
        text = shorten(text, max(1, len(text) - max(1, (x_length(text + tail) - X_POST_MAX))))
    for tag in hashtags[:3]:
        if x_length(f"{text} {tag}{tail}") <= X_POST_MAX:
            text = f"{text} {tag}"
    return text + tail


def instagram_caption(summary: str, hashtags: tuple[str, ...], language: str) -> str:
    tags = " ".join(hashtags[:INSTAGRAM_HASHTAGS_MAX])
    note = phrases_for(language).link_in_bio
    tail = "".join(f"\n\n{part}" for part in (note, tags) if part)
    return shorten(summary, INSTAGRAM_CAPTION_MAX - len(tail)) + tail


def linkedin_post(
    title: str, summary: str, points: list[str], link: str, source: str, hashtags: tuple[str, ...], language: str
) -> str:
    phrases = phrases_for(language)
    parts = [title, summary]
    if points:
        heading = f"{phrases.key_points}:\n" if phrases.key_points else ""
        parts.append(heading + "\n".join(f"• {p}" for p in points))
    if link:
        label = phrases.read_full.format(source=source) if source else ""
        parts.append(f"{label}: {link}" if label else link)
    if hashtags:
        parts.append(" ".join(hashtags[:5]))
    return shorten("\n\n".join(p for p in parts if p), LINKEDIN_POST_MAX)


def description(summary: str, link: str, source: str, language: str) -> str:
    if not link:
        return summary
    label = phrases_for(language).read_full.format(source=source) if source else ""
    return f"{summary}\n\n{label}: {link}" if label else f"{summary}\n\n{link}"


def platform_text(
    *, title: str, summary: str, description_text: str, points: list[str], link: str, source: str,
    hashtags: tuple[str, ...], language: str,
) -> PlatformText:
    youtube_description = description_text + ("\n\n" + " ".join(hashtags[:3]) if hashtags else "")
    return PlatformText(
        youtube_title=_plain(shorten(title, YOUTUBE_TITLE_MAX)),
        youtube_description=_plain(shorten(youtube_description, YOUTUBE_DESCRIPTION_MAX)),
        x_post=x_post(title, link, hashtags),
        instagram_caption=instagram_caption(summary, hashtags, language),
        linkedin_post=linkedin_post(title, summary, points, link, source, hashtags, language),
    )
