"""Mastodon, as docs.joinmastodon.org describes it today.

Sources: https://docs.joinmastodon.org/methods/apps/ (an app per instance),
https://docs.joinmastodon.org/methods/oauth/, https://docs.joinmastodon.org/methods/media/#v2
(202 while processing), https://docs.joinmastodon.org/methods/statuses/#create (Idempotency-Key),
https://docs.joinmastodon.org/methods/instance/#v2 (the instance's own limits).
"""

from __future__ import annotations

from ..description import MB, ErrorMap, PlatformDescription, TextRules, VideoSpec, frozen_map
from ..networks import HINTS

GUIDE = (
    "1. Type the address of your Mastodon instance (for example mastodon.social).\n"
    "2. Nexus Desktop registers itself on that instance; nothing to create by hand.\n"
    "3. Your browser opens the instance's sign-in page: allow Nexus Desktop to post.\n"
    "Each instance sets its own character and video limits; Nexus Desktop reads them before every post."
)


DESCRIPTION = PlatformDescription(
    name="mastodon",
    display_name="Mastodon",
    icon="mastodon",
    adapter="mastodon:create",
    oauth=None,  # the app is registered on each instance when connecting (mastodon.connect)
    guide=GUIDE,
    # Mastodon 4.x defaults; the instance's own size limit replaces 99 MB before each post.
    video=VideoSpec("Mastodon videos", 0.1, 24 * 3600, 1, 99 * MB, 0.01, 100.0,
                    frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})),
    image=None,
    text=TextRules(None),  # the instance's max_characters, links counting 23: checked by the adapter
    errors=ErrorMap(style="mastodon", hints=frozen_map(HINTS["mastodon"])),
    docs=(
        "https://docs.joinmastodon.org/methods/media/#v2",
        "https://docs.joinmastodon.org/methods/statuses/#create",
        "https://docs.joinmastodon.org/methods/instance/#v2",
    ),
)
