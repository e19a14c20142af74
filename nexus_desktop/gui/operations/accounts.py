"""The creator's actions on accounts, one function each: read the list and the secret store,
connect, refresh a token, disconnect.

Reading, refreshing and disconnecting run in the runner (read, network and store lanes) and
announce ``Changed(accounts=...)``; the Accounts view and Health re-read from it. Connecting
waits on the creator in the browser for minutes, so it runs on a thread of its own
(``SignIn``) instead of holding one of the network lane's two places; when it ends it
announces its change set the same way. Disconnecting is asked first by the view, and then
waits for the toast's Undo to pass (or the quit) before the tokens leave the keyring.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ... import secrets
from ...domain.errors import Cancelled, NexusError
from ...pipeline.flow import Workspace
from ...providers.platforms import network_connect, oauth
from ...providers.platforms.errors import NAMES
from ...runtime.events import Changed
from ...runtime.lanes import NETWORK
from ...store.accounts import AccountView
from .base import CollectionOp, Outcome, QueryOp, _alive

if TYPE_CHECKING:
    from ...runtime.runner import Runner
    from ..app_context import AppContext

log = logging.getLogger(__name__)
ACCOUNTS = Changed(accounts=True, targets=True)  # an account's targets come and go with it


@dataclass(frozen=True)
class Said:
    """What an account action tells the view: a sentence, red when it failed."""

    text: str
    failed: bool = False


def name_of(view: AccountView) -> str:
    return f"{NAMES.get(view.platform, view.platform)} account {view.name}"


def list_accounts(ctx: AppContext, success: Callable[[list[AccountView]], Any],
                  failure: Callable[[BaseException], Any]) -> None:
    QueryOp(ctx, lambda ws: ws.store.accounts.list(), "Reading the accounts").success(success).failure(
        failure).run_in_background()


def store_status(ctx: AppContext, success: Callable[[str], Any], failure: Callable[[BaseException], Any]) -> None:
    """Where secrets go now, in words (a desktop keyring answers over D-Bus: never on the GUI thread)."""
    QueryOp(ctx, lambda _ws: secrets.status().message, "Checking the secret store").success(success).failure(
        failure).run_in_background()


def refresh_token(ctx: AppContext, account_id: int, success: Callable[[Outcome[Said]], Any]) -> None:
    """Ask the platform for a new token. A refusal is said in the view, and the change set is
    announced either way: the health column shows what the platform answered."""

    def op(ws: Workspace) -> Outcome[Said]:
        try:
            oauth.AccountTokens(account_id, ws.store.accounts, ws.settings.publish).refresh()
        except (NexusError, OSError) as exc:
            return Outcome(ACCOUNTS, value=Said(f"Could not refresh: {exc}", failed=True))
        return Outcome(ACCOUNTS, "Token refreshed", value=Said("Token refreshed."))

    CollectionOp(ctx, op, "Refreshing a token").success(success).run_in_background(lane=NETWORK)


def disconnect(ctx: AppContext, account_id: int, label: str, *, success: Callable[[Outcome[Said]], Any],
               undone: Callable[[], Any]) -> None:
    """Forget the account and remove its tokens from the keyring, once the toast's Undo has
    passed; its targets stay, pointing nowhere, so their posts are not lost."""

    def op(ws: Workspace) -> Outcome[Said]:
        try:
            oauth.disconnect(account_id, ws.store.accounts)
        except (NexusError, OSError) as exc:
            return Outcome(ACCOUNTS, value=Said(f"Could not disconnect: {exc}", failed=True))
        text = f"Disconnected {label}; its tokens were removed from the keyring."
        return Outcome(ACCOUNTS, text, value=Said(text))

    def undo() -> None:
        ctx.ops.told.emit(f"{label} stays connected")
        if _alive(undone):
            undone()

    ctx.ops.undoable.emit(f"Disconnecting {label}", undo,
                          lambda: CollectionOp(ctx, op, "Disconnecting an account").success(success).run_in_background())


class SignIn(QObject):
    """One browser sign-in, on a thread of its own (it waits on the creator for minutes).

    The thread holds this small object, never the view (a widget's wrapper freed on a worker
    thread deletes the widget there and crashes the app); after the view is gone, emitting
    says so with RuntimeError, which the thread ignores.

    Signals (on the GUI thread; each names its SignIn, so a view can tell the one it is waiting
    for from one it replaced):
        done(SignIn, int): the account's id, saved; its change set is announced first.
        refused(SignIn, str): the reason a person reads; nothing was saved.
        address_needed(str): the HTTPS redirect the browser lands on; answer with ``answer()``.
    """

    connected = Signal(int)  # from the thread
    failed = Signal(str)  # from the thread
    address_needed = Signal(str)
    done = Signal(object, int)
    refused = Signal(object, str)

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        # methods of this GUI-thread object: queued from the thread, run on the GUI thread
        self.connected.connect(self._on_connected)
        self.failed.connect(self._on_failed)
        self.cancel = threading.Event()
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def _on_connected(self, account_id: int) -> None:
        self._runner.announce(ACCOUNTS)
        self.done.emit(self, account_id)

    def _on_failed(self, why: str) -> None:
        self.refused.emit(self, why)

    def answer(self, address: str | None) -> None:
        self.answers.put(address)

    def stop(self) -> None:
        """Stop at whatever step it is: waiting for the browser or for the pasted address."""
        self.cancel.set()
        self.answers.put(None)

    def tell(self, signal: str, value: Any) -> None:
        try:
            getattr(self, signal).emit(value)
        except RuntimeError:  # the view was closed meanwhile: nobody to tell
            log.debug("the Accounts view closed before connecting ended")

    def ask_address(self, redirect_uri: str) -> str | None:
        """On the sign-in thread: ask for the address the browser landed on (None when cancelled)."""
        self.tell("address_needed", redirect_uri)
        while not self.cancel.is_set():
            try:
                return self.answers.get(timeout=0.1)
            except queue.Empty:
                continue
        return None


def connect(ctx: AppContext, sign_in: SignIn, platform: str, client: oauth.ClientApp, *,
            open_url: Callable[[str], Any] | None = None, **options: Any) -> threading.Thread:
    """Run the sign-in on its own thread (connect to ``sign_in``'s signals first); connecting
    announces ``ACCOUNTS`` on ``Runner.changed``."""
    accounts, settings = ctx.ws.store.accounts, ctx.ws.settings.publish
    kwargs = {"cancel": sign_in.cancel, "ask_address": sign_in.ask_address, **options}
    if open_url is not None:
        kwargs["open_url"] = open_url

    def work() -> None:  # holds the SignIn, not the view
        try:
            run = network_connect.connect if platform in network_connect.FORMS else oauth.connect
            view = run(platform, client, accounts=accounts, settings=settings, **kwargs)
        except Cancelled:
            sign_in.tell("failed", "connecting was cancelled; nothing was saved")
        except NexusError as exc:
            sign_in.tell("failed", str(exc))
        except Exception as exc:  # a bug: still tell the creator instead of waiting forever
            log.exception("connecting %s failed", platform)
            sign_in.tell("failed", f"connecting failed unexpectedly: {type(exc).__name__}: {exc}")
        else:
            sign_in.tell("connected", view.id)

    sign_in.thread = threading.Thread(target=work, name=f"connect-{platform}", daemon=True)
    sign_in.thread.start()
    return sign_in.thread


def open_vault(ctx: AppContext, passphrase: str, *, create: bool, success: Callable[[Outcome[str]], Any],
               failure: Callable[[BaseException], Any]) -> None:
    """Create or unlock the passphrase vault and keep this session's secrets in it. scrypt takes a
    good part of a second on purpose, so it runs in the store lane, never on the GUI thread; a wrong
    passphrase goes to ``failure`` with its reason."""
    from ...secrets_vault import Vault

    def op(ws: Workspace) -> Outcome[str]:
        path = secrets.vault_path(ws.paths.data)
        vault = Vault.create(path, passphrase) if create else Vault.unlock(path, passphrase)
        secrets.use_vault(vault)
        return Outcome(ACCOUNTS, f"Secrets vault {'created' if create else 'unlocked'}: {path}", value=str(path))

    CollectionOp(ctx, op, "Opening the secrets vault").success(success).failure(failure).run_in_background()
