"""Connecting the networks whose sign-in is not the plain OAuth flow of ``oauth.connect``.

TikTok names the client "client_key" and wants a hex PKCE challenge; Threads trades its
code for a 60-day token; Bluesky signs in with an app password; Mastodon registers the
app on whichever instance the creator names. The Accounts view calls ``connect`` with
what its form holds (``FORMS`` says what each field means for each network).
"""

from __future__ import annotations

import importlib
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...settings import PublishSettings
from .oauth_client import ClientApp


@dataclass(frozen=True)
class Form:
    """What the Connect dialog's fields mean for one network (empty label: field hidden)."""

    client_id: str
    client_secret: str
    address: str  # the "sign-in page (advanced)" field
    address_default: str
    browser: bool = True  # False: nothing opens in the browser (Bluesky)
    loopback: bool = True  # the browser comes back to this computer (a redirect port); False: pasted back or none


FORMS: dict[str, Form] = {
    "tiktok": Form("Client key", "Client secret", "Sign-in page (advanced)", "https://www.tiktok.com/v2/auth/authorize/"),
    "threads": Form("Threads app id", "Threads app secret", "Sign-in page (advanced)", "https://threads.net/oauth/authorize",
                    loopback=False),
    "bluesky": Form("Handle", "App password", "Server (PDS)", "https://bsky.social", browser=False, loopback=False),
    "mastodon": Form("Instance (e.g. mastodon.social)", "", "", ""),
}


def connect(platform: str, client: ClientApp, *, accounts: Any, settings: PublishSettings,
            open_url: Callable[[str], Any] = webbrowser.open, port: int = 0, authorize_endpoint: str | None = None,
            token_endpoint: str | None = None, cancel: threading.Event | None = None, timeout: float = 300,
            **options: Any) -> Any:
    """Connect one of ``FORMS``' networks; options of the plain OAuth flow (a pasted address) do not apply."""
    module = importlib.import_module(f"{__package__}.{platform}")
    secret = client.client_secret or ""
    if platform == "tiktok":
        return module.connect(client.client_id, secret, accounts=accounts, base_url=token_endpoint or settings.tiktok_base_url,
                              authorize_url=authorize_endpoint or FORMS[platform].address_default, open_url=open_url,
                              port=port, timeout=timeout, cancel=cancel)
    if platform == "threads":
        return module.connect(client.client_id, secret, accounts=accounts, base_url=token_endpoint or settings.threads_base_url,
                              authorize_url=authorize_endpoint or FORMS[platform].address_default, open_url=open_url,
                              port=port, timeout=timeout, cancel=cancel, ask_address=options.get("ask_address"))
    if platform == "bluesky":
        return module.connect(client.client_id, secret, accounts=accounts, pds=authorize_endpoint or FORMS[platform].address_default)
    if platform == "mastodon":
        return module.connect(client.client_id, accounts=accounts, open_url=open_url, port=port, timeout=timeout, cancel=cancel)
    raise ValueError(f"{platform} connects through oauth.connect")
