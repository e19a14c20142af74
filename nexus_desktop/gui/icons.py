"""Icons from ``resources/icons``, drawn in the current theme's colours.

The SVGs stroke with ``currentColor``; an icon paints itself in the theme's
text colour (or the one asked for), muted when disabled, at whatever size it
is shown.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..resources import resource_dir
from . import theme


def path(name: str):
    return resource_dir() / "icons" / f"{name}.svg"


class _SvgEngine(QIconEngine):
    """Paints the SVG in the colours of the theme current at paint time, so a
    theme switch recolours every icon already on screen."""

    def __init__(self, source: bytes, color: str | None) -> None:
        super().__init__()
        self._source, self._color = source, color
        self._renderers: dict[tuple[str, str], QSvgRenderer] = {}

    def _ink(self, disabled: bool) -> str:
        t = theme.current()
        if disabled:
            return t.muted
        if self._color and hasattr(t, self._color):
            return getattr(t, self._color)
        return self._color or t.text

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        ink = self._ink(mode == QIcon.Mode.Disabled)
        key = (theme.current().name, ink)
        renderer = self._renderers.get(key)
        if renderer is None:
            renderer = self._renderers[key] = QSvgRenderer(QByteArray(self._source.replace(b"currentColor", ink.encode())))
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)  # the default leaves the pixels as they were
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        pixmap = self.pixmap(size * scale, mode, state)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._source, self._color)


@lru_cache(maxsize=None)
def icon(name: str, color: str | None = None) -> QIcon:
    """A themed icon; ``color`` (a theme role like "accent", or "#RRGGBB") overrides the text colour."""
    return QIcon(_SvgEngine(path(name).read_bytes(), color))


def app_icon() -> QIcon:
    return QIcon(str(path("app")))
