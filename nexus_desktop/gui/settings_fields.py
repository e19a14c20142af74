"""One editor per kind of setting, chosen from the pydantic field: a choice, a switch,
a number within its bounds, a colour, a file, the output formats, custom sizes.

Each editor has ``value()`` and ``set_value(v)``.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.content import FORMATS
from ..settings import CustomSize

FILE_FILTERS = {
    "logo_path": "Images (*.png *.jpg *.jpeg *.webp *.svg)",
    "font_path": "Fonts (*.ttf *.otf *.ttc)",
    "music_path": "Audio (*.mp3 *.wav *.ogg *.m4a *.flac)",
    "piper_voice": "Piper voices (*.onnx)",
}
FOLDER_FIELDS = {"export_folder"}


class ChoiceEditor(QComboBox):
    def __init__(self, choices: tuple[str, ...]) -> None:
        super().__init__()
        for choice in choices:
            self.addItem(choice.replace("_", " ").capitalize() if choice.isalpha() else choice, choice)

    def value(self) -> str:
        return self.currentData()

    def set_value(self, value: str) -> None:
        self.setCurrentIndex(max(0, self.findData(value)))


class SwitchEditor(QCheckBox):
    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: bool) -> None:
        self.setChecked(bool(value))


class IntEditor(QSpinBox):
    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.setRange(low, high)
        self.setGroupSeparatorShown(True)

    def set_value(self, value: int) -> None:
        self.setValue(int(value))


class FloatEditor(QDoubleSpinBox):
    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.setDecimals(2)
        self.setRange(low, high)
        self.setSingleStep(0.1 if high - low <= 10 else 1.0)

    def set_value(self, value: float) -> None:
        self.setValue(float(value))


class TextEditor(QLineEdit):
    def value(self) -> str:
        return self.text().strip()

    def set_value(self, value: str) -> None:
        self.setText(value or "")


class ColorEditor(QPushButton):
    """A button showing the colour; clicking opens a colour picker."""

    def __init__(self) -> None:
        super().__init__(objectName="ColorButton")
        self._color = "#000000"
        self.clicked.connect(self._pick)

    def value(self) -> str:
        return self._color

    def set_value(self, value: str) -> None:
        self._color = value.upper()
        swatch = QPixmap(16, 16)
        swatch.fill(QColor(self._color))
        self.setIcon(QIcon(swatch))
        self.setText(self._color)

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._color), self, "Choose a colour")
        if chosen.isValid():
            self.set_value(chosen.name())


class PathEditor(QWidget):
    """A path typed, or chosen with a file (or folder) dialog; empty means the default."""

    def __init__(self, file_filter: str | None, *, folder: bool = False, placeholder: str = "") -> None:
        super().__init__()
        self.file_filter, self.folder = file_filter, folder
        self.line = QLineEdit(placeholderText=placeholder or "Default")
        self.line.setClearButtonEnabled(True)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(browse)

    def value(self) -> str:
        return self.line.text().strip()

    def set_value(self, value: str) -> None:
        self.line.setText(value or "")

    def _browse(self) -> None:
        if self.folder:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", self.value())
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", self.value(), self.file_filter or "")
        if chosen:
            self.set_value(chosen)


class FormatsEditor(QWidget):
    """The standard formats as switches; custom sizes are always made too."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes = {name: QCheckBox(name.replace("x", ":")) for name in FORMATS}
        self._others: list[str] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for box in self.boxes.values():
            layout.addWidget(box)
        layout.addStretch()

    def value(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()] + self._others

    def set_value(self, value: list[str]) -> None:
        for name, box in self.boxes.items():
            box.setChecked(name in value)
        self._others = [name for name in value if name not in self.boxes]


class CustomSizesEditor(QWidget):
    """Extra video sizes: a name, a width and a height per row."""

    def __init__(self) -> None:
        super().__init__()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Name", "Width", "Height"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(110)
        add = QPushButton("Add size")
        add.clicked.connect(lambda: self._add_row("story", 1080, 1350))
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_rows)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def _add_row(self, name: str, width: int, height: int) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        for column, number in ((1, width), (2, height)):
            spin = QSpinBox()
            spin.setRange(160, 4096)
            spin.setValue(number)
            self.table.setCellWidget(row, column, spin)

    def _remove_rows(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def value(self) -> list[dict[str, Any]]:
        sizes = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            sizes.append({"name": item.text().strip() if item else "", "width": self.table.cellWidget(row, 1).value(),
                          "height": self.table.cellWidget(row, 2).value()})
        return sizes

    def set_value(self, value: list[CustomSize | dict]) -> None:
        self.table.setRowCount(0)
        for size in value:
            data = size.model_dump() if isinstance(size, CustomSize) else size
            self._add_row(data["name"], data["width"], data["height"])


def _bounds(info: FieldInfo, default_low: float, default_high: float) -> tuple[float, float]:
    """The range pydantic enforces (``Field(ge=.., le=..)``), so the spin box cannot go outside it."""
    low, high = default_low, default_high
    for rule in info.metadata:
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        elif getattr(rule, "gt", None) is not None:
            low = rule.gt + (1 if isinstance(rule.gt, int) else 0.01)
        elif getattr(rule, "le", None) is not None:
            high = rule.le
        elif getattr(rule, "lt", None) is not None:
            high = rule.lt
    return low, high


def editor_for(name: str, info: FieldInfo):
    """The editor that fits a setting, from its name and type."""
    kind = info.annotation
    if name == "formats":
        return FormatsEditor()
    if name == "custom_sizes":
        return CustomSizesEditor()
    if name == "catalog":
        from .voice_picker import VoicePicker

        return VoicePicker()
    if name == "pronunciations":
        from .pronunciation_editor import PronunciationEditor

        return PronunciationEditor()
    if typing.get_origin(kind) is typing.Literal:
        return ChoiceEditor(typing.get_args(kind))
    if kind is bool:
        return SwitchEditor()
    if kind is int:
        low, high = _bounds(info, 0, 1_000_000_000)
        return IntEditor(int(low), int(min(high, 2_000_000_000)))
    if kind is float:
        low, high = _bounds(info, -1000.0, 1000.0)
        return FloatEditor(float(low), float(high))
    if name.endswith("_color"):
        return ColorEditor()
    if name in FILE_FILTERS:
        placeholders = {"logo_path": "No logo", "music_path": "No music"}
        return PathEditor(FILE_FILTERS[name], placeholder=placeholders.get(name, "Bundled default"))
    if name in FOLDER_FIELDS:
        return PathEditor(None, folder=True, placeholder="“exports” in the data folder")
    editor = TextEditor()
    editor.setAlignment(Qt.AlignmentFlag.AlignLeft)
    return editor
