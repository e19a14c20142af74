"""The script in editable fields: each scene's headline and narration, titles, per-platform texts.

The narration is edited scene by scene, because the script's narration is, by
contract, the scenes' narrations joined with spaces (narrate speaks it, render
times each scene's card by it). What changed decides what is redone: narration
means a new voice and video (``REDO_AFTER_NARRATION_EDIT``), a headline new
cards and video (``REDO_AFTER_HEADLINE_EDIT``), other text nothing at all.

Signals:
    apply_requested(dict, frozenset): the edited script (``Script.to_dict()``)
        and the stages to redo.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.content import (
    INSTAGRAM_CAPTION_MAX,
    LINKEDIN_POST_MAX,
    X_POST_MAX,
    YOUTUBE_DESCRIPTION_MAX,
    YOUTUBE_TITLE_MAX,
)
from ..domain.stages import REDO_AFTER_HEADLINE_EDIT, REDO_AFTER_NARRATION_EDIT, Stage
from . import icons
from .elided_label import ElidedLabel

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
X_LINK_LENGTH = 23  # X counts every link as 23 characters
FIRST_CARDS = 1  # scene cards made at once when a script arrives; the rest follow, one a turn
CARDS_PER_TURN = 1  # a card is a few ms to make (3 ms at load 8): one per event-loop turn


def x_length(text: str) -> int:
    """About what X counts, for the counter: links as 23 characters.

    The analyze stage checks the exact rule (wide characters count two); this
    avoids loading the language tools into the window for a counter.
    """
    return len(_URL.sub("", text)) + X_LINK_LENGTH * len(_URL.findall(text))


PLATFORM_FIELDS = (
    ("youtube_title", "YouTube title", YOUTUBE_TITLE_MAX, len, False),
    ("youtube_description", "YouTube description", YOUTUBE_DESCRIPTION_MAX, len, True),
    ("x_post", "X post", X_POST_MAX, x_length, True),
    ("instagram_caption", "Instagram caption", INSTAGRAM_CAPTION_MAX, len, True),
    ("linkedin_post", "LinkedIn post", LINKEDIN_POST_MAX, len, True),
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _TextBox(QPlainTextEdit):
    """A plain text field a few lines high (it scrolls beyond that)."""

    def __init__(self, lines: int = 3) -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 18)


class _SceneCard(QFrame):
    """One scene: its number, headline and narration."""

    def __init__(self, number: int) -> None:
        super().__init__(objectName="SceneCard")
        self.headline = QLineEdit(placeholderText="What the screen shows")
        self.narration = _TextBox(4)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 10)
        box.setSpacing(6)
        box.addWidget(QLabel(f"Scene {number}", objectName="SceneLabel"))
        box.addWidget(self.headline)
        box.addWidget(self.narration)

    def show_scene(self, scene: dict[str, Any]) -> None:
        _set_text(self.headline, scene["headline"])
        _set_text(self.narration, scene["narration"])

    def set_read_only(self, read_only: bool) -> None:
        self.headline.setReadOnly(read_only)
        self.narration.setReadOnly(read_only)


def _set_text(field: QLineEdit | QPlainTextEdit, text: str) -> None:
    """The field shows ``text``; one that already does is not touched (its cursor and undo stay)."""
    if isinstance(field, QLineEdit):
        if field.text() != text:
            field.setText(text)
    elif field.toPlainText() != text:
        field.setPlainText(text)


class _Counted(QWidget):
    """A field with a counter that turns red past the platform's limit."""

    def __init__(self, field: QLineEdit | QPlainTextEdit, limit: int, measure) -> None:
        super().__init__()
        self.field, self.limit, self.measure = field, limit, measure
        self.counter = QLabel(objectName="Counter", alignment=Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.counter)
        field.textChanged.connect(self.update_count)

    def text(self) -> str:
        return self.field.text() if isinstance(self.field, QLineEdit) else self.field.toPlainText()

    def update_count(self) -> None:
        used = self.measure(self.text())
        self.counter.setText(f"{used:,} / {self.limit:,}")
        over = used > self.limit
        if self.counter.property("over") != over:  # re-polishing is the costly part: only when it turns
            self.counter.setProperty("over", over)
            self.counter.style().unpolish(self.counter)
            self.counter.style().polish(self.counter)


class ScriptEditor(QWidget):
    apply_requested = Signal(dict, frozenset)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original: dict[str, Any] | None = None
        self._loading = False
        self._cards: list[_SceneCard] = []
        self._pending: list[tuple[int, dict[str, Any]]] = []  # scenes whose cards are still to make
        self._more_cards = QTimer(self, singleShot=True, interval=0)
        self._more_cards.timeout.connect(self._on_more_cards)

        self.tabs = QTabWidget(documentMode=True)
        self.scenes_box = QWidget()
        self.scenes_layout = QVBoxLayout(self.scenes_box)
        self.scenes_layout.setContentsMargins(0, 8, 4, 8)
        self.scenes_layout.setSpacing(8)
        self.empty_note = QLabel("The script appears here once the article is analysed.", objectName="Muted")
        self.scenes_layout.addWidget(self.empty_note)
        self.scenes_layout.addStretch()
        self.tabs.addTab(self._scrolled(self.scenes_box), "Scenes")

        self.title_fields = [QLineEdit() for _ in range(3)]
        self.description = _TextBox(3)
        self.hashtags = QLineEdit(placeholderText="#Word #Another")
        titles = QWidget()
        form = QFormLayout(titles)
        form.setContentsMargins(0, 8, 4, 8)
        for n, field in enumerate(self.title_fields, 1):
            form.addRow(f"Title {n}", field)
        form.addRow("Description", self.description)
        form.addRow("Hashtags", self.hashtags)
        self.tabs.addTab(self._scrolled(titles), "Titles")

        self.platform_fields: dict[str, _Counted] = {}
        posts = QWidget()
        posts_form = QFormLayout(posts)
        posts_form.setContentsMargins(0, 8, 4, 8)
        for key, label, limit, measure, multiline in PLATFORM_FIELDS:
            counted = _Counted(_TextBox(3) if multiline else QLineEdit(), limit, measure)
            self.platform_fields[key] = counted
            posts_form.addRow(label, counted)
        self.tabs.addTab(self._scrolled(posts), "Posts")

        for field in [*self.title_fields, self.hashtags, self.description]:
            field.textChanged.connect(self._on_edited)
        for counted in self.platform_fields.values():
            counted.field.textChanged.connect(self._on_edited)

        # The note is elided and the buttons keep their place while hidden: typing never moves the layout.
        self.change_note = ElidedLabel(objectName="Muted")
        self.discard_button = QPushButton("Discard changes")
        self.discard_button.clicked.connect(self._on_discard)
        self.apply_button = QPushButton("Save")
        self.apply_button.setProperty("primary", True)
        self.apply_button.clicked.connect(self._on_apply)
        for button in (self.discard_button, self.apply_button):
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
        self.apply_button.setMinimumWidth(self.apply_button.fontMetrics().horizontalAdvance("Re-voice and redraw") + 48)
        bottom = QHBoxLayout()
        bottom.addWidget(self.change_note, 1)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.load(None, editable=False)

    @staticmethod
    def _scrolled(inner: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(inner)
        return area

    # -- loading -------------------------------------------------------------------------------------

    def load(self, script: dict[str, Any] | None, *, editable: bool) -> None:
        self._loading = True
        self._original = copy.deepcopy(script) if script else None
        self._build_scenes(script["scenes"] if script else [])
        titles = list(script["titles"]) if script else []
        for n, field in enumerate(self.title_fields):
            _set_text(field, titles[n] if n < len(titles) else "")
        _set_text(self.description, script["description"] if script else "")
        _set_text(self.hashtags, " ".join(script["hashtags"]) if script else "")
        platforms = script["platforms"] if script else {}
        for key, counted in self.platform_fields.items():
            _set_text(counted.field, platforms.get(key, ""))
            counted.update_count()
        self._loading = False
        self.setEnabled(script is not None)
        for widget in self._all_fields():
            if widget.isReadOnly() == editable:
                widget.setReadOnly(not editable)
        self._on_edited()

    def _build_scenes(self, scenes: list[dict[str, Any]]) -> None:
        """Show these scenes: the cards already made take their text (a field whose text is the
        same is left alone, so its cursor and undo stay); missing cards are made the first
        ``FIRST_CARDS`` now and the rest a few per event-loop turn, so no turn is long."""
        cards = self._cards
        for card in cards[len(scenes):]:
            card.hide()  # gone from the screen now, deleted when the event loop gets to it
            card.deleteLater()
        del cards[len(scenes):]
        for card, scene in zip(cards, scenes):
            card.show_scene(scene)
        self._pending = list(enumerate(scenes))[len(cards):]
        self.empty_note.setVisible(not scenes)
        self._add_cards(FIRST_CARDS)
        if self._pending:
            self._more_cards.start()

    def _add_cards(self, how_many: int) -> None:
        for _ in range(min(how_many, len(self._pending))):
            number, scene = self._pending.pop(0)
            card = _SceneCard(number + 1)
            card.show_scene(scene)
            card.set_read_only(self.hashtags.isReadOnly())
            card.headline.textChanged.connect(self._on_edited)
            card.narration.textChanged.connect(self._on_edited)
            self.scenes_layout.insertWidget(len(self._cards), card)
            self._cards.append(card)

    @Slot()
    def _on_more_cards(self) -> None:
        self._add_cards(CARDS_PER_TURN)
        if self._pending:
            self._more_cards.start()

    @property
    def building(self) -> bool:
        """Whether scene cards are still being made (a few per event-loop turn)."""
        return bool(self._pending)

    def finish_building(self) -> None:
        """Make the remaining scene cards now."""
        self._more_cards.stop()
        self._add_cards(len(self._pending))

    @property
    def _scene_fields(self) -> list[tuple[QLineEdit, QPlainTextEdit]]:
        return [(card.headline, card.narration) for card in self._cards]

    def _all_fields(self):
        yield from self.title_fields
        yield self.description
        yield self.hashtags
        for counted in self.platform_fields.values():
            yield counted.field
        for headline, narration in self._scene_fields:
            yield headline
            yield narration

    # -- editing ---------------------------------------------------------------------------------------------

    def scene_fields(self) -> list[tuple[QLineEdit, QPlainTextEdit]]:
        """Every scene's (headline, narration) fields; cards still to be made are made now."""
        self.finish_building()
        return list(self._scene_fields)

    def edited_script(self) -> dict[str, Any]:
        assert self._original is not None
        script = copy.deepcopy(self._original)
        fields = self._scene_fields
        for n, scene in enumerate(script["scenes"]):  # a card not made yet shows the scene as loaded
            headline, narration = (fields[n][0].text(), fields[n][1].toPlainText()) if n < len(fields) else \
                (scene["headline"], scene["narration"])
            scene["headline"], scene["narration"] = _one_line(headline), _one_line(narration)
        script["narration"] = " ".join(s["narration"] for s in script["scenes"])
        script["titles"] = [_one_line(f.text()) for f in self.title_fields if f.text().strip()]
        script["description"] = self.description.toPlainText().strip()
        script["hashtags"] = [t if t.startswith("#") else f"#{t}" for t in self.hashtags.text().split()]
        script["platforms"] = {key: counted.text().strip() for key, counted in self.platform_fields.items()}
        return script

    def redo_for_edits(self) -> frozenset[Stage] | None:
        """The stages the edits call for; None when nothing changed."""
        if self._original is None:
            return None
        edited = self.edited_script()
        before, after = self._original["scenes"], edited["scenes"]
        redo: frozenset[Stage] = frozenset()
        if [_one_line(s["narration"]) for s in before] != [s["narration"] for s in after]:
            redo |= REDO_AFTER_NARRATION_EDIT
        if [_one_line(s["headline"]) for s in before] != [s["headline"] for s in after]:
            redo |= REDO_AFTER_HEADLINE_EDIT
        if redo or _comparable(edited) != _comparable(self._original):
            return redo
        return None

    def has_unsaved_edits(self, stored: dict[str, Any] | None) -> bool:
        """Edits that differ from both the loaded script and ``stored`` (what the job holds now)."""
        if self.redo_for_edits() is None:
            return False
        return stored is None or _comparable(self.edited_script()) != _comparable(stored)

    @Slot()
    def _on_edited(self) -> None:
        if self._loading:
            return
        redo = self.redo_for_edits()
        changed = redo is not None
        # The buttons appear with the first edit, so an unedited script reads calmly.
        self.apply_button.setVisible(changed)
        self.discard_button.setVisible(changed)
        self.apply_button.setEnabled(changed and not self.hashtags.isReadOnly())
        narration = Stage.NARRATE in (redo or ())
        headlines = Stage.VISUALIZE in (redo or ())
        if narration and headlines:
            text, note = "Re-voice and redraw", "Narration and headlines changed: new voice, cards and videos."
        elif narration:
            text, note = "Re-voice", "Narration changed: re-voice to hear it; the videos are made again."
        elif headlines:
            text, note = "Redraw", "Headlines changed: redraw the cards; the videos are made again."
        else:
            text, note = "Save", "Text changed: saved without making anything again." if changed else ""
        self.apply_button.setText(text)
        self.apply_button.setIcon(icons.icon("voice" if narration else "redraw" if headlines else "approve", "accent_text"))
        self.change_note.setText(note)

    def _on_apply(self) -> None:
        redo = self.redo_for_edits()
        if redo is not None:
            self.apply_requested.emit(self.edited_script(), redo)

    def _on_discard(self) -> None:
        self.load(self._original, editable=not self.hashtags.isReadOnly())

    def discard(self) -> None:
        self._on_discard()


def _comparable(script: dict[str, Any]) -> dict[str, Any]:
    """The script with tuples as lists and text as typed, so equal content compares equal."""
    data = copy.deepcopy(script)
    data["titles"] = [_one_line(t) for t in data["titles"]]
    data["hashtags"] = list(data["hashtags"])
    data["description"] = data["description"].strip()
    data["platforms"] = {k: v.strip() for k, v in data["platforms"].items()}
    for scene in data["scenes"]:
        scene["headline"], scene["narration"] = _one_line(scene["headline"]), _one_line(scene["narration"])
        scene["keywords"] = list(scene.get("keywords", []))
    data["narration"] = _one_line(data["narration"])
    return data
