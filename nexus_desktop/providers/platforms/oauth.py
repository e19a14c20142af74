"""OAuth for the platform accounts: connect in the system browser.

Connecting opens the platform's consent page in the creator's browser. Where the
platform allows it (Google, X) the redirect goes to a one-shot listener on
127.0.0.1 (RFC 8252 loopback redirect) with a PKCE challenge. Meta and LinkedIn
accept only the redirect URI registered with the app, HTTPS outside development:
there the browser lands on that address and the creator pastes it back
(``run_paste_flow``). The creator brings their own app's client id and secret.
Tokens go to the keyring (``oauth_client.py``) and never anywhere else; the
account row keeps only when they expire. Keeping them fresh is ``tokens.py``.

Nothing here opens a database: the caller passes its accounts (``accounts.Accounts``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import logging
import secrets as random_tokens
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from ...domain.errors import Cancelled, UserFixableError
from ...settings import PublishSettings
from .accounts import AccountRecord, Accounts
from .base import NeedsReconnect, PublishError  # noqa: F401 (NeedsReconnect re-exported)
from .errors import NAMES
from .oauth_client import (  # noqa: F401 (re-exported: the connect flow's vocabulary)
    ClientApp, OAuthProvider, TokenSet, api_version, exchange_code, forget_tokens, load_secret_payload, provider,
    save_tokens, token_secret_name,
)
from .tokens import REFRESH_MARGIN, AccountTokens, ApiSession  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

CALLBACK_PATH = "/callback"
DEFAULT_PORT = 8765  # X wants the exact redirect URI registered, port included


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


def authorize_url(prov: OAuthProvider, client: ClientApp, redirect_uri: str, state: str, challenge: str | None) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        **prov.authorize_params,
    }
    if prov.scope_param == "config_id" and client.config_id:
        params["config_id"] = client.config_id  # Facebook Login for Business: the configuration holds the permissions
    else:
        params["scope"] = prov.scope_separator.join((*prov.scopes, *client.extra_scopes))
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{prov.authorize_url}?{urlencode(params)}"


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
    _check_answer(prov, result, state)
    return exchange_code(prov, client, result["code"], receiver.redirect_uri, verifier)


def _check_answer(prov: OAuthProvider, result: dict[str, str], state: str) -> None:
    if result.get("error"):
        reason = result.get("error_description") or result.get("error_reason") or result["error"]
        raise UserFixableError(f"{NAMES[prov.platform]} did not grant access: {reason}", hint="connect again and allow access")
    if result.get("state") != state:
        raise UserFixableError("the sign-in answer did not match this request (state mismatch)", hint="connect again")
    if not result.get("code"):
        raise UserFixableError("the sign-in answer carried no authorization code", hint="connect again")


def answer_from_address(address: str) -> dict[str, str]:
    """The query (or fragment) of the address the browser was sent to, as the creator pasted it."""
    parsed = urlparse(address.strip())
    query = parse_qs(parsed.query) or parse_qs(parsed.fragment)
    return {k: v[0] for k, v in query.items()}


def run_paste_flow(
    prov: OAuthProvider,
    client: ClientApp,
    redirect_uri: str,
    *,
    ask_address: Callable[[str], str | None],
    open_url: Callable[[str], Any] = webbrowser.open,
    cancel: threading.Event | None = None,
) -> TokenSet:
    """For platforms that accept only a registered HTTPS redirect (Meta, LinkedIn): the browser lands
    on that address, the creator pastes it back, and the code in it is exchanged here."""
    state = random_tokens.token_urlsafe(24)
    verifier, challenge = pkce_pair() if prov.pkce else (None, None)
    url = authorize_url(prov, client, redirect_uri, state, challenge)
    open_url(url)
    address = ask_address(redirect_uri)
    if address is None or (cancel is not None and cancel.is_set()):
        raise Cancelled("connecting was cancelled")
    if not address.strip():
        raise UserFixableError("no address was pasted", hint="copy the whole address from the browser's address bar")
    result = answer_from_address(address)
    if not result:
        raise UserFixableError(
            "the pasted address carries no answer from the sign-in",
            hint=f"after allowing access, copy the address of the page you land on (it starts with {redirect_uri})",
        )
    _check_answer(prov, result, state)
    return exchange_code(prov, client, result["code"], redirect_uri, verifier)


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
    accounts: Accounts,
    settings: PublishSettings,
    open_url: Callable[[str], Any] = webbrowser.open,
    port: int = 0,
    authorize_endpoint: str | None = None,
    token_endpoint: str | None = None,
    cancel: threading.Event | None = None,
    timeout: float = 300,
    ask_address: Callable[[str], str | None] | None = None,
    redirect_uri: str | None = None,
) -> AccountRecord:
    """The whole "Connect account" action: browser consent, identify the account, store it.

    Google and X redirect to a listener on 127.0.0.1; Meta and LinkedIn only to the HTTPS
    address registered with the creator's app, which the creator pastes back (``ask_address``)."""
    if not client.client_id.strip():
        raise UserFixableError(f"the {NAMES[platform]} client id is empty",
                               hint="paste the client id of the app you registered (see the guide) first")
    prov = provider(platform, settings)
    prov = replace(prov, authorize_url=authorize_endpoint or prov.authorize_url, token_url=token_endpoint or prov.token_url)
    if cancel is not None and cancel.is_set():
        raise Cancelled("connecting was cancelled")
    if prov.redirect == "registered":
        if ask_address is None:
            raise UserFixableError(f"{NAMES[platform]} needs the address the browser lands on pasted back",
                                   hint="connect from the Accounts view")
        tokens = run_paste_flow(prov, client, redirect_uri or prov.registered_redirect, ask_address=ask_address,
                                open_url=open_url, cancel=cancel)
    else:
        tokens = run_browser_flow(prov, client, open_url=open_url, port=port, timeout=timeout, cancel=cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled("connecting was cancelled")
    identify = importlib.import_module(f"{__package__}.{platform}").identify
    who: Identity = identify(settings, tokens.access_token)
    details = {
        "client_id": client.client_id,
        "authorize_url": prov.authorize_url,
        "token_url": prov.token_url,
        "scopes": tokens.scope.replace(",", " ").split() or [*prov.scopes, *client.extra_scopes],
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


def tokens_for(setup) -> tuple[AccountTokens, Accounts]:
    """For the registry's factories: the target's account and its tokens."""
    if setup.account_id is None:
        raise PublishError(f"the target {setup.target_name or ''} has no connected account", hint="choose one in Targets")
    if setup.accounts is None:
        raise PublishError("the publisher was built without the connected accounts", hint="this is a bug; report it")
    return AccountTokens(setup.account_id, setup.accounts, setup.settings.publish), setup.accounts


def disconnect(account_id: int, accounts: Accounts) -> None:
    """Forget the account and remove its secrets from the keyring."""
    forget_tokens(account_id)
    accounts.remove(account_id)
