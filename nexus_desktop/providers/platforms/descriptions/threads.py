"""Threads, as the Threads API describes it today.

Sources: https://developers.facebook.com/docs/threads/posts/ (containers, video_url fetched from a
public server, 500 characters with emoji counted as UTF-8 bytes),
https://developers.facebook.com/docs/threads/get-started/long-lived-tokens (60-day tokens,
th_exchange_token / th_refresh_token), https://developers.facebook.com/docs/threads/troubleshooting
(container status), media specs (MOV/MP4, H.264/HEVC, up to 5 minutes and 1 GB).
"""

from __future__ import annotations

from ..description import GB, ErrorMap, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map
from ..networks import HINTS

AUTHORIZE_URL = "https://threads.net/oauth/authorize"

# Threads accepts only HTTPS redirect callbacks registered with the app: the browser lands there
# (the page need not load) and the creator pastes the address back into the app.
PASTE_REDIRECT = "https://localhost/nexus-desktop/callback"

SCOPES = ("threads_basic", "threads_content_publish")

GUIDE = (
    "1. In Meta for Developers create an app with the 'Access the Threads API' use case and the permissions "
    "threads_basic and threads_content_publish; add your Threads account as a tester and accept the invite in "
    "Threads (Settings → Account → Website permissions).\n"
    f"2. Add {PASTE_REDIRECT} as a Redirect Callback URL. After you allow access the browser lands there (the page "
    "may not load — that is expected): copy the whole address from the address bar and paste it into the app.\n"
    "3. Paste the Threads app id and app secret here. The token lasts 60 days and is renewed while you post.\n"
    "Videos: Threads only fetches a video from a public web address. Set up a bucket in Settings → Sync and "
    "Nexus Desktop hands Threads a link that expires after an hour; without a bucket, post text with the link."
)


DESCRIPTION = PlatformDescription(
    name="threads",
    display_name="Threads",
    icon="threads",
    adapter="threads:create",
    # Connected by threads.connect: the short-lived token is exchanged with th_exchange_token.
    oauth=OAuthSpec(AUTHORIZE_URL, "{threads_base_url}/oauth/access_token", SCOPES, pkce=False, client_auth="body",
                    refresh="th_refresh_token", scope_separator=",", redirect="registered",
                    registered_redirect=PASTE_REDIRECT),
    guide=GUIDE,
    video=VideoSpec("Threads videos", 0.1, 300, 1, 1 * GB, 0.01, 10.0, frozenset({"h264", "hevc"})),
    image=None,
    text=TextRules(None),  # 500, an emoji counting its UTF-8 bytes: checked by the adapter
    errors=ErrorMap(style="graph", hints=frozen_map(HINTS["threads"]), rate_codes=frozenset({4, 17, 32, 613}),
                    auth_codes=frozenset({190, 102, 463, 467})),
    docs=(
        "https://developers.facebook.com/docs/threads/posts/",
        "https://developers.facebook.com/docs/threads/get-started/long-lived-tokens",
    ),
)
