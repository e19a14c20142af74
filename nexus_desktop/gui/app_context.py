"""What every view is given: the workspace, the runner and the creator's operations."""

from __future__ import annotations

from dataclasses import dataclass

from ..pipeline.flow import Workspace
from ..runtime.autopilot import Autopilot
from ..runtime.ownership import Holder
from ..runtime.scheduler import PostScheduler
from ..runtime.runner import Runner
from .operations import Operations


@dataclass(frozen=True)
class AppContext:
    ws: Workspace
    runner: Runner
    ops: Operations
    autopilot: Autopilot | None = None  # checks feeds and runs jobs by themselves; None in view tests
    scheduler: PostScheduler | None = None  # the app's publisher, when this window holds the data folder's
    publisher: Holder | None = None  # who publishes instead (nexus daemon), when this window does not
