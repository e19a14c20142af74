"""Lanes: how many pieces of work of one kind may run at once. No Qt.

A lane is a queue with a limit. Scarce resources get their own lane so that,
say, ten queued renders never starve the analysis of new articles, and the
machine never renders more videos at once than the settings allow.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..domain.stages import Stage
from ..settings import Settings

RENDER, NARRATE, VISUALIZE, ANALYZE = "render", "narrate", "visualize", "analyze"
NETWORK = "network"  # harvests and feed look-ups: waiting on other servers
STORE = "store"  # the creator's batch actions: short writes, one at a time so they never race
READ = "read"  # what a view shows: reads, a few at once, never queued behind writes

STAGE_LANES: dict[Stage, str] = {
    Stage.ANALYZE: ANALYZE,
    Stage.NARRATE: NARRATE,
    Stage.VISUALIZE: VISUALIZE,
    Stage.RENDER: RENDER,
}


def lane_limits(settings: Settings) -> dict[str, int]:
    # Narrate and render each keep the CPU busy on their own (onnxruntime, ffmpeg
    # threads); analysis may wait on a remote model, so two can overlap.
    return {
        ANALYZE: 2,
        NARRATE: 1,
        VISUALIZE: 1,
        RENDER: settings.render.concurrent_renders,
        NETWORK: 2,
        STORE: 1,
        READ: 2,
    }


@dataclass
class Lane:
    name: str
    limit: int
    pausable: bool  # job stages stop on pause; the creator's own actions never do
    waiting: deque[Any] = field(default_factory=deque)
    running: int = 0

    @property
    def has_room(self) -> bool:
        return self.running < self.limit and bool(self.waiting)


def make_lanes(settings: Settings) -> dict[str, Lane]:
    stage_lanes = set(STAGE_LANES.values())
    return {name: Lane(name, limit, name in stage_lanes) for name, limit in lane_limits(settings).items()}
