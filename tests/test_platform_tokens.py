"""Keeping tokens alive: one refresh at a time across processes (X rotates refresh tokens), and
Graph's 60-day tokens re-extended well before their end (finding 12b, 12c)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from nexus_desktop.providers.platforms import oauth
from nexus_desktop.providers.platforms.tokens import AccountTokens
from nexus_desktop.store.accounts import AccountStatus
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    CLIENT_ID, accounts, memory_keyring, oauth_fake, platform_store, seed_account, settings_for,
)


def test_a_refresh_waits_for_the_other_processs_refresh_and_uses_its_token(accounts, oauth_fake):
    oauth_fake.rotate_refresh = True  # X: the old refresh token dies the moment a new one is issued
    account_id = seed_account(accounts, oauth_fake, "x", remote_user_id="2244994945", name="@nexus_test")
    settings = settings_for().publish
    window = AccountTokens(account_id, accounts, settings)
    stale = oauth.load_secret_payload(account_id)["access_token"]

    # The daemon (another process) holds the lock in the store and is refreshing right now.
    assert accounts.try_refresh_lock(account_id, "daemon:4242", 60)
    assert not accounts.try_refresh_lock(account_id, window.holder, 60)
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(window.refresh(stale=stale)))
    waiter.start()
    # ...the daemon finishes: rotated tokens saved to the keyring, lock released.
    payload = oauth.load_secret_payload(account_id)
    rotated = oauth_fake.issue("user-1", CLIENT_ID, scope="tweet.write")
    oauth_fake.refresh.pop(payload["refresh_token"], None)  # the token the window would have used is dead now
    oauth.save_tokens(account_id, oauth.TokenSet.from_response(rotated), payload.get("client_secret"))
    accounts.release_refresh_lock(account_id, "daemon:4242")
    waiter.join(10)

    assert got == [rotated["access_token"]]  # the daemon's fresh token, no second refresh
    assert oauth_fake.grants_used.count("refresh_token") == 0
    assert accounts.get(account_id).status is AccountStatus.CONNECTED


def test_a_lock_left_by_a_dead_process_expires(accounts, oauth_fake):
    account_id = seed_account(accounts, oauth_fake, "youtube", remote_user_id="UC1", name="Channel")
    assert accounts.try_refresh_lock(account_id, "crashed:1", -1)  # already past its time
    tokens = AccountTokens(account_id, accounts, settings_for().publish)
    oauth_fake.expire_all()
    assert tokens.refresh().startswith("fake-access")
    assert oauth_fake.grants_used == ["refresh_token"]


def test_a_graph_token_is_re_extended_with_a_month_left_not_in_its_last_minutes(accounts, oauth_fake):
    account_id = seed_account(accounts, oauth_fake, "instagram", remote_user_id="1784", name="nexus.test")
    settings = settings_for(instagram_base_url=oauth_fake.url).publish
    now = datetime.now(timezone.utc)
    accounts.set_token_expiry(account_id, now + timedelta(days=40))
    assert AccountTokens(account_id, accounts, settings).access_token()
    assert oauth_fake.grants_used == []  # 40 days left: nothing to do

    accounts.set_token_expiry(account_id, now + timedelta(days=20))
    AccountTokens(account_id, accounts, settings).access_token()
    assert oauth_fake.grants_used == ["fb_exchange_token"]
    assert accounts.get(account_id).token_expires_at > now + timedelta(days=59)
