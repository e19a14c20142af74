"""Settings: a page per area, an editor per setting, validated by the settings model itself.

The pages are built from ``settings.Settings``: each field gets the editor
that fits its type (``settings_fields.editor_for``), so a new setting shows up
by itself. Saving validates everything first; a refused value is named next to
its field, and nothing is written until all are good. Keys and tokens are not
settings; they live in the keyring. Reading what the keyring keeps and saving run through
``operations.settings``: in the window in the runner (the keyring may answer over D-Bus,
or wait for the creator to unlock it), directly when the dialog is opened without the app.

Signals:
    settings_saved(Settings): the new settings, already written to the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import UserFixableError
from ..paths import AppPaths
from ..pipeline.formats import active_formats
from ..secrets import mask_database_url
from ..settings import Settings
from .key_fields import UPGRADE_KEYS, KeyField
from .operations import settings as settings_ops
from .operations.base import Outcome

if TYPE_CHECKING:
    from .app_context import AppContext
from .settings_fields import editor_for


@dataclass(frozen=True)
class Page:
    title: str
    sections: tuple[tuple[str, tuple[str, ...] | None], ...]  # (section, fields or None for all)
    note: str = ""


PAGES = (
    Page("General", (("ui", ("theme", "close_to_tray", "background_service")), ("store", None), ("publish", ("export_folder",))),
         "The database URL takes effect at the next start. Empty: SQLite in the data folder."),
    Page("Analysis", (("analyze", None),), "“openai” works with any OpenAI-compatible server: OpenAI, Gemini, "
         "Ollama, LM Studio, llama.cpp. Its key is kept in the system keyring, not here."),
    Page("Voice", (("voice", None),), "Piper and espeak-ng run on this computer; ElevenLabs needs a key in the keyring."),
    Page("Images", (("images", ("provider", "base_url", "model", "use_article_image", "broll_shots", "ai_clip_shots")),),
         "With a Pexels or RunwayML key, a few shots become stock or AI clips; without one, nothing is asked."),
    Page("Branding", (("branding", None),), "Colours, logo and font of the title cards and thumbnails."),
    Page("Output", (("render", None),), "Custom sizes are made in addition to the formats ticked above."),
    Page("Feeds", (("harvest", ("check_every_minutes", "auto_run", "timeout_seconds", "concurrency", "user_agent",
                                "max_new_jobs_per_feed")),),
         "Feeds are checked by themselves on this interval (0: only when you press Check feeds); a feed that "
         "fails, or asks to be left alone, is checked less often."),
)
LABELS = {
    "database_url": "Database URL", "daily_backups": "Daily database copies kept",
    "max_new_jobs_per_feed": "New videos per feed per check", "export_folder": "Export folder", "base_url": "Server URL",
    "narration_words": "Narration length (words)", "scenes_min": "Fewest scenes", "scenes_max": "Most scenes",
    "timeout_seconds": "Time-out (seconds)", "piper_voice": "Piper voice (.onnx)", "espeak_voice": "espeak-ng voice",
    "elevenlabs_voice_id": "ElevenLabs voice ID", "elevenlabs_model": "ElevenLabs model",
    "elevenlabs_base_url": "ElevenLabs server URL", "loudness_lufs": "Loudness (LUFS)", "true_peak_db": "True peak (dB)",
    "use_article_image": "Use the article’s own photo", "logo_path": "Logo", "font_path": "Font",
    "primary_color": "Primary colour", "accent_color": "Accent colour", "background_color": "Background colour",
    "text_color": "Text colour", "custom_sizes": "Custom sizes", "fps": "Frames per second",
    "crf": "Quality (CRF, lower is finer)", "preset": "Encoder preset", "captions": "Burn in captions",
    "music_path": "Background music", "music_volume_db": "Music volume (dB)", "concurrent_renders": "Renders at once",
    "concurrency": "Feeds checked at once", "user_agent": "User agent",
    "check_every_minutes": "Check feeds every (minutes)", "close_to_tray": "Keep running in the tray while posts are scheduled",
    "background_service": "Run in the background at login (nexus daemon)", "auto_run": "Make videos of new articles by themselves",
    "catalog": "Voices", "pronunciations": "Pronunciations",
    "broll_shots": "Stock clips per video (Pexels key)", "ai_clip_shots": "AI clips per video (RunwayML key)",
}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class SettingsDialog(QDialog):
    settings_saved = Signal(Settings)

    def __init__(self, settings: Settings, paths: AppPaths, parent: QWidget | None = None, *,
                 ctx: AppContext | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(760, 540)
        self.settings, self.paths, self.ctx = settings, paths, ctx
        self.editors: dict[tuple[str, str], Any] = {}
        self.errors: dict[tuple[str, str], QLabel] = {}
        self._page_of: dict[str, int] = {}
        self.keys: list[KeyField] = []

        self.pages = QListWidget(objectName="SettingsPages")
        self.pages.setFixedWidth(160)
        self.stack = QStackedWidget()
        for number, page in enumerate(PAGES):
            item = QListWidgetItem(page.title)
            item.setSizeHint(QSize(0, 34))
            self.pages.addItem(item)
            self.stack.addWidget(self._build_page(number, page))
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.pages.setCurrentRow(0)

        self.problem = QLabel(objectName="FieldError", wordWrap=True)
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setProperty("primary", True)
        defaults = buttons.addButton("Restore defaults on this page", QDialogButtonBox.ButtonRole.ResetRole)
        defaults.clicked.connect(self._on_restore_defaults)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.setSpacing(0)
        body.addWidget(self.pages)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 12)
        layout.addLayout(body, 1)
        bottom = QVBoxLayout()
        bottom.setContentsMargins(16, 0, 16, 0)
        bottom.addWidget(self.problem)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.show_values(settings)
        self._read_secrets()

    def _build_page(self, number: int, page: Page) -> QWidget:
        inner = QWidget()
        form = QFormLayout(inner)
        form.setContentsMargins(20, 16, 20, 16)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        heading = QLabel(page.title, objectName="ViewTitle")
        form.addRow(heading)
        if page.title == "General":
            form.addRow("Data folder", self._data_folder_row())
        for section, names in page.sections:
            model = type(getattr(self.settings, section))
            for name in names or tuple(model.model_fields):
                editor = editor_for(name, model.model_fields[name])
                error = QLabel(objectName="FieldError", wordWrap=True)
                error.hide()
                holder = QWidget()
                column = QVBoxLayout(holder)
                column.setContentsMargins(0, 0, 0, 0)
                column.setSpacing(2)
                column.addWidget(editor)
                column.addWidget(error)
                form.addRow(label(name), holder)
                self.editors[(section, name)] = editor
                self.errors[(section, name)] = error
                self._page_of[f"{section}.{name}"] = number
        if page.title == "Images":
            for spec in UPGRADE_KEYS:
                self.keys.append(KeyField(spec))
                form.addRow(spec.label, self.keys[-1])
        if page.note:
            form.addRow(QLabel(page.note, objectName="Hint", wordWrap=True))
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(inner)
        return area

    def _data_folder_row(self) -> QWidget:
        row = QWidget()
        line = QLineEdit(str(self.paths.data), readOnly=True)
        line.setToolTip("Start the app with --data-dir DIR to keep everything in another folder")
        show = QPushButton("Open")
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.data))))
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(line, 1)
        layout.addWidget(show)
        return row

    # -- values --------------------------------------------------------------------------------------

    def show_values(self, settings: Settings) -> None:
        for (section, name), editor in self.editors.items():
            value = getattr(getattr(settings, section), name)
            if (section, name) == ("store", "database_url") and value:
                value = mask_database_url(value)  # a kept password shows as *** once the keyring is read
            editor.set_value(value)

    def _read_secrets(self) -> None:
        names, url = [key.spec.secret for key in self.keys], self.settings.store.database_url
        if self.ctx is None:
            self._on_secrets(settings_ops.read_secrets(names, url))
        else:
            settings_ops.read(self.ctx, names, url, self._on_secrets, self._on_secrets_failed)

    def _on_secrets(self, found: settings_ops.Secrets) -> None:
        for key in self.keys:
            key.set_kept(found.kept.get(key.spec.secret))
        editor = self.editors[("store", "database_url")]
        if found.database_url and editor.value() == mask_database_url(self.settings.store.database_url):
            editor.set_value(found.database_url)  # untouched meanwhile: the kept password shows as ***

    def _on_secrets_failed(self, exc: BaseException) -> None:
        for key in self.keys:
            key.set_kept(None)
        self.problem.setText(f"Could not read the keyring: {exc}")
        self.problem.show()

    def edited(self) -> dict[str, Any]:
        data = self.settings.model_dump()
        for (section, name), editor in self.editors.items():
            data[section][name] = editor.value()
        return data

    def validated(self) -> Settings | None:
        """The edited settings if every value is good; else None, with each problem shown."""
        for error in self.errors.values():
            error.hide()
        self.problem.hide()
        try:
            settings = Settings.model_validate(self.edited())
            active_formats(settings)
        except ValidationError as exc:
            self._show_errors(exc)
            return None
        except UserFixableError as exc:
            self._show_error("render.formats", str(exc))
            return None
        return settings

    def save(self) -> None:
        settings = self.validated()
        if settings is None:
            return
        changes = tuple(c for c in (key.change() for key in self.keys) if c is not None)
        self.save_button.setEnabled(False)
        if self.ctx is None:
            try:
                saved = settings_ops.store(settings, self.paths.settings_file, changes)
            except UserFixableError as exc:
                self._not_saved(exc)
            else:
                self._saved(Outcome(value=saved))
        else:
            settings_ops.save(self.ctx, settings, self.paths.settings_file, changes, self._saved, self._not_saved)

    def _saved(self, outcome: Outcome[settings_ops.Saved]) -> None:
        saved = outcome.value
        self.save_button.setEnabled(True)
        self.settings = saved.settings
        for key in self.keys:
            change = key.change()
            if change is not None and change.secret in saved.written:
                key.saved(change)
        if saved.keys_failed:  # no keyring: say so; the other settings are saved
            self.problem.setText(f"Settings saved, but the key was not: {saved.keys_failed}")
            self.problem.show()
            return
        self.settings_saved.emit(saved.settings)
        self.accept()

    def _not_saved(self, exc: BaseException) -> None:
        """Nothing was written: a refused database password (said at its field) or the file."""
        self.save_button.setEnabled(True)
        if isinstance(exc, UserFixableError):
            self._show_error("store.database_url", str(exc))
        else:
            self.problem.setText(f"Settings not saved: {exc}")
            self.problem.show()

    def _show_errors(self, exc: ValidationError) -> None:
        named = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"][:2])
            message = err["msg"].removeprefix("Value error, ")
            self._show_error(where, message)
            named.append(f"{label(where.partition('.')[2] or where)}: {message}")
        self.problem.setText("Not saved. " + "; ".join(named))
        self.problem.show()

    def _show_error(self, where: str, message: str) -> None:
        section, _, name = where.partition(".")
        label_widget = self.errors.get((section, name))
        if label_widget is not None:
            label_widget.setText(message)
            label_widget.show()
        if where in self._page_of:
            self.pages.setCurrentRow(self._page_of[where])
        if not self.problem.isVisible():
            self.problem.setText(f"Not saved. {label(name)}: {message}")
            self.problem.show()

    def _on_restore_defaults(self) -> None:
        defaults = Settings()
        page = PAGES[self.pages.currentRow()]
        for section, _ in page.sections:
            for (s, name), editor in self.editors.items():
                if s == section:
                    editor.set_value(getattr(getattr(defaults, s), name))
