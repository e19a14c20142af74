"""X, as the X API v2 describes it today.

Sources: https://docs.x.com/x-api/media/quickstart/media-upload-chunked (v2 media upload:
initialize / append / finalize / STATUS), https://docs.x.com/x-api/fundamentals/rate-limits
(x-rate-limit-limit / -remaining / -reset headers, no Retry-After),
https://docs.x.com/resources/fundamentals/counting-characters (weighted length: CJK and
emoji count 2, every URL 23), https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
(PKCE, rotating refresh tokens with offline.access).
"""

from __future__ import annotations

import re

from ....domain.content import X_POST_MAX
from ..base import PostPackage
from ..description import MB, ErrorMap, ImageSpec, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map

# Pay-per-use prices in USD (https://docs.x.com/x-api/getting-started/pricing): a post is a
# "Content: Create" request, dearer when its text holds a link; alt text is "Media Metadata".
PRICE_CREATE = 0.015
PRICE_CREATE_WITH_URL = 0.200
PRICE_MEDIA_METADATA = 0.005


def x_length(text: str) -> int:
    """X's weighted length (CJK and emoji 2, links 23), from the composer; imported on first use,
    since the composer's package loads language tools this light module should not."""
    from ...llm.compose import x_length as weigh

    return weigh(text)


def _cut(word: str, budget: int) -> tuple[str, str]:
    """The longest head of ``word`` within ``budget`` as X weighs it, and the rest."""
    end = len(word)
    while end > 1 and x_length(word[:end]) > budget:
        end -= 1
    return word[:end], word[end:]


def split_thread(text: str, limit: int = X_POST_MAX) -> list[str]:
    """One post if it fits as X counts (CJK and emoji weigh 2, every link 23); else parts on
    word boundaries, each ending " i/n". Text without spaces (Chinese, Japanese) is cut by weight."""
    text = text.strip()
    if x_length(text) <= limit:
        return [text]
    budget = limit - 8  # room for " 99/99"
    parts: list[str] = []
    current = ""
    for word in text.split():
        while x_length(word) > budget:  # an overlong token (a run of CJK text) is cut by weight
            if current:
                parts.append(current)
                current = ""
            head, word = _cut(word, budget)
            parts.append(head)
        candidate = f"{current} {word}".strip()
        if x_length(candidate) > budget:
            parts.append(current)
            current = word
        else:
            current = candidate
    if current:
        parts.append(current)
    return [f"{part} {i}/{len(parts)}" for i, part in enumerate(parts, 1)]


_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def comparable(text: str) -> str:
    """Text as X shows it back, reduced to what survives: X replaces every link with a t.co link and
    appends one for attached media, so links become one placeholder and trailing ones are dropped."""
    reduced = _LINK.sub("\u2060LINK", text.strip())
    while reduced.endswith("\u2060LINK"):
        reduced = reduced[: -len("\u2060LINK")].rstrip()
    return " ".join(reduced.split())


def cost_of(package: PostPackage) -> str:
    """What publishing this post costs in X API credits, said before it is published."""
    parts = split_thread(package.text)
    with_link = sum(1 for part in parts if _LINK.search(part))
    usd = with_link * PRICE_CREATE_WITH_URL + (len(parts) - with_link) * PRICE_CREATE + PRICE_MEDIA_METADATA
    posts = "1 post" if len(parts) == 1 else f"a thread of {len(parts)} posts"
    links = f", {with_link} with a link" if with_link else ""
    return f"{posts}{links}: about ${usd:.3f} in X API credits"

GUIDE = (
    "1. In the X developer portal create a Project and an App.\n"
    "2. Under User authentication settings choose Read and write, type Native App.\n"
    "3. Add the callback URI http://127.0.0.1:8765/callback (X wants the exact URI, port included).\n"
    "4. Paste the OAuth 2.0 client id (and secret, for a confidential client) here. X rotates the "
    "refresh token on every refresh; the app keeps one refresh at a time so the window and the "
    "background service never invalidate each other's."
)

DESCRIPTION = PlatformDescription(
    name="x",
    display_name="X",
    icon="x",
    adapter="x:create",
    oauth=OAuthSpec(
        authorize_url="https://x.com/i/oauth2/authorize",
        token_url="{x_base_url}/2/oauth2/token",
        scopes=("tweet.read", "tweet.write", "users.read", "media.write", "offline.access"),
        pkce=True,
        client_auth="basic",
        refresh="refresh_token",
        rotating_refresh=True,
    ),
    guide=GUIDE,
    # tweet_video: 0.5 s to 140 s, ≤ 512 MB, H.264, aspect 1:3 to 3:1.
    video=VideoSpec("X videos", 0.5, 140, 1, 512 * MB, 1 / 3, 3.0, frozenset({"h264"})),
    image=ImageSpec("X images", 5 * MB, frozenset({"jpg", "jpeg", "png", "webp"})),
    # Longer text is posted as a thread (each part ≤ 280 weighted), so no limit on the whole.
    text=TextRules(None, unit="weighted"),
    errors=ErrorMap(
        style="x",
        hints=frozen_map({
            "duplicate": "X refuses a post identical to a recent one; change the text",
            "too long": "shorten the post to 280 characters as X counts them",
            "Forbidden": "the X app needs Read and write permission; change it in the developer portal and reconnect",
            "CreditsDepleted": "the X developer account has no credits left for posting; add credits in the developer portal",
        }),
    ),
    cost=cost_of,
    docs=(
        "https://docs.x.com/x-api/getting-started/pricing",
        "https://docs.x.com/x-api/media/quickstart/media-upload-chunked",
        "https://docs.x.com/x-api/fundamentals/rate-limits",
        "https://docs.x.com/resources/fundamentals/counting-characters",
    ),
)
