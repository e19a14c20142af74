"""Health: accounts and tokens, quotas, API versions, spend, disk (with a clean-up),
the queue, recent errors, and 30-day success rates beside their targets.

The report is read in the runner's read lane and the clean-up is an operation
(``operations.health``): asked first, then Undo while the toast shows, then the files go
in the store lane. The view re-reads from ``Runner.changed`` (debounced, while shown) and
when it is shown again.

Signals:
    refreshed(): the view shows the latest report.
    cleaned(int, int): files and bytes the clean-up freed.
    alerts_found(list): alerts not announced before (token expiring within 3 days, a quota
        nearly used, the disk nearly full), for the tray.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..pipeline import health
from ..pipeline.health import HealthReport
from ..runtime.events import Changed
from ..store.targets import platform_name
from . import dialogs, formatting, icons, theme
from .app_context import AppContext
from .operations import health as health_ops
from .operations.base import Outcome, reason

ModelIndex = QModelIndex | QPersistentModelIndex
REFRESH_MS = 10 * 60_000  # and whenever the view is shown
NARROW = 900  # px: one column of groups below this
SETTLE_MS = 500  # a burst of changes (a job's stages ending) is read once


class RowsModel(QAbstractTableModel):
    """A read-only table of text rows; a row may carry a colour role for its last cell."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[tuple[list[str], str | None]] = []

    def set_rows(self, rows: list[tuple[list[str], str | None]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cells, color = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and color and index.column() == len(cells) - 1:
            return theme.current().color(color)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cells[index.column()]
        return None


def _table(model: RowsModel, stretch: int = 0) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # figures never cut
    view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.setMinimumHeight(110)
    return view


_size = health_ops.size_text


def _label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)  # never squeezed by the tables
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class HealthView(QWidget):
    refreshed = Signal()
    cleaned = Signal(int, int)
    alerts_found = Signal(list)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, confirm=dialogs.confirm, clock=health.utcnow) -> None:
        super().__init__(parent)
        self.ctx, self._confirm, self.clock = ctx, confirm, clock
        self.report: HealthReport | None = None
        self._announced: set[str] = set()
        title = QLabel("Health", objectName="ViewTitle")
        subtitle = QLabel("Accounts, quotas, spend, disk, the queue and how often each stage and platform succeeded.",
                          objectName="Muted", wordWrap=True)
        self.alerts = QLabel(objectName="Warning", wordWrap=True)
        self.alerts.hide()  # shown when a report has alerts; its colour follows the theme (QLabel#Warning)
        self.accounts = RowsModel(("Platform", "Account", "Token", "Expires", "Quota"))
        self.rates = RowsModel(("Stage or platform", "Succeeded", "Failed", "Rate", "Target"))
        self.errors = RowsModel(("When", "What", "Reason"))
        self.versions, self.spend, self.disk, self.queue = _label(), _label(), _label(), _label()
        self.clean_button = QPushButton(icons.icon("delete"), "Clean up…")
        self.clean_button.setToolTip("Delete intermediate files of published jobs older than the clean-up age; final videos stay")
        self.clean_button.clicked.connect(self.clean_up)
        refresh = QPushButton(icons.icon("retry"), "Refresh")
        refresh.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(refresh)

        disk_row = QWidget()
        disk_layout = QHBoxLayout(disk_row)
        disk_layout.setContentsMargins(0, 0, 0, 0)
        disk_layout.addWidget(self.disk, 1)
        disk_layout.addWidget(self.clean_button)
        self.grid = grid = QGridLayout()
        # Wrapped text has a group of its own: beside a table in one group it was drawn over the
        # table when the view narrowed (Qt's layouts under-size a wrapped label's height there).
        self._groups = [_group("Accounts and quotas", _table(self.accounts, 4)),
                        _group("Success over 30 days", _table(self.rates, 0)), _group("API versions", self.versions),
                        _group("Disk", disk_row), _group("Spend", self.spend), _group("Queue", self.queue),
                        _group("Recent errors", _table(self.errors, 2))]
        self.columns = 0
        self._arrange(2)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.alerts)
        body_layout.addLayout(grid)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(subtitle)
        layout.addWidget(scroll, 1)

        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._soon = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._soon.timeout.connect(self.refresh)
        ctx.runner.changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, change: Changed) -> None:
        """Re-read after anything the report shows changed; a hidden view re-reads when shown."""
        if self.report is not None and self.isVisible() and change != Changed(feeds=True):
            self._soon.start()

    def _arrange(self, columns: int) -> None:
        """Two columns of groups, or one when the view is narrow (800 px windows): word-wrapped
        text beside a table in a half-width column would be squeezed over it."""
        if columns == self.columns:
            return
        self.columns = columns
        for group in self._groups:
            self.grid.removeWidget(group)
        for n, group in enumerate(self._groups):
            self.grid.addWidget(group, n // columns, n % columns)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._arrange(1 if self.width() < NARROW else 2)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self.report is not None:
            self.refresh()

    def refresh(self) -> None:
        self._soon.stop()
        health_ops.report(self.ctx, self.clock(), self._on_report, self._on_read_failed)

    def _on_read_failed(self, exc: BaseException) -> None:
        self.alerts.setText(f"⚠ Could not read the app's health: {reason(exc)}")
        self.alerts.setVisible(True)
        self.refreshed.emit()

    def _on_report(self, report: HealthReport) -> None:
        self.report = report
        self.alerts.setText("\n".join(f"⚠ {a}" for a in report.alerts))
        self.alerts.setVisible(bool(report.alerts))
        new = [a for a in report.alerts if a not in self._announced]
        self._announced = set(report.alerts)
        if new:
            self.alerts_found.emit(new)
        self.accounts.set_rows([([platform_name(a.platform), a.name, a.token, formatting.when(a.expires_at) if a.expires_at else "—",
                                  _quota(a)], None if a.token == "ok" else "warning") for a in report.accounts]
                               or [(["—", "No account connected: posts go to the export folder", "", "", ""], None)])
        self.versions.setText("\n".join(f"{platform_name(v.platform)} API {v.version}: {v.note}" for v in report.versions))
        self.rates.set_rows(_rates(report))
        self.errors.set_rows([([formatting.when(e.at), e.what, e.reason], None) for e in report.errors])
        months = sorted(report.spend_by_month.items())[-6:]
        top = sorted(report.spend_by_job.items(), key=lambda kv: -kv[1])[:3]
        self.spend.setText(("By month: " + ", ".join(f"{m} ${s:.2f}" for m, s in months) if months else "Nothing spent yet")
                           + ("\nMost costly jobs: " + ", ".join(f"job {j} ${s:.2f}" for j, s in top) if top else "")
                           + "\nPrices from Settings (measure.prices)")
        d = report.disk
        age = formatting.count(self.ctx.ws.settings.measure.cleanup_after_days, "day")
        self.disk.setText(f"Jobs {_size(d.jobs_bytes)}, exports {_size(d.exports_bytes)}, {_size(d.free_bytes)} free.\n" + (
            f"{_size(d.reclaimable_bytes)} of intermediate files in {formatting.count(d.reclaimable_jobs, 'published job')} "
            f"older than {age} can go." if d.reclaimable_bytes else
            f"Nothing to clean up: no published job older than {age} keeps intermediate files."))
        self.clean_button.setEnabled(d.reclaimable_bytes > 0)
        counts = lambda what: ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(report.queue[what].items())) or "none"  # noqa: E731
        self.queue.setText(f"Jobs: {counts('jobs')}\nPosts: {counts('posts')}")
        self.refreshed.emit()

    def clean_up(self) -> None:
        if self.report is None or not self.report.disk.reclaimable_bytes:
            return
        d = self.report.disk
        text = (f"Delete {_size(d.reclaimable_bytes)} of intermediate files (narration, images, scratch) from "
                f"{formatting.count(d.reclaimable_jobs, 'published job')}? The final videos, captions and thumbnails stay.")
        if not self._confirm(self, "Clean up", text, "Delete"):
            return
        self.clean_button.setEnabled(False)  # once; the report read after the clean-up enables it again
        health_ops.clean_up(self.ctx, self.clock(), f"{_size(d.reclaimable_bytes)} of intermediate files",
                            success=self._on_cleaned, undone=self._on_clean_undone)

    def _on_clean_undone(self) -> None:
        self.clean_button.setEnabled(bool(self.report and self.report.disk.reclaimable_bytes))

    def _on_cleaned(self, outcome: Outcome[health_ops.Freed]) -> None:
        self.cleaned.emit(outcome.value.files, outcome.value.bytes)  # the report is read again from ``changed``


def _quota(a) -> str:
    if a.quota_limit:
        return f"{a.quota_used:,} of {a.quota_limit:,} {a.quota_unit} ({a.quota_limit - a.quota_used:,} left)"
    return f"{a.quota_used:,} {a.quota_unit}" if a.quota_unit and a.quota_used is not None else "—"


def _rates(report: HealthReport) -> list[tuple[list[str], str | None]]:
    rows = []
    for rates, target in ((report.stage_rates, report.targets["media_generation"]), (report.publish_rates, report.targets["publishing"])):
        for r in rates:
            name = r.key.capitalize() if r in report.stage_rates else platform_name(r.key)
            ok = r.rate is None or r.rate >= target
            rows.append(([name, str(r.succeeded), str(r.failed), "—" if r.rate is None else f"{r.rate:.0%}",
                          f"> {target:.0%} {'✓' if ok else '✗ below'}"], "success" if ok else "danger"))
    return rows or [(["Nothing made or published in the last 30 days", "", "", "", ""], None)]
