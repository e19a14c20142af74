"""The voice list in Settings › Voice: every voice there is to pick, a preview
of each, a speaking rate per voice, Piper .onnx voices added from disk and
ElevenLabs voices cloned from the creator's own recordings.

It edits ``voice.catalog`` (the added Piper files and the rates) like any
settings editor (``value()``/``set_value()``); "Use this voice" fills the
page's provider and voice fields. Listing ElevenLabs, previews and cloning run
on a private thread pool, so the dialog never waits.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRunnable, QSortFilterProxyModel, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import NexusError
from ..pipeline.voice_sample import speak_sample
from ..providers.tts import catalog
from ..providers.tts.catalog import VoiceOption
from ..settings import VoiceCatalog, VoiceSettings
from .pronunciation_editor import play_sample

log = logging.getLogger(__name__)
PREVIEWS = {
    "en": "Here is how I would read your stories: 41°C in Dr. Lee's lab, up 12% since 2025.",
    "de": "So würde ich Ihre Geschichten vorlesen: 41 °C im Labor, 12 % mehr als 2025.",
    "fr": "Voici comment je lirais vos histoires : 41 °C au labo, 12 % de plus qu'en 2025.",
    "es": "Así leería sus historias: 41 °C en el laboratorio, un 12 % más que en 2025.",
}
COLUMNS = ("Voice", "Language", "Kind", "Rate")
VOICE_FIELDS = {"piper": "piper_voice", "espeak": "espeak_voice", "elevenlabs": "elevenlabs_voice_id"}


class VoiceListModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.voices: list[VoiceOption] = []
        self.rates: dict[str, float] = {}

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.voices)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        option = self.voices[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return option.voice or "the voice that comes with the app"
        rate = self.rates.get(option.key, 1.0)
        return (option.name, option.language, option.detail, f"{rate:.2f}×")[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def replace_provider(self, provider: str, voices: list[VoiceOption]) -> None:
        self.beginResetModel()
        self.voices = [v for v in self.voices if v.provider != provider] + voices
        self.endResetModel()

    def set_rate(self, key: str, rate: float) -> None:
        if abs(rate - 1.0) < 1e-6:
            self.rates.pop(key, None)
        else:
            self.rates[key] = round(rate, 2)
        rows = [i for i, v in enumerate(self.voices) if v.key == key]
        for row in rows:
            self.dataChanged.emit(self.index(row, 3), self.index(row, 3))


class _Signals(QObject):
    finished = Signal(object, str)  # the result, or an error message


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except NexusError as exc:
            self.signals.finished.emit(None, str(exc))
        except Exception as exc:  # a voice library or the network failing must not take the dialog down
            log.exception("voice list work failed")
            self.signals.finished.emit(None, f"it failed: {exc}")
        else:
            self.signals.finished.emit(result, "")


class VoicePicker(QWidget):
    """Signals:
        voices_loaded(str): a provider's voices were listed.
        sample_ready(str): the WAV file of the last preview."""

    voices_loaded = Signal(str)
    sample_ready = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = VoiceListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.search = QLineEdit(placeholderText="Find a voice by name, language or kind")
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(180)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.preview_button = QPushButton("Preview")
        self.use_button = QPushButton("Use this voice")
        self.rate = QDoubleSpinBox(minimum=0.5, maximum=2.0, singleStep=0.05, value=1.0, suffix="×")
        self.rate.setToolTip("This voice's own speaking rate, on top of the overall speed")
        self.add_piper_button = QPushButton("Add Piper voice…")
        self.elevenlabs_button = QPushButton("List ElevenLabs voices")
        self.clone_button = QPushButton("Clone a voice…")
        self.status = QLabel(objectName="Hint", wordWrap=True)
        self.preview_button.clicked.connect(self._on_preview)
        self.use_button.clicked.connect(self._on_use)
        self.rate.valueChanged.connect(self._on_rate_changed)
        self.add_piper_button.clicked.connect(self._on_add_piper)
        self.elevenlabs_button.clicked.connect(self.load_elevenlabs)
        self.clone_button.clicked.connect(self._on_clone)
        row = QHBoxLayout()
        for widget in (self.preview_button, self.use_button, QLabel("Rate"), self.rate):
            row.addWidget(widget)
        row.addStretch()
        more = QHBoxLayout()
        for widget in (self.add_piper_button, self.elevenlabs_button, self.clone_button):
            more.addWidget(widget)
        more.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for item in (self.search, self.table):
            layout.addWidget(item)
        layout.addLayout(row)
        layout.addLayout(more)
        layout.addWidget(self.status)
        self.piper_files: list[str] = []
        self._select_when_listed: str | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._tasks: list[_Task] = []
        self._samples = Path(tempfile.gettempdir()) / "nexus-voice-preview"
        self._previews = 0
        self._set_buttons()

    # -- the settings editor interface ------------------------------------------------------------

    def value(self) -> dict[str, Any]:
        return {"piper_files": list(self.piper_files), "rates": dict(self.model.rates)}

    def set_value(self, value: VoiceCatalog | dict) -> None:
        data = value.model_dump() if isinstance(value, VoiceCatalog) else dict(value)
        self.piper_files = list(data.get("piper_files", []))
        self.model.rates = dict(data.get("rates", {}))
        self.reload_local()

    # -- listing ----------------------------------------------------------------------------------

    def reload_local(self) -> None:
        """Piper and espeak-ng voices: on this computer, listed off the GUI thread (espeak-ng's
        list waits for its engine lock, which a narration holds, and reads the voice files)."""
        voice = self._voice().model_copy(update={"catalog": VoiceCatalog(piper_files=self.piper_files)})
        voices_dir = self._voices_dir()
        self._start(lambda: (catalog.piper_voices(voice, voices_dir), catalog.espeak_voices()), self._on_local_listed)

    def _on_local_listed(self, listed: tuple[list[VoiceOption], list[VoiceOption]] | None, error: str) -> None:
        if error:
            self.status.setText(f"Cannot list the voices on this computer: {error}")
            return
        piper, espeak = listed
        self.model.replace_provider("piper", piper)
        self.model.replace_provider("espeak", espeak)
        wanted, self._select_when_listed = self._select_when_listed, None
        if wanted is not None:
            self.select_key(wanted)  # a Piper voice just added
        self.voices_loaded.emit("local")

    def load_elevenlabs(self) -> None:
        from ..providers.tts import elevenlabs

        base_url = self._voice().elevenlabs_base_url
        self.status.setText("Listing the voices of your ElevenLabs account…")
        # the key is read from the keyring in the task too: a desktop keyring answers over D-Bus
        self._start(lambda: catalog.elevenlabs_voices(elevenlabs.stored_api_key() or "", base_url),
                    self._on_elevenlabs_listed)

    def _on_elevenlabs_listed(self, voices: list[VoiceOption] | None, error: str) -> None:
        if error:
            self.status.setText(f"Cannot list the ElevenLabs voices: {error}")
            return
        self.model.replace_provider("elevenlabs", voices or [])
        self.status.setText(f"{len(voices or [])} ElevenLabs voices from your account.")
        self.voices_loaded.emit("elevenlabs")

    # -- actions --------------------------------------------------------------------------------

    def selected(self) -> VoiceOption | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.voices[self.proxy.mapToSource(index).row()]

    def select_key(self, key: str) -> bool:
        for row, option in enumerate(self.model.voices):
            if option.key == key:
                self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
                return True
        return False

    def _on_current_changed(self, *_: object) -> None:
        option = self.selected()
        if option is not None:
            self.rate.blockSignals(True)
            self.rate.setValue(self.model.rates.get(option.key, 1.0))
            self.rate.blockSignals(False)
        self._set_buttons()

    def _set_buttons(self) -> None:
        chosen = self.selected() is not None
        for widget in (self.preview_button, self.use_button, self.rate):
            widget.setEnabled(chosen)

    def _on_rate_changed(self, rate: float) -> None:
        option = self.selected()
        if option is not None:
            self.model.set_rate(option.key, rate)

    def _on_preview(self) -> None:
        option = self.selected()
        if option is None:
            return
        voice = self._voice_for(option)
        self._previews += 1
        destination = self._samples / f"preview-{id(self)}-{self._previews}.wav"
        self.preview_button.setEnabled(False)
        self.status.setText(f"Preparing a preview of {option.name}…")
        language = _primary(option.language)
        text = PREVIEWS.get(language, option.name)
        self._start(lambda: (speak_sample(text, voice, destination, language=language), str(destination)),
                    self._on_preview_ready)

    def _on_preview_ready(self, result: tuple[str, str] | None, error: str) -> None:
        self._set_buttons()
        if error:
            self.status.setText(f"Cannot preview this voice: {error}")
            return
        said, path = result  # type: ignore[misc]
        self.status.setText(f"Preview: “{said}”")
        play_sample(self, path, self.status)
        self.sample_ready.emit(path)

    def _on_use(self) -> None:
        option = self.selected()
        editors = getattr(self.window(), "editors", None)
        if option is None or not isinstance(editors, dict):
            return
        editors[("voice", "provider")].set_value(option.provider)
        editors[("voice", VOICE_FIELDS[option.provider])].set_value(option.voice)
        self.status.setText(f"{option.name} will narrate once you save.")

    def _on_add_piper(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a Piper voice", str(Path.home()), "Piper voices (*.onnx)")
        if chosen:
            self.add_piper_file(chosen)

    def add_piper_file(self, path: str) -> None:
        if not Path(f"{path}.json").is_file():
            self.status.setText(f"{Path(path).name} needs its {Path(path).name}.json beside it.")
            return
        if path not in self.piper_files:
            self.piper_files.append(path)
        self._select_when_listed = catalog.voice_key("piper", path)
        self.status.setText(f"Added {Path(path).stem}.")
        self.reload_local()

    def _on_clone(self) -> None:
        from .voice_clone_dialog import VoiceCloneDialog

        dialog = VoiceCloneDialog(self._voice().elevenlabs_base_url, self)
        dialog.cloned.connect(self._on_cloned)
        dialog.open()

    def _on_cloned(self, option: VoiceOption) -> None:
        self.model.replace_provider("elevenlabs", [v for v in self.model.voices if v.provider == "elevenlabs"] + [option])
        self.select_key(option.key)
        self.status.setText(f"{option.name} is ready: preview it, then use it.")

    # -- helpers --------------------------------------------------------------------------------

    def _start(self, work: Callable[[], Any], done: Callable[[Any, str], None]) -> None:
        task = _Task(work)
        task.signals.finished.connect(done)
        task.signals.finished.connect(lambda *_: self._tasks.remove(task))
        self._tasks.append(task)  # its signals must outlive the run
        self._pool.start(task)

    def _voice(self) -> VoiceSettings:
        """The voice settings as edited in the dialog right now."""
        edited = getattr(self.window(), "edited", None)
        if callable(edited):
            try:
                return VoiceSettings.model_validate(edited()["voice"])
            except Exception:  # a half-typed setting elsewhere on the page
                log.info("the dialog's voice settings are not valid yet; using the defaults")
        return VoiceSettings()

    def _voice_for(self, option: VoiceOption) -> VoiceSettings:
        update = {"provider": option.provider, VOICE_FIELDS[option.provider]: option.voice,
                  "catalog": VoiceCatalog(piper_files=self.piper_files, rates=self.model.rates)}
        return self._voice().model_copy(update=update)

    def _voices_dir(self) -> Path | None:
        paths = getattr(self.window(), "paths", None)
        return getattr(paths, "data", None) and paths.data / "voices"


def _primary(language: str) -> str:
    return (language or "en").replace("_", "-").split("-")[0].lower()
