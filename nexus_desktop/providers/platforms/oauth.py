"""OAuth for the platform accounts: connect in the system browser, keep tokens fresh.

Connecting opens the platform's consent page in the creator's browser with a
redirect to a one-shot listener on 127.0.0.1 (RFC 8252 loopback redirect) and a
PKCE challenge where the platform supports it. The creator brings their own
app's client id and secret. Tokens go to the keyring (``secrets.py``) and never
anywhere else; the account row keeps only when they expire.

``AccountTokens`` hands adapters a valid access token, refreshing it shortly
before it expires; a refresh the platform refuses marks the account "needs
reconnecting" and raises ``NeedsReconnect`` so its posts are held, not failed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import json
import logging
import secrets as random_tokens
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from ... import log_redaction, secrets
from ...domain.errors import Cancelled, UserFixableError
from ...settings import PublishSettings
from ...store.accounts import AccountRepo, AccountView
from .base import NeedsReconnect, PublishError, TransientPublishError
from .errors import NAMES, is_auth_failure, raise_for_response

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
CALLBACK_PATH = "/callback"
DEFAULT_PORT = 8765  # X and LinkedIn want the exact redirect URI registered, port included


@dataclass(frozen=True)
class OAuthProvider:
    platform: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    pkce: bool
    client_auth: str  # "basic": HTTP Basic with the secret; "body": client_id/secret as form fields
    refresh: str  # "refresh_token", "fb_exchange_token" (long-lived Graph token) or "none"
    authorize_params: dict[str, str] = field(default_factory=dict)
    scope_separator: str = " "
    guide: str = ""


def provider(platform: str, settings: PublishSettings) -> OAuthProvider:
    """The platform's documented OAuth endpoints; the API ones follow the base URLs in settings."""
    if platform == "youtube":
        # Google OAuth for installed apps: loopback redirect on any port, PKCE (S256),
        # access_type=offline + prompt=consent to receive a refresh token.
        return OAuthProvider(
            "youtube",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            ("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.force-ssl"),
            pkce=True,
            client_auth="body",
            refresh="refresh_token",
            authorize_params={"access_type": "offline", "prompt": "consent"},
            guide=GUIDES["youtube"],
        )
    if platform == "x":
        # X OAuth 2.0 Authorization Code with PKCE; offline.access yields a rotating refresh token.
        return OAuthProvider(
            "x",
            "https://x.com/i/oauth2/authorize",
            f"{settings.x_base_url}/2/oauth2/token",
            ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access"),
            pkce=True,
            client_auth="basic",
            refresh="refresh_token",
            guide=GUIDES["x"],
        )
    if platform == "linkedin":
        # LinkedIn 3-legged OAuth (no PKCE for web apps); refresh tokens only for approved partners.
        return OAuthProvider(
            "linkedin",
            "https://www.linkedin.com/oauth/v2/authorization",
            "https://www.linkedin.com/oauth/v2/accessToken",
            ("openid", "profile", "w_member_social"),
            pkce=False,
            client_auth="body",
            refresh="refresh_token",
            guide=GUIDES["linkedin"],
        )
    if platform == "instagram":
        # Facebook Login for Business; the short-lived user token is exchanged for a 60-day one,
        # which is exchanged again before it expires (grant_type=fb_exchange_token).
        version = settings.instagram_api_version
        return OAuthProvider(
            "instagram",
            f"https://www.facebook.com/{version}/dialog/oauth",
            f"{settings.instagram_base_url}/{version}/oauth/access_token",
            ("instagram_basic", "instagram_content_publish", "pages_show_list", "pages_read_engagement", "business_management"),
            pkce=False,
            client_auth="body",
            refresh="fb_exchange_token",
            scope_separator=",",
            guide=GUIDES["instagram"],
        )
    raise ValueError(f"no OAuth provider for {platform}")


GUIDES = {
    "youtube": (
        "1. In Google Cloud Console create a project and enable the YouTube Data API v3.\n"
        "2. Configure the OAuth consent screen and add yourself as a test user.\n"
        "3. Create an OAuth client of type Desktop app; paste its client id and secret here.\n"
        "Note: until Google verifies the project, videos it uploads are locked private."
    ),
    "instagram": (
        "1. Your Instagram account must be a Business or Creator account linked to a Facebook Page.\n"
        "2. In Meta for Developers create a Business app with Facebook Login for Business and the Instagram Graph API.\n"
        f"3. Add http://127.0.0.1:{DEFAULT_PORT}{CALLBACK_PATH} as a valid OAuth redirect URI.\n"
        "4. Paste the app id and app secret here."
    ),
    "x": (
        "1. In the X developer portal create a Project and an App.\n"
        "2. Under User authentication settings choose Read and write, type Native App or Web App.\n"
        f"3. Add the callback URI http://127.0.0.1:{DEFAULT_PORT}{CALLBACK_PATH}.\n"
        "4. Paste the OAuth 2.0 client id (and secret, for a confidential client) here."
    ),
    "linkedin": (
        "1. In the LinkedIn developer portal create an app and add the products "
        "'Sign In with LinkedIn using OpenID Connect' and 'Share on LinkedIn'.\n"
        f"2. Add the redirect URL http://127.0.0.1:{DEFAULT_PORT}{CALLBACK_PATH} under Auth.\n"
        "3. Paste the client id and client secret here. LinkedIn tokens last 60 days; reconnect when told."
    ),
}


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


# -- the loopback redirect -------------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    verifier = random_tokens.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        parsed = urlparse(self.path)
        if parsed.path != CALLBACK_PATH:
            self.send_error(404)
            return
        self.server.result = {k: v[0] for k, v in parse_qs(parsed.query).items()}  # type: ignore[attr-defined]
        failed = "error" in self.server.result  # type: ignore[attr-defined]
        text = "Nexus Desktop could not connect the account. You can close this tab." if failed else (
            "Nexus Desktop is connected. You can close this tab and return to the app."
        )
        page = f"<!doctype html><title>Nexus Desktop</title><p>{html.escape(text)}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
        self.server.done.set()  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: keep it out of logs
        pass


class LoopbackReceiver:
    """A one-shot HTTP listener on 127.0.0.1 that catches the authorization redirect."""

    def __init__(self, port: int = 0) -> None:
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), _Callback)
        except OSError as exc:
            raise UserFixableError(
                f"cannot listen on 127.0.0.1:{port} for the sign-in redirect: {exc}",
                hint="close the program using that port, or choose another port and register it with the app",
            ) from None
        self._server.result = None  # type: ignore[attr-defined]
        self._server.done = threading.Event()  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth-loopback", daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> dict[str, str]:
        waited = 0.0
        while not self._server.done.wait(0.1):  # type: ignore[attr-defined]
            waited += 0.1
            if cancel is not None and cancel.is_set():
                raise Cancelled("connecting was cancelled")
            if waited >= timeout:
                raise UserFixableError("the sign-in was not finished in time", hint="connect the account again")
        return dict(self._server.result or {})  # type: ignore[attr-defined]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@dataclass(frozen=True)
class ClientApp:
    """The creator's own app at the platform."""

    client_id: str
    client_secret: str | None = None


def authorize_url(prov: OAuthProvider, client: ClientApp, redirect_uri: str, state: str, challenge: str | None) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": prov.scope_separator.join(prov.scopes),
        "state": state,
        **prov.authorize_params,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{prov.authorize_url}?{urlencode(params)}"


def _token_request(prov: OAuthProvider, client: ClientApp, form: dict[str, str], *, timeout: float = 30) -> dict[str, Any]:
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
    tokens = TokenSet.from_response(_token_request(prov, client, form))
    if prov.refresh == "fb_exchange_token":
        tokens = _fb_exchange(prov, client, tokens.access_token)
    return tokens


def _fb_exchange(prov: OAuthProvider, client: ClientApp, access_token: str) -> TokenSet:
    # Graph API: a valid user token (short- or long-lived) buys a fresh 60-day one.
    data = _token_request(prov, client, {"grant_type": "fb_exchange_token", "fb_exchange_token": access_token})
    return TokenSet.from_response(data)


def run_browser_flow(
    prov: OAuthProvider,
    client: ClientApp,
    *,
    open_url: Callable[[str], Any] = webbrowser.open,
    port: int = 0,
    timeout: float = 300,
    cancel: threading.Event | None = None,
) -> TokenSet:
    """Open the consent page and wait for the redirect; returns the tokens."""
    receiver = LoopbackReceiver(port)
    try:
        state = random_tokens.token_urlsafe(24)
        verifier, challenge = pkce_pair() if prov.pkce else (None, None)
        url = authorize_url(prov, client, receiver.redirect_uri, state, challenge)
        open_url(url)
        result = receiver.wait(timeout, cancel)
    finally:
        receiver.close()
    if result.get("error"):
        reason = result.get("error_description") or result["error"]
        raise UserFixableError(f"{NAMES[prov.platform]} did not grant access: {reason}", hint="connect again and allow access")
    if result.get("state") != state:
        raise UserFixableError("the sign-in answer did not match this request (state mismatch)", hint="connect again")
    if not result.get("code"):
        raise UserFixableError("the sign-in answer carried no authorization code", hint="connect again")
    return exchange_code(prov, client, result["code"], receiver.redirect_uri, verifier)


# -- connecting an account -------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    remote_user_id: str
    name: str
    details: dict[str, Any] = field(default_factory=dict)


def connect(
    platform: str,
    client: ClientApp,
    *,
    accounts: AccountRepo,
    settings: PublishSettings,
    open_url: Callable[[str], Any] = webbrowser.open,
    port: int = 0,
    authorize_endpoint: str | None = None,
    token_endpoint: str | None = None,
    cancel: threading.Event | None = None,
    timeout: float = 300,
) -> AccountView:
    """The whole "Connect account" action: browser consent, identify the account, store it."""
    prov = provider(platform, settings)
    prov = replace(prov, authorize_url=authorize_endpoint or prov.authorize_url, token_url=token_endpoint or prov.token_url)
    tokens = run_browser_flow(prov, client, open_url=open_url, port=port, timeout=timeout, cancel=cancel)
    identify = importlib.import_module(f"{__package__}.{platform}").identify
    who: Identity = identify(settings, tokens.access_token)
    details = {
        "client_id": client.client_id,
        "authorize_url": prov.authorize_url,
        "token_url": prov.token_url,
        "scopes": list(prov.scopes),
        "refreshable": prov.refresh == "fb_exchange_token" or bool(tokens.refresh_token),
        "connected_at": datetime.now(timezone.utc).isoformat(),
        **who.details,
    }
    view = accounts.upsert(platform, who.name, remote_user_id=who.remote_user_id, token_expires_at=tokens.expires_at, details=details)
    try:
        save_tokens(view.id, tokens, client.client_secret)
    except Exception:
        accounts.remove(view.id)
        raise
    log.info("connected %s account %s (id %s)", NAMES[platform], who.name, view.id)
    return view


def tokens_for(setup) -> tuple[AccountTokens, AccountRepo]:
    """For the registry's factories: the target's account and its tokens."""
    from ...store import Store

    if setup.account_id is None:
        raise PublishError(f"the target {setup.target_name or ''} has no connected account", hint="choose one in Targets")
    url = setup.settings.store.database_url or f"sqlite+pysqlite:///{setup.paths.database}"
    with _stores_guard:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = Store.open(url)
    accounts = AccountRepo(store.db)
    return AccountTokens(setup.account_id, accounts, setup.settings.publish), accounts


_stores: dict[str, Any] = {}
_stores_guard = threading.Lock()


def disconnect(account_id: int, accounts: AccountRepo) -> None:
    """Forget the account and remove its secrets from the keyring."""
    forget_tokens(account_id)
    accounts.remove(account_id)


# -- keeping tokens fresh --------------------------------------------------------------------

_refresh_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _account_lock(account_id: int) -> threading.Lock:
    with _locks_guard:
        return _refresh_locks.setdefault(account_id, threading.Lock())


class AccountTokens:
    """A valid access token for one account, refreshed before it expires."""

    def __init__(
        self,
        account_id: int,
        accounts: AccountRepo,
        settings: PublishSettings,
        *,
        margin: timedelta = REFRESH_MARGIN,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.account_id = account_id
        self.accounts = accounts
        self.settings = settings
        self.margin = margin
        self._now = now
        self._reload()

    def _reload(self) -> None:
        """Read the account again: it may have been reconnected, or refreshed by another thread."""
        account = self.accounts.get(self.account_id)
        if account is None:
            raise NeedsReconnect("the account for this post was disconnected", hint="connect it again in Accounts")
        self.platform = account.platform
        self.details = account.details
        self.remote_user_id = account.remote_user_id
        self._account_status = account.status
        self._expires_at = account.token_expires_at

    def _provider(self) -> tuple[OAuthProvider, ClientApp]:
        prov = provider(self.platform, self.settings)
        prov = replace(
            prov,
            token_url=self.details.get("token_url") or prov.token_url,
            authorize_url=self.details.get("authorize_url") or prov.authorize_url,
        )
        payload = load_secret_payload(self.account_id)
        return prov, ClientApp(str(self.details.get("client_id", "")), payload.get("client_secret"))

    def _payload(self) -> dict[str, Any]:
        payload = load_secret_payload(self.account_id)
        if not payload.get("access_token"):
            self._fail("its tokens are missing from the keyring")
        return payload

    def access_token(self) -> str:
        """The current token, refreshed first when it expires within the margin."""
        self._reload()
        if self._account_status != "connected":
            problem = self.details.get("problem") or "it needs reconnecting"
            raise NeedsReconnect(f"{NAMES[self.platform]} account: {problem}", hint="reconnect it in Accounts")
        payload = self._payload()
        expires = self._expires_at
        if expires is not None and expires - self._now() <= self.margin:
            return self.refresh(stale=payload["access_token"])
        return payload["access_token"]

    def refresh(self, stale: str | None = None) -> str:
        """Get a new access token now; ``stale`` is the one that was refused or is expiring."""
        with _account_lock(self.account_id):
            payload = self._payload()
            if stale is not None and payload["access_token"] != stale:
                return payload["access_token"]  # another thread refreshed meanwhile
            prov, client = self._provider()
            tokens = self._refreshed(prov, client, payload)
            save_tokens(self.account_id, tokens, client.client_secret)
            self._expires_at = tokens.expires_at
            self.accounts.set_token_expiry(self.account_id, tokens.expires_at)
            log.info("refreshed the %s token of account %s", NAMES[self.platform], self.account_id)
            return tokens.access_token

    def _refreshed(self, prov: OAuthProvider, client: ClientApp, payload: dict[str, Any]) -> TokenSet:
        try:
            if prov.refresh == "fb_exchange_token":
                if self._expires_at is not None and self._expires_at <= self._now():
                    self._fail("its 60-day token expired")
                return _fb_exchange(prov, client, payload["access_token"])
            refresh_token = payload.get("refresh_token")
            if not refresh_token:
                self._fail("the token expired and this app cannot refresh it")
            data = _token_request(prov, client, {"grant_type": "refresh_token", "refresh_token": refresh_token})
            return TokenSet.from_response(data, previous_refresh=refresh_token)
        except NeedsReconnect as exc:
            self._fail(exc.message)
            raise  # unreachable: _fail raises

    def _fail(self, problem: str) -> None:
        self.accounts.mark_needs_reconnect(self.account_id, problem)
        self._account_status = "needs_reconnect"
        raise NeedsReconnect(
            f"{NAMES[self.platform]} account needs reconnecting: {problem}",
            hint="reconnect it in Accounts; its posts are held until then",
        )


class ApiSession:
    """httpx with the account's bearer token: a 401 refreshes the token and retries once."""

    def __init__(self, platform: str, tokens: AccountTokens, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self.platform = platform
        self.tokens = tokens
        self.http = httpx.Client(timeout=timeout, headers=headers or {})

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, *, action: str, auth_scheme: str = "Bearer", **kwargs: Any) -> httpx.Response:
        token = self.tokens.access_token()
        for attempt in range(2):
            headers = {**kwargs.pop("headers", {}), "Authorization": f"{auth_scheme} {token}"}
            try:
                response = self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException:
                raise TransientPublishError(f"{NAMES[self.platform]} did not answer in time during {action}") from None
            except httpx.TransportError as exc:
                raise TransientPublishError(
                    f"cannot reach {NAMES[self.platform]} during {action}: {type(exc).__name__}"
                ) from None
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if attempt == 0 and is_auth_failure(self.platform, response.status_code, _json_or_none(response)):
                log.info("%s refused the access token during %s; refreshing it", NAMES[self.platform], action)
                token = self.tokens.refresh(stale=token)
                continue
            raise_for_response(self.platform, response.status_code, response.headers, response.content, action=action)
            return response
        raise AssertionError("unreachable")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
