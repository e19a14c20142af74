"""What the platform code needs from wherever connected accounts are kept.

The adapters and the OAuth code never open a database: the caller passes an object
with these methods (the store's ``AccountRepo`` is one; tests may pass their own).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class AccountRecord(Protocol):
    id: int
    platform: str
    name: str
    remote_user_id: str | None
    status: str  # "connected" or "needs_reconnect"
    token_expires_at: datetime | None
    details: dict[str, Any]


@runtime_checkable
class Accounts(Protocol):
    def get(self, account_id: int) -> AccountRecord | None: ...

    def upsert(
        self, platform: str, name: str, *, remote_user_id: str | None, token_expires_at: datetime | None,
        details: dict[str, Any],
    ) -> AccountRecord: ...

    def remove(self, account_id: int) -> bool: ...

    def set_token_expiry(self, account_id: int, expires_at: datetime | None) -> None: ...

    def mark_needs_reconnect(self, account_id: int, problem: str) -> None: ...

    def update_details(self, account_id: int, **values: Any) -> AccountRecord | None: ...

    def try_refresh_lock(self, account_id: int, holder: str, seconds: float) -> bool:
        """Take the account's token-refresh lock for ``seconds`` unless another holder has it.
        Shared by every process using the same accounts (the window and the daemon)."""

    def release_refresh_lock(self, account_id: int, holder: str) -> None: ...

    def project_usage(self, platform: str, project: str) -> Mapping[str, Any]:
        """Usage counters shared by every account of one API project (YouTube quota)."""

    def record_project_usage(self, platform: str, project: str, usage: Mapping[str, Any]) -> None: ...
