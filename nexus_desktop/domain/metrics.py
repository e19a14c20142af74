"""A post's figures at one moment, and the schedule they are read on.

Plain values with no Qt and no SQL: the measure stage, the store, the CLI and
the views all speak ``Figures``. Counts the platform does not offer are None,
not 0, so "no impressions on Instagram" never reads as "nobody saw it".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta
from typing import Any

# When a published post's figures are read: early readings show the launch, later
# ones the long tail; after four weeks a post rarely changes, so reading stops.
SCHEDULE = (
    timedelta(hours=1), timedelta(hours=3), timedelta(hours=6), timedelta(hours=24),
    timedelta(days=3), timedelta(days=7), timedelta(days=28),
)
SCHEDULE_LABELS = ("1 h", "3 h", "6 h", "24 h", "3 d", "7 d", "28 d")

COUNTS = ("views", "likes", "comments", "shares", "saves", "impressions", "reach", "clicks")
MEASURES = (*COUNTS, "watch_minutes", "avg_view_seconds")


@dataclass(frozen=True)
class Figures:
    """What one reading of one post found."""

    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None  # reposts, retweets, reshares
    saves: int | None = None
    impressions: int | None = None
    reach: int | None = None
    clicks: int | None = None
    watch_minutes: float | None = None
    avg_view_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # the platform's own names, as it sent them

    @property
    def engagements(self) -> int:
        return sum(v or 0 for v in (self.likes, self.comments, self.shares, self.saves))

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per impression (per view where impressions are not offered)."""
        base = self.impressions or self.views
        return self.engagements / base if base else None

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v is not None and k != "extra"}
        if self.extra:
            data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Figures":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in (data or {}).items() if k in known}
        for name in COUNTS:
            if values.get(name) is not None:
                values[name] = int(values[name])
        return cls(**values)

    def lower_than(self, earlier: "Figures") -> list[str]:
        """Counts that went down since ``earlier`` (platforms remove spam views and likes)."""
        return [n for n in COUNTS if getattr(self, n) is not None and getattr(earlier, n) is not None
                and getattr(self, n) < getattr(earlier, n)]


def next_reading(step: int) -> timedelta | None:
    """How long after publishing reading number ``step`` (0-based) is due; None when done."""
    return SCHEDULE[step] if 0 <= step < len(SCHEDULE) else None


def label(step: int) -> str:
    return SCHEDULE_LABELS[step] if 0 <= step < len(SCHEDULE_LABELS) else "done"
