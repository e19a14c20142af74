"""The main window: a side bar of views, the tool bar, the log panel and the status bar.

Adding a view
-------------
A view is a ``QWidget`` made from the ``AppContext`` (workspace, runner,
operations) that keeps itself current from the runner's signals. Add one line
to ``VIEWS`` below, e.g.::

    ViewSpec("Calendar", "calendar", lambda ctx: CalendarView(ctx)),

or, from the view's own module, call ``register_view(ViewSpec(...))`` before
the window is built. It gets a side-bar entry with its icon (from
``resources/icons/<icon>.svg``) and the shortcut Ctrl+<its position>.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QFrame,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from ..runtime.ownership import SchedulerLock
from ..settings import Settings
from . import accounts_view, dialogs, icons, theme
from .analytics_view import AnalyticsView
from .app_lifetime import Lifetime
from .app_context import AppContext
from .calendar_view import CalendarView
from .drops import addresses
from .feeds_view import FeedsView
from .health_view import HealthView
from .jobs_view import JobsView
from .log_panel import LogPanel, QtLogHandler
from .settings_dialog import SettingsDialog
from .status_bar import StatusBar
from .menus import build_menus
from .operations import feeds as feed_ops
from .toast import Toast
from .tray import Tray
from .workers_panel import WorkersPanel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewSpec:
    name: str  # shown in the side bar
    icon: str  # resources/icons/<icon>.svg
    factory: Callable[[AppContext], QWidget]


VIEWS: list[ViewSpec] = [
    ViewSpec("Jobs", "jobs", JobsView),
    ViewSpec("Feeds", "feed", FeedsView),
    ViewSpec("Calendar", "calendar", CalendarView),
    ViewSpec("Accounts", "accounts", accounts_view.for_window),
    ViewSpec("Workers", "workers", WorkersPanel),
    ViewSpec("Analytics", "analytics", AnalyticsView),
    ViewSpec("Health", "health", HealthView),
]


def register_view(spec: ViewSpec) -> None:
    """Add a view to every window built from now on (see the module's docstring)."""
    if all(v.name != spec.name for v in VIEWS):
        VIEWS.append(spec)


def _scrolled(view: QWidget) -> QScrollArea:
    """A view that may scroll sideways in a narrow window (800 px) rather than hold the window wide."""
    area = QScrollArea(objectName="ViewScroll", widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(view)
    return area


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 scheduler_lock: SchedulerLock | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._scheduler_lock = scheduler_lock
        self.setWindowTitle("Nexus Desktop")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1440, 900)
        self._state = QSettings(str(ctx.ws.paths.config / "window.ini"), QSettings.Format.IniFormat)
        self._closed = False

        self.views: dict[str, QWidget] = {}
        self.sidebar = QListWidget(objectName="Sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(136)
        self.sidebar.setViewportMargins(0, 10, 0, 0)
        self.stack = QStackedWidget()
        for spec in VIEWS:
            view = spec.factory(ctx)
            self.views[spec.name] = view
            self.stack.addWidget(_scrolled(view))
            item = QListWidgetItem(icons.icon(spec.icon), spec.name)
            item.setSizeHint(QSize(0, 38))
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.log_panel = LogPanel(ctx.ws.paths.log_file)
        self.log_handler = QtLogHandler()
        self.log_panel.attach(self.log_handler)
        logging.getLogger().addHandler(self.log_handler)
        self.log_dock = QDockWidget("Log", self, objectName="LogDock")
        self.log_dock.setWidget(self.log_panel)
        self.log_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.log_dock.hide()

        self.status = StatusBar(ctx)
        self.setStatusBar(self.status)
        self._build_actions()
        self.tray = Tray(self, ctx.runner, self.quit_action, self)
        self.views["Health"].alerts_found.connect(lambda found: self.tray.notify("Nexus needs a look", "\n".join(found), warning=True))
        self.lifetime = Lifetime(self, self._state)
        self.toast = Toast(self)
        build_menus(self)
        ctx.ops.undoable.connect(lambda text, undo, expire: self.toast.show_message(text, undo=undo, on_expire=expire))
        ctx.ops.problem.connect(self._on_problem)
        ctx.runner.task_failed.connect(lambda failed: self._on_problem(f"{failed.description} failed", failed.error))
        self._restore_state()
        self.status.refresh_totals()

    # -- views -------------------------------------------------------------------------------------

    @property
    def jobs_view(self) -> JobsView:
        return self.views["Jobs"]

    @property
    def feeds_view(self) -> FeedsView:
        return self.views["Feeds"]

    def current_view(self) -> QWidget:
        return self.stack.currentWidget().widget()

    def show_view(self, name: str) -> QWidget:
        self.sidebar.setCurrentRow(list(self.views).index(name))
        return self.views[name]

    # -- actions -----------------------------------------------------------------------------------

    def _action(self, text: str, icon: str | None, shortcut, slot, *, checkable: bool = False, tip: str = "") -> QAction:
        action = QAction(icons.icon(icon) if icon else QIcon(), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tip = f"{tip or text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip or text)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_feed_action = self._action("Add feed", "add", "Ctrl+N", self._on_add_feed, tip="Add a feed")
        self.harvest_action = self._action("Check feeds", "harvest", "F5", lambda: feed_ops.check_feeds(self.ctx),
                                           tip="Look for new articles in every feed")
        self.run_action = self._action("Run", "run", "Ctrl+R", lambda: self.jobs_view.run_selected_or_all(),
                                       tip="Make the videos of the selected jobs, or of every queued job")
        self.pause_action = self._action("Pause", "pause", "Ctrl+Shift+P", self._on_pause_toggled, checkable=True,
                                         tip="Pause the queue: running stages finish, no new ones start")
        self.search_action = self._action("Search", "search", QKeySequence.StandardKey.Find, self._on_search)
        self.settings_action = self._action("Settings", "settings", "Ctrl+,", self.open_settings)
        self.log_action = self.log_dock.toggleViewAction()
        self.log_action.setIcon(icons.icon("log"))
        self.log_action.setShortcut(QKeySequence("Ctrl+L"))
        self.log_action.setToolTip("Show the log (Ctrl+L)")
        self.addAction(self.log_action)
        self.quit_action = self._action("Quit", None, QKeySequence.StandardKey.Quit, lambda: self.lifetime.quit())
        self.view_actions = [self._action(f"Show {name}", None, f"Ctrl+{number}", lambda _=False, n=name: self.show_view(n))
                             for number, name in enumerate(self.views, 1)]
        self.ctx.runner.queue_changed.connect(lambda state: self._sync_pause(state.paused))

        bar = QToolBar("Main", objectName="MainToolBar")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.add_feed_action, self.harvest_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.run_action, self.pause_action):
            bar.addAction(action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.log_action)
        bar.addAction(self.settings_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _on_add_feed(self) -> None:
        self.show_view("Feeds")
        self.feeds_view.focus_address()

    def _on_search(self) -> None:
        self.show_view("Jobs")
        self.jobs_view.focus_search()

    @Slot(bool)
    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.ctx.runner.pause()
        else:
            self.ctx.runner.resume()

    def _sync_pause(self, paused: bool) -> None:
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("Resume" if paused else "Pause")
        self.pause_action.setIcon(icons.icon("run" if paused else "pause"))
        self.pause_action.blockSignals(False)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.ctx.ws.settings, self.ctx.ws.paths, self, ctx=self.ctx)
        dialog.settings_saved.connect(self.apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot(Settings)
    def apply_settings(self, settings: Settings) -> None:
        if settings.ui.background_service != self.ctx.ws.settings.ui.background_service:
            feed_ops.set_background_service(self.ctx, settings.ui.background_service)
        self.ctx.ws.settings = settings
        self.ctx.runner.apply_settings()
        if self.ctx.autopilot is not None:
            self.ctx.autopilot.apply_settings()
        app = QApplication.instance()
        if app is not None and theme.resolve(settings.ui.theme) != theme.current():
            theme.apply(app, settings.ui.theme)
        self.status.showMessage("Settings saved", 4000)

    @Slot(str, str)
    def _on_problem(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        dialogs.tell(self, title, text)

    # -- drag and drop: feeds onto the window -------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if addresses(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if addresses(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        found = addresses(event.mimeData())
        if not found:
            return
        event.acceptProposedAction()
        self.show_view("Feeds")
        feed_ops.add_feeds(self.ctx, found)

    # -- remembering the layout, and closing -------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self._state.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self._state.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        split = self._state.value("jobs/splitter")
        if isinstance(split, QByteArray):
            self.jobs_view.splitter.restoreState(split)
        self.sidebar.setCurrentRow(min(int(self._state.value("window/view", 0)), len(self.views) - 1))

    def _save_state(self) -> None:
        self._state.setValue("window/geometry", self.saveGeometry())
        self._state.setValue("window/state", self.saveState())
        self._state.setValue("jobs/splitter", self.jobs_view.splitter.saveState())
        self._state.setValue("window/view", self.sidebar.currentRow())
        self._state.sync()

    def bring_forward(self) -> None:
        """Another launch on this data folder asked for the window."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.lifetime.may_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Remember the layout, stop the work (bounded), close the store. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.toast.settle()  # a delete waiting for its Undo happens now
        self._save_state()
        if self.ctx.autopilot is not None:
            self.ctx.autopilot.stop()
        self.jobs_view.preview.player.stop()
        logging.getLogger().removeHandler(self.log_handler)
        if self.ctx.scheduler is not None and not self.ctx.scheduler.stop(timeout=5):
            log.info("an upload was still under way at exit; the next start reconciles it")
        self.ctx.runner.shutdown(timeout=5)
        if self._scheduler_lock is not None:
            self._scheduler_lock.release()
