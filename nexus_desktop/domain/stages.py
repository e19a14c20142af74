"""The stages a job passes through, in order."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    HARVEST = "harvest"
    ANALYZE = "analyze"
    NARRATE = "narrate"
    VISUALIZE = "visualize"
    RENDER = "render"
    REVIEW = "review"
    SCHEDULE = "schedule"
    PUBLISH = "publish"

    @property
    def index(self) -> int:
        return ORDER.index(self)

    @property
    def automatic(self) -> bool:
        """Stages the runner performs by itself (review needs the creator)."""
        return self in PRODUCTION


ORDER: tuple[Stage, ...] = tuple(Stage)
# Stages that turn an item into videos without the creator's say.
PRODUCTION: tuple[Stage, ...] = (Stage.ANALYZE, Stage.NARRATE, Stage.VISUALIZE, Stage.RENDER)

# What must be redone when the creator edits part of the script.
REDO_AFTER_NARRATION_EDIT: frozenset[Stage] = frozenset({Stage.NARRATE, Stage.RENDER})
REDO_AFTER_HEADLINE_EDIT: frozenset[Stage] = frozenset({Stage.VISUALIZE, Stage.RENDER})


def next_stage(done: frozenset[Stage]) -> Stage | None:
    """The first stage in order that is not done, or None when all are."""
    for stage in ORDER:
        if stage not in done:
            return stage
    return None
