"""The passphrase vault the messages offer opens from the command line and from Accounts."""

from __future__ import annotations

import pytest

from nexus_desktop import secrets
from nexus_desktop.cli import main
from nexus_desktop.secrets_vault import Vault
from tests.fakes.accounts_env import no_keyring  # noqa: F401 (a fixture)


def test_nexus_vault_creates_and_later_commands_unlock_it(no_keyring, tmp_path, monkeypatch, capsys, restore_logging):
    monkeypatch.setenv("NEXUS_VAULT_PASSPHRASE", "correct horse battery")
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "vault", "create"]) == 0
    assert "Created the secrets vault" in capsys.readouterr().out
    secrets.use_vault(None)
    assert main(["--data-dir", data, "vault", "unlock"]) == 0
    assert "0 secret(s) inside" in capsys.readouterr().out
    secrets.use_vault(None)
    # a command that needs a secret, with no keyring: the vault is opened for it
    from nexus_desktop.cli.common import workspace
    import argparse

    ws = workspace(argparse.Namespace(data_dir=data, verbose=False))
    try:
        secrets.set_secret("bucket.secret", "s3-key-123")
        assert secrets.status().kind == "vault"
    finally:
        ws.store.close()
    secrets.use_vault(None)
    assert Vault.unlock(secrets.vault_path(tmp_path / "data"), "correct horse battery").get("bucket.secret") == "s3-key-123"


def test_a_wrong_passphrase_is_one_line_not_a_traceback(no_keyring, tmp_path, monkeypatch, capsys, restore_logging):
    data = str(tmp_path / "data")
    monkeypatch.setenv("NEXUS_VAULT_PASSPHRASE", "correct horse battery")
    assert main(["--data-dir", data, "vault", "create"]) == 0
    monkeypatch.setenv("NEXUS_VAULT_PASSPHRASE", "wrong horse battery")
    assert main(["--data-dir", data, "vault", "unlock"]) == 2
    assert "wrong passphrase for the secrets vault" in capsys.readouterr().err


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_accounts_view_opens_the_vault(no_keyring, qtbot, tmp_path):
    """Creating runs scrypt in the runner (an operation), never on the GUI thread."""
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    from nexus_desktop.gui.vault_dialog import VaultDialog, add_vault_button
    from nexus_desktop.settings import Settings
    from tests.db_thread_support import assert_inside_operations, no_work_outside_operations
    from tests.publish_support import app_context

    with app_context(tmp_path, Settings()) as ctx:
        view = QWidget()
        QVBoxLayout(view).addWidget(QPushButton("status"))
        qtbot.addWidget(view)
        opened = []
        button = add_vault_button(view, ctx, on_opened=lambda: opened.append(True))
        assert button.text() == "Secrets vault…"
        button.click()
        dialog = view.findChild(VaultDialog)
        assert dialog is not None and dialog.creating
        dialog.passphrase.setText("a long passphrase")
        dialog.again.setText("a different one!")
        dialog._on_accepted()
        assert "differ" in dialog.problem.text() and not opened
        dialog.again.setText("a long passphrase")
        with no_work_outside_operations(ctx.ws.store) as found:
            dialog._on_accepted()
            assert dialog.problem.text() == "Creating the vault…" and not dialog.ok_button.isEnabled()
            qtbot.waitUntil(lambda: opened == [True], timeout=10_000)
        assert_inside_operations(found)
        assert secrets.status().kind == "vault"
        dialog.grab().save(str(tmp_path / "vault.png"))
