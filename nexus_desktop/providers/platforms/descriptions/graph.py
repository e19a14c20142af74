"""What every Meta network shares: the Graph API's dated versions and its token rules.

Not a platform itself: Instagram (and Facebook Pages, Threads) descriptions use it.
Each Graph API version is available for at least two years after the next one is
released (https://developers.facebook.com/docs/graph-api/changelog/versions); a call
to a retired version is answered as the oldest live version, or refused with
"version deprecated" (code 2635).
"""

from __future__ import annotations

from datetime import date

from ..description import ApiVersion, ApiVersions

# Released; retires ("Available until") as published on the versions page.
VERSIONS = ApiVersions(
    header="path",
    versions=(
        ApiVersion("v19.0", date(2024, 1, 23), date(2026, 5, 21)),
        ApiVersion("v20.0", date(2024, 5, 21), date(2026, 9, 24)),
        ApiVersion("v21.0", date(2024, 10, 2), date(2027, 1, 21)),
        ApiVersion("v22.0", date(2025, 1, 21), date(2027, 5, 20)),
        ApiVersion("v23.0", date(2025, 5, 29), date(2027, 10, 8)),
        ApiVersion("v24.0", date(2025, 10, 8), date(2028, 2, 18)),
        ApiVersion("v25.0", date(2026, 2, 18), date(2028, 7, 29)),
        ApiVersion("v26.0", date(2026, 7, 29), None),
    ),
    setting="instagram_api_version",
    source="https://developers.facebook.com/docs/graph-api/changelog/versions",
)

VERSION_HINTS = {"2635": "the Graph API version is deprecated; the app steps to a live version"}

# A long-lived user token lasts 60 days and can be exchanged again for a fresh one;
# do it when less than this many days are left, on any call, not only in the last minutes.
REEXTEND_DAYS = 30

# Facebook Login for a desktop app without an embedded browser: the documented desktop redirect
# (https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow);
# the browser lands there with ?code=… and the creator pastes the address back.
PASTE_REDIRECT = "https://www.facebook.com/connect/login_success.html"
