"""The Accounts view: connect against the local stand-ins, see health, refresh, disconnect."""

from __future__ import annotations

from nexus_desktop.gui.accounts_view import AccountsView, ConnectDialog
from nexus_desktop.providers.platforms.oauth import ClientApp
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    CLIENT_ID, CLIENT_SECRET, accounts, memory_keyring, oauth_fake, platform_store, settings_for,
)
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.oauth_server import play_browser
from tests.fakes.x_server import FakeX


def test_connect_two_accounts_refresh_and_disconnect(qtbot, accounts, oauth_fake, memory_keyring):
    with FakeX(oauth_fake) as xfake, FakeLinkedIn(oauth_fake) as linkedin:
        settings = settings_for(x_base_url=xfake.url, linkedin_base_url=linkedin.url).publish
        view = AccountsView(accounts, settings)
        qtbot.addWidget(view)
        for platform in ("x", "linkedin"):
            oauth_fake.require_pkce = platform == "x"  # LinkedIn's web flow has no PKCE
            with qtbot.waitSignal(view.account_connected, timeout=10_000):
                view.start_connect(platform, ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=play_browser,
                                   authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url, port=0)
    model = view.model
    assert model.rowCount() == 2
    rows = {model.index(r, 0).data(): [model.index(r, c).data() for c in range(4)] for r in range(2)}
    assert rows["X"][1] == "@nexus_test" and rows["X"][2] == "OK"
    assert rows["LinkedIn"][1] == "Mara Lindqvist"
    assert "Connected LinkedIn account" in view.message.text()

    x_id = next(a.id for a in accounts.list() if a.platform == "x")
    view.refresh_account(x_id)
    assert view.message.text() == "Token refreshed."
    view.disconnect_account(x_id)
    assert model.rowCount() == 1
    assert not any(f"account:{x_id}:" in key[1] for key in memory_keyring.values)


def test_connect_failure_is_shown(qtbot, accounts, oauth_fake, memory_keyring):
    view = AccountsView(accounts, settings_for().publish)
    qtbot.addWidget(view)
    import httpx

    def browser_showing_an_error_page(url):  # the platform refuses the unknown app; the creator closes the tab
        assert httpx.get(url).status_code == 400

    with qtbot.waitSignal(view.connect_failed, timeout=10_000) as failed:
        view.start_connect("x", ClientApp("unknown-client"), open_url=browser_showing_an_error_page, timeout=1,
                           authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url)
    assert "not finished in time" in failed.args[0]
    assert view.message.text().startswith("Could not connect")


def test_connect_dialog_shows_a_guide_per_platform(qtbot):
    dialog = ConnectDialog(settings_for().publish)
    qtbot.addWidget(dialog)
    dialog.platform.setCurrentIndex(dialog.platform.findData("youtube"))
    assert "locked private" in dialog.guide.text()
    dialog.platform.setCurrentIndex(dialog.platform.findData("linkedin"))
    assert "60 days" in dialog.guide.text()
    assert dialog.token_url.text() == "https://www.linkedin.com/oauth/v2/accessToken"
