"""X, as the X API v2 describes it today.

Sources: https://docs.x.com/x-api/media/quickstart/media-upload-chunked (v2 media upload:
initialize / append / finalize / STATUS), https://docs.x.com/x-api/fundamentals/rate-limits
(x-rate-limit-limit / -remaining / -reset headers, no Retry-After),
https://docs.x.com/resources/fundamentals/counting-characters (weighted length: CJK and
emoji count 2, every URL 23), https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
(PKCE, rotating refresh tokens with offline.access).
"""

from __future__ import annotations

from ..description import MB, ErrorMap, ImageSpec, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map

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
    docs=(
        "https://docs.x.com/x-api/media/quickstart/media-upload-chunked",
        "https://docs.x.com/x-api/fundamentals/rate-limits",
        "https://docs.x.com/resources/fundamentals/counting-characters",
    ),
)
