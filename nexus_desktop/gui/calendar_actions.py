"""What the creator does to posts from the calendar: move, publish now, schedule, posting times.

``PostActions`` belongs to one ``CalendarView``: it asks before what cannot be taken
back (publishing, a time that has passed) and hands each action to its operation
(``operations/posts.py``) with the view's publisher and clock. The operation runs in
the runner, offers Undo for what can be undone (a move, a removed time) and announces
what changed on ``Runner.changed``, from which the view re-reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from ..pipeline import schedule as scheduling
from ..pipeline.missed import CatchUp
from ..store.post_records import PostView
from . import dialogs
from .calendar_dialogs import MissedPostsDialog, PastTimeQuestion, PostingRulesDialog
from .figures_dialog import FiguresDialog
from .formatting import count
from .operations import posts as post_ops

if TYPE_CHECKING:
    from .calendar_view import CalendarView


class PostActions:
    def __init__(self, view: CalendarView) -> None:
        self.view = view
        self.ctx, self.ws, self.clock, self.zone = view.ctx, view.ws, view.clock, view.zone

    @property
    def posts(self) -> dict[int, PostView]:
        return self.view.posts  # what the view shows now, by post id

    @property
    def at(self) -> post_ops.Posting:
        """The view's publisher, clock and zone, for the operations."""
        return post_ops.Posting(self.view.scheduler, self.clock, self.zone)

    def _time_of(self, post_id: int) -> datetime | None:
        return self.posts[post_id].scheduled_at if post_id in self.posts else None

    def move(self, post_id: int, when: datetime) -> None:
        """Move a post (Undo puts it back); a time that has passed asks whether to publish now."""
        if when <= self.clock():
            self.ask_publish_now(post_id, when)
            return
        post_ops.reschedule(self.ctx, self.at, post_id, when, before=self._time_of(post_id))

    def ask_publish_now(self, post_id: int, when: datetime) -> PastTimeQuestion | None:
        post = self.posts.get(post_id)
        if post is None:
            return None
        question = PastTimeQuestion(post, scheduling.format_local(when, self.zone), self.view)
        question.finished.connect(lambda _result: question.publish_chosen and self.publish_now([post_id]))
        self.view.keep_open(question)
        question.open()
        return question

    def publish_now(self, post_ids: list[int]) -> None:
        """Publish these posts right away (asked first by every caller: it cannot be taken back)."""
        post_ops.publish_now(self.ctx, self.at, post_ids)

    def schedule_all(self) -> None:
        post_ops.schedule_all(self.ctx, self.at)

    def edit_posting_times(self) -> None:
        post_ops.posting_targets(self.ctx, self.view.open_posting_times)

    def open_rules(self, targets: list) -> PostingRulesDialog:
        dialog = PostingRulesDialog(targets, scheduling.zone_label(self.zone, self.clock()), self.view)
        dialog.accepted.connect(lambda: post_ops.save_posting_times(self.ctx, self.at, dialog.changed()))
        self.view.keep_open(dialog)
        dialog.open()
        return dialog

    def suggest(self, post_id: int) -> None:
        post_ops.suggest_time(self.ctx, self.at, post_id, lambda when: self.move(post_id, when))

    def unschedule(self, post_id: int, *, undoable: bool = True) -> None:
        """Cancel a post's publication: it keeps its text and waits for a time (Undo puts the time back)."""
        post_ops.unschedule(self.ctx, self.at, post_id, before=self._time_of(post_id), undoable=undoable)

    def confirm_publish_now(self, post: PostView) -> None:
        """Publishing cannot be taken back: ask first."""
        where = post.target_name
        if dialogs.confirm(self.view, "Publish now",
                           f"Publish «{post.title}» to {where} now? Once it is out it cannot be taken back from here.",
                           "Publish now"):
            self.publish_now([post.id])

    def post_menu(self, post: PostView, where: QPoint) -> None:
        self.menu_for(post).popup(where)

    def menu_for(self, post: PostView) -> QMenu:
        """What can be done with this post now."""
        menu = QMenu(self.view)
        menu.addAction("Open job", lambda: self.view.open_job(post.job_id))
        if post.status.value not in ("published", "publishing"):
            menu.addAction("Publish now…", lambda: self.confirm_publish_now(post))
            menu.addAction("Next free time", lambda: self.suggest(post.id))
        if post.status.value in ("scheduled", "held", "failed"):
            menu.addAction("Cancel publishing (remove its time)", lambda: self.unschedule(post.id))
        if post.status.value == "needs_check":
            menu.addAction("It is on the platform: mark published", lambda: self.mark_published(post.id))
        if post.status.value == "published":
            menu.addAction("Type in its figures…", lambda: self.type_figures(post))
        return menu

    def type_figures(self, post: PostView) -> FiguresDialog:
        """Views, likes and the rest as the platform shows them (posts uploaded by hand, networks not read)."""
        dialog = FiguresDialog(self.ctx, post, self.view, now=self.clock())
        self.view.keep_open(dialog)
        dialog.open()
        return dialog

    def mark_published(self, post_id: int) -> None:
        """The creator checked a post that needed checking and found it published."""
        post_ops.mark_published(self.ctx, self.at, post_id)

    def on_missed_found(self, found: CatchUp) -> MissedPostsDialog | None:
        held = [p for p in found.missed if p.id in found.held]
        if found.publishing:
            self.ctx.ops.told.emit(f"Publishing {count(len(found.publishing), 'post')} missed while the app was closed")
        if not held:
            return None
        dialog = MissedPostsDialog(held, self.zone, f"while {found.why}", self.view)
        dialog.accepted.connect(lambda: self.publish_now(dialog.post_ids))
        self.view.keep_open(dialog)
        dialog.open()
        self.view.refresh_soon()
        return dialog
