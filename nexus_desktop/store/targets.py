"""Targets: where posts go. A connected platform account, or the export folder.

The export folder has one target per platform it prepares packages for
(``config["for"]``), so each package carries that platform's video format and
text. Posting rules and options live in ``config``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .database import Database
from .models import Account, Target

EXPORT = "export"
EXPORT_PLATFORMS = ("youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads", "bluesky", "mastodon")
PLATFORM_NAMES = {"youtube": "YouTube", "instagram": "Instagram", "x": "X", "linkedin": "LinkedIn", "tiktok": "TikTok",
                  "facebook": "Facebook", "threads": "Threads", "bluesky": "Bluesky", "mastodon": "Mastodon", EXPORT: "Export folder"}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.capitalize())


@dataclass(frozen=True)
class TargetView:
    id: int
    platform: str
    account_id: int | None
    name: str
    config: dict[str, Any]
    is_default: bool
    active: bool
    account_status: str | None = None  # None for the export folder

    @property
    def is_export(self) -> bool:
        return self.platform == EXPORT

    @property
    def style(self) -> str:
        """The platform whose format and text the posts take ("youtube" for an export target for YouTube)."""
        return str(self.config.get("for") or "youtube") if self.is_export else self.platform

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.config.get("rules") or {})

    def matches(self, key: str) -> bool:
        """Whether a ``schedule.default_targets`` entry names this target:
        a platform ("youtube", "export"), or platform:name-or-style ("export:instagram")."""
        platform, _, rest = key.strip().lower().partition(":")
        if platform != self.platform:
            return False
        return not rest or rest in (self.name.lower(), self.style)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "platform": self.platform, "name": self.name, "for": self.style,
                "default": self.is_default, "active": self.active, "rules": self.rules}


def add_account_target(session: Session, account: Account) -> Target:
    """The target that posts to a connected account (already flushed, so it has an id), in the caller's transaction."""
    target = Target(platform=account.platform, name=account.name, account_id=account.id, config={}, is_default=True,
                    active=True)
    session.add(target)
    return target


def _view(t: Target, account_status: str | None = None) -> TargetView:
    return TargetView(t.id, t.platform, t.account_id, t.name, dict(t.config or {}), t.is_default, t.active, account_status)


class TargetRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, *, active_only: bool = True) -> list[TargetView]:
        with self.db.read() as session:
            query = select(Target, Account.status).outerjoin(Account, Account.id == Target.account_id)
            if active_only:
                query = query.where(Target.active.is_(True))
            return [_view(t, status) for t, status in session.execute(query.order_by(Target.id))]

    def get(self, target_id: int) -> TargetView | None:
        with self.db.read() as session:
            target = session.get(Target, target_id)
            if target is None:
                return None
            account = session.get(Account, target.account_id) if target.account_id else None
            return _view(target, account.status if account else None)

    def add(self, platform: str, name: str, *, account_id: int | None = None, config: dict[str, Any] | None = None,
            is_default: bool = False) -> TargetView:
        with self.db.write() as session:
            target = Target(platform=platform, name=name, account_id=account_id, config=dict(config or {}),
                            is_default=is_default, active=True)
            session.add(target)
            session.flush()
            return _view(target)

    def ensure_export_targets(self, platforms: Iterable[str] = EXPORT_PLATFORMS) -> list[TargetView]:
        """The built-in export folder targets, one per platform style; made on first use."""
        wanted = list(platforms)
        with self.db.write() as session:
            existing = {str((t.config or {}).get("for")): t for t in session.scalars(select(Target).where(Target.platform == EXPORT))}
            for style in wanted:
                if style not in existing:
                    target = Target(platform=EXPORT, name=f"Export for {platform_name(style)}", config={"for": style},
                                    is_default=True, active=True)
                    session.add(target)
                    existing[style] = target
            session.flush()
            return [_view(existing[s]) for s in wanted]

    def ensure_account_targets(self) -> list[TargetView]:
        """One target per connected account that has none yet (an account added since)."""
        with self.db.write() as session:
            have = set(session.scalars(select(Target.account_id).where(Target.account_id.is_not(None))))
            made = []
            for account in session.scalars(select(Account).order_by(Account.id)):
                if account.id not in have:
                    made.append(add_account_target(session, account))
            session.flush()
            return [_view(t) for t in made]

    def update_config(self, target_id: int, **values: Any) -> TargetView:
        """Merge keys into a target's config (``rules``, ``format``, platform options)."""
        with self.db.write() as session:
            target = session.get(Target, target_id)
            if target is None:
                raise LookupError(f"there is no target {target_id}")
            target.config = {**(target.config or {}), **values}
            session.flush()
            return _view(target)

    def set_active(self, target_id: int, active: bool) -> None:
        with self.db.write() as session:
            target = session.get(Target, target_id)
            if target is None:
                raise LookupError(f"there is no target {target_id}")
            target.active = active
