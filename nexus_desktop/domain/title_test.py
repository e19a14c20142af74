"""The rule a title (or thumbnail) test decides by. Plain numbers in, a verdict out.

Each variant is shown in turn for a few hours, forwards then backwards (1 2 3 3 2 1 …):
a post draws fewer views every hour, so whichever goes up first would look better; over
a forward-and-back pair every variant sits, on average, at the same age, and a verdict
is only given at the end of such a pair. Where the platform reports impressions
and clicks, a variant's click-through rate gets a Beta(1 + clicks, 1 + impressions −
clicks) posterior; where it reports only views (YouTube's APIs offer no impressions),
its views per hour get a Gamma(1 + views, hours) posterior. The leader wins when
P(leader beats every other variant) ≥ ``threshold`` (0.95), and only after every
variant was shown at least ``min_hours`` and the test saw ``min_events`` views (or
clicks) in all. After ``max_rounds`` rotations without a winner the first variant
(the one the script chose) is kept and the verdict says so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SAMPLES = 4000


@dataclass(frozen=True)
class Arm:
    """What one variant earned while it was shown."""

    hours: float = 0.0
    views: int = 0
    impressions: int = 0
    clicks: int = 0

    def plus(self, hours: float, views: int, impressions: int = 0, clicks: int = 0) -> "Arm":
        return Arm(self.hours + hours, self.views + max(0, views), self.impressions + max(0, impressions), self.clicks + max(0, clicks))

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> "Arm":
        return cls(float(data.get("hours", 0)), int(data.get("views", 0)), int(data.get("impressions", 0)), int(data.get("clicks", 0)))


@dataclass(frozen=True)
class Rule:
    threshold: float = 0.95
    min_hours: float = 12.0
    min_events: int = 200
    max_rounds: int = 12

    def describe(self) -> str:
        return (f"a variant wins when the chance it beats every other is at least {self.threshold:.0%} "
                f"(Bayesian: Beta on click-through where impressions exist, else Gamma on views per hour), "
                f"after each was shown {self.min_hours:g} h and {self.min_events} views or clicks were seen")


@dataclass(frozen=True)
class Verdict:
    winner: int | None  # index of the variant to keep; None: keep testing
    chances: tuple[float, ...]  # P(each variant is the best)
    measure: str  # "click-through" or "views per hour"
    text: str


def _uses_clicks(arms: list[Arm]) -> bool:
    return all(a.impressions > 0 for a in arms)


def _draw(arm: Arm, rng: random.Random, clicks: bool) -> float:
    if clicks:
        return rng.betavariate(1 + arm.clicks, 1 + max(0, arm.impressions - arm.clicks))
    return rng.gammavariate(1 + arm.views, 1.0 / max(arm.hours, 1e-6))


def chances(arms: list[Arm], *, seed: int = 17) -> tuple[float, ...]:
    """P(each arm is the best), by drawing from the posteriors (seeded: the same figures
    always give the same verdict)."""
    rng, clicks = random.Random(seed), _uses_clicks(arms)
    wins = [0] * len(arms)
    for _ in range(SAMPLES):
        draws = [_draw(a, rng, clicks) for a in arms]
        wins[draws.index(max(draws))] += 1
    return tuple(w / SAMPLES for w in wins)


def rotation(windows_done: int, variants: int) -> int:
    """The variant to show after ``windows_done`` windows: forwards, then backwards."""
    order = [*range(variants), *reversed(range(variants))]
    return order[windows_done % len(order)]


def balanced(windows_done: int, variants: int) -> bool:
    return windows_done > 0 and windows_done % (2 * variants) == 0


def decide(arms: list[Arm], rounds: int, rule: Rule = Rule()) -> Verdict:
    clicks = _uses_clicks(arms)
    measure = "click-through" if clicks else "views per hour"
    events = sum(a.clicks if clicks else a.views for a in arms)
    if len(arms) < 2:
        return Verdict(0, (1.0,), measure, "only one variant: nothing to compare")
    odds = chances(arms)
    best = odds.index(max(odds))
    rates = ", ".join(f"#{i + 1}: {_rate(a, clicks)}" for i, a in enumerate(arms))
    ready = all(a.hours >= rule.min_hours for a in arms) and events >= rule.min_events and balanced(rounds, len(arms))
    if ready and odds[best] >= rule.threshold:
        return Verdict(best, odds, measure, f"variant #{best + 1} wins with {odds[best]:.0%} certainty on {measure} ({rates})")
    if rounds >= rule.max_rounds:
        return Verdict(0, odds, measure, f"no clear winner after {rounds} rotations (best {odds[best]:.0%} on {measure}); "
                                         f"kept the first variant ({rates})")
    need = "" if ready else (f"; decides after each variant was shown {rule.min_hours:g} h, both ways round, "
                             f"and {rule.min_events} {'clicks' if clicks else 'views'} in all")
    return Verdict(None, odds, measure, f"testing: variant #{best + 1} leads with {odds[best]:.0%} on {measure}{need} ({rates})")


def _rate(arm: Arm, clicks: bool) -> str:
    if clicks:
        return f"{arm.clicks / arm.impressions:.1%} CTR" if arm.impressions else "—"
    return f"{arm.views / arm.hours:.1f} views/h" if arm.hours else "—"
