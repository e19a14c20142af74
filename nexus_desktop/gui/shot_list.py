"""The selected job's shots, in the preview: each one's picture, kind and time, and the
creator's say over them.

A strip of tiles (a small still of each shot, drawn from its pictures), with a
context menu and buttons to give a shot another kind (only the kinds its
sentence can make; the others say why not), show another of the article's
photos, remove it (Delete; Undo in the toast) or put it back. Changes are stored
at once and wait for "Re-render", which redoes only this job's visualize and
render stages on the runner, with progress here; the preview reloads the new
video when the runner says the job changed. Reads and writes run on the runner,
never on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QListView, QMenu, QProgressBar, QPushButton, QScrollArea,
                               QToolButton, QVBoxLayout, QWidget)

from ..domain.jobs import JobStatus
from ..domain.shots import KIND_NAMES, STEERABLE
from ..domain.stages import Stage
from ..pipeline import shot_edits
from ..runtime.events import Changed, JobDone, JobFailed, JobProgress
from . import icons
from .operations import shots as shot_ops
from .operations.base import QueryOp, reason
from .shot_list_model import TILE, Loaded, ShotListModel, read


RERENDER_TIP = "Draw this job's shots and render its videos again with your changes (nothing else is redone)"


class ShotListPanel(QWidget):
    """The "Shots" tab of the preview; ``show_job(job_id | None)`` as every panel there."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job_id: int | None = None
        self._asked = 0  # the newest read asked for; older replies are dropped
        self._rendering = False
        self.model = ShotListModel(self)
        self.view = QListView(objectName="ShotStrip")
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)  # a strip, in the video's order, scrolled sideways
        self.view.setWrapping(False)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setIconSize(TILE)
        self.view.setGridSize(QSize(TILE.width() + 20, TILE.height() + 62))  # three lines of text
        self.view.setSpacing(2)
        self.view.setWordWrap(True)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setFixedHeight(self.view.gridSize().height() + self.view.horizontalScrollBar().sizeHint().height()
                                 + 2 * self.view.frameWidth() + 6)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        remove_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        remove_key.activated.connect(self.remove_selected)

        self.summary = QLabel(objectName="Muted", wordWrap=True)
        self.kind_button = QToolButton(text="Kind", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kind_button.setToolTip("Show this shot as another kind")
        self.kind_button.setMenu(QMenu("Show as", self.kind_button, toolTipsVisible=True))
        self.kind_button.menu().aboutToShow.connect(lambda: self._fill_kinds(self.kind_button.menu()))
        self.photo_button = QToolButton(text="Photo", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.photo_button.setMenu(QMenu("Photo", self.photo_button, toolTipsVisible=True))
        self.photo_button.menu().aboutToShow.connect(lambda: self._fill_photos(self.photo_button.menu()))
        self.photo_button.setIcon(icons.icon("image"))
        self.photo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.photo_button.setToolTip("Show another of the article's photos in this shot")
        self.remove_button = QPushButton(icons.icon("delete"), "Remove")
        self.remove_button.setToolTip("Remove this shot (Delete); its time goes to the shot before it")
        self.remove_button.clicked.connect(self.remove_selected)
        self.restore_button = QPushButton(icons.icon("retry"), "Put back")
        self.restore_button.setToolTip("Back to the shot as it was planned")
        self.restore_button.clicked.connect(self.restore_selected)
        self.render_button = QPushButton(icons.icon("redraw", "accent_text"), "Re-render")
        self.render_button.setProperty("primary", True)
        self.render_button.setToolTip(RERENDER_TIP)
        self.render_button.clicked.connect(self.rerender)
        self.progress = QProgressBar(textVisible=False, maximumHeight=6)
        self.progress.hide()
        self.status = QLabel(objectName="Muted", wordWrap=True)

        # Two short rows, so the preview (and the window) still fits 800 px wide.
        buttons, more = QHBoxLayout(), QHBoxLayout()
        for widget in (self.kind_button, self.photo_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        more.addWidget(self.restore_button)
        more.addStretch(1)
        more.addWidget(self.render_button)
        # Inside a scroll area: the strip, two button rows and the notes must not make the whole
        # preview taller than a 900 px window (the Approve row went below the fold).
        inner = QWidget()
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        layout.addLayout(more)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)

        ctx.runner.changed.connect(self._on_changed)
        ctx.runner.job_progressed.connect(self._on_job_progressed)
        ctx.runner.job_finished.connect(self._on_job_finished)
        ctx.runner.job_failed.connect(self._on_job_failed)
        self.show_job(None)

    # -- showing -------------------------------------------------------------------------------

    def show_job(self, job_id: int | None) -> None:
        changed = job_id != self.job_id
        self.job_id = job_id
        if changed:
            self._rendering = False
            self.progress.hide()
            self.status.clear()
            self.model.set_loaded(None)
        self._asked += 1
        if job_id is None:
            self.summary.setText("")
            self._update_buttons()
            return
        asked = self._asked
        (QueryOp(self.ctx, lambda ws: read(ws, job_id), "Reading the shots")
         .success(lambda loaded: self._on_loaded(asked, loaded))
         .failure(lambda exc: self._on_load_failed(asked, exc))
         .run_in_background())

    def _on_loaded(self, asked: int, loaded: Loaded) -> None:
        if asked != self._asked:
            return  # another job was chosen meanwhile
        selected = self.selected_number()
        self.model.set_loaded(loaded)
        if selected is not None and selected <= self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(selected - 1))
        self.summary.setText(self._summary(loaded.shots))
        self._update_buttons()

    def _on_load_failed(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked:
            return
        self.model.set_loaded(None)
        self.summary.setText(f"The shots could not be read: {reason(exc)}")
        self._update_buttons()

    def _summary(self, shots: shot_edits.ShotList) -> str:
        if not shots.rows:
            return "No shots yet: they are planned when the job's pictures are drawn."
        shown = sum(1 for r in shots.rows if not r.removed)
        parts = [f"{shown} shots, {shots.rows[-1].shot.end:.1f} s"]
        if shots.pending:
            parts.append(f"{shots.pending} change{'s' if shots.pending > 1 else ''} wait for a re-render")
        if self._busy(shots):
            parts.append("being made: the shots can be changed once it is ready")
        parts += [f"Note: {note}" for note in shots.notes]
        return " · ".join(parts[:2]) + "".join(f"\n{p}" for p in parts[2:])

    def _busy(self, shots: shot_edits.ShotList | None = None) -> bool:
        shots = shots or (self.model.loaded.shots if self.model.loaded else None)
        held = self.job_id is not None and self.ctx.runner.is_held(self.job_id)
        return self._rendering or held or bool(shots and (shots.busy or shots.status is JobStatus.RUNNING))

    def selected_row(self) -> shot_edits.ShotRow | None:
        return self.model.row_at(self.view.currentIndex()) if self.view.selectionModel().hasSelection() else None

    def selected_number(self) -> int | None:
        row = self.selected_row()
        return row.number if row else None

    def _update_buttons(self) -> None:
        row, loaded = self.selected_row(), self.model.loaded
        free = loaded is not None and bool(loaded.shots.rows) and not self._busy()
        can_change = free and row is not None and row.shot.kind != "end" and not row.removed
        self.kind_button.setEnabled(can_change)
        self.photo_button.setEnabled(can_change and bool(loaded.shots.photos))
        self.remove_button.setEnabled(free and row is not None and not row.removed)
        self.restore_button.setEnabled(free and row is not None and (row.removed or bool(row.pending)))
        approved = loaded is not None and loaded.shots.status in shot_edits.PAST_REVIEW
        self.render_button.setEnabled(free and not approved)
        self.render_button.setToolTip("Approved: take the approval back (Reject, then Restore) to re-render it"
                                      if approved else RERENDER_TIP)

    # -- menus ---------------------------------------------------------------------------------

    def _fill_kinds(self, menu: QMenu) -> None:
        """The kinds the selected shot can have; the others disabled, saying why not."""
        menu.clear()
        menu.setToolTipsVisible(True)
        row = self.selected_row()
        if row is None:
            return
        for kind in STEERABLE:
            why = row.refusal(kind)
            label = KIND_NAMES[kind].capitalize()
            action = menu.addAction(f"{label} — {why.split(' (')[0]}" if why else label)  # why not, without hovering
            action.setData(kind)
            action.setCheckable(True)
            action.setChecked(row.shot.kind == kind)
            action.setEnabled(not why and row.shot.kind != kind)
            action.setToolTip(f"Not for this shot: {why}" if why else f"Show shot {row.number} as {KIND_NAMES[kind]}")
            action.triggered.connect(lambda _=False, k=kind, n=row.number: self.change(n, kind=k))

    def _fill_photos(self, menu: QMenu) -> None:
        """The article's photos, each with a small picture."""
        menu.clear()
        menu.setToolTipsVisible(True)
        row, loaded = self.selected_row(), self.model.loaded
        if row is None or loaded is None:
            return
        for n, (photo, picture) in enumerate(zip(loaded.shots.photos, loaded.photos), 1):
            action = menu.addAction(f"Photo {n}")
            if picture is not None:
                action.setIcon(QIcon(QPixmap.fromImage(picture)))
            action.setToolTip(photo.source)
            action.setEnabled(not (row.shot.kind == "photo" and row.shot.photo == n - 1))
            action.triggered.connect(lambda _=False, p=str(n), num=row.number: self.change(num, photo=p))

    @Slot(QPoint)
    def _on_context_menu(self, at: QPoint) -> None:
        index = self.view.indexAt(at)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        row = self.model.row_at(index)
        menu = QMenu(self)
        if self._busy():
            menu.addAction("Being made: wait until it is ready").setEnabled(False)
        elif row.removed:
            menu.addAction("Put back").triggered.connect(self.restore_selected)
        else:
            if row.shot.kind != "end":
                self._fill_kinds(menu.addMenu("Show as"))
                if self.model.loaded.shots.photos:
                    self._fill_photos(menu.addMenu(icons.icon("image"), "Photo"))
            remove = QAction("Remove", menu, shortcut=QKeySequence(QKeySequence.StandardKey.Delete))
            remove.triggered.connect(self.remove_selected)
            menu.addAction(remove)
            if row.pending:
                menu.addAction("Back as planned").triggered.connect(self.restore_selected)
        menu.addSeparator()
        menu.addAction("Re-render this job").triggered.connect(self.rerender)
        menu.exec(self.view.viewport().mapToGlobal(at))

    # -- the creator's changes -----------------------------------------------------------------

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is not None and not row.removed and not self._busy():
            self.change(row.number, remove=True)

    def restore_selected(self) -> None:
        row = self.selected_row()
        if row is not None and not self._busy():
            self.change(row.number, restore=True)

    def change(self, number: int, **what) -> None:
        """Store one change (``remove``, ``kind``, ``photo`` or ``restore``), as an operation."""
        if self.job_id is not None:
            shot_ops.change(self.ctx, self.job_id, number, failure=self._refused("Shot not changed"), **what)

    def rerender(self) -> None:
        """Redo only this job's visualize and render stages, in the runner."""
        job_id = self.job_id
        if job_id is None or self._busy():
            return

        def failed(exc: BaseException) -> None:
            self._rendering = False
            self.progress.hide()
            self._update_buttons()
            self._refused("Not re-rendered")(exc)

        self._rendering = True
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Waiting to draw the shots…")
        self._update_buttons()
        shot_ops.rerender(self.ctx, job_id, failure=failed)

    def _refused(self, title: str):
        def failed(exc: BaseException) -> None:
            self.ctx.ops.problem.emit(title, reason(exc))
            self.status.setText(f"{title}: {reason(exc)}")

        return failed

    # -- the runner's news -------------------------------------------------------------------------

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if self.job_id is not None and self.job_id in change.removed:
            self.show_job(None)
        elif self.job_id is not None and self.job_id in change.jobs:
            self.show_job(self.job_id)

    @Slot(JobProgress)
    def _on_job_progressed(self, update: JobProgress) -> None:
        if update.job_id != self.job_id or not self._rendering or update.stage not in (Stage.VISUALIZE, Stage.RENDER):
            return
        self.progress.setRange(0, 200)
        self.progress.setValue((100 if update.stage is Stage.RENDER else 0) + update.percent)
        verb = "Drawing the shots" if update.stage is Stage.VISUALIZE else "Rendering the videos"
        self.status.setText(f"{verb}: {update.message}")

    @Slot(JobDone)
    def _on_job_finished(self, done: JobDone) -> None:
        if done.job_id == self.job_id and self._rendering:
            self._rendering = False
            self.progress.hide()
            self.status.setText("Re-rendered: the preview shows the new video" if
                                done.status is JobStatus.AWAITING_REVIEW else f"Stopped: {done.status.label}")
            self.show_job(self.job_id)

    @Slot(JobFailed)
    def _on_job_failed(self, failed: JobFailed) -> None:
        if failed.job_id == self.job_id and self._rendering:
            self._rendering = False
            self.progress.hide()
            self.status.setText(f"Re-render failed at {failed.stage.value}: {failed.reason}")
            self.show_job(self.job_id)
