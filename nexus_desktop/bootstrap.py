"""Opening the app's world: folders, settings, logging, store. Shared by CLI and GUI."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from .children import clean_stale_scratch
from .paths import AppPaths
from .pipeline.flow import Workspace
from .settings import load as load_settings
from .store import Store

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ConsoleHandler(logging.StreamHandler):
    """Warnings to whatever ``sys.stderr`` is when they are logged, not the stream that was
    there when logging was set up: that one may be closed by then (a test's captured stderr,
    a stream swapped by ``sanitize_standard_streams``), and writing to it fails."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler sets it; the current stderr always wins
        pass


def setup_logging(paths: AppPaths, *, verbose: bool = False, console: bool = True) -> None:
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_nexus", False)]
    if any(getattr(h, "baseFilename", None) == str(paths.log_file) for h in ours):
        return
    for handler in ours:  # another data folder was opened before in this process: log to this one now
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler = logging.handlers.RotatingFileHandler(paths.log_file, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    file_handler._nexus = True  # type: ignore[attr-defined]
    handlers: list[logging.Handler] = [file_handler]
    if console:
        stream = ConsoleHandler()
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        stream._nexus = True  # type: ignore[attr-defined]
        handlers.append(stream)
    for handler in handlers:
        from .log_redaction import RedactSecrets

        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "urllib3", "alembic.runtime.migration", "botocore", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def open_workspace(data_dir: str | None = None, *, verbose: bool = False, console: bool = True) -> Workspace:
    paths = AppPaths.resolve(data_dir)
    setup_logging(paths, verbose=verbose, console=console)
    settings = load_settings(paths.settings_file)
    _move_database_password(settings, paths)
    clean_stale_scratch(paths.jobs)  # folders left by a run that was killed
    store = Store.for_settings(settings, paths)
    ws = Workspace(store=store, settings=settings, paths=paths)
    if settings.sync.enabled:
        _connect_sync(ws)
    return ws


def _move_database_password(settings, paths: AppPaths) -> None:
    """A settings file from before the keyring kept the database password: move it there now."""
    from .domain.errors import UserFixableError
    from .secrets import MASK, mask_database_url
    from .settings import save as save_settings

    if MASK not in mask_database_url(settings.store.database_url):
        return
    try:
        save_settings(settings.model_copy(deep=True), paths.settings_file)  # writes the URL without it
    except UserFixableError as exc:
        logging.getLogger(__name__).warning("the database password stays in %s: %s", paths.settings_file, exc)


def _connect_sync(ws: Workspace) -> None:
    """With a bucket configured: fetch the files a stage needs that another machine
    made, and (when auto-upload is on) upload what each finished job made."""
    from .domain.errors import NexusError
    from .pipeline import sync

    try:
        ws.before_stage = sync.before_stage_hook(ws)
    except NexusError as exc:  # e.g. no keys yet: the app still opens, and says why sync is off
        logging.getLogger(__name__).warning("sync is configured but cannot start: %s", exc)
        return
    ws.after_stage = lambda view: sync.auto_upload(ws, view)
