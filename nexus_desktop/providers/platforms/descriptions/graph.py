"""What the Graph networks (Facebook Pages, Instagram) share: the Graph API's dated
versions, its sign-in (Facebook Login for Business, pasted back) and token rules, and
how its errors read.

Not a platform itself: the Facebook and Instagram descriptions use it.
Each Graph API version is available for at least two years after the next one is
released (https://developers.facebook.com/docs/graph-api/changelog/versions); a call
to a retired version is answered as the oldest live version, or refused with
"version deprecated" (code 2635).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..description import ApiVersion, ApiVersions, ErrorMap, OAuthSpec, frozen_map

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

# The connect guides' redirect step, the same words for every Graph network.
PASTE_STEP = (
    f"{PASTE_REDIRECT} as a Valid OAuth Redirect URI. After you allow access the browser lands on that "
    "Facebook page: copy the whole address from the address bar and paste it into the app."
)

# Error codes that mean "slow down" (application, user, Page and business-use-case limits)
# and "the token was refused", whatever the HTTP status.
RATE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
AUTH_CODES = frozenset({190, 102, 463, 467})


def login(token_url: str, scopes: tuple[str, ...]) -> OAuthSpec:
    """Facebook Login for Business as a desktop app can use it: the Login Configuration's
    ``config_id`` instead of scopes, the documented desktop redirect pasted back, and a
    long-lived token re-extended while it still has ``REEXTEND_DAYS`` left."""
    return OAuthSpec(
        authorize_url="https://www.facebook.com/{api_version}/dialog/oauth",
        token_url=token_url,
        scopes=scopes,
        pkce=False,
        client_auth="body",
        refresh="fb_exchange_token",
        scope_separator=",",
        redirect="registered",
        scope_param="config_id",
        reextend_days=REEXTEND_DAYS,
        registered_redirect=PASTE_REDIRECT,
    )


def errors(hints: Mapping[str, str], *, retryable_codes: frozenset[str] = frozenset()) -> ErrorMap:
    """A Graph network's error map: its own hints, plus the version and limit codes every one shares."""
    return ErrorMap(style="graph", hints=frozen_map({**hints, **VERSION_HINTS}), rate_codes=RATE_CODES,
                    auth_codes=AUTH_CODES, retryable_codes=retryable_codes)
