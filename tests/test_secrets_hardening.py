"""The database password lives in the keyring, never in settings.json, and shows as ***."""

from __future__ import annotations

import json

import keyring
import pytest

from nexus_desktop import secrets
from nexus_desktop.paths import AppPaths
from nexus_desktop.settings import Settings, load, save
from nexus_desktop.store import Store
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (a fixture)


@pytest.mark.postgres
def test_a_database_password_goes_to_the_keyring_and_still_connects(memory_keyring, pg_cluster, tmp_path):
    import psycopg

    url = pg_cluster.create_database("nexus_password_test")
    with psycopg.connect(f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute("CREATE ROLE creator LOGIN PASSWORD 's3cr:t/pw'")
        conn.execute('ALTER DATABASE "nexus_password_test" OWNER TO creator')
    settings = Settings()
    settings.store.database_url = url.replace("postgres@", "creator:s3cr%3At%2Fpw@")
    paths = AppPaths.resolve(tmp_path / "data")
    save(settings, paths.settings_file)
    written = paths.settings_file.read_text()
    assert "s3cr" not in written
    assert json.loads(written)["store"]["database_url"].startswith("postgresql+psycopg://creator@127.0.0.1")
    assert secrets.get_secret(secrets.DATABASE_PASSWORD) == "s3cr:t/pw"
    store = Store.for_settings(load(paths.settings_file), paths)
    try:
        assert store.sources.list() == []
    finally:
        store.close()


def test_the_settings_dialog_shows_the_password_masked_and_keeps_it(memory_keyring, qtbot, tmp_path):
    from nexus_desktop.gui.settings_dialog import SettingsDialog

    secrets.set_secret(secrets.DATABASE_PASSWORD, "hunter22")
    settings = Settings()
    settings.store.database_url = "postgresql+psycopg://creator@db.example.net/nexus"
    paths = AppPaths.resolve(tmp_path / "data")
    dialog = SettingsDialog(settings, paths)
    qtbot.addWidget(dialog)
    editor = dialog.editors[("store", "database_url")]
    assert editor.value() == "postgresql+psycopg://creator:***@db.example.net/nexus"
    dialog.save()
    assert "hunter22" not in paths.settings_file.read_text() and "***" not in paths.settings_file.read_text()
    assert secrets.get_secret(secrets.DATABASE_PASSWORD) == "hunter22"


def test_without_a_keyring_the_password_is_refused_not_written(tmp_path):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.use_vault(None)
    try:
        settings = Settings()
        settings.store.database_url = "postgresql+psycopg://creator:pw123456@db.example.net/nexus"
        with pytest.raises(secrets.NoSecretStore):
            save(settings, tmp_path / "settings.json")
        assert not (tmp_path / "settings.json").exists()
    finally:
        keyring.set_keyring(previous)


def test_masking_and_restoring_urls(memory_keyring):
    assert secrets.mask_database_url("postgresql://u:p@h/d") == "postgresql://u:***@h/d"
    assert secrets.mask_database_url("sqlite+pysqlite:////tmp/x.sqlite3") == "sqlite+pysqlite:////tmp/x.sqlite3"
    assert secrets.database_url_with_password("postgresql://u@h/d") == "postgresql://u@h/d"  # nothing kept yet
    secrets.set_secret(secrets.DATABASE_PASSWORD, "p@ss")
    assert secrets.database_url_with_password("postgresql://u@h/d") == "postgresql://u:p%40ss@h/d"
