"""Light and dark themes: a palette, the style sheet from ``ui/``, and colours for painting.

``ui/light.qss`` and ``ui/dark.qss`` hold each theme's colours (as ``/* @name
#RRGGBB */`` lines) and anything only that theme needs; ``ui/base.qss`` holds
the layout shared by both, naming colours as ``@name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from ..resources import resource_dir, ui_dir

_COLOUR_LINE = re.compile(r"/\*\s*@([a-z_]+)\s+(#[0-9A-Fa-f]{6})\s*\*/")


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    surface: str
    alt_surface: str
    border: str
    text: str
    muted: str
    accent: str
    accent_hover: str
    accent_text: str
    selection: str
    hover: str
    danger: str
    danger_soft: str
    success: str
    warning: str
    info: str
    player: str

    def color(self, role: str) -> QColor:
        return QColor(getattr(self, role))


NAMES = ("light", "dark")


@lru_cache(maxsize=None)
def load(name: str) -> Theme:
    colours = dict(_COLOUR_LINE.findall((ui_dir() / f"{name}.qss").read_text(encoding="utf-8")))
    missing = [f.name for f in fields(Theme) if f.name != "name" and f.name not in colours]
    if missing:
        raise ValueError(f"ui/{name}.qss does not define {', '.join(missing)}")
    return Theme(name=name, **{f.name: colours[f.name] for f in fields(Theme) if f.name != "name"})


_current: Theme | None = None


def current() -> Theme:
    return _current or load("light")


def resolve(choice: str) -> Theme:
    """"light", "dark", or "system": whatever the desktop prefers (light if it does not say)."""
    if choice in NAMES:
        return load(choice)
    scheme = QGuiApplication.styleHints().colorScheme()
    return load("dark" if scheme == Qt.ColorScheme.Dark else "light")


def style_sheet(theme: Theme) -> str:
    own = (ui_dir() / f"{theme.name}.qss").read_text(encoding="utf-8")
    text = (ui_dir() / "base.qss").read_text(encoding="utf-8") + "\n" + own
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = text.replace("@icon_dir", (resource_dir() / "icons").as_posix())
    return re.sub(r"@([a-z_]+)", lambda m: getattr(theme, m.group(1)), text)


def palette(theme: Theme) -> QPalette:
    pal = QPalette()
    c = theme.color
    roles = {
        QPalette.ColorRole.Window: c("window"),
        QPalette.ColorRole.WindowText: c("text"),
        QPalette.ColorRole.Base: c("surface"),
        QPalette.ColorRole.AlternateBase: c("alt_surface"),
        QPalette.ColorRole.Text: c("text"),
        QPalette.ColorRole.Button: c("surface"),
        QPalette.ColorRole.ButtonText: c("text"),
        QPalette.ColorRole.Highlight: c("selection"),
        QPalette.ColorRole.HighlightedText: c("text"),
        QPalette.ColorRole.ToolTipBase: c("surface"),
        QPalette.ColorRole.ToolTipText: c("text"),
        QPalette.ColorRole.PlaceholderText: c("muted"),
        QPalette.ColorRole.Link: c("accent"),
        QPalette.ColorRole.Mid: c("border"),
    }
    for role, colour in roles.items():
        pal.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c("muted"))
    return pal


def apply(app: QApplication, choice: str) -> Theme:
    """Switch the whole application to a theme; returns the one chosen."""
    global _current
    _current = resolve(choice)
    sheet = style_sheet(_current)
    if app.styleSheet() == sheet:
        return _current  # re-polishing every widget costs; nothing would change
    if app.style().name() != "fusion":
        app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(palette(_current))
    app.setStyleSheet(sheet)
    return _current
