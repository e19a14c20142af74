"""Settings as operations: what the keyring keeps (read when the dialog opens), and saving
(the settings file, the database password and the upgrade keys).

A desktop keyring answers over D-Bus and may wait for the creator to unlock it, so none of
this runs on the GUI thread: in the window it runs in the runner's read and store lanes.
``read_secrets`` and ``store`` are plain functions, so a dialog opened without the app
(``SettingsDialog`` in a test, or before the runner exists) calls them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import secrets
from ...domain.errors import NexusError
from ...pipeline.flow import Workspace
from ...settings import Settings
from ...settings import save as save_file
from .base import CollectionOp, Outcome, QueryOp

if TYPE_CHECKING:
    from ..app_context import AppContext


@dataclass(frozen=True)
class KeyChange:
    secret: str  # its name in the keyring
    label: str
    value: str | None  # the new key, or None to forget it


@dataclass(frozen=True)
class Secrets:
    """What the dialog shows of the keyring: which keys are kept (None: the keyring cannot be
    read), and the database URL with its kept password masked."""

    kept: dict[str, bool | None] = field(default_factory=dict)
    database_url: str = ""


@dataclass(frozen=True)
class Saved:
    settings: Settings
    written: tuple[str, ...] = ()  # the keys stored or forgotten (their names in the keyring)
    keys_failed: str = ""  # the settings were saved but a key was not, and why


def read_secrets(names: list[str], database_url: str) -> Secrets:
    kept: dict[str, bool | None] = {}
    for name in names:
        try:
            kept[name] = bool(secrets.get_secret(name))
        except NexusError:  # no keyring: the field says so instead of failing the dialog
            kept[name] = None
    url = secrets.mask_database_url(secrets.database_url_with_password(database_url)) if database_url else ""
    return Secrets(kept, url)


def store(settings: Settings, path: Path, keys: tuple[KeyChange, ...]) -> Saved:
    """Write the settings file (its database password to the keyring first), then the keys.
    A refused database password raises (nothing written); a key the keyring refuses is said
    in ``keys_failed`` and the settings stay saved."""
    save_file(settings, path)
    done: list[str] = []
    for key in keys:
        try:
            if key.value is None:
                secrets.delete_secret(key.secret)
            else:
                secrets.set_secret(key.secret, key.value)
            done.append(key.secret)
        except NexusError as exc:
            return Saved(settings, tuple(done), str(exc))
    return Saved(settings, tuple(done))


def read(ctx: AppContext, names: list[str], database_url: str, success: Callable[[Secrets], Any],
         failure: Callable[[BaseException], Any]) -> None:
    QueryOp(ctx, lambda _ws: read_secrets(names, database_url), "Reading the keyring").success(success).failure(
        failure).run_in_background()


def save(ctx: AppContext, settings: Settings, path: Path, keys: tuple[KeyChange, ...],
         success: Callable[[Outcome[Saved]], Any], failure: Callable[[BaseException], Any]) -> None:
    """Save in the store lane; ``failure`` gets a refused database password (nothing written)."""

    def op(_ws: Workspace) -> Outcome[Saved]:
        saved = store(settings, path, keys)
        return Outcome(told="Settings saved", value=saved)

    CollectionOp(ctx, op, "Saving settings").success(success).failure(failure).run_in_background()


def remember(ctx: AppContext, settings: Settings, *, failure: Callable[[BaseException], Any]) -> None:
    """Write the settings as they are (the welcome was seen), in the store lane; a file that
    cannot be written goes to ``failure``."""
    kept = settings.model_copy(deep=True)

    def op(ws: Workspace) -> Outcome[None]:
        save_file(kept, ws.paths.settings_file)
        return Outcome()

    CollectionOp(ctx, op, "Saving settings").failure(failure).run_in_background()
