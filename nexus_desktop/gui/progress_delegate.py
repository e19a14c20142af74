"""Paints a job's progress as a slim bar with its percent, inside the table row."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from . import theme
from .jobs_model import PROGRESS_ROLE

BAR_HEIGHT = 6


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        # The row background (selection, alternate colour) first, without text.
        self.initStyleOption(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        value = index.data(PROGRESS_ROLE)
        if not value:
            return
        percent, state = value
        if state == "idle" and percent == 0:
            return
        t = theme.current()
        rect = option.rect.adjusted(8, 0, -8, 0)
        label_width = 40
        bar = QRectF(rect.left(), rect.center().y() - BAR_HEIGHT / 2 + 1, max(10, rect.width() - label_width - 6), BAR_HEIGHT)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(t.color("border"))
        painter.drawRoundedRect(bar, BAR_HEIGHT / 2, BAR_HEIGHT / 2)
        fill = {"running": "accent", "done": "success"}.get(state, "muted")
        painter.setBrush(t.color(fill))
        filled = QRectF(bar.left(), bar.top(), bar.width() * percent / 100, bar.height())
        if filled.width() > 0:
            painter.drawRoundedRect(filled, BAR_HEIGHT / 2, BAR_HEIGHT / 2)
        painter.setPen(t.color("muted") if state != "running" else t.color("text"))
        text_rect = QRectF(bar.right() + 6, rect.top(), label_width, rect.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, f"{percent}%")
        painter.restore()
