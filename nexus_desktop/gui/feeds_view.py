"""The Feeds view: the feeds followed, whether each works, and adding, checking, removing them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..runtime.runner import READ
from . import dialogs, icons
from .app_context import AppContext
from .drops import addresses_in_text
from .feeds_model import ARTICLES, CHECKED, FEED, STATUS, FeedsModel
from .formatting import count
from .operations import feeds as feed_ops

OPML_FILTER = "OPML files (*.opml *.xml);;All files (*)"


def _button(text: str, icon: str, tip: str = "", *, primary: bool = False, danger: bool = False) -> QPushButton:
    button = QPushButton(icons.icon(icon, "accent_text" if primary else "danger" if danger else None), text)
    button.setToolTip(tip)
    if primary:
        button.setProperty("primary", True)
    if danger:
        button.setProperty("danger", True)
    return button


class FeedsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = FeedsModel(self)
        self.model.active_toggled.connect(lambda source_id, on: feed_ops.set_feed_active(ctx, source_id, on))

        title = QLabel("Feeds", objectName="ViewTitle")
        subtitle = QLabel("New articles from these feeds become jobs. Drop a feed link, a feed file or an "
                          "OPML file anywhere on the window to add it.", objectName="Muted", wordWrap=True)
        self.address = QLineEdit(placeholderText="Feed address, feed file or OPML file — e.g. https://example.com/feed.xml")
        self.address.setClearButtonEnabled(True)
        self.address.returnPressed.connect(self.add_from_field)
        self._pending = ""
        ctx.ops.feeds_added.connect(self._on_feeds_added)
        add = _button("Add feed", "add", "Add the feed (Ctrl+N)", primary=True)
        add.clicked.connect(self.add_from_field)
        add_row = QHBoxLayout()
        add_row.addWidget(self.address, 1)
        add_row.addWidget(add)

        self.check_button = _button("Check now", "harvest", "Look for new articles in every feed (F5)")
        self.check_button.clicked.connect(lambda: feed_ops.check_feeds(ctx))
        # Import and export share one button, so the row fits an 800 px window.
        opml_button = _button("OPML", "import", "Import feeds from an OPML file, or export them as one")
        opml_menu = QMenu(opml_button)
        opml_menu.addAction(icons.icon("import"), "Import OPML…", self.import_opml)
        opml_menu.addAction(icons.icon("export"), "Export OPML…", self.export_opml)
        opml_button.setMenu(opml_menu)
        self.auto_approve_button = _button("Approve by itself", "approve",
                                           "Approve the selected feeds' videos when they are ready and place their "
                                           "posts at the next free times, without review")
        self.auto_approve_button.setCheckable(True)
        self.auto_approve_button.clicked.connect(self._on_auto_approve_clicked)
        self.remove_button = _button("Remove", "delete", "Remove the selected feeds; their jobs stay", danger=True)
        self.remove_button.clicked.connect(self.remove_selected)
        actions = QHBoxLayout()
        for button in (self.check_button, opml_button):
            actions.addWidget(button)
        actions.addStretch()
        actions.addWidget(self.auto_approve_button)
        actions.addWidget(self.remove_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(FEED, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(STATUS, 320)
        header.resizeSection(ARTICLES, 90)
        header.resizeSection(CHECKED, 140)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.empty = QLabel("No feeds yet.\nType or paste a feed address above, or drop an OPML file on the window.",
                            objectName="EmptyState", alignment=Qt.AlignmentFlag.AlignCenter)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(add_row)
        layout.addLayout(actions)
        layout.addLayout(self._stack, 1)

        ctx.runner.changed.connect(lambda change: self.reload() if change.feeds else None)
        self._on_selection_changed()
        self._show_empty_state()
        self.reload()

    @Slot()
    def reload(self) -> None:
        self.ctx.runner.submit(self.ctx.ws.store.sources.list, lane=READ, on_done=self._on_sources)

    def _on_sources(self, sources) -> None:
        self.model.set_sources(sources)
        self._show_empty_state()
        self._on_selection_changed()

    def focus_address(self) -> None:
        self.address.setFocus()
        self.address.selectAll()

    def add_from_field(self) -> None:
        """Add what is typed; the field keeps it until it is added (a refusal says why, and
        the text stays to be corrected)."""
        text = self.address.text().strip()
        if text:
            self._pending = text
            feed_ops.add_feeds(self.ctx, addresses_in_text(text) or [text])

    def _on_feeds_added(self, accepted: list[str]) -> None:
        if self._pending and (self._pending in accepted or set(addresses_in_text(self._pending)) <= set(accepted)):
            if self.address.text().strip() == self._pending:
                self.address.clear()
            self._pending = ""

    def import_opml(self) -> None:
        path = dialogs.open_file(self, "Import feeds from OPML", OPML_FILTER)
        if path:
            feed_ops.add_feeds(self.ctx, [path])

    def export_opml(self) -> None:
        path = dialogs.save_file(self, "Export feeds as OPML", "feeds.opml", OPML_FILTER)
        if path:
            feed_ops.export_opml(self.ctx, Path(path))

    def selected_ids(self) -> list[int]:
        return [self.model.source_at(i.row()).id for i in self.table.selectionModel().selectedRows()]

    def remove_selected(self) -> None:
        ids = self.selected_ids()
        if ids and dialogs.confirm(self, "Remove feeds",
                                   f"Remove {count(len(ids), 'feed')}? The jobs already made from "
                                   f"{'it' if len(ids) == 1 else 'them'} stay.", "Remove"):
            feed_ops.remove_feeds(self.ctx, ids)

    def selected_urls(self) -> list[str]:
        return [self.model.source_at(i.row()).url for i in self.table.selectionModel().selectedRows()]

    def _on_auto_approve_clicked(self, on: bool) -> None:
        feed_ops.set_auto_approve(self.ctx, self.selected_urls(), on)

    def _on_selection_changed(self, *_) -> None:
        urls = self.selected_urls()
        self.remove_button.setEnabled(bool(urls))
        self.auto_approve_button.setEnabled(bool(urls))
        chosen = set(self.ctx.ws.settings.harvest.auto_approve_feeds)
        self.auto_approve_button.setChecked(bool(urls) and all(u in chosen for u in urls))

    def _show_empty_state(self) -> None:
        self._stack.setCurrentWidget(self.table if self.model.rowCount() else self.empty)
