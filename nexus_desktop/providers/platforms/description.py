"""What a platform is, as one frozen record: the single place its knowledge lives.

Each network has one module in ``descriptions/`` that builds a ``PlatformDescription``
(name, icon, OAuth endpoints and scopes, the connect guide, video and image specs,
text rules, extra pre-flight checks, error mapping, API versions) and the registry
(``registry.py``) lists those modules. The adapters, the pre-flight checks, the error
mapping, the OAuth flow and the Accounts view all read from it; none keeps a copy.

Adding a network: write ``descriptions/<name>.py`` with ``DESCRIPTION = PlatformDescription(...)``,
an adapter module with ``create(setup)``, and add the name to ``registry.DESCRIPTION_MODULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from .base import PostPackage

GB = 1024**3
MB = 1024**2
KB = 1024

Check = Callable[[PostPackage], list[str]]  # extra pre-flight rule: problems, each with its fix


def frozen_map(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class OAuthSpec:
    """The platform's documented OAuth 2.0 endpoints and what the app asks for.

    URLs may hold ``{setting}`` fields of ``PublishSettings`` (``{x_base_url}``) and
    ``{api_version}`` (the API version in use, see ``versions.py``)."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    pkce: bool
    client_auth: str  # "basic": HTTP Basic with the secret; "body": client_id/secret as form fields
    refresh: str  # "refresh_token", "fb_exchange_token" (long-lived Graph token) or "none"
    authorize_params: Mapping[str, str] = field(default_factory=frozen_map)
    scope_separator: str = " "
    # "loopback": http://127.0.0.1:<port>/callback (RFC 8252), any port (Google, X);
    # "registered": a redirect URI registered with the app, which the platform accepts only
    # as HTTPS outside development: the creator pastes the address the browser was sent to.
    redirect: str = "loopback"
    scope_param: str = "scope"  # Facebook Login for Business takes "config_id" instead
    rotating_refresh: bool = False  # the refresh token changes on every refresh (X)
    # A long-lived token that can only be re-extended (Graph): exchange it when less than this is left.
    reextend_days: int = 0
    registered_redirect: str = ""  # for redirect="registered": the HTTPS address the creator registers


@dataclass(frozen=True)
class VideoSpec:
    label: str  # what the creator calls the product, plural verb follows ("Instagram Reels allow")
    min_seconds: float
    max_seconds: float
    min_bytes: int
    max_bytes: int
    min_aspect: float  # width / height
    max_aspect: float
    codecs: frozenset[str]


@dataclass(frozen=True)
class ImageSpec:
    label: str
    max_bytes: int
    formats: frozenset[str]  # file suffixes, lower case, without the dot
    min_aspect: float = 0.0
    max_aspect: float = 100.0


@dataclass(frozen=True)
class TextRules:
    max_length: int | None  # None: longer text becomes a thread
    field: str = "text"  # the PostPackage field the platform shows as the post body
    title_max: int | None = None
    hashtags_max: int | None = None
    mentions_max: int | None = None
    unit: str = "characters"  # how the limit is counted: "characters", "bytes" (UTF-8) or "weighted" (X)
    forbidden: str = ""  # characters the platform refuses in title and body


@dataclass(frozen=True)
class ErrorMap:
    """How the platform's error answers read, and what the creator can do about each."""

    style: str  # "google", "graph", "x", "linkedin": how to read message and code from a body
    hints: Mapping[str, str] = field(default_factory=frozen_map)  # reason/code → what to do
    rate_codes: frozenset[int] = frozenset()  # error codes that mean "slow down", whatever the HTTP status
    auth_codes: frozenset[int] = frozenset()  # error codes that mean "the token was refused"
    retryable_codes: frozenset[str] = frozenset()  # codes/subcodes that are temporary, not refusals


@dataclass(frozen=True)
class ApiVersion:
    name: str
    released: date
    retires: date | None  # None: no published end date


@dataclass(frozen=True)
class ApiVersions:
    """The platform's dated table of published API versions and their lifetimes."""

    header: str  # where the version goes: an HTTP header name, or "path" for a URL prefix
    versions: tuple[ApiVersion, ...]
    setting: str  # the PublishSettings field that pins a version ("" = newest live)
    source: str  # the page the lifetimes come from


@dataclass(frozen=True)
class PlatformDescription:
    name: str  # "youtube": the key in settings, targets and posts
    display_name: str  # "YouTube"
    icon: str  # icon name under resources/icons
    adapter: str  # "module (in platforms):factory"
    oauth: OAuthSpec | None
    guide: str  # the connect guide shown in Accounts and the README: what the creator must register
    video: VideoSpec | None
    image: ImageSpec | None
    text: TextRules
    errors: ErrorMap
    checks: tuple[Check, ...] = ()
    versions: ApiVersions | None = None
    docs: tuple[str, ...] = ()  # the pages this description was written from
    cost: Callable[[PostPackage], str] | None = None  # what a post costs on a paid API, said before publishing
    # The platform makes an uploaded post public at a given time itself (YouTube's publishAt) when
    # that time is at least this far ahead: such posts may be uploaded early (see the scheduler).
    publishes_at_time_after: timedelta | None = None
