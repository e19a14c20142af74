"""The Accounts view: connect against the local stand-ins, see health, refresh, disconnect."""

from __future__ import annotations

import pytest

from nexus_desktop.gui.accounts_view import AccountsView, ConnectDialog
from nexus_desktop.providers.platforms.oauth import ClientApp
from tests.accounts_support import accounts_ctx, toasts_of  # noqa: F401 (fixture)
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    CLIENT_ID, CLIENT_SECRET, memory_keyring, oauth_fake, settings_for,
)
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.oauth_server import browser_landing_address, play_browser
from tests.fakes.x_server import FakeX


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # the view is shown
def test_connect_two_accounts_refresh_and_disconnect(qtbot, accounts_ctx, oauth_fake, memory_keyring):
    accounts = accounts_ctx.ws.store.accounts
    toasts = toasts_of(accounts_ctx)
    with FakeX(oauth_fake) as xfake, FakeLinkedIn(oauth_fake) as linkedin:
        accounts_ctx.ws.settings.publish.x_base_url = xfake.url
        accounts_ctx.ws.settings.publish.linkedin_base_url = linkedin.url
        view = AccountsView(accounts_ctx)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: view.empty.isVisible(), timeout=10_000)  # none yet: a sentence, not an empty table
        assert not view.table.isVisible() and "export folder" in view.empty.text()
        oauth_fake.require_pkce = True
        with qtbot.waitSignal(view.account_connected, timeout=10_000):
            view.start_connect("x", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=play_browser,
                               authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url, port=0)
        # LinkedIn takes only the HTTPS redirect registered with the app: the creator pastes the address back.
        oauth_fake.require_pkce, oauth_fake.loopback_allowed = False, False
        oauth_fake.registered_redirects = {"https://localhost/nexus-desktop/callback"}
        landed: list[str] = []
        view.start_connect("linkedin", ClientApp(CLIENT_ID, CLIENT_SECRET),
                           open_url=lambda url: landed.append(browser_landing_address(url)),
                           authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url)
        qtbot.waitUntil(lambda: view.paste_row.isVisibleTo(view) and bool(landed), timeout=10_000)
        assert landed[0].startswith("https://localhost/nexus-desktop/callback?code=")
        with qtbot.waitSignal(view.account_connected, timeout=10_000):
            view.paste_edit.setText(landed[0])
            view.paste_ok.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)  # the list is read again in the background
    model = view.model
    assert model.rowCount() == 2
    rows = {model.index(r, 0).data(): [model.index(r, c).data() for c in range(4)] for r in range(2)}
    assert rows["X"][1] == "@nexus_test" and rows["X"][2] == "OK"
    assert rows["LinkedIn"][1] == "Mara Lindqvist"
    assert "Connected LinkedIn account" in view.message.text()

    x_id = next(a.id for a in accounts.list() if a.platform == "x")
    assert not view.refresh_button.isEnabled() and not view.disconnect_button.isEnabled()  # nothing chosen
    proxy = view.table.model()
    view.table.selectRow(next(r for r in range(2) if proxy.index(r, 0).data() == "X"))
    assert view.refresh_button.isEnabled() and view.disconnect_button.isEnabled()
    with qtbot.waitSignal(view.settled, timeout=10_000):
        view.refresh_button.click()
        assert view.message.text() == "Refreshing the token…" and not view.refresh_button.isEnabled()
    assert view.message.text() == "Token refreshed." and view.refresh_button.isEnabled()
    view.disconnect_account(x_id)  # asked first by the button; the row goes at once
    assert model.rowCount() == 1 and toasts.texts == ["Disconnecting X account @nexus_test"]
    assert any(f"account:{x_id}:" in key[1] for key in memory_keyring.values)  # nothing gone before Undo passes
    toasts.undo()
    assert model.rowCount() == 2 and "stays connected" in view.message.text()
    view.disconnect_account(x_id)
    with qtbot.waitSignal(view.accounts_changed, timeout=10_000):  # read again from the change set
        toasts.passes()
    assert model.rowCount() == 1 and view.message.text().startswith("Disconnected X account @nexus_test")
    assert not any(f"account:{x_id}:" in key[1] for key in memory_keyring.values)
    assert [a.platform for a in accounts.list()] == ["linkedin"]


def test_connect_failure_is_shown(qtbot, accounts_ctx, oauth_fake, memory_keyring):
    view = AccountsView(accounts_ctx)
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
    assert "locked private" in dialog.guide.text() and "In production" in dialog.guide.text()
    dialog.platform.setCurrentIndex(dialog.platform.findData("linkedin"))
    assert "60 days" in dialog.guide.text()
    assert dialog.token_url.text() == "https://www.linkedin.com/oauth/v2/accessToken"


def test_connect_dialog_refuses_an_empty_client_id_and_shows_each_platforms_fields(qtbot):
    dialog = ConnectDialog(settings_for().publish)
    qtbot.addWidget(dialog)
    dialog.platform.setCurrentIndex(dialog.platform.findData("instagram"))
    assert not dialog.open_button.isEnabled()  # nothing opens without a client id
    dialog.client_id.setText("   ")
    assert not dialog.open_button.isEnabled()
    dialog.client_id.setText("1234567890")
    assert dialog.open_button.isEnabled()
    assert dialog.config_id.isVisibleTo(dialog) and not dialog.port.isVisibleTo(dialog)
    assert "login_success.html" in dialog.guide.text() and "config" in dialog.guide.text().lower()
    dialog.platform.setCurrentIndex(dialog.platform.findData("linkedin"))
    dialog.as_page.setChecked(True)
    assert dialog.values()["client"].extra_scopes == ("w_organization_social",)
    dialog.platform.setCurrentIndex(dialog.platform.findData("youtube"))
    assert "In production" in dialog.guide.text() and dialog.port.isVisibleTo(dialog)
    dialog.guide.grab().save("/tmp/p15_connect_guide_youtube.png")


def test_an_empty_client_id_is_refused_before_anything_opens(qtbot, accounts_ctx, memory_keyring):
    view = AccountsView(accounts_ctx)
    qtbot.addWidget(view)
    opened: list[str] = []
    assert view.start_connect("youtube", ClientApp("  "), open_url=opened.append) is None
    assert opened == [] and "client id is empty" in view.message.text()


def test_cancel_works_while_waiting_for_the_browser_and_for_the_pasted_address(qtbot, accounts_ctx, oauth_fake,
                                                                               memory_keyring):
    accounts = accounts_ctx.ws.store.accounts
    view = AccountsView(accounts_ctx)
    qtbot.addWidget(view)
    opened: list[str] = []
    # Waiting for the loopback redirect (the creator never finishes in the browser).
    view.start_connect("youtube", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=opened.append, port=0)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert view.cancel_connect_button.isVisibleTo(view)
    with qtbot.waitSignal(view.connect_failed, timeout=5000) as failed:
        view.cancel_connect_button.click()
    assert "cancelled" in failed.args[0] and accounts.list() == []
    # Waiting for the pasted address.
    with qtbot.waitSignal(view.address_needed, timeout=5000):
        view.start_connect("instagram", ClientApp(CLIENT_ID, CLIENT_SECRET, config_id="987"), open_url=opened.append)
    assert "config_id=987" in opened[-1] and "scope=" not in opened[-1]
    assert "login_success.html" in opened[-1]
    with qtbot.waitSignal(view.connect_failed, timeout=5000) as failed:
        view.paste_cancel.click()
    assert "cancelled" in failed.args[0] and not view.paste_row.isVisibleTo(view) and accounts.list() == []


def test_closing_the_view_while_connecting_leaves_the_sign_in_thread_no_widget_to_free(qtbot, accounts_ctx, oauth_fake,
                                                                                        memory_keyring):
    """A widget freed on a worker thread crashes the app (a segmentation fault seen in the suite
    when a connect thread ended after its view): the view goes when the window lets go of it,
    on the GUI thread, while the sign-in still waits for the browser."""
    import gc
    import weakref

    view = AccountsView(accounts_ctx)
    opened: list[str] = []
    worker = view.start_connect("youtube", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=opened.append, port=0)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    sign_in, gone = view.sign_in, weakref.ref(view)
    del view  # its reads may still be running: their results are dropped on the GUI thread
    qtbot.waitUntil(lambda: gc.collect() is not None and gone() is None, timeout=5000)
    assert worker.is_alive()  # still waiting for the browser, holding no view
    sign_in.stop()  # its "cancelled" now goes to nobody, quietly (Qt deleted the SignIn with the view)
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_a_sign_in_that_ends_after_a_newer_one_began_leaves_the_newer_one_alone(qtbot, accounts_ctx, memory_keyring):
    """The first sign-in's end may arrive after the creator started another (seen in the suite
    under load: the old end deleted the new sign-in, which then never said it was connected)."""
    view = AccountsView(accounts_ctx)
    qtbot.addWidget(view)
    opened: list[str] = []
    view.start_connect("youtube", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=opened.append, port=0)
    first = view.sign_in
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=5000)
    view.start_connect("youtube", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=opened.append, port=0)
    second = view.sign_in
    assert second is not first
    with qtbot.assertNotEmitted(view.account_connected), qtbot.assertNotEmitted(view.connect_failed):
        first.done.emit(first, 41)  # the old one's end, late
        first.refused.emit(first, "connecting was cancelled; nothing was saved")
    assert view.sign_in is second and view.cancel_connect_button.isVisibleTo(view)
    with qtbot.waitSignal(view.connect_failed, timeout=5000) as failed:
        view.cancel_connect()
    assert "cancelled" in failed.args[0] and view.sign_in is None
