"""Instagram (professional accounts), as the Instagram Graph API describes it today.

Sources: https://developers.facebook.com/docs/instagram-platform/content-publishing
(REELS / STORIES / carousel containers, resumable upload to rupload.facebook.com,
containers expire after 24 hours, 50 API-published posts per 24 h read from
``content_publishing_limit``), https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
(Reels 3 s–15 min, ≤ 300 MB; caption ≤ 2,200 characters, ≤ 30 hashtags, ≤ 20 @ tags),
https://developers.facebook.com/docs/facebook-login/facebook-login-for-business (config_id),
https://developers.facebook.com/docs/graph-api/changelog/versions (version lifetimes).
"""

from __future__ import annotations

from ..description import MB, ImageSpec, PlatformDescription, TextRules, VideoSpec
from . import graph

# Stories: video 3 to 60 s, ≤ 100 MB; feed posts: 1 image, or a carousel of 2 to 10, fetched by
# Instagram from public image addresses (image_url), so they need the bucket sync's links.
STORY_VIDEO = VideoSpec("Instagram Stories", 3, 60, 1, 100 * MB, 0.01, 10.0, frozenset({"h264", "hevc"}))
CAROUSEL_MAX = 10

GUIDE = (
    "1. Your Instagram account must be a Business or Creator account linked to a Facebook Page.\n"
    "2. In Meta for Developers create a Business app, add 'Facebook Login for Business' and the "
    "Instagram Graph API, and create a Login Configuration asking for instagram_basic, "
    "instagram_content_publish, instagram_manage_insights (to read each post's figures), "
    "pages_show_list, pages_read_engagement and business_management (user access token). Paste its Configuration ID here.\n"
    "3. Facebook Login accepts only HTTPS redirect URIs once the app is Live, never "
    f"http://127.0.0.1. Under Facebook Login for Business → Settings add {graph.PASTE_STEP}\n"
    "4. Paste the app id and app secret here. The token lasts 60 days and is renewed "
    "automatically while you post; reconnect if you stop for two months."
)

DESCRIPTION = PlatformDescription(
    name="instagram",
    display_name="Instagram",
    icon="instagram",
    adapter="instagram:create",
    oauth=graph.login("{instagram_base_url}/{api_version}/oauth/access_token",
                      ("instagram_basic", "instagram_content_publish", "instagram_manage_insights", "pages_show_list",
                       "pages_read_engagement", "business_management")),
    guide=GUIDE,
    # Reels: 3 s to 15 min, ≤ 300 MB, H.264/HEVC in MOV/MP4, aspect 0.01:1 to 10:1 (9:16 recommended).
    video=VideoSpec("Instagram Reels", 3, 15 * 60, 1, 300 * MB, 0.01, 10.0, frozenset({"h264", "hevc"})),
    # Feed images: JPEG only, ≤ 8 MB, aspect 4:5 to 1.91:1.
    image=ImageSpec("Instagram feed images", 8 * MB, frozenset({"jpg", "jpeg"}), 0.8, 1.91),
    text=TextRules(2200, hashtags_max=30, mentions_max=20),
    errors=graph.errors(
        {
            "190": "the Instagram access token is no longer valid; reconnect the account",
            "9004": "Instagram could not fetch the video from its URL; the URL must be public",
            "2207026": "the video format is not supported for Reels: H.264 or HEVC, AAC audio, 3 s to 15 min",
            "2207027": "the container is not ready yet; the upload will be published once Instagram finishes processing",
            "2207042": "the account reached Instagram's limit of 50 API posts in 24 hours; it will be retried later",
            "2207008": "the uploaded video expired (containers last 24 hours); it is uploaded again",
            "10": "the app lacks the instagram_content_publish permission; reconnect and grant it",
            "200": "the app lacks a permission it needs; reconnect and grant every permission asked",
        },
        # code 9 / 2207042: "the limit is reached; it will be retried" — temporary, not a refusal.
        retryable_codes=frozenset({"2207042", "9"}),
    ),
    versions=graph.VERSIONS,
    docs=(
        "https://developers.facebook.com/docs/instagram-platform/content-publishing",
        "https://developers.facebook.com/docs/facebook-login/facebook-login-for-business",
        "https://developers.facebook.com/docs/graph-api/changelog/versions",
    ),
)
