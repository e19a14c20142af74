"""Posting options per target: TikTok privacy and interactions from creator_info, the audited switch,
the Facebook Page, Threads text only; opened from the Accounts view, read and saved off the GUI thread."""

from __future__ import annotations

import socket

import pytest

from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.gui.accounts_view import for_window
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.operations import Operations
from nexus_desktop.gui.target_options import TargetOptionsDialog
from nexus_desktop.pipeline import target_choices
from nexus_desktop.pipeline.target_choices import FacebookChoices, TikTokChoices
from nexus_desktop.providers.platforms import threads
from nexus_desktop.providers.platforms.networks import token_set
from nexus_desktop.providers.platforms.oauth import save_tokens
from nexus_desktop.providers.platforms.registry import PublisherSetup
from nexus_desktop.providers.platforms.tiktok import CreatorInfo
from nexus_desktop.runtime.runner import Runner
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (fixture)
from tests.fakes.tiktok_server import FakeTikTok
from tests.gui_support import screenshot
from tests.publish_support import workspace

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
OFFERED = ("PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "SELF_ONLY")


@pytest.fixture
def app(sqlite_store, tmp_path, memory_keyring):  # noqa: F811
    ws = workspace(sqlite_store, tmp_path)
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    runner.shutdown()


def tiktok_target(ctx, server: FakeTikTok, **config):
    ws = ctx.ws
    ws.settings.publish.tiktok_base_url = server.url
    account = ws.store.accounts.upsert("tiktok", "@nexus.creator", remote_user_id=server.open_id, token_expires_at=None,
                                       details={"client_key": server.client_key, "username": server.username, "refreshable": True})
    save_tokens(account.id, token_set(server.issue()), server.client_secret)
    ws.store.targets.ensure_account_targets()
    (target,) = [t for t in ws.store.targets.list() if t.account_id == account.id]
    return ws.store.targets.update_config(target.id, **config) if config else target


def open_dialog(qtbot, ctx, target) -> TargetOptionsDialog:
    dialog = TargetOptionsDialog(ctx, target)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=10_000)
    return dialog


def test_an_unaudited_tiktok_app_posts_only_to_me_and_the_offer_comes_from_tiktok(qtbot, app, tmp_path):
    with FakeTikTok(privacy_levels=OFFERED, comment_disabled=True) as server:
        target = tiktok_target(app, server)
        dialog = open_dialog(qtbot, app, target)
        assert [dialog.privacy.itemData(i) for i in range(dialog.privacy.count())] == list(OFFERED)
        assert dialog.privacy.currentText() == "Only me" and not dialog.privacy.isEnabled()
        assert dialog.privacy_note.isVisible() and "audit" in dialog.privacy_note.text()
        comments = dialog.interactions["allow_comment"]
        assert not comments.isChecked() and not comments.isEnabled()  # off in the account's own TikTok settings
        assert "Comments are off" in dialog.status.text() and "Everyone, Followers, Only me" in dialog.status.text()
        assert dialog.interactions["allow_duet"].isEnabled() and dialog.interactions["allow_duet"].isChecked()
        screenshot(dialog, tmp_path, "tiktok-options-unaudited")

        dialog.audited.setChecked(True)
        assert dialog.privacy.isEnabled() and not dialog.privacy_note.isVisible()
        dialog.privacy.setCurrentIndex(dialog.privacy.findData("FOLLOWER_OF_CREATOR"))
        dialog.interactions["allow_duet"].setChecked(False)
        screenshot(dialog, tmp_path, "tiktok-options-audited")
        with qtbot.waitSignal(dialog.saved, timeout=5_000):
            dialog.save_button.click()
    config = app.ws.store.targets.get(target.id).config
    assert config["audited"] is True and config["privacy_level"] == "FOLLOWER_OF_CREATOR"
    # comments (off in this account) and duets (unticked) off; stitches are off in the stand-in's account too
    assert config["disable_comment"] is True and config["disable_duet"] is True and config["disable_stitch"] is True


def test_unticking_audited_takes_the_privacy_back_to_only_me(qtbot, app):
    with FakeTikTok(privacy_levels=OFFERED, audited=True) as server:
        target = tiktok_target(app, server, audited=True, privacy_level="PUBLIC_TO_EVERYONE")
        dialog = open_dialog(qtbot, app, target)
        assert dialog.privacy.currentText() == "Everyone" and dialog.privacy.isEnabled()
        dialog.audited.setChecked(False)
        assert dialog.privacy.currentText() == "Only me" and not dialog.privacy.isEnabled()
        with qtbot.waitSignal(dialog.saved, timeout=5_000):
            dialog.save_button.click()
    config = app.ws.store.targets.get(target.id).config
    assert config["audited"] is False and config["privacy_level"] == "SELF_ONLY"


def test_a_level_tiktok_no_longer_offers_is_flagged_and_never_saved(qtbot, app):
    with FakeTikTok(privacy_levels=("FOLLOWER_OF_CREATOR", "SELF_ONLY"), audited=True) as server:
        target = tiktok_target(app, server, audited=True, privacy_level="PUBLIC_TO_EVERYONE")
        dialog = open_dialog(qtbot, app, target)
        assert "no longer offers 'Everyone'" in dialog.status.text()
        assert dialog.privacy.findData("PUBLIC_TO_EVERYONE") == -1
    offer = dialog.offer
    with pytest.raises(UserFixableError, match="does not offer 'Everyone'"):
        target_choices.save(app.ws, target.id, TikTokChoices(True, "PUBLIC_TO_EVERYONE"), offer=offer)
    assert app.ws.store.targets.get(target.id).config["privacy_level"] == "PUBLIC_TO_EVERYONE"  # nothing saved


def test_an_unaudited_choice_is_stored_private_whatever_was_asked(app):
    offer = CreatorInfo("c", "C", OFFERED, False, False, False, 600)
    with FakeTikTok() as server:
        target = tiktok_target(app, server)
    saved = target_choices.save(app.ws, target.id, TikTokChoices(False, "PUBLIC_TO_EVERYONE"), offer=offer)
    assert saved.config["privacy_level"] == "SELF_ONLY"


@pytest.mark.expect_log("reading the creator's settings", "creator_info")
def test_tiktok_out_of_reach_says_so_and_still_saves_only_me(qtbot, app):
    with FakeTikTok() as server:
        target = tiktok_target(app, server)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        app.ws.settings.publish.tiktok_base_url = f"http://127.0.0.1:{s.getsockname()[1]}"
    dialog = open_dialog(qtbot, app, target)
    assert dialog.status.text().startswith("Could not ask TikTok") and dialog.status.objectName() == "FieldError"
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    assert app.ws.store.targets.get(target.id).config["privacy_level"] == "SELF_ONLY"


PAGES = [{"id": "111", "name": "Tech Digest", "tasks": ["CREATE_CONTENT", "MODERATE"]},
         {"id": "222", "name": "Old fan page", "tasks": ["ANALYZE"]},
         {"id": "333", "name": "City Science Notes", "tasks": ["CREATE_CONTENT"]}]


def facebook_target(ctx, pages):
    ws = ctx.ws
    account = ws.store.accounts.upsert("facebook", "Tech Digest (Ana)", remote_user_id="u1", token_expires_at=None,
                                       details={"pages": pages, "page_id": pages[0]["id"] if pages else ""})
    ws.store.targets.ensure_account_targets()
    return next(t for t in ws.store.targets.list() if t.account_id == account.id)


def test_the_facebook_page_is_one_the_sign_in_may_post_to(qtbot, app, tmp_path):
    target = facebook_target(app, PAGES)
    dialog = open_dialog(qtbot, app, target)
    assert [dialog.page.itemText(i) for i in range(dialog.page.count())] == ["Tech Digest", "City Science Notes"]
    dialog.page.setCurrentIndex(1)
    screenshot(dialog, tmp_path, "facebook-options")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    assert app.ws.store.targets.get(target.id).config["page_id"] == "333"
    with pytest.raises(UserFixableError, match="choose one of the Pages"):
        target_choices.save(app.ws, target.id, FacebookChoices("222"))  # no CREATE_CONTENT task there


def test_a_facebook_sign_in_without_pages_cannot_save(qtbot, app):
    target = facebook_target(app, [PAGES[1]])
    dialog = TargetOptionsDialog(app, target)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "may not post to any Page" in dialog.status.text(), timeout=5_000)
    assert not dialog.save_button.isEnabled()


def test_threads_text_only_reaches_the_adapter(qtbot, app):
    ws = app.ws
    account = ws.store.accounts.upsert("threads", "@digest", remote_user_id="t1", token_expires_at=None, details={})
    ws.store.targets.ensure_account_targets()
    target = next(t for t in ws.store.targets.list() if t.account_id == account.id)
    dialog = open_dialog(qtbot, app, target)
    assert not dialog.text_only.isChecked()
    dialog.text_only.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    target = ws.store.targets.get(target.id)
    publisher = threads.create(PublisherSetup(ws.settings, ws.paths, account.id, target.name, dict(target.config),
                                              accounts=ws.store.accounts))
    assert publisher.text_only is True


def test_the_accounts_view_opens_the_options_of_the_selected_account(qtbot, app, tmp_path):
    with FakeTikTok(privacy_levels=OFFERED) as server:
        tiktok_target(app, server)
        app.ws.store.accounts.upsert("x", "@digest", remote_user_id="x1", token_expires_at=None, details={})
        view = for_window(app)
        qtbot.addWidget(view)
        view.resize(900, 400)
        view.show()
        button = view.options_button
        assert not button.isEnabled()
        qtbot.waitUntil(lambda: view.table.model().rowCount() == 2, timeout=5_000)  # read off the GUI thread
        rows = {view.table.model().index(r, 0).data(): r for r in range(view.table.model().rowCount())}
        view.table.selectRow(rows["X"])
        assert not button.isEnabled() and "Only TikTok, Facebook and Threads" in button.toolTip()
        view.table.selectRow(rows["TikTok"])
        assert button.isEnabled()
        screenshot(view, tmp_path, "accounts-posting-options")
        button.click()
        qtbot.waitUntil(lambda: getattr(view, "options_dialog", None) is not None, timeout=5_000)
        dialog = view.options_dialog
        qtbot.waitUntil(dialog.save_button.isEnabled, timeout=10_000)
        assert dialog.target.platform == "tiktok" and dialog.privacy.count() == 3
        dialog.reject()
