"""The Accounts view for the networks with their own sign-in: the form says what each field
holds there, and a refused sign-in is a sentence in the view with nothing saved."""

from __future__ import annotations

import pytest

from nexus_desktop.gui.accounts_view import AccountsView, ConnectDialog
from nexus_desktop.providers.platforms.oauth import ClientApp
from nexus_desktop.settings import Settings
from tests.accounts_support import accounts_ctx  # noqa: F401 (fixture)
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (fixture)
from tests.fakes.bluesky_server import FakeBluesky
from tests.fakes.mastodon_server import FakeMastodon


def shown_rows(dialog: ConnectDialog) -> dict[str, str]:
    """label → field text, for the rows the creator sees."""
    rows = {}
    for field in (dialog.client_id, dialog.client_secret, dialog.authorize_url, dialog.token_url, dialog.port):
        label = dialog.form.labelForField(field)
        if field.isVisibleTo(dialog):
            rows[label.text()] = field.text()
    return rows


@pytest.mark.parametrize(("platform", "rows", "button"), [
    ("bluesky", {"Handle": "", "App password": "", "Server (PDS)": "https://bsky.social"}, "Connect"),
    ("mastodon", {"Instance (e.g. mastodon.social)": "", "Redirect port": "8765"}, "Open the browser"),
    ("tiktok", {"Client key": "", "Client secret": "", "Sign-in page (advanced)": "https://www.tiktok.com/v2/auth/authorize/",
                "Redirect port": "8765"}, "Open the browser"),
    ("threads", {"Threads app id": "", "Threads app secret": "", "Sign-in page (advanced)": "https://threads.net/oauth/authorize"},
     "Open the browser"),
])
def test_the_connect_form_names_what_each_network_asks_for(qtbot, platform, rows, button):
    dialog = ConnectDialog(Settings().publish)
    qtbot.addWidget(dialog)
    dialog.platform.setCurrentIndex(dialog.platform.findData(platform))
    assert shown_rows(dialog) == rows and dialog.open_button.text() == button
    assert dialog.guide.text().startswith("1. ")


def test_guides_say_what_the_creator_must_know_first(qtbot):
    dialog = ConnectDialog(Settings().publish)
    qtbot.addWidget(dialog)
    dialog.platform.setCurrentIndex(dialog.platform.findData("tiktok"))
    assert "until your app passes TikTok's audit" in dialog.guide.text()
    dialog.platform.setCurrentIndex(dialog.platform.findData("threads"))
    assert "without a bucket, post text with the link" in dialog.guide.text()


def test_a_refused_app_password_is_a_sentence_and_saves_nothing(qtbot, accounts_ctx):
    accounts = accounts_ctx.ws.store.accounts
    view = AccountsView(accounts_ctx)
    qtbot.addWidget(view)
    with FakeBluesky() as pds:
        with qtbot.waitSignal(view.connect_failed, timeout=10_000) as failed:
            view.start_connect("bluesky", ClientApp(pds.handle, "not-the-app-password"), authorize_endpoint=pds.url)
    assert "Invalid identifier or password" in failed.args[0]
    assert "Could not connect" in view.message.text() and accounts.list() == []


def test_a_mastodon_instance_that_is_down_is_named(qtbot, accounts_ctx):
    accounts = accounts_ctx.ws.store.accounts
    view = AccountsView(accounts_ctx)
    qtbot.addWidget(view)
    with FakeMastodon() as down:
        address = down.url
    with qtbot.waitSignal(view.connect_failed, timeout=10_000) as failed:
        view.start_connect("mastodon", ClientApp(address), timeout=5)
    assert "the Mastodon instance 127.0.0.1 is not answering" in failed.args[0] and accounts.list() == []
