"""The menu bar (File, Edit, View, Help), the list of keyboard shortcuts, and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QMessageBox, QTableWidget, QTableWidgetItem, QVBoxLayout

from .. import __version__

PLAYER_KEYS = (
    ("Play or pause the video", "Space or K"),
    ("Back or forward 10 seconds", "J / L"),
    ("Back or forward 5 seconds", "← / →"),
    ("Full screen, and back", "F, Esc"),
    ("All three formats side by side, and back", "G"),
)


def build_menus(window) -> None:
    bar = window.menuBar()
    file = bar.addMenu("&File")
    file.addAction(window.add_feed_action)
    file.addAction("Import feeds from OPML…", window.feeds_view.import_opml)
    file.addAction("Export feeds as OPML…", window.feeds_view.export_opml)
    file.addAction(window.harvest_action)
    file.addSeparator()
    file.addAction(window.settings_action)
    file.addSeparator()
    file.addAction(window.quit_action)

    edit = bar.addMenu("&Edit")
    window.undo_action = QAction("Undo", window, shortcut=QKeySequence(QKeySequence.StandardKey.Undo))
    window.undo_action.triggered.connect(lambda: window.toast.can_undo and window.toast.undo_button.click())
    edit.addAction(window.undo_action)
    edit.addSeparator()
    edit.addAction(window.search_action)
    jobs = window.jobs_view
    for action in (jobs.approve_action, jobs.reject_action, jobs.restore_action, jobs.delete_action):
        edit.addAction(action)

    view = bar.addMenu("&View")
    for action in window.view_actions:
        view.addAction(action)
    view.addSeparator()
    view.addAction(window.log_action)
    view.addSeparator()
    view.addAction(window.run_action)
    view.addAction(window.pause_action)

    help_menu = bar.addMenu("&Help")
    shortcuts = QAction("Keyboard shortcuts", window, shortcut=QKeySequence("F1"))
    shortcuts.triggered.connect(lambda: show_shortcuts(window))
    help_menu.addAction(shortcuts)
    help_menu.addAction("About Nexus Desktop", lambda: show_about(window))
    window.shortcuts_action = shortcuts


def shortcut_rows(window) -> list[tuple[str, str]]:
    """Every window action that has a shortcut, then the player's keys."""
    seen, rows = set(), []
    actions = [*window.actions(), *window.jobs_view.actions(), window.undo_action, window.shortcuts_action]
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        name = action.text().replace("&", "").rstrip("…")
        if keys and (name, keys) not in seen:
            seen.add((name, keys))
            rows.append((name, keys))
    return rows + list(PLAYER_KEYS)


def show_shortcuts(window) -> QDialog:
    dialog = QDialog(window, windowTitle="Keyboard shortcuts")
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 2, dialog)
    table.setHorizontalHeaderLabels(["Action", "Keys"])
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for row, (name, keys) in enumerate(rows):
        table.setItem(row, 0, QTableWidgetItem(name))
        table.setItem(row, 1, QTableWidgetItem(keys))
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    column = QVBoxLayout(dialog)
    column.addWidget(table)
    column.addWidget(buttons)
    dialog.resize(460, 520)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    window.shortcuts_dialog = dialog
    return dialog


def show_about(window) -> QMessageBox:
    paths = window.ctx.ws.paths
    box = QMessageBox(QMessageBox.Icon.Information, "About Nexus Desktop", f"Nexus Desktop {__version__}",
                      QMessageBox.StandardButton.Ok, window)
    box.setInformativeText(
        "Turns the articles of your feeds into narrated videos and posts, on your own computer.\n\n"
        f"Data: {paths.data}\nLogs: {paths.logs}")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    window.about_box = box
    return box
