"""YouTube, as the YouTube Data API v3 and Google's OAuth describe it today.

Sources: https://developers.google.com/youtube/v3/docs/videos/insert (256 GB / 12 h,
title ≤ 100 characters, description ≤ 5000 bytes, no < or >),
https://developers.google.com/youtube/v3/docs/thumbnails/set (≤ 2 MB; JPEG, PNG),
https://developers.google.com/youtube/v3/determine_quota_cost (quota per Cloud project),
https://developers.google.com/identity/protocols/oauth2/native-app (loopback redirect, PKCE),
https://support.google.com/cloud/answer/15549945 (publishing status: Testing tokens die after 7 days).
"""

from __future__ import annotations

from datetime import timedelta

from ..base import PostPackage
from ..description import GB, MB, ErrorMap, ImageSpec, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map

THUMBNAIL_MAX_BYTES = 2 * MB  # thumbnails.set: "Maximum file size: 2MB"
SHORTS_MAX_SECONDS = 180  # a vertical or square video up to 3 minutes is a Short
EARLY_UPLOAD_MARGIN = timedelta(minutes=15)  # a publish time nearer than this is not worth uploading ahead for


def thumbnail_check(package: PostPackage) -> list[str]:
    """A thumbnail over 2 MB is re-encoded by the adapter; one that is not a JPEG or PNG cannot be."""
    thumb = package.thumbnail_path
    if thumb is None or not thumb.is_file():
        return []
    if thumb.suffix.lower().lstrip(".") not in {"jpg", "jpeg", "png"}:
        return [f"the thumbnail {thumb.name} is not a JPEG or PNG; YouTube takes those — render the thumbnail again"]
    return []


GUIDE = (
    "1. In Google Cloud Console create a project and enable the YouTube Data API v3.\n"
    "2. Configure the OAuth consent screen (Google Auth Platform → Audience): user type External, then "
    "press 'Publish app' so its status is In production. An app left in Testing gets refresh tokens "
    "that expire after 7 days, and your posts would be held every week until you reconnect.\n"
    "3. In production but unverified, Google shows 'Google hasn't verified this app' at sign-in: "
    "choose Advanced → Go to (your app). That is fine for your own channel (up to 100 users). "
    "Verification (a Google review of the app's privacy policy and use of the YouTube scopes) is only "
    "needed to drop that screen; until the API project passes YouTube's audit, videos it uploads "
    "may be locked private.\n"
    "4. Create an OAuth client of type Desktop app; paste its client id and secret here. "
    "Desktop clients accept the sign-in redirect to this computer on any port; nothing to register."
)

DESCRIPTION = PlatformDescription(
    name="youtube",
    display_name="YouTube",
    icon="youtube",
    adapter="youtube:create",
    oauth=OAuthSpec(
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        scopes=("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.force-ssl",
                "https://www.googleapis.com/auth/yt-analytics.readonly"),  # the last one reads each post's figures
        pkce=True,
        client_auth="body",
        refresh="refresh_token",
        authorize_params=frozen_map({"access_type": "offline", "prompt": "consent"}),
    ),
    guide=GUIDE,
    # videos.insert: up to 256 GB / 12 h (15 min until the channel is verified).
    video=VideoSpec("YouTube uploads", 1, 12 * 3600, 1, 256 * GB, 0.1, 10.0,
                    frozenset({"h264", "hevc", "vp9", "av1", "mpeg4", "prores"})),
    image=ImageSpec("YouTube thumbnails", THUMBNAIL_MAX_BYTES, frozenset({"jpg", "jpeg", "png"}), 0.5, 2.5),
    # snippet.description ≤ 5000 bytes (UTF-8), title ≤ 100 characters, neither with < or >;
    # more than 60 hashtags make YouTube ignore all of them.
    text=TextRules(5000, field="description", title_max=100, hashtags_max=60, unit="bytes", forbidden="<>"),
    errors=ErrorMap(
        style="google",
        hints=frozen_map({
            "quotaExceeded": "the API project's daily YouTube quota is used up; uploads continue after midnight Pacific time",
            "uploadLimitExceeded": "the channel reached YouTube's upload limit for now; try again tomorrow",
            "forbidden": "the connected Google account cannot upload to this channel; reconnect it with the right channel",
            "invalidTitle": "change the title: YouTube allows up to 100 characters and no < or >",
            "invalidDescription": "shorten the description to 5000 bytes and remove < and >",
            "invalidCategoryId": "choose another YouTube category in Settings",
            "youtubeSignupRequired": "the Google account has no YouTube channel yet; create one, then reconnect",
            "mediaBodyRequired": "the video file was not sent; check that it still exists",
            "insufficientPermissions": "the sign-in did not grant YouTube upload access; reconnect and tick every permission",
            "invalidPublishAt": "the publish time must be in the future; reschedule the post",
        }),
    ),
    checks=(thumbnail_check,),
    # status.publishAt: a private video goes public at that time (it must be in the future);
    # closer than this to its time, a post is simply published.
    publishes_at_time_after=EARLY_UPLOAD_MARGIN,
    docs=(
        "https://developers.google.com/youtube/v3/docs/videos/insert",
        "https://developers.google.com/youtube/v3/docs/thumbnails/set",
        "https://developers.google.com/identity/protocols/oauth2/native-app",
        "https://support.google.com/cloud/answer/15549945",  # audience: Testing vs In production
    ),
)
