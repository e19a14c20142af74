"""LinkedIn (members and company pages), as the Community Management API describes it today.

Sources: https://learn.microsoft.com/en-us/linkedin/marketing/versioning (monthly
versions, each supported at least a year; a sunset one answers 426),
https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations (sunset dates),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
(author, commentary in little text format, w_member_social / w_organization_social),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
(reserved characters), https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api
(3 s–30 min, 75 KB–500 MB; status PROCESSING → AVAILABLE or PROCESSING_FAILED).
"""

from __future__ import annotations

from datetime import date

from ..description import (
    KB, MB, ApiVersion, ApiVersions, ErrorMap, ImageSpec, OAuthSpec, PlatformDescription, TextRules, VideoSpec, frozen_map,
)

PASTE_REDIRECT = "https://localhost/nexus-desktop/callback"
MEMBER_SCOPES = ("openid", "profile", "w_member_social")
ORGANIZATION_SCOPE = "w_organization_social"  # posting as a company page; needs the Community Management API product


def _v(name: str, released: date, retires: date) -> ApiVersion:
    return ApiVersion(name, released, retires)


# Sunset dates as published on the migrations page; versions not yet listed there are given
# the policy's minimum of one year from release (the 15th of the month a year later).
VERSIONS = ApiVersions(
    header="LinkedIn-Version",
    versions=(
        _v("202506", date(2025, 6, 1), date(2026, 6, 15)),
        _v("202507", date(2025, 7, 1), date(2026, 7, 15)),
        _v("202508", date(2025, 8, 1), date(2026, 8, 17)),
        _v("202509", date(2025, 9, 1), date(2026, 9, 15)),
        _v("202510", date(2025, 10, 1), date(2026, 10, 15)),
        _v("202511", date(2025, 11, 1), date(2026, 11, 16)),
        _v("202601", date(2026, 1, 1), date(2027, 1, 15)),
        _v("202602", date(2026, 2, 1), date(2027, 2, 15)),
        _v("202603", date(2026, 3, 1), date(2027, 3, 16)),
        _v("202604", date(2026, 4, 1), date(2027, 4, 15)),
        _v("202605", date(2026, 5, 1), date(2027, 5, 15)),
        _v("202606", date(2026, 6, 1), date(2027, 6, 15)),
        _v("202607", date(2026, 7, 1), date(2027, 7, 15)),
    ),
    setting="linkedin_version",
    source="https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations",
)

GUIDE = (
    "1. In the LinkedIn developer portal create an app (it must be linked to a company page) and add the "
    "products 'Sign In with LinkedIn using OpenID Connect' and 'Share on LinkedIn'. To post as a "
    "company page also request 'Community Management API' (gives w_organization_social; you must be "
    "an admin of the page).\n"
    "2. Under Auth → Authorized redirect URLs add "
    f"{PASTE_REDIRECT}. LinkedIn wants the exact URL registered; after you allow access the browser "
    "lands there (the page may not load — that is expected): copy the whole address from the address "
    "bar and paste it into the app.\n"
    "3. Paste the client id and client secret here. Member tokens last 60 days and cannot be refreshed "
    "by most apps; the Accounts view tells you when to reconnect."
)

DESCRIPTION = PlatformDescription(
    name="linkedin",
    display_name="LinkedIn",
    icon="linkedin",
    adapter="linkedin:create",
    oauth=OAuthSpec(
        authorize_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        scopes=MEMBER_SCOPES,
        pkce=False,
        client_auth="body",
        refresh="refresh_token",
        redirect="registered",
        registered_redirect=PASTE_REDIRECT,
    ),
    guide=GUIDE,
    video=VideoSpec("LinkedIn videos", 3, 30 * 60, 75 * KB, 500 * MB, 1 / 2.4, 2.4, frozenset({"h264"})),
    image=ImageSpec("LinkedIn images", 36 * MB, frozenset({"jpg", "jpeg", "png", "gif"})),
    text=TextRules(3000),
    errors=ErrorMap(
        style="linkedin",
        hints=frozen_map({
            "65600": "the LinkedIn token is no longer valid; reconnect the account",
            "ACCESS_DENIED": "the LinkedIn app lacks w_member_social (or w_organization_social for a page); reconnect and grant it",
            "DUPLICATE_POST": "LinkedIn refuses a post identical to a recent one; change the text",
            "NONEXISTENT_VERSION": "the LinkedIn API version is retired; the app steps to a live version",
            "VERSION_MISSING": "the LinkedIn API version is missing; choose one in Settings or leave it on newest",
        }),
    ),
    versions=VERSIONS,
    docs=(
        "https://learn.microsoft.com/en-us/linkedin/marketing/versioning",
        "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api",
        "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format",
    ),
)
