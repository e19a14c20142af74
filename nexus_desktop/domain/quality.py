"""What the quality check found in one rendered video: each check, passed or
not with what was measured, and which platforms it matters to. Stored with the
render result (``to_dict``/``from_dict``) and shown per platform in the preview."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PLATFORMS = ("youtube", "instagram", "x", "linkedin")


@dataclass(frozen=True)
class Check:
    name: str  # "keyframes", "loudness", "motion", ...
    passed: bool
    detail: str  # what was measured, and the limit
    platforms: tuple[str, ...] = PLATFORMS  # whose upload or viewers it matters to


@dataclass(frozen=True)
class QualityReport:
    format: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failures_for(self, platform: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed and platform in c.platforms)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "QualityReport":
        return cls(data["format"], tuple(Check(c["name"], c["passed"], c["detail"], tuple(c["platforms"]))
                                         for c in data.get("checks", ())))
