"""API versions that never go stale: chosen by date from each platform's published table.

LinkedIn (``LinkedIn-Version: YYYYMM``) and the Graph API (``/vNN.0/`` paths) retire
versions on published dates. The app uses the newest version that is live today,
unless the creator pinned one in Settings. When the platform answers that a version
is retired (HTTP 426, or Graph's "version deprecated"), ``step_after`` gives the next
live version to try once, and the creator is told to change the pin.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

from .description import ApiVersion, ApiVersions

log = logging.getLogger(__name__)


def today() -> date:
    return datetime.now(timezone.utc).date()


def live(table: ApiVersions, on: date | None = None) -> list[ApiVersion]:
    """Versions released by ``on`` and not yet retired, oldest first."""
    on = on or today()
    return [v for v in table.versions if v.released <= on and (v.retires is None or v.retires > on)]


def newest_live(table: ApiVersions, on: date | None = None) -> ApiVersion:
    found = live(table, on)
    if not found:  # the table is older than every published date: the newest one it knows
        return max(table.versions, key=lambda v: v.released)
    return found[-1]


def find(table: ApiVersions, name: str) -> ApiVersion | None:
    return next((v for v in table.versions if v.name == name), None)


def chosen(table: ApiVersions, pinned: str | None, on: date | None = None) -> str:
    """The version to send: the pinned one when set, else the newest live one."""
    pinned = (pinned or "").strip()
    return pinned or newest_live(table, on).name


def step_after(table: ApiVersions, refused: str, on: date | None = None) -> str | None:
    """The version to try once after ``refused`` was answered as retired: the newest live one
    (newer than the refused one), or None when there is nothing newer to try."""
    candidate = newest_live(table, on)
    known = find(table, refused)
    if candidate.name == refused or (known is not None and candidate.released <= known.released):
        return None
    return candidate.name


def retirement_notice(table: ApiVersions, name: str, on: date | None = None) -> str:
    """For the Health view and the Settings tooltip: when this version retires."""
    on = on or today()
    version = find(table, name)
    if version is None:
        return f"{name} is not in the app's table of published versions"
    if version.retires is None:
        return f"{name} has no published retirement date yet"
    if version.retires <= on:
        return f"{name} retired on {version.retires.isoformat()}"
    return f"{name} retires on {version.retires.isoformat()} ({(version.retires - on).days} days)"


class VersionInUse:
    """The API version one adapter sends, able to step once when the platform says it is retired."""

    def __init__(self, display_name: str, table: ApiVersions, pinned: str | None, on: date | None = None) -> None:
        self.display_name = display_name
        self.table = table
        self.on = on
        self.pinned = (pinned or "").strip()
        self.name = chosen(table, self.pinned, on)
        self.notice = ""
        self._stepped = False
        known = find(table, self.name)
        if known is not None and known.retires is not None and known.retires <= (on or today()):
            self.step()  # retired by the published date: no need to be refused first

    def step(self) -> bool:
        """Move to the newest live version, once; False when there is nothing to step to."""
        if self._stepped:
            return False
        new = step_after(self.table, self.name, self.on)
        self._stepped = True
        if new is None:
            return False
        old, self.name = self.name, new
        self.notice = (
            f"{self.display_name} no longer accepts API version {old}; this post used {new}. "
            + ("Clear or change the pinned version in Settings → Publish." if self.pinned else
               "Update the app to get the newest table of versions.")
        )
        log.warning("%s", self.notice)
        return True
