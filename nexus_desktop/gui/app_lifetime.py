"""Closing and quitting while posts are due: the app publishes whether or not the window shows.

- Closing the window while this app publishes and posts are scheduled keeps the
  app in the tray (``ui.close_to_tray``); the first time, the tray says so.
- Quitting (or closing without a tray) with posts due in the next hours asks
  first: nobody publishes them while the app is closed unless ``nexus daemon`` runs.

What is scheduled is read in the runner's read lane and kept here, so closing
never waits on the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ..domain.posts import PostStatus
from ..pipeline import schedule as scheduling
from ..runtime.lanes import READ
from ..store.post_records import PostFilter
from . import dialogs
from .formatting import count

DUE_SOON = timedelta(hours=6)
REFRESH_MS = 60_000
NOTICE_KEY = "tray/close_notice_shown"


class Lifetime(QObject):
    def __init__(self, window, state: QSettings) -> None:
        super().__init__(window)
        self.window, self.ctx, self._state = window, window.ctx, state
        self.scheduled: list[datetime] = []  # times of posts waiting to go out
        self._quitting = False
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._soon = QTimer(self, singleShot=True, interval=300)
        self._soon.timeout.connect(self.refresh)
        if self.publishes:
            self.ctx.scheduler.posts_changed.connect(lambda _ids: self._soon.start())
            self.ctx.runner.changed.connect(lambda _change: self._soon.start())
            self._timer.start()
            self.refresh()

    @property
    def publishes(self) -> bool:
        """Whether this app publishes (holds the scheduler), rather than nexus daemon."""
        return self.ctx.scheduler is not None

    def refresh(self) -> None:
        store = self.ctx.ws.store
        self.ctx.runner.submit(lambda: [p.scheduled_at for p in store.posts.list(PostFilter(statuses=(PostStatus.SCHEDULED,)))
                                        if p.scheduled_at is not None], lane=READ, on_done=self._on_scheduled)

    def _on_scheduled(self, times: list[datetime]) -> None:
        self.scheduled = sorted(times)

    def due_within(self, span: timedelta, now: datetime | None = None) -> list[datetime]:
        now = now or scheduling.utcnow()
        return [t for t in self.scheduled if t <= now + span]

    # -- closing -------------------------------------------------------------------------------------

    def may_close(self) -> bool:
        """The window's close: False when the app stays (in the tray) or the creator changed their mind."""
        if self._quitting or not self.publishes:
            return True
        tray = self.window.tray
        if self.scheduled and self.ctx.ws.settings.ui.close_to_tray and tray.available:
            self._hide_to_tray()
            return False
        if self._confirm_quit():
            self._quitting = True
            return True
        return False

    def quit(self) -> None:
        """Quit the app (the Quit action, the tray's Quit): ask first when posts are due soon."""
        if not self._quitting and self.publishes and not self._confirm_quit():
            return
        self._quitting = True
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _hide_to_tray(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.setQuitOnLastWindowClosed(False)  # the tray keeps the app; Quit ends it
        self.window.hide()
        if not self._state.value(NOTICE_KEY, False, type=bool):
            self._state.setValue(NOTICE_KEY, True)
            self.window.tray.notify(
                "Nexus Desktop keeps running",
                f"{count(len(self.scheduled), 'post')} will go out on time from the tray. Quit from the tray menu "
                "to stop; Settings › General › Close to tray changes this.")

    def _confirm_quit(self) -> bool:
        soon = self.due_within(DUE_SOON)
        if not soon:
            return True
        hours = int(DUE_SOON.total_seconds() // 3600)
        zone = scheduling.local_zone(self.ctx.ws.settings)
        first = scheduling.format_local(soon[0], zone)
        return dialogs.confirm(
            self.window, "Posts are due soon",
            f"{count(len(soon), 'post').capitalize()} {'is' if len(soon) == 1 else 'are'} due in the next {hours} hours "
            f"(the first {first}). While Nexus Desktop is closed nothing publishes them, unless nexus daemon runs; "
            "when the app starts again they are held for you to publish or move.\n\nQuit anyway?", "Quit")
