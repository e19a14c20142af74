"""The OAuth 2.0 client side every platform shares: its endpoints, the token endpoint, the keyring.

``provider`` turns a platform's description (``descriptions/<name>.py``) into the
endpoints to use with today's settings; ``exchange_code`` and ``refresh_tokens`` talk to
the token endpoint; the tokens live in the OS keyring (``secrets.py``) and nowhere else.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from ... import log_redaction, secrets
from ...settings import PublishSettings
from . import registry, versions
from .base import NeedsReconnect, TransientPublishError
from .description import OAuthSpec
from .errors import NAMES, raise_for_response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OAuthProvider(OAuthSpec):
    """A platform's ``OAuthSpec`` with today's endpoints filled in, and whose it is."""

    platform: str = field(kw_only=True)
    guide: str = field(default="", kw_only=True)  # the connect guide, shown beside the sign-in


def api_version(platform: str, settings: PublishSettings) -> str:
    """The API version this platform's calls use today: pinned in settings, else newest live."""
    described = registry.description(platform)
    if described.versions is None:
        return ""
    return versions.chosen(described.versions, getattr(settings, described.versions.setting, ""))


def provider(platform: str, settings: PublishSettings) -> OAuthProvider:
    """The platform's documented OAuth endpoints; the API ones follow the base URLs in settings."""
    described = registry.description(platform)
    spec = described.oauth
    if spec is None:
        raise ValueError(f"no OAuth provider for {platform}")
    fields = {**settings.model_dump(), "api_version": api_version(platform, settings)}
    spec = dataclasses.replace(spec, authorize_url=spec.authorize_url.format(**fields), token_url=spec.token_url.format(**fields))
    return OAuthProvider(**{f.name: getattr(spec, f.name) for f in dataclasses.fields(OAuthSpec)},
                         platform=platform, guide=described.guide)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str = ""

    @classmethod
    def from_response(cls, data: dict[str, Any], *, previous_refresh: str | None = None) -> "TokenSet":
        expires_in = data.get("expires_in")
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=int(expires_in)) if expires_in else None
        # Google keeps the old refresh token valid and omits it on refresh; X rotates it.
        refresh = data.get("refresh_token") or previous_refresh
        return cls(str(data["access_token"]), refresh, expires_at, str(data.get("scope", "")))


# -- where tokens live -----------------------------------------------------------------------


def token_secret_name(account_id: int) -> str:
    return f"account:{account_id}:oauth"


def save_tokens(account_id: int, tokens: TokenSet, client_secret: str | None) -> None:
    payload = {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "client_secret": client_secret}
    for value in payload.values():
        log_redaction.register(value)
    secrets.set_secret(token_secret_name(account_id), json.dumps(payload))


def load_secret_payload(account_id: int) -> dict[str, Any]:
    raw = secrets.get_secret(token_secret_name(account_id))
    if not raw:
        return {}
    payload = json.loads(raw)
    for value in payload.values():
        log_redaction.register(value)
    return payload


def forget_tokens(account_id: int) -> None:
    secrets.delete_secret(token_secret_name(account_id))


@dataclass(frozen=True)
class ClientApp:
    """The creator's own app at the platform."""

    client_id: str
    client_secret: str | None = None
    config_id: str = ""  # Facebook Login for Business configuration (instead of scopes)
    extra_scopes: tuple[str, ...] = ()  # asked for on top of the platform's own (LinkedIn page posts)


# -- the token endpoint ----------------------------------------------------------------------


def token_request(prov: OAuthProvider, client: ClientApp, form: dict[str, str], *, timeout: float = 30) -> dict[str, Any]:
    auth = None
    form = dict(form)
    if client.client_secret and prov.client_auth == "basic":
        auth = httpx.BasicAuth(client.client_id, client.client_secret)
    else:
        form["client_id"] = client.client_id
        if client.client_secret:
            form["client_secret"] = client.client_secret
    try:
        with httpx.Client(timeout=timeout) as http:
            response = http.post(prov.token_url, data=form, auth=auth, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise TransientPublishError(f"cannot reach {NAMES[prov.platform]}'s sign-in server: {type(exc).__name__}") from None
    if response.status_code == 200:
        data = response.json()
        for key in ("access_token", "refresh_token"):
            log_redaction.register(data.get(key))
        return data
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    if isinstance(body.get("error"), dict):  # Graph API style
        error = "invalid_grant" if body["error"].get("code") in (190, 100) else "error"
    if response.status_code in (400, 401) and error in {"invalid_grant", "invalid_request", "unauthorized_client", "invalid_client"}:
        log.warning("%s refused a token request: %s", NAMES[prov.platform], response.text[:2000])
        raise NeedsReconnect(
            f"{NAMES[prov.platform]} refused the sign-in ({error})", hint="reconnect the account in Accounts"
        )
    raise_for_response(prov.platform, response.status_code, response.headers, response.content, action="the sign-in")
    raise NeedsReconnect(f"{NAMES[prov.platform]} refused the sign-in", hint="reconnect the account in Accounts")


def exchange_code(prov: OAuthProvider, client: ClientApp, code: str, redirect_uri: str, verifier: str | None) -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        form["code_verifier"] = verifier
    tokens = TokenSet.from_response(token_request(prov, client, form))
    if prov.refresh == "fb_exchange_token":
        tokens = fb_exchange(prov, client, tokens.access_token)
    return tokens


def fb_exchange(prov: OAuthProvider, client: ClientApp, access_token: str) -> TokenSet:
    # Graph API: a valid user token (short- or long-lived) buys a fresh 60-day one.
    data = token_request(prov, client, {"grant_type": "fb_exchange_token", "fb_exchange_token": access_token})
    return TokenSet.from_response(data)




def refresh_tokens(prov: OAuthProvider, client: ClientApp, refresh_token: str) -> TokenSet:
    """RFC 6749 refresh. Google omits the refresh token (the old one stays valid); X sends a new one
    and invalidates the old at once, so the answer must be saved before anyone refreshes again."""
    data = token_request(prov, client, {"grant_type": "refresh_token", "refresh_token": refresh_token})
    return TokenSet.from_response(data, previous_refresh=refresh_token)
