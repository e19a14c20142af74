"""What the creator does to posts from the calendar: move, publish now, schedule, posting times.

``PostActions`` belongs to one ``CalendarView``: it runs each action's store work
in the runner's store lane through the view, asks before what cannot be taken
back (publishing), offers Undo for what can (a move, a removed time), and tells
the view what changed so it re-reads.
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
    def scheduler(self):
        return self.view.scheduler

    def move(self, post_id: int, when: datetime) -> None:
        if when <= self.clock():
            self.ask_publish_now(post_id, when)
            return
        before = self.posts[post_id].scheduled_at if post_id in self.posts else None

        def moved(post: PostView) -> None:
            text = f"«{post.title}» moved to {scheduling.format_local(when, self.zone)}"
            self.view.changed([post.job_id], text)
            self.ctx.ops.undoable.emit(text, lambda: self._put_back(post_id, before), None)

        self.view.in_store(lambda: scheduling.reschedule(self.ws, post_id, when, now=self.clock()), "Moving a post", moved)

    def _put_back(self, post_id: int, before: datetime | None) -> None:
        """Undo a move or a removed time: the old time again, or none if it has passed meanwhile."""
        if before is None or before <= self.clock():
            self.unschedule(post_id, undoable=False)
            return
        def back(post: PostView) -> None:
            self.view.changed([post.job_id], f"«{post.title}» is back at {scheduling.format_local(before, self.zone)}")

        self.view.in_store(lambda: scheduling.reschedule(self.ws, post_id, before, now=self.clock()), "Moving a post back", back)

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
        """Publish these posts right away (the scheduler's thread does the upload)."""

        def done(released: list[int]) -> None:
            jobs = [self.posts[i].job_id for i in released if i in self.posts]
            self.view.changed(jobs, f"Publishing {count(len(released), 'post')} now" if released else "Nothing to publish")

        scheduler, ws, clock = self.scheduler, self.ws, self.clock
        if scheduler is not None:
            self.view.in_store(lambda: scheduler.publish_now(post_ids), "Publishing now", done)
        else:  # the daemon's scheduler picks them up at its next tick
            self.view.in_store(lambda: scheduling.publish_now(ws, post_ids, now=clock()), "Publishing now", done)

    def schedule_all(self) -> None:
        def done(plan: dict[int, datetime]) -> None:
            self.view.changed([self.posts[i].job_id for i in plan if i in self.posts],
                              f"Scheduled {count(len(plan), 'post')} in free slots")

        self.view.in_store(lambda: scheduling.schedule_all_approved(self.ws, now=self.clock()), "Scheduling approved posts", done)

    def edit_posting_times(self) -> None:
        ws = self.ws

        def load() -> list:
            repo = scheduling.targets(ws)
            repo.ensure_export_targets()
            repo.ensure_account_targets()
            return repo.list()

        self.view.in_store(load, "Reading the targets", self._open_rules)

    def _open_rules(self, targets: list) -> PostingRulesDialog:
        dialog = PostingRulesDialog(targets, scheduling.zone_label(self.zone, self.clock()), self.view)
        dialog.accepted.connect(lambda: self._save_rules(dialog.changed()))
        self.view.keep_open(dialog)
        dialog.open()
        return dialog

    def _save_rules(self, changed: dict) -> None:
        repo = scheduling.targets(self.ws)

        def work() -> None:
            for target_id, rules in changed.items():
                repo.update_config(target_id, rules=rules.to_config())

        def saved(_none) -> None:
            self.ctx.ops.told.emit(f"Posting times saved for {count(len(changed), 'target')}")
            self.view.refresh()  # the week's good hours follow the new times

        self.view.in_store(work, "Saving posting times", saved)

    def suggest(self, post_id: int) -> None:
        self.view.in_store(lambda: scheduling.suggest_time(self.ws, post_id, now=self.clock()), "Suggesting a time",
                           lambda when: self.move(post_id, when))

    def unschedule(self, post_id: int, *, undoable: bool = True) -> None:
        """Cancel a post's publication: it keeps its text and waits for a time (Undo puts the time back)."""
        before = self.posts[post_id].scheduled_at if post_id in self.posts else None

        def done(post: PostView) -> None:
            text = f"«{post.title}» will not be published: it has no time now"
            self.view.changed([post.job_id], text)
            if undoable and before is not None:
                self.ctx.ops.undoable.emit(text, lambda: self._put_back(post_id, before), None)

        self.view.in_store(lambda: scheduling.unschedule(self.ws, post_id), "Removing a time", done)

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
        dialog.saved.connect(lambda _id: self.view.refresh())
        self.view.keep_open(dialog)
        dialog.open()
        return dialog

    def mark_published(self, post_id: int) -> None:
        """The creator checked a post that needed checking and found it published."""
        self.view.in_store(lambda: scheduling.posts(self.ws).mark_published_by_hand(post_id, None, self.clock()),
                           "Marking a post published",
                           lambda post: self.view.changed([post.job_id], f"«{post.title}» marked published"))

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
