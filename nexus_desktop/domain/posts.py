"""A post's status: one upload of one job to one target, published exactly once."""

from __future__ import annotations

from enum import StrEnum

from .errors import IllegalTransition


class PostStatus(StrEnum):
    DRAFT = "draft"  # no time yet
    SCHEDULED = "scheduled"
    HELD = "held"  # missed while closed, or its account needs reconnecting: waits for the creator
    PUBLISHING = "publishing"  # claimed with an attempt id; an upload may be under way
    PUBLISHED = "published"
    FAILED = "failed"
    NEEDS_CHECK = "needs_check"  # a crash during publishing and the platform cannot tell

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


P = PostStatus
ALLOWED: dict[PostStatus, frozenset[PostStatus]] = {
    P.DRAFT: frozenset({P.SCHEDULED}),
    P.SCHEDULED: frozenset({P.DRAFT, P.SCHEDULED, P.HELD, P.PUBLISHING}),
    P.HELD: frozenset({P.SCHEDULED, P.DRAFT, P.PUBLISHING}),
    P.PUBLISHING: frozenset({P.PUBLISHED, P.FAILED, P.SCHEDULED, P.NEEDS_CHECK, P.HELD}),
    P.PUBLISHED: frozenset(),
    P.FAILED: frozenset({P.SCHEDULED, P.DRAFT}),
    P.NEEDS_CHECK: frozenset({P.PUBLISHED, P.SCHEDULED, P.FAILED}),
}


def check(current: PostStatus, to: PostStatus) -> PostStatus:
    """Return ``to`` if the move is allowed, else raise ``IllegalTransition``."""
    if to not in ALLOWED[current]:
        raise IllegalTransition(f"a {current.label.lower()} post cannot become {to.label.lower()}")
    return to
