"""Clone a voice with ElevenLabs from the creator's own recordings.

Nothing is uploaded until the creator names the voice, picks the recordings
and confirms they have the right to clone that voice.

Signals:
    cloned(VoiceOption): the new voice, once ElevenLabs made it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..providers.tts import catalog

CONSENT = "I have the right to clone this voice"
CONSENT_DETAIL = ("The recordings are my own voice, or the speaker has given me permission to clone it; "
                  "ElevenLabs' terms for voice cloning apply.")


class VoiceCloneDialog(QDialog):
    cloned = Signal(object)

    def __init__(self, base_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clone a voice")
        self.base_url = base_url
        self.name = QLineEdit(placeholderText="My narrator")
        self.files = QListWidget()
        self.files.setMinimumHeight(90)
        add = QPushButton("Add recordings…")
        add.clicked.connect(self._on_add)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: [self.files.takeItem(self.files.row(i)) for i in self.files.selectedItems()])
        self.consent = QCheckBox(CONSENT)
        self.consent.toggled.connect(self._update)
        consent_detail = QLabel(CONSENT_DETAIL, objectName="Hint", wordWrap=True)
        self.name.textChanged.connect(self._update)
        self.status = QLabel("One to 25 clear recordings (MP3, WAV, M4A, FLAC), a minute or more in all.",
                             objectName="Hint", wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Clone", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setProperty("primary", True)
        self.buttons.accepted.connect(self._on_clone)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch()
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Recordings", self.files)
        form.addRow("", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.consent)
        layout.addWidget(consent_detail)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self._update()

    def samples(self) -> list[Path]:
        return [Path(self.files.item(i).text()) for i in range(self.files.count())]

    def add_samples(self, paths: list[str]) -> None:
        known = {str(p) for p in self.samples()}
        for path in paths:
            if path not in known:
                self.files.addItem(path)
        self._update()

    def _on_add(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, "Choose recordings of the voice", str(Path.home()),
                                                 "Recordings (*.mp3 *.wav *.m4a *.flac *.ogg *.webm)")
        self.add_samples(chosen)

    def _update(self) -> None:
        ready = self.consent.isChecked() and bool(self.name.text().strip()) and self.files.count() > 0
        self.create_button.setEnabled(ready)

    def _on_clone(self) -> None:
        from ..providers.tts import elevenlabs
        from .voice_picker import _Task

        name, samples, consent, base_url = self.name.text(), self.samples(), self.consent.isChecked(), self.base_url
        self.create_button.setEnabled(False)
        self.status.setText("Uploading the recordings to ElevenLabs…")
        # the key too is read in the task (the keyring answers over D-Bus), not on the GUI thread
        self._task = _Task(lambda: catalog.clone_elevenlabs_voice(elevenlabs.stored_api_key() or "", base_url, name=name,
                                                                  samples=samples, consent=consent))
        self._task.signals.finished.connect(self._on_finished)
        parent = self.parent()
        pool = getattr(parent, "_pool", None)
        if pool is None:
            from PySide6.QtCore import QThreadPool

            pool = QThreadPool.globalInstance()
        pool.start(self._task)

    def _on_finished(self, option, error: str) -> None:
        if error:
            self.status.setText(f"Not cloned: {error}")
            self._update()
            return
        self.cloned.emit(option)
        self.accept()
