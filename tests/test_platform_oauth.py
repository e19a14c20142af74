"""Connecting accounts: the loopback redirect with PKCE, driven by a test that plays the browser;
and the secret-leak check: tokens never reach the database, the settings or the log."""

from __future__ import annotations

import logging

import pytest

from nexus_desktop import settings as settings_file
from nexus_desktop.bootstrap import LOG_FORMAT
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.log_redaction import RedactSecrets
from nexus_desktop.paths import AppPaths
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.providers.platforms.oauth import AccountTokens, ClientApp
from nexus_desktop.providers.platforms.x import XPublisher
from nexus_desktop.providers.platforms.youtube import YouTubePublisher
from nexus_desktop.store.accounts import AccountStatus
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    CLIENT_ID, CLIENT_SECRET, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store,
    settings_for,
)
from tests.fakes.oauth_server import play_browser
from tests.fakes.x_server import FakeX
from tests.fakes.youtube_server import FakeYouTube


def connect(platform, accounts, oauth_fake, settings, open_url=play_browser):
    return oauth.connect(
        platform, ClientApp(CLIENT_ID, CLIENT_SECRET), accounts=accounts, settings=settings.publish, open_url=open_url,
        authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url, timeout=10,
    )


def test_loopback_redirect_with_pkce_connects_an_account(accounts, oauth_fake, memory_keyring):
    with FakeYouTube(oauth_fake) as youtube:
        view = connect("youtube", accounts, oauth_fake, settings_for(youtube_base_url=youtube.url))
    assert (view.platform, view.name, view.remote_user_id) == ("youtube", "Nexus Test Channel", "UCfake-channel")
    assert view.status is AccountStatus.CONNECTED and view.token_expires_at is not None
    assert oauth_fake.grants_used == ["authorization_code"]
    stored = oauth.load_secret_payload(view.id)
    assert stored["refresh_token"].startswith("fake-refresh") and stored["client_secret"] == CLIENT_SECRET
    assert "access_token" not in view.details and CLIENT_SECRET not in str(view.details)


@pytest.mark.expect_log("refused a token request")
def test_a_wrong_pkce_verifier_is_refused(accounts, oauth_fake, memory_keyring, monkeypatch):
    monkeypatch.setattr(oauth, "pkce_pair", lambda: ("not-the-verifier", "c2hhMjU2LW9mLXNvbWV0aGluZy1lbHNl"))
    with FakeYouTube(oauth_fake) as youtube, pytest.raises(oauth.NeedsReconnect, match="invalid_grant"):
        connect("youtube", accounts, oauth_fake, settings_for(youtube_base_url=youtube.url))
    assert accounts.list() == []


def test_a_denied_consent_says_what_happened(accounts, oauth_fake, memory_keyring):
    import httpx

    def deny(url):  # the creator clicks "Cancel" on the consent page
        query = httpx.URL(url).params
        httpx.get(query["redirect_uri"], params={"error": "access_denied", "state": query["state"]})

    with pytest.raises(UserFixableError, match="did not grant access: access_denied"):
        connect("x", accounts, oauth_fake, settings_for(), open_url=deny)


def test_disconnect_removes_the_secrets(accounts, oauth_fake, memory_keyring):
    with FakeX(oauth_fake) as xfake:
        view = connect("x", accounts, oauth_fake, settings_for(x_base_url=xfake.url))
    assert view.name == "@nexus_test"
    oauth.disconnect(view.id, accounts)
    assert accounts.list() == [] and memory_keyring.values == {}


def test_tokens_never_reach_the_database_the_settings_or_the_log(tmp_path, accounts, oauth_fake, memory_keyring, platform_store):
    paths = AppPaths.resolve(tmp_path / "data")
    handler = logging.FileHandler(paths.log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # the most a log ever says, tweepy's request headers included
    try:
        with FakeYouTube(oauth_fake) as youtube, FakeX(oauth_fake) as xfake:
            settings = settings_for(youtube_base_url=youtube.url, x_base_url=xfake.url)
            yt = connect("youtube", accounts, oauth_fake, settings)
            xa = connect("x", accounts, oauth_fake, settings)
            video = make_video(tmp_path / "v.mp4", size="192x108", pad_to=3 * 256 * 1024)
            oauth_fake.expire_all()  # force a refresh mid-run: new tokens must stay out too
            log = StateLog()
            YouTubePublisher(settings.publish, AccountTokens(yt.id, accounts, settings.publish), accounts,
                             chunk_size=256 * 1024).publish(
                make_package(tmp_path, "youtube", account_id=yt.id, video=video, video_format="16x9"), log.report, log.save)
            XPublisher(settings.publish, AccountTokens(xa.id, accounts, settings.publish), sleep=lambda s: None).publish(
                make_package(tmp_path, "x", account_id=xa.id, video=video, video_format="16x9"), log.report, log.save)
            settings_file.save(settings, paths.settings_file)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    known = [CLIENT_SECRET, *oauth_fake.access, *oauth_fake.refresh]
    assert len(known) >= 5 and "refresh_token" in oauth_fake.grants_used
    database = platform_store.db.engine.url.database
    haystacks = {
        "database": b"".join(p.read_bytes() for p in tmp_path.glob("nexus.sqlite3*")),
        "settings": paths.settings_file.read_bytes(),
        "log": paths.log_file.read_bytes(),
    }
    assert database and haystacks["database"] and haystacks["log"]
    for where, data in haystacks.items():
        for secret in known:
            assert secret.encode() not in data, f"a token leaked into the {where}"


def test_the_registry_builds_each_adapter_for_a_target_account(tmp_path, accounts, oauth_fake, memory_keyring):
    from nexus_desktop.providers.platforms import registry
    from nexus_desktop.providers.platforms.base import Publisher
    from tests.fakes.accounts_env import seed_account

    settings = settings_for()
    for platform in ("youtube", "instagram", "x", "linkedin"):
        account_id = seed_account(accounts, oauth_fake, platform, remote_user_id=f"r-{platform}", name=platform)
        setup = registry.PublisherSetup(settings, AppPaths.resolve(tmp_path / "data"), account_id=account_id,
                                         accounts=accounts)
        publisher = registry.create_publisher(platform, setup)
        assert isinstance(publisher, Publisher) and publisher.platform == platform
