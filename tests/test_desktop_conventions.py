"""Desktop conventions: what is not a feed is refused with a reason and nothing saved (typed text
kept), a site address finds its feed, a menu bar with the shortcut list and About, 800 px wide."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.menus import shortcut_rows
from nexus_desktop.pipeline.feed_discovery import alternate_feeds
from tests.article_support import SAMPLES
from tests.feed_server import FeedServer, Route
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

BLOG = b"""<!doctype html><html><head><title>Tech Digest</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Tech Digest Weekly" href="/feed.xml">
</head><body><h1>Tech Digest</h1></body></html>"""


@pytest.fixture
def window(qtbot, ws):  # noqa: F811
    made = open_window(ws)
    qtbot.addWidget(made)
    made.show()
    return made


@pytest.fixture
def problems(window):
    seen: list[tuple[str, str]] = []
    window.ctx.ops.problem.connect(lambda title, text: seen.append((title, text)))
    window._on_problem = lambda *args: None  # no dialog box in the way; the text is what the box says
    return seen


def test_typed_text_that_is_no_address_is_refused_and_kept(qtbot, window, ws, problems, tmp_path):  # noqa: F811
    view = window.show_view("Feeds")
    view.address.setText("hello world")
    view.add_from_field()
    qtbot.waitUntil(lambda: bool(problems), timeout=5_000)
    assert "“hello world” is not a feed address" in problems[0][1] and "https://" in problems[0][1]
    assert view.address.text() == "hello world"  # kept, to be corrected
    assert ws.store.sources.list() == []


def test_a_dropped_picture_is_refused_with_a_reason(qtbot, window, ws, problems, tmp_path):  # noqa: F811
    picture = tmp_path / "photo.png"
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.red)
    assert image.save(str(picture))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    point = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()  # any file may be dropped: what it is, is checked before saving
    QApplication.sendEvent(window, QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: bool(problems), timeout=5_000)
    assert "photo.png is not a feed: it is a PNG image" in problems[0][1]
    assert ws.store.sources.list() == []


def test_a_site_address_finds_its_feed(qtbot, window, ws):  # noqa: F811
    with FeedServer() as server:
        server.routes["/"] = Route(BLOG, content_type="text/html; charset=utf-8")
        server.routes["/feed.xml"] = Route((SAMPLES / "tech-digest.rss.xml").read_bytes())
        view = window.show_view("Feeds")
        view.address.setText(server.url("/"))
        view.add_from_field()
        qtbot.waitUntil(lambda: [s.url for s in ws.store.sources.list()] == [server.url("/feed.xml")], timeout=10_000)
        qtbot.waitUntil(lambda: view.address.text() == "", timeout=5_000)  # added: the field is cleared
        assert ws.store.sources.list()[0].title == "Tech Digest Weekly"


def test_alternate_links_are_read_relative_to_the_page():
    html = b'<link rel="alternate" type="application/atom+xml" href="atom.xml"><link rel="alternate" hreflang="de" href="/de/">'
    assert alternate_feeds(html, "https://blog.example.org/posts/") == [("https://blog.example.org/posts/atom.xml", "")]


def test_the_menu_bar_the_shortcut_list_and_about(qtbot, window, tmp_path):
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]
    rows = dict(shortcut_rows(window))
    assert rows["Check feeds"] == "F5" and rows["Add feed"] == "Ctrl+N" and rows["Keyboard shortcuts"] == "F1"
    assert rows["Play or pause the video"] == "Space or K" and rows["Undo"] == "Ctrl+Z"
    window.shortcuts_action.trigger()
    dialog = window.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    screenshot(dialog, tmp_path, "shortcuts")
    dialog.close()
    from nexus_desktop.gui.menus import show_about

    box = show_about(window)
    assert box.text() == "Nexus Desktop 0.1.0" and str(window.ctx.ws.paths.data) in box.informativeText()
    box.close()


@pytest.mark.parametrize("name", ["Jobs", "Feeds", "Calendar"])
def test_usable_at_800_px_wide(qtbot, window, tmp_path, name):
    window.resize(800, 640)
    view = window.show_view(name)
    qtbot.waitUntil(lambda: window.width() == 800 and window.stack.currentWidget().viewport().width() <= 800)
    if name == "Jobs":  # the preview goes under the table
        qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Vertical and view.width() <= 800)
    screenshot(window, tmp_path, f"narrow-{name.lower()}")
