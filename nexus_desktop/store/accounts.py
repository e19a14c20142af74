"""Connected platform accounts: who they are, how healthy, what quota they used.

Tokens are never here: they live in the OS keyring (``secrets.py``) under names
derived from the account id. ``details`` holds what is safe to store: the OAuth
client id and endpoints, the remote page/person ids, and the daily quota used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from .database import Database
from .models import Account, Target
from .targets import add_account_target

EXPIRY_WARNING = timedelta(days=3)


class AccountStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # the refresh token stopped working: its posts are held

    @property
    def label(self) -> str:
        return "Connected" if self is AccountStatus.CONNECTED else "Needs reconnecting"


@dataclass(frozen=True)
class AccountView:
    id: int
    platform: str
    name: str
    remote_user_id: str | None
    status: AccountStatus
    token_expires_at: datetime | None
    details: dict[str, Any]
    created_at: datetime

    @property
    def problem(self) -> str:
        return str(self.details.get("problem", ""))

    def health(self, now: datetime | None = None) -> str:
        """What the Accounts view shows in its Health column."""
        now = now or datetime.now(timezone.utc)
        if self.status is AccountStatus.NEEDS_RECONNECT:
            return f"Needs reconnecting: {self.problem}" if self.problem else "Needs reconnecting"
        expires = self.token_expires_at
        if expires is not None and expires <= now and not self.details.get("refreshable", True):
            return "Token expired: reconnect"
        if expires is not None and expires - now < EXPIRY_WARNING and not self.details.get("refreshable", True):
            return f"Token expires in {max(0, (expires - now).days)} day(s): reconnect soon"
        return "OK"


def _view(a: Account) -> AccountView:
    try:
        status = AccountStatus(a.status)
    except ValueError:
        status = AccountStatus.NEEDS_RECONNECT
    return AccountView(
        id=a.id,
        platform=a.platform,
        name=a.name,
        remote_user_id=a.remote_user_id,
        status=status,
        token_expires_at=a.token_expires_at,
        details=dict(a.details or {}),
        created_at=a.created_at,
    )


class AccountRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert(
        self,
        platform: str,
        name: str,
        *,
        remote_user_id: str | None,
        token_expires_at: datetime | None,
        details: dict[str, Any],
    ) -> AccountView:
        """Add an account, or bring a reconnected one back to health (same platform and remote id)."""
        with self.db.write() as session:
            account = None
            if remote_user_id:
                account = session.scalar(
                    select(Account).where(Account.platform == platform, Account.remote_user_id == remote_user_id)
                )
            same_name = session.scalar(select(Account).where(Account.platform == platform, Account.name == name))
            if account is None and same_name is not None:
                if remote_user_id and same_name.remote_user_id not in (None, remote_user_id):
                    name = f"{name} ({remote_user_id})"  # two channels may share a title
                else:
                    account = same_name
            if account is None:
                account = Account(platform=platform, name=name)
                session.add(account)
            account.name = name
            account.remote_user_id = remote_user_id
            account.status = AccountStatus.CONNECTED.value
            account.token_expires_at = token_expires_at
            merged = dict(account.details or {})
            merged.update(details)
            merged.pop("problem", None)
            account.details = merged
            session.flush()
            if session.scalar(select(Target.id).where(Target.account_id == account.id).limit(1)) is None:
                add_account_target(session, account)  # a connected account is a place to post, at once
            return _view(account)

    def get(self, account_id: int) -> AccountView | None:
        with self.db.read() as session:
            account = session.get(Account, account_id)
            return _view(account) if account else None

    def list(self, platform: str | None = None) -> list[AccountView]:
        with self.db.read() as session:
            query = select(Account).order_by(Account.platform, Account.name)
            if platform:
                query = query.where(Account.platform == platform)
            return [_view(a) for a in session.scalars(query)]

    def set_token_expiry(self, account_id: int, expires_at: datetime | None) -> None:
        with self.db.write() as session:
            account = session.get(Account, account_id)
            if account is not None:
                account.token_expires_at = expires_at
                if account.status != AccountStatus.CONNECTED.value:
                    account.status = AccountStatus.CONNECTED.value
                    account.details = {k: v for k, v in (account.details or {}).items() if k != "problem"}

    def mark_needs_reconnect(self, account_id: int, problem: str) -> None:
        with self.db.write() as session:
            account = session.get(Account, account_id)
            if account is not None:
                account.status = AccountStatus.NEEDS_RECONNECT.value
                account.details = {**(account.details or {}), "problem": problem}

    def update_details(self, account_id: int, **values: Any) -> AccountView | None:
        with self.db.write() as session:
            account = session.get(Account, account_id)
            if account is None:
                return None
            account.details = {**(account.details or {}), **values}
            session.flush()
            return _view(account)

    # -- what the platform code needs besides the rows (providers/platforms/accounts.py) -----

    def try_refresh_lock(self, account_id: int, holder: str, seconds: float) -> bool:
        """One token refresh at a time across processes: X rotates refresh tokens, so the window
        and the daemon refreshing together would kill each other's. The lock lives in the row,
        taken inside a write transaction (BEGIN IMMEDIATE on SQLite, FOR UPDATE on PostgreSQL)."""
        now = datetime.now(timezone.utc)
        with self.db.write() as session:
            account = session.get(Account, account_id, with_for_update=True)
            if account is None:
                return True  # nothing to protect; the caller finds the account gone
            lock = (account.details or {}).get("refresh_lock") or {}
            until = datetime.fromisoformat(lock["until"]) if lock.get("until") else None
            if lock.get("holder") not in (None, holder) and until is not None and until > now:
                return False
            account.details = {**(account.details or {}),
                               "refresh_lock": {"holder": holder, "until": (now + timedelta(seconds=seconds)).isoformat()}}
            return True

    def release_refresh_lock(self, account_id: int, holder: str) -> None:
        with self.db.write() as session:
            account = session.get(Account, account_id, with_for_update=True)
            if account is not None and ((account.details or {}).get("refresh_lock") or {}).get("holder") == holder:
                account.details = {k: v for k, v in (account.details or {}).items() if k != "refresh_lock"}

    def project_usage(self, platform: str, project: str) -> dict[str, Any]:
        """Counters shared by the accounts of one API project (Google counts YouTube quota per
        Cloud project, i.e. per OAuth client id, not per channel)."""
        for view in self.list(platform):
            if view.details.get("client_id") == project and view.details.get("project_usage"):
                return dict(view.details["project_usage"])
        return {}

    def record_project_usage(self, platform: str, project: str, usage: dict[str, Any]) -> None:
        with self.db.write() as session:
            for account in session.scalars(select(Account).where(Account.platform == platform)):
                if (account.details or {}).get("client_id") == project:
                    account.details = {**(account.details or {}), "project_usage": dict(usage)}

    def remove(self, account_id: int) -> bool:
        """Forget the account; its targets stay, pointing nowhere, so their posts are not lost,
        but are no longer offered (nothing can be published through them)."""
        with self.db.write() as session:
            account = session.get(Account, account_id)
            if account is None:
                return False
            for target in session.scalars(select(Target).where(Target.account_id == account_id)):
                target.account_id = None
                target.active = False
            session.delete(account)
            return True
