"""Facebook Pages (Reels), as the Graph API's Video API describes it today.

Sources: https://developers.facebook.com/docs/video-api/guides/reels-publishing/ (start →
upload to the returned rupload address → finish with video_state=PUBLISHED; a Page access
token of a person with the CREATE_CONTENT task; pages_show_list, pages_read_engagement,
pages_manage_posts; 3–90 s, 9:16, at least 540x960, 24–60 fps; 30 API reels per Page
per 24 h), https://developers.facebook.com/docs/pages-api/overview (Page tokens from
/me/accounts), https://developers.facebook.com/docs/graph-api/changelog/versions.
"""

from __future__ import annotations

from ..description import GB, PlatformDescription, TextRules, VideoSpec
from . import graph

GUIDE = (
    "1. You must manage the Facebook Page with the 'Create content' task (Page settings → Page access).\n"
    "2. In Meta for Developers create a Business app with Facebook Login for Business and make a Login "
    "Configuration asking for pages_show_list, pages_read_engagement and pages_manage_posts (user access "
    "token). Paste its Configuration ID here.\n"
    f"3. Add {graph.PASTE_STEP}\n"
    "4. Paste the app id and app secret here. Nexus Desktop gets a Page access token from your sign-in for "
    "each post; choose the Page on the target (the first Page you can post to is used otherwise).\n"
    "Facebook publishes up to 30 reels per Page a day through the API."
)

DESCRIPTION = PlatformDescription(
    name="facebook",
    display_name="Facebook",
    icon="facebook",
    adapter="facebook:create",
    oauth=graph.login("{facebook_base_url}/{api_version}/oauth/access_token",
                      ("pages_show_list", "pages_read_engagement", "pages_manage_posts", "business_management")),
    guide=GUIDE,
    video=VideoSpec("Facebook Reels", 3, 90, 1, 1 * GB, 0.5, 0.6, frozenset({"h264", "hevc"})),
    image=None,
    text=TextRules(63206),
    errors=graph.errors({
        "190": "the Facebook sign-in is no longer valid; reconnect the account",
        "200": "this sign-in cannot post to the Page: you need the 'Create content' task on it and pages_manage_posts",
        "10": "the app lacks pages_manage_posts; reconnect and grant every permission asked",
        "368": "Facebook blocked this post as abusive; check the Page's quality in Meta Business Suite",
        "6000": "Facebook could not process the video: MP4, H.264, 3–90 s, 9:16 at 540x960 or more",
    }),
    versions=graph.VERSIONS,
    docs=(
        "https://developers.facebook.com/docs/video-api/guides/reels-publishing/",
        "https://developers.facebook.com/docs/pages-api/overview",
    ),
)
