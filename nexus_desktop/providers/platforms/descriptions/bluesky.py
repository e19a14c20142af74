"""Bluesky, as the AT Protocol docs describe it today.

Sources: https://docs.bsky.app/docs/tutorials/video (service auth, video service, job status,
upload limits), https://docs.bsky.app/docs/advanced-guides/post-richtext (facets in UTF-8 bytes),
https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json (300
graphemes), https://docs.bsky.app/docs/advanced-guides/oauth-client (OAuth needs a hosted client
metadata document and DPoP: a desktop app without a web address signs in with an app password).
"""

from __future__ import annotations

from ..description import MB, ErrorMap, PlatformDescription, TextRules, VideoSpec, frozen_map
from ..networks import HINTS

GUIDE = (
    "1. In Bluesky open Settings → Privacy and security → App passwords and add one named 'Nexus Desktop'.\n"
    "2. Type your handle (for example name.bsky.social) and paste that app password here — never your main password.\n"
    "3. Videos need a confirmed e-mail address on the account; Bluesky limits how many videos a day it accepts.\n"
    "Self-hosted PDS: type its address; the default is bsky.social."
)


DESCRIPTION = PlatformDescription(
    name="bluesky",
    display_name="Bluesky",
    icon="bluesky",
    adapter="bluesky:create",
    oauth=None,  # app password (see the module docstring)
    guide=GUIDE,
    video=VideoSpec("Bluesky videos", 0.1, 180, 1, 100 * MB, 1 / 3, 3.0, frozenset({"h264", "hevc", "vp9", "av1", "mpeg4"})),
    image=None,
    text=TextRules(None),  # 300 graphemes / 3000 bytes: checked by the adapter
    errors=ErrorMap(style="bluesky", hints=frozen_map(HINTS["bluesky"])),
    docs=(
        "https://docs.bsky.app/docs/tutorials/video",
        "https://docs.bsky.app/docs/advanced-guides/post-richtext",
    ),
)
