"""TikTok, as the Content Posting API and Login Kit for Desktop describe it today.

Sources: https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (Direct Post,
unaudited clients post privately), https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info/
(privacy levels, interaction settings, max_video_post_duration_sec),
https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide (chunk rules),
https://developers.tiktok.com/doc/content-posting-api-reference-upload-video (Upload to inbox),
https://developers.tiktok.com/doc/login-kit-desktop/ (loopback redirect with any port, PKCE).
"""

from __future__ import annotations

from ..description import GB, ErrorMap, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map
from ..networks import HINTS

AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"

SCOPES = ("user.info.basic", "video.publish", "video.upload")

GUIDE = (
    "1. On developers.tiktok.com create an app, add Login Kit (platform Desktop) and the Content Posting API; "
    "turn on Direct Post.\n"
    "2. Under Login Kit add the redirect URI http://127.0.0.1:*/callback (any port).\n"
    "3. Paste the client key and client secret here and sign in with the TikTok account.\n"
    "Important: until your app passes TikTok's audit, TikTok keeps every post it receives from the app private "
    "(Only me) and the account itself must be private. Nexus Desktop posts as 'Only me' until you mark the "
    "TikTok target as audited (target option audited: true)."
)


DESCRIPTION = PlatformDescription(
    name="tiktok",
    display_name="TikTok",
    icon="tiktok",
    adapter="tiktok:create",
    # Connected by tiktok.connect: TikTok names the client "client_key" and wants a hex PKCE challenge.
    oauth=OAuthSpec(AUTHORIZE_URL, "{tiktok_base_url}/v2/oauth/token/", SCOPES, pkce=True, client_auth="body",
                    refresh="refresh_token", scope_separator=","),
    guide=GUIDE,
    # MP4/MOV/WebM in H.264/H.265/VP8/VP9, up to 4 GB and 10 minutes (the account's own maximum is read
    # before each post), 360–4096 px.
    video=VideoSpec("TikTok videos", 1, 600, 1, 4 * GB, 0.01, 100.0, frozenset({"h264", "hevc", "vp8", "vp9"})),
    image=None,
    text=TextRules(2200),  # the caption (post_info.title), UTF-16 runes
    errors=ErrorMap(style="tiktok", hints=frozen_map(HINTS["tiktok"])),
    docs=(
        "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post",
        "https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide",
        "https://developers.tiktok.com/doc/login-kit-desktop/",
    ),
)
