"""The pronunciation list in Settings › Voice: a term as written and how the
voice should say it ("iframes" → "eye frames"), with a "Hear it" button that
speaks the selected term through the voice as it is set in the dialog.

The editor follows the settings editors' interface (``value()``/``set_value()``);
speaking runs on a private thread pool so the dialog never waits.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from ..domain.errors import NexusError
from ..pipeline.voice_sample import speak_sample
from ..settings import VoiceSettings

log = logging.getLogger(__name__)
HEADERS = ("Written", "Say it as")


class PronunciationModel(QAbstractTableModel):
    """Rows of (term, how to say it); editable in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[list[str]] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 2

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.rows[index.row()][index.column()]
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self.rows[index.row()][index.column()] = " ".join(str(value).split())
        self.dataChanged.emit(index, index)
        return True

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def reset_rows(self, rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def add_row(self, term: str = "", said: str = "") -> int:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append([term, said])
        self.endInsertRows()
        return row

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()


class _SampleSignals(QObject):
    finished = Signal(str, str, str)  # path, what was said, error ('' when fine)


class _SampleTask(QRunnable):
    def __init__(self, text: str, voice: VoiceSettings, destination: Path) -> None:
        super().__init__()
        self.text, self.voice, self.destination = text, voice, destination
        self.signals = _SampleSignals()

    def run(self) -> None:
        for old in self.destination.parent.glob(self.destination.name.rsplit("-", 1)[0] + "-*.wav"):
            old.unlink(missing_ok=True)  # only the latest sample is kept (here, not on the GUI thread)
        try:
            said = speak_sample(self.text, self.voice, self.destination)
        except NexusError as exc:
            self.signals.finished.emit("", "", str(exc))
        except Exception as exc:  # a voice's C library failing must not take the dialog down
            log.exception("could not speak a pronunciation sample")
            self.signals.finished.emit("", "", f"the voice failed: {exc}")
        else:
            self.signals.finished.emit(str(self.destination), said, "")


class PronunciationEditor(QWidget):
    """Signals:
        sample_ready(str): the WAV file of the last "Hear it", once written."""

    sample_ready = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PronunciationModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(120)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._on_add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove)
        self.hear_button = QPushButton("Hear it")
        self.hear_button.setToolTip("Speak the selected term with the voice set on this page")
        self.hear_button.clicked.connect(self._on_hear)
        self.status = QLabel(objectName="Hint", wordWrap=True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.hear_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._folder = Path(tempfile.gettempdir()) / "nexus-hear-it"
        self._count = 0
        self._task: _SampleTask | None = None

    # -- the settings editor interface ------------------------------------------------------------

    def value(self) -> dict[str, str]:
        return {term: said for term, said in self.model.rows if term.strip()}

    def set_value(self, value: dict[str, str]) -> None:
        self.model.reset_rows([[term, said] for term, said in value.items()])

    # -- actions --------------------------------------------------------------------------------

    def _on_add(self) -> None:
        row = self.model.add_row()
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def _on_remove(self) -> None:
        self.model.remove_rows([i.row() for i in self.table.selectionModel().selectedRows()])

    def _on_hear(self) -> None:
        current = self.table.currentIndex()
        if not current.isValid() or not self.model.rows[current.row()][0].strip():
            self.status.setText("Select a term to hear it.")
            return
        term = self.model.rows[current.row()][0]
        voice = self._voice().model_copy(update={"pronunciations": self.value()})
        self._count += 1
        task = _SampleTask(term, voice, self._folder / f"sample-{id(self)}-{self._count}.wav")
        task.signals.finished.connect(self._on_sample_finished)
        self._task = task  # its signals must outlive the run
        self.hear_button.setEnabled(False)
        self.status.setText(f"Speaking “{term}”…")
        self._pool.start(task)

    def _on_sample_finished(self, path: str, said: str, error: str) -> None:
        self.hear_button.setEnabled(True)
        if error:
            self.status.setText(f"Cannot speak it: {error}")
            return
        self.status.setText(f"The voice says: “{said}”")
        play_sample(self, path, self.status)
        self.sample_ready.emit(path)

    def _voice(self) -> VoiceSettings:
        """The voice as set in the dialog right now, unsaved changes included."""
        edited = getattr(self.window(), "edited", None)
        if callable(edited):
            try:
                return VoiceSettings.model_validate(edited()["voice"])
            except Exception:  # a half-typed setting elsewhere: fall back to the defaults
                log.info("the dialog's voice settings are not valid yet; using the defaults for the sample")
        return VoiceSettings()


def play_sample(owner: QWidget, path: str, status: QLabel) -> None:
    """Play a WAV through the computer's sound output, one player per widget;
    without a sound device, say so beside the status."""
    if not QMediaDevices.audioOutputs():
        status.setText(status.text() + " (no sound device to play it on)")
        return
    player = owner.findChild(QMediaPlayer, "SamplePlayer")
    if player is None:
        player = QMediaPlayer(owner, objectName="SamplePlayer")
        player.setAudioOutput(QAudioOutput(player))
    player.setSource(QUrl.fromLocalFile(path))
    player.play()
