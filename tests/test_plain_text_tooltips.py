"""Feed titles and errors show as text in tooltips, never as markup that loads files."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from nexus_desktop.gui.feeds_model import FEED, STATUS, FeedsModel
from nexus_desktop.gui.plain_text import tooltip

HOSTILE = '<img src="file:///etc/hostname" width=900><b>Breaking</b> & more'


def shown(rich: str) -> str:
    """What Qt displays for a tooltip string (tooltips render rich text when it looks like HTML)."""
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()


def test_a_hostile_title_is_shown_literally(qtbot):
    assert shown(tooltip(HOSTILE)) == HOSTILE
    assert shown(tooltip("two\nlines")) == "two\nlines"
    assert tooltip(None) is None


def test_the_feeds_view_tooltips_are_plain(store, qtbot):
    source, _ = store.sources.add("https://evil.example.net/feed.xml", HOSTILE)
    store.sources.record_fetch(source.id, checked_at=datetime.now(timezone.utc), error=HOSTILE)
    model = FeedsModel()
    model.set_sources(store.sources.list())
    status = model.data(model.index(0, STATUS), Qt.ItemDataRole.ToolTipRole)
    assert HOSTILE in shown(status)
    assert shown(model.data(model.index(0, FEED), Qt.ItemDataRole.ToolTipRole)) == "https://evil.example.net/feed.xml"
