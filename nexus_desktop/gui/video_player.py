"""A job's videos, one format at a time, with the thumbnail as a poster and its narration.

``QMediaPlayer`` plays into a ``QVideoWidget``; frames can be watched through
``video_sink()``. Nothing touches the audio devices until the creator presses
play, and without a sound output the video plays silently.

Keys (while the player has focus; a click on the picture gives it): Space or K
play and pause, J and L go 10 s back and forward, the arrow keys 5 s, F full
screen (Esc leaves it). Switching format keeps the place in the video; loading
the same files again (after a re-voice or redraw) reads them afresh.

Signals:
    duration_known(int): the loaded video's length, in milliseconds.
    media_loaded(dict, dict): the videos and thumbnails (by format) just loaded, those on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QKeySequence, QMouseEvent, QPixmap, QResizeEvent, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoSink
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import icons
from .formatting import duration

FORMATS = ("16x9", "9x16", "1x1")
LABELS = {"16x9": "16:9", "9x16": "9:16", "1x1": "1:1"}


SEEK_SHORT_MS, SEEK_LONG_MS = 5_000, 10_000
POSTER_MAX = QSize(720, 720)  # decoded at most this big: a full-size thumbnail takes tens of ms


def read_image(path: Path, bound: QSize) -> QImage:
    """The image decoded straight to a size that fits ``bound`` (JPEG decodes scaled for free).
    A QImage, not a pixmap: this may run on any thread."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and (size.width() > bound.width() or size.height() > bound.height()):
        reader.setScaledSize(size.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def _thumbnail(path: Path, bound: QSize) -> QPixmap:
    return QPixmap.fromImage(read_image(path, bound))


def _file_key(path: Path) -> tuple[str, int, int] | None:
    """What tells a file from the one it replaced under the same name; None when it is missing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


# Runs work (off the window's thread) and calls back on the window's thread with its result.
InBackground = Callable[[Callable[[], object], Callable[[object], None]], None]


def _sound_output() -> QAudioOutput | None:
    return QAudioOutput() if QMediaDevices.audioOutputs() else None


class VideoPlayer(QWidget):
    duration_known = Signal(int)
    media_loaded = Signal(dict, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._videos: dict[str, Path] = {}
        self._thumbs: dict[str, Path] = {}
        self._narration: Path | None = None
        self._format = "9x16"
        self._poster_image: QImage | None = None
        self._poster_key: tuple[str, int, int] | None = None  # the file shown, or being decoded
        # Set by the window: posters are decoded there (the runner's read lane), not on this thread.
        self.in_background: InBackground | None = None
        self._sound_checked = False
        self._audio: QAudioOutput | None = None
        self._narration_player: QMediaPlayer | None = None
        self._resume_at: tuple[int, bool] | None = None  # after a format switch: where, and whether playing
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.player = QMediaPlayer(self)
        self.video = QVideoWidget()
        self.video.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.player.setVideoOutput(self.video)
        self.player.durationChanged.connect(self._on_duration_changed)
        self.player.positionChanged.connect(self._on_position_changed)
        self.player.playbackStateChanged.connect(self._on_playback_changed)
        self.player.mediaStatusChanged.connect(self._on_media_status)

        self.poster = QLabel(objectName="Poster", alignment=Qt.AlignmentFlag.AlignCenter)
        self.poster.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        # Poster and video share one place and take turns by visibility (a stacked
        # widget would raise() the video's native window, which some platforms refuse).
        self.screen = QWidget(objectName="PlayerFrame")
        self.screen.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.screen.setMinimumHeight(236)  # the whole preview, Approve row included, fits a 720 px window
        place = QGridLayout(self.screen)
        place.setContentsMargins(0, 0, 0, 0)
        place.addWidget(self.poster, 0, 0)
        place.addWidget(self.video, 0, 0)
        self.video.hide()

        self.play_button = QToolButton(toolTip="Play")
        self.play_button.setIcon(icons.icon("play"))
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(self.player.setPosition)
        self.time = QLabel("0:00 / 0:00", objectName="TimeLabel")
        self.format_buttons = QButtonGroup(self)
        self.format_buttons.setExclusive(True)
        formats = QHBoxLayout()
        formats.setSpacing(4)
        for name in FORMATS:
            button = QToolButton(text=LABELS[name], checkable=True, objectName="FormatButton")
            button.setToolTip(f"Show the {LABELS[name]} video")
            button.clicked.connect(lambda _=False, n=name: self.set_format(n))
            self.format_buttons.addButton(button)
            formats.addWidget(button)
        self.narration_button = QToolButton(text="Narration", checkable=True)
        self.narration_button.setIcon(icons.icon("voice"))
        self.narration_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.narration_button.setToolTip("Play the narration alone")
        self.narration_button.toggled.connect(self._on_narration_toggled)
        # An icon, not the "⛶" character: no font here has it, and looking for one held the
        # window 6 ms the first time the controls showed (at the end of the first render).
        self.full_screen_button = QToolButton(toolTip="Full screen (F; Esc leaves it)")
        self.full_screen_button.setIcon(icons.icon("full-screen"))
        self.full_screen_button.clicked.connect(self.toggle_full_screen)
        for keys, slot in (("Space", self.toggle_play), ("K", self.toggle_play), ("J", lambda: self.seek(-SEEK_LONG_MS)),
                           ("L", lambda: self.seek(SEEK_LONG_MS)), ("Left", lambda: self.seek(-SEEK_SHORT_MS)),
                           ("Right", lambda: self.seek(SEEK_SHORT_MS)), ("F", self.toggle_full_screen)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self.controls = QWidget()
        controls = QHBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        controls.addWidget(self.full_screen_button)
        self.choices = QWidget()
        under = QHBoxLayout(self.choices)
        under.setContentsMargins(0, 0, 0, 0)
        under.addLayout(formats)
        under.addStretch()
        under.addWidget(self.narration_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.screen, 1)
        layout.addWidget(self.controls)
        layout.addWidget(self.choices)
        self.clear()

    # -- what to show ------------------------------------------------------------------------------

    def load(self, videos: dict[str, Path], thumbnails: dict[str, Path], narration: Path | None) -> None:
        self._videos = {k: v for k, v in videos.items() if v.exists()}
        self._thumbs = {k: v for k, v in thumbnails.items() if v.exists()}
        self._narration = narration if narration and narration.exists() else None
        self.narration_button.setEnabled(self._narration is not None)
        for button in self.format_buttons.buttons():
            name = next(n for n, label in LABELS.items() if label == button.text())
            button.setEnabled(name in self._videos or name in self._thumbs)
        # Nothing made yet: no controls to press, only the poster saying so.
        self.controls.setVisible(bool(self._videos))
        self.choices.setVisible(bool(self._videos or self._thumbs or self._narration))
        available = [f for f in FORMATS if f in self._videos] or [f for f in FORMATS if f in self._thumbs]
        self.set_format(self._format if self._format in available or not available else available[0])
        self.media_loaded.emit(dict(self._videos), dict(self._thumbs))

    def add_choice(self, widget: QWidget) -> None:
        """Another control in the row under the picture, after the format buttons."""
        self.choices.layout().insertWidget(1, widget)

    def clear(self) -> None:
        self.load({}, {}, None)

    def set_format(self, name: str) -> None:
        """Show another format, at the same place in the video (playing on if it played)."""
        position = self.player.position()
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self._format = name
        for button in self.format_buttons.buttons():
            button.setChecked(button.text() == LABELS[name])
        self.player.stop()
        video = self._videos.get(name)
        self._resume_at = (position, playing) if video is not None and (position > 0 or playing) else None
        self.player.setSource(QUrl())  # the same file name after a re-voice must be read again
        self.player.setSource(QUrl.fromLocalFile(str(video)) if video else QUrl())
        self.play_button.setEnabled(video is not None)
        self.slider.setEnabled(video is not None)
        self._show_poster()

    @property
    def format(self) -> str:
        return self._format

    @property
    def duration_ms(self) -> int:
        return self.player.duration()

    def video_sink(self) -> QVideoSink:
        return self.video.videoSink()

    # -- playing ---------------------------------------------------------------------------------------

    @Slot()
    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            return
        self._attach_sound()
        self.narration_button.setChecked(False)
        self._show_video(True)
        self.player.play()

    def seek(self, delta_ms: int) -> None:
        if self._videos.get(self._format) is None:
            return
        end = max(0, self.player.duration())
        self.player.setPosition(max(0, min(end, self.player.position() + delta_ms)))
        if self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
            self._show_video(True)
            self.player.pause()  # shows the frame at the new place

    def go_to(self, position_ms: int, playing: bool) -> None:
        """Show the place in the video (and play from it), now or once the video has loaded."""
        if self._videos.get(self._format) is None:
            return
        if self.player.mediaStatus() in (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.NoMedia):
            self._resume_at = (position_ms, playing)
            return
        self._show_video(True)
        self.player.setPosition(position_ms)
        if playing:
            self._attach_sound()
            self.player.play()
        else:
            self.player.pause()

    def toggle_full_screen(self) -> None:
        if self._videos.get(self._format) is None:
            return
        if self.video.isFullScreen():
            self.video.setFullScreen(False)
            return
        self._show_video(True)
        self.video.setFullScreen(True)
        self.video.setFocus()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        super().mousePressEvent(event)

    def stop(self) -> None:
        self._resume_at = None
        self.player.stop()
        if self._narration_player is not None:
            self._narration_player.stop()

    def _attach_sound(self) -> None:
        if not self._sound_checked:
            self._sound_checked = True
            self._audio = _sound_output()
            if self._audio is not None:
                self._audio.setParent(self)
                self.player.setAudioOutput(self._audio)

    @Slot(bool)
    def _on_narration_toggled(self, on: bool) -> None:
        if not on:
            if self._narration_player is not None:
                self._narration_player.stop()
            return
        if self._narration_player is None:
            self._narration_player = QMediaPlayer(self)
            output = _sound_output()
            if output is None:
                self.narration_button.setChecked(False)
                self.narration_button.setToolTip("There is no sound output on this computer")
                return
            output.setParent(self._narration_player)
            self._narration_player.setAudioOutput(output)
            self._narration_player.mediaStatusChanged.connect(
                lambda status: self.narration_button.setChecked(False) if status == QMediaPlayer.MediaStatus.EndOfMedia else None)
        self.player.pause()
        self._narration_player.setSource(QUrl.fromLocalFile(str(self._narration)))
        self._narration_player.play()

    # -- keeping the controls in step ------------------------------------------------------------------

    @Slot("qint64")
    def _on_duration_changed(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self._on_position_changed(self.player.position())
        if ms > 0:
            self.duration_known.emit(ms)

    @Slot("qint64")
    def _on_position_changed(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{duration(ms)} / {duration(self.player.duration())}")

    @Slot(QMediaPlayer.PlaybackState)
    def _on_playback_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icons.icon("media-pause" if playing else "play"))
        self.play_button.setToolTip("Pause" if playing else "Play")

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._show_poster()
        elif status == QMediaPlayer.MediaStatus.LoadedMedia and self._resume_at is not None:
            position, playing = self._resume_at
            self._resume_at = None
            self._show_video(True)
            self.player.setPosition(position)
            if playing:
                self._attach_sound()
                self.player.play()
            else:
                self.player.pause()

    def _show_poster(self) -> None:
        """The format's thumbnail in place of the video; decoded once per file (again only when the
        file changes), in the background when the window offers it."""
        self._show_video(False)
        thumb = self._thumbs.get(self._format)
        key = _file_key(thumb) if thumb else None
        if key is not None and key == self._poster_key:
            return  # shown already, or on its way
        self._poster_key = key
        if key is None:
            self._set_poster(None)
        elif self.in_background is None:
            self._set_poster(read_image(thumb, POSTER_MAX))
        else:
            self.in_background(lambda: (key, read_image(thumb, POSTER_MAX)), self._on_poster_read)

    def _on_poster_read(self, read: tuple[tuple[str, int, int], QImage]) -> None:
        key, image = read
        if key == self._poster_key:  # not replaced meanwhile by another format or file
            self._set_poster(image)

    def _set_poster(self, image: QImage | None) -> None:
        self._poster_image = image if image is not None and not image.isNull() else None
        if self._poster_image is None:
            self.poster.setPixmap(QPixmap())
            self.poster.setText("No video yet" if not self._videos else "Press play to watch")
        self._scale_poster()

    def _show_video(self, on: bool) -> None:
        self.poster.setVisible(not on)
        self.video.setVisible(on)

    def _scale_poster(self) -> None:
        if self._poster_image is None:
            return
        size = self.screen.size() - QSize(8, 8)
        self.poster.setPixmap(QPixmap.fromImage(self._poster_image.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._scale_poster()
