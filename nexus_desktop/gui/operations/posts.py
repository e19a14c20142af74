"""The creator's actions on posts, one function each: move, take the time away (cancel
publishing), publish now, schedule every approved post, mark published, choose where a job
goes, edit the texts, the targets' posting times.

Each runs in the runner's store lane and announces one change set naming the posts and
their jobs, so the calendar, the jobs table, the preview and its Publish tab re-read them.
A move, a removed time, a changed choice of targets and an edited text offer Undo in the
toast; publishing cannot be taken back, so the views ask before they call ``publish_now``.

``Posting`` says whose clock and publisher an action uses: the calendar's (a test's fake
clock, a scheduler of its own) or the app's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from ...domain.errors import UserFixableError
from ...pipeline import schedule as scheduling
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from ...store.post_records import MOVABLE, PostView
from ..formatting import count
from .base import CollectionOp, Outcome, QueryOp, reason

if TYPE_CHECKING:
    from ...domain.metrics import Figures
    from ...runtime.scheduler import PostScheduler
    from ...store.targets import TargetView
    from ..app_context import AppContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Posting:
    """Whose publisher, clock and zone an action on posts goes by."""

    scheduler: PostScheduler | None = None  # the publisher to tell (None: nexus daemon's, or none)
    clock: Callable[[], datetime] = scheduling.utcnow
    zone: tzinfo = field(default=timezone.utc)

    @classmethod
    def of(cls, ctx: AppContext) -> Posting:
        return cls(ctx.scheduler, scheduling.utcnow, zone_of(ctx.ws))

    def when(self, moment: datetime) -> str:
        return scheduling.format_local(moment, self.zone)


def zone_of(ws: Workspace) -> tzinfo:
    """The creator's zone from the settings; the computer's when the setting names no zone."""
    from ...domain.errors import NexusError

    try:
        return scheduling.local_zone(ws.settings)
    except NexusError as exc:
        log.warning("%s; showing the computer's time zone", exc)
        return datetime.now().astimezone().tzinfo


def _of(views: Iterable[PostView]) -> Changed:
    views = list(views)
    return Changed(jobs=frozenset(v.job_id for v in views), posts=frozenset(v.id for v in views))


def _replan(at: Posting) -> None:
    """The publisher re-reads when the next post falls due (in the worker: it reads the store)."""
    if at.scheduler is not None:
        at.scheduler.refresh()


def _op(ctx: AppContext, fn: Callable[[Workspace], Outcome], description: str, post_ids: Iterable[int]) -> CollectionOp:
    """An op whose refusal (a post published or deleted meanwhile) is said, and whose posts
    are read again so the views show where they really are."""
    ids = frozenset(post_ids)

    def failed(exc: BaseException) -> None:
        ctx.ops.problem.emit(f"{description} failed", reason(exc))
        ctx.runner.announce(Changed(posts=ids))

    return CollectionOp(ctx, fn, description).expecting(LookupError).failure(failed)


# -- times ------------------------------------------------------------------------------------------


def reschedule(ctx: AppContext, at: Posting, post_id: int, when: datetime, *, before: datetime | None,
               undoable: bool = True, description: str = "Moving a post") -> None:
    """Move a post to ``when`` (a future time; the views ask about a past one first).
    Undo puts it back at ``before``, or takes its time away if ``before`` has passed."""

    def op(ws: Workspace) -> Outcome[PostView]:
        post = scheduling.reschedule(ws, post_id, when, now=at.clock())
        _replan(at)
        return Outcome(_of([post]), f"«{post.title}» moved to {at.when(when)}", value=post)

    def done(outcome: Outcome[PostView]) -> None:
        if undoable:
            ctx.ops.undoable.emit(outcome.told, lambda: put_back(ctx, at, post_id, before), None)

    _op(ctx, op, description, [post_id]).success(done).run_in_background()


def put_back(ctx: AppContext, at: Posting, post_id: int, before: datetime | None) -> None:
    """Undo a move or a removed time: the old time again, or none if it has passed meanwhile."""
    if before is None or before <= at.clock():
        unschedule(ctx, at, post_id, before=None, undoable=False)
        return

    def op(ws: Workspace) -> Outcome[None]:
        post = scheduling.reschedule(ws, post_id, before, now=at.clock())
        _replan(at)
        return Outcome(_of([post]), f"«{post.title}» is back at {at.when(before)}")

    _op(ctx, op, "Moving a post back", [post_id]).run_in_background()


def unschedule(ctx: AppContext, at: Posting, post_id: int, *, before: datetime | None, undoable: bool = True) -> None:
    """Cancel a post's publication: it keeps its text and waits for a time (Undo: ``before`` again)."""

    def op(ws: Workspace) -> Outcome[PostView]:
        post = scheduling.unschedule(ws, post_id)
        _replan(at)
        return Outcome(_of([post]), f"«{post.title}» will not be published: it has no time now", value=post)

    def done(outcome: Outcome[PostView]) -> None:
        if undoable and before is not None:
            ctx.ops.undoable.emit(outcome.told, lambda: put_back(ctx, at, post_id, before), None)

    _op(ctx, op, "Removing a time", [post_id]).success(done).run_in_background()


def publish_now(ctx: AppContext, at: Posting, post_ids: list[int]) -> None:
    """Publish these posts right away: the publisher's thread uploads them. Cannot be undone:
    the views confirm first. Without a publisher here, the daemon's takes them at its next tick."""
    ids = list(post_ids)

    def op(ws: Workspace) -> Outcome[None]:
        if at.scheduler is not None:
            released = at.scheduler.publish_now(ids)
        else:
            released = scheduling.publish_now(ws, ids, now=at.clock())
        views = [v for v in (ws.store.posts.get(i) for i in released) if v is not None]
        told = f"Publishing {count(len(released), 'post')} now" if released else "Nothing to publish"
        return Outcome(_of(views) | Changed(posts=frozenset(ids)), told)

    _op(ctx, op, "Publishing now", ids).run_in_background()


def schedule_all(ctx: AppContext, at: Posting) -> None:
    """Every approved post without a time gets the next free slot of its target."""

    def op(ws: Workspace) -> Outcome[None]:
        plan = scheduling.schedule_all_approved(ws, now=at.clock())
        _replan(at)
        views = [v for v in (ws.store.posts.get(i) for i in plan) if v is not None]
        return Outcome(_of(views), f"Scheduled {count(len(plan), 'post')} in free slots")

    _op(ctx, op, "Scheduling approved posts", ()).run_in_background()


def mark_published(ctx: AppContext, at: Posting, post_id: int) -> None:
    """The creator checked a post that needed checking and found it on the platform."""

    def op(ws: Workspace) -> Outcome[None]:
        post = scheduling.posts(ws).mark_published_by_hand(post_id, None, at.clock())
        return Outcome(_of([post]), f"«{post.title}» marked published")

    _op(ctx, op, "Marking a post published", [post_id]).run_in_background()


def suggest_time(ctx: AppContext, at: Posting, post_id: int, success: Callable[[datetime], Any]) -> None:
    """The post's next free slot on its target, for ``success`` (which moves it)."""
    QueryOp(ctx, lambda ws: scheduling.suggest_time(ws, post_id, now=at.clock()), "Suggesting a time").expecting(
        LookupError).success(success).run_in_background()


def time_on_day(ctx: AppContext, post_id: int, day: date, success: Callable[[datetime], Any]) -> None:
    """Where a post dropped on a day (not an hour) goes, for ``success`` (which moves it)."""
    QueryOp(ctx, lambda ws: scheduling.time_on_day(ws, post_id, day), "Finding a time").expecting(
        LookupError).success(success).run_in_background()


# -- where a job goes, and what its posts say ---------------------------------------------------------


def choose_targets(ctx: AppContext, job_id: int, target_ids: Iterable[int], *, undoable: bool = True) -> None:
    """An approved job's posts go to exactly these targets: ticked ones get a draft with the
    script's text, unticked ones lose their post if it has not gone out. Undo brings dropped
    posts back with the text and (future) time they had."""
    wanted = sorted(set(target_ids))

    def op(ws: Workspace) -> Outcome[tuple[PostView, ...]]:
        if not wanted:  # none would be drafted again for every default target at the next read
            raise UserFixableError("an approved job goes to at least one place",
                                   hint="tick another target first, or take the approval back")
        before = tuple(scheduling.posts(ws).for_job(job_id))
        created = scheduling.choose_targets(ws, job_id, wanted)
        dropped = tuple(p for p in before if p.target_id not in wanted)
        parts = [f"{count(len(created), 'post')} added"] if created else []
        if dropped:
            parts.append(f"{count(len(dropped), 'post')} dropped")
        told = "; ".join(parts).capitalize() if parts else "Nothing changed"
        return Outcome(Changed(jobs=frozenset({job_id}), posts=frozenset(created) | {p.id for p in before}), told,
                       value=before)

    def done(outcome: Outcome[tuple[PostView, ...]]) -> None:
        before = outcome.value or ()
        if undoable and any(p.target_id not in wanted for p in before):
            ctx.ops.undoable.emit(outcome.told, lambda: restore_posts(ctx, job_id, before), None)

    _op(ctx, op, "Choosing where the job goes", ()).success(done).run_in_background()


def restore_posts(ctx: AppContext, job_id: int, before: tuple[PostView, ...]) -> None:
    """Undo a change of targets: the posts the job had, with their texts and (future) times."""

    def op(ws: Workspace) -> Outcome[None]:
        repo = scheduling.posts(ws)
        scheduling.choose_targets(ws, job_id, [p.target_id for p in before])
        now = scheduling.utcnow()
        for old in before:
            new = next((p for p in repo.for_job(job_id) if p.target_id == old.target_id), None)
            if new is None or new.status not in MOVABLE:
                continue
            repo.set_text(new.id, old.text)
            if old.scheduled_at is not None and old.scheduled_at > now and new.scheduled_at != old.scheduled_at:
                repo.schedule(new.id, old.scheduled_at)
        posts_now = repo.for_job(job_id)
        return Outcome(_of(posts_now) | Changed(jobs=frozenset({job_id})), "Its posts are back as they were")

    _op(ctx, op, "Putting the posts back", ()).run_in_background()


def save_texts(ctx: AppContext, job_id: int, edits: dict[int, dict[str, Any]], *, undoable: bool = True) -> None:
    """Store the creator's text (title, text, hashtags, thumbnail) of these posts; Undo puts
    back what they said before."""

    def op(ws: Workspace) -> Outcome[dict[int, dict[str, Any]]]:
        repo = scheduling.posts(ws)
        old = {post_id: view.text for post_id in edits if (view := repo.get(post_id)) is not None}
        saved = [repo.set_text(post_id, text) for post_id, text in edits.items()]
        told = f"Saved the text of {count(len(saved), 'post')}"
        return Outcome(_of(saved) | Changed(jobs=frozenset({job_id})), told, value=old)

    def done(outcome: Outcome[dict[int, dict[str, Any]]]) -> None:
        if undoable and outcome.value:
            ctx.ops.undoable.emit(outcome.told, lambda: save_texts(ctx, job_id, outcome.value, undoable=False), None)

    _op(ctx, op, "Saving the posts' texts", edits).success(done).run_in_background()


def type_figures(ctx: AppContext, post: PostView, figures: Figures, at: datetime, *,
                 success: Callable[[Outcome[None]], Any], failure: Callable[[BaseException], Any]) -> None:
    """The post's views, likes and the rest as the platform shows them, read at ``at`` (a post
    uploaded by hand, a network not read); they count for analytics and best times."""
    from ...pipeline.measure_import import type_in

    def op(ws: Workspace) -> Outcome[None]:
        type_in(ws, post.id, figures, at=at)
        return Outcome(_of([post]), f"Figures saved for «{post.title}»")

    CollectionOp(ctx, op, "Saving typed figures").success(success).failure(failure).run_in_background()


# -- posting times ----------------------------------------------------------------------------------------


def posting_targets(ctx: AppContext, success: Callable[[list[TargetView]], Any]) -> None:
    """Every target, for the posting-times dialog (export targets and connected accounts made first)."""

    def load(ws: Workspace) -> list[TargetView]:
        repo = scheduling.targets(ws)
        repo.ensure_export_targets()
        repo.ensure_account_targets()
        return repo.list()

    from ...runtime.lanes import STORE

    QueryOp(ctx, load, "Reading the targets").success(success).run_in_background(lane=STORE)


def save_posting_times(ctx: AppContext, at: Posting, changed: dict[int, Any]) -> None:
    """Store each target's posting rules (``PostingRules``); the calendar's good hours follow."""

    def op(ws: Workspace) -> Outcome[None]:
        repo = scheduling.targets(ws)
        for target_id, rules in changed.items():
            repo.update_config(target_id, rules=rules.to_config())
        _replan(at)
        return Outcome(Changed(targets=True), f"Posting times saved for {count(len(changed), 'target')}")

    _op(ctx, op, "Saving posting times", ()).run_in_background()
