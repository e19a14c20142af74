"""All three formats of a job side by side, playing in step.

The 16:9, 9:16 and 1:1 videos each have a ``QMediaPlayer``; one play/pause,
one slider and the same keys as the single player (Space/K, J/L, the arrows)
drive all three. The first format present leads: it carries the sound and the
others follow its clock (three decoders never stay frame-exact on their own). A
follower more than ``IN_STEP_MS`` off plays a little faster or slower until it is
back in step; only one more than ``JUMP_MS`` off is moved to the leader's place,
since every seek makes its decoder start again from a keyframe and fall further
behind (seeking at every drift held followers at 6–9 frames a second). Pausing
lines the three up on the same frame.

Each picture is painted from the frames its ``QVideoSink`` delivers, scaled to
the pane, so the panes keep their shapes at one height and ``grab()`` shows what
the creator sees (a ``QVideoWidget`` is a native surface that grabs blank).

``SideBySide`` puts the single player and the grid in one place: the "All three"
button under the player, or G, shows the grid; "One at a time" (or G again)
goes back, at the same place in the video.

Signals:
    FormatGrid.position_changed(int): the leading video's place, in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from . import icons, theme
from .formatting import duration
from .frame_scaler import FrameScaler
from .video_player import FORMATS, LABELS, POSTER_MAX, SEEK_LONG_MS, SEEK_SHORT_MS, VideoPlayer, _sound_output, _thumbnail

IN_STEP_MS = 40  # a follower closer than this to the leader plays at normal speed
JUMP_MS = 1_000  # one further than this is moved to the leader's place
CATCH_UP_MS = 1_000  # a follower this far behind plays twice as fast (and half as fast this far ahead)
RATES = (0.5, 2.0)
SHAPES = {"16x9": 16 / 9, "9x16": 9 / 16, "1x1": 1.0}


class FramePane(QWidget):
    """One format's picture: its newest frame, else its thumbnail, else a line saying there is none.

    Frames are converted and scaled to the pane by a ``FrameScaler`` on its own
    thread; the GUI thread only paints the small picture that comes back.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.scaler = FrameScaler(name, self)
        self.scaler.scaled.connect(self._on_scaled)
        self._generation = 0  # pictures asked for before the last load or stop are dropped
        self._image: QImage | None = None
        self._last_painted: QImage | None = None
        self._poster: QImage | None = None
        self.caption = LABELS[name]
        self.frame_size = QSize()  # the newest frame's own size
        self.frames_shown = 0  # how many frames reached this pane since it was loaded
        self.frames_painted = 0  # how many different pictures of them were painted (the scaler skips some)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(60, 120)
        self.setToolTip(f"The {LABELS[name]} video")

    def load(self, poster: Path | None, has_video: bool) -> None:
        self.caption = LABELS[self.name] if has_video or poster is None else f"{LABELS[self.name]} · thumbnail only, no video"
        self.frames_shown = self.frames_painted = 0
        image = _thumbnail(poster, POSTER_MAX).toImage() if poster else None
        self._poster = image if image is not None and not image.isNull() else None
        self.show_poster()

    def show_poster(self) -> None:
        self._generation += 1
        self._image = None
        self.update()

    def _box(self) -> QRect:
        return self.rect().adjusted(2, 2, -2, -22)

    @Slot(QVideoFrame)
    def _on_frame(self, frame: QVideoFrame) -> None:
        if frame.isValid():
            self.frames_shown += 1
            self.frame_size = frame.size()
            self.scaler.submit(frame, self._box().size() * self.devicePixelRatioF(), self._generation)

    @Slot(QImage, int)
    def _on_scaled(self, image: QImage, generation: int) -> None:
        if generation == self._generation:
            self._image = image
            self.update()

    @property
    def showing_frame(self) -> bool:
        return self._image is not None

    def picture(self) -> QImage | None:
        """What the pane shows: the newest frame's picture, else the thumbnail."""
        return self._image if self._image is not None else self._poster

    def paintEvent(self, event: QPaintEvent) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor(t.player))
        image = self.picture()
        box = self._box()
        if image is not None:
            size = QSize(image.width(), image.height()).scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = box.x() + (box.width() - size.width()) / 2
            y = box.y() + (box.height() - size.height()) / 2
            painter.drawImage(QRectF(x, y, size.width(), size.height()), image)
            if image is self._image and image is not self._last_painted:  # a new picture, not a repaint
                self.frames_painted += 1
                self._last_painted = image
        else:
            painter.setPen(QColor(t.muted))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, f"No {LABELS[self.name]} video")
        painter.setPen(QColor(t.muted))
        painter.drawText(self.rect().adjusted(0, 0, 0, -3), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                         self.caption)
        painter.end()


class FormatGrid(QWidget):
    position_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.panes = {name: FramePane(name) for name in FORMATS}
        self.players: dict[str, QMediaPlayer] = {}
        for name, pane in self.panes.items():
            player = QMediaPlayer(self)
            player.setVideoSink(pane.sink)
            player.mediaStatusChanged.connect(lambda status, p=player: self._on_any_status(p, status))
            self.players[name] = player
        self._videos: dict[str, Path] = {}
        self._lead: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._sound_checked = False
        self._start_at: tuple[int, bool] | None = None  # once the leader has loaded: where, and whether to play

        screens = QHBoxLayout()
        screens.setSpacing(8)
        for name, pane in self.panes.items():
            screens.addWidget(pane, round(SHAPES[name] * 100))  # equal heights: widths in proportion to the shapes
        self.play_button = QToolButton(toolTip="Play all three")
        self.play_button.setIcon(icons.icon("play"))
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(self.set_position)
        self.time = QLabel("0:00 / 0:00", objectName="TimeLabel")
        self.one_button = QToolButton(text="One at a time", toolTip="Back to one format at a time (G)")
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        controls.addWidget(self.one_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(screens, 1)
        layout.addLayout(controls)
        for keys, slot in (("Space", self.toggle_play), ("K", self.toggle_play), ("J", lambda: self.seek(-SEEK_LONG_MS)),
                           ("L", lambda: self.seek(SEEK_LONG_MS)), ("Left", lambda: self.seek(-SEEK_SHORT_MS)),
                           ("Right", lambda: self.seek(SEEK_SHORT_MS))):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.load({}, {})

    # -- what to show ------------------------------------------------------------------------------

    def load(self, videos: dict[str, Path], thumbnails: dict[str, Path]) -> None:
        """The job's videos and thumbnails by format; missing ones show their thumbnail or say so."""
        self.stop()
        if self._lead is not None:
            self._disconnect_lead()
        self._videos = {k: v for k, v in videos.items() if k in self.players and v.exists()}
        for name, player in self.players.items():
            player.setSource(QUrl())  # the same file name after a re-voice must be read again
            video = self._videos.get(name)
            player.setSource(QUrl.fromLocalFile(str(video)) if video else QUrl())
            thumb = thumbnails.get(name)
            self.panes[name].load(thumb if thumb and thumb.exists() else None, video is not None)
        lead = next((n for n in FORMATS if n in self._videos), None)
        self._lead = self.players[lead] if lead else None
        if self._lead is not None:
            self._lead.durationChanged.connect(self._on_duration_changed)
            self._lead.positionChanged.connect(self._on_position_changed)
            self._lead.playbackStateChanged.connect(self._on_playback_changed)
            self._lead.mediaStatusChanged.connect(self._on_media_status)
            if self._audio is not None:
                self._lead.setAudioOutput(self._audio)
        self.play_button.setEnabled(self._lead is not None)
        self.slider.setEnabled(self._lead is not None)
        self.slider.setRange(0, 0)
        self._on_position_changed(0)

    def _disconnect_lead(self) -> None:
        lead = self._lead
        lead.durationChanged.disconnect(self._on_duration_changed)
        lead.positionChanged.disconnect(self._on_position_changed)
        lead.playbackStateChanged.disconnect(self._on_playback_changed)
        lead.mediaStatusChanged.disconnect(self._on_media_status)
        lead.setAudioOutput(None)
        self._lead = None

    @property
    def formats(self) -> list[str]:
        """The formats that have a video to play."""
        return [n for n in FORMATS if n in self._videos]

    @property
    def position_ms(self) -> int:
        return self._lead.position() if self._lead is not None else 0

    @property
    def duration_ms(self) -> int:
        return self._lead.duration() if self._lead is not None else 0

    @property
    def playing(self) -> bool:
        return self._lead is not None and self._lead.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def positions(self) -> dict[str, int]:
        return {name: self.players[name].position() for name in self.formats}

    # -- playing ---------------------------------------------------------------------------------------

    def start_at(self, position_ms: int, playing: bool) -> None:
        """Go to a place (and play from it), now or as soon as the leading video has loaded."""
        if self._lead is None:
            return
        if self._lead.mediaStatus() in (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.NoMedia):
            self._start_at = (position_ms, playing)
            return
        self.set_position(position_ms)
        self.play() if playing else self._pause_all()

    @Slot()
    def toggle_play(self) -> None:
        self._pause_all() if self.playing else self.play()

    def play(self) -> None:
        if self._lead is None:
            return
        if not self._sound_checked:
            self._sound_checked = True
            self._audio = _sound_output()
            if self._audio is not None:
                self._audio.setParent(self)
                self._lead.setAudioOutput(self._audio)
        position = self._lead.position()
        for player in self._followers():
            player.setPlaybackRate(1.0)
            if abs(player.position() - position) > IN_STEP_MS:
                player.setPosition(position)
        for name in self.formats:
            self.players[name].play()

    def _pause_all(self) -> None:
        for name in self.formats:
            self.players[name].pause()  # from stopped, this shows the frame at the place
        if self._lead is not None:
            position = self._lead.position()
            for player in self._followers():  # the same moment in all three
                player.setPlaybackRate(1.0)
                player.setPosition(position)

    def _followers(self) -> list[QMediaPlayer]:
        return [self.players[n] for n in self.formats if self.players[n] is not self._lead]

    def _steer(self, player: QMediaPlayer, lead_ms: int) -> None:
        """Bring a follower back in step by its speed; a jump only when it is far off."""
        apart = player.position() - lead_ms  # > 0: ahead of the leader
        if abs(apart) > JUMP_MS:
            player.setPosition(lead_ms)
            rate = 1.0
        elif abs(apart) <= IN_STEP_MS:
            rate = 1.0
        else:
            low, high = RATES
            rate = min(high, max(low, 2 ** (-apart / CATCH_UP_MS)))
        if abs(player.playbackRate() - rate) > 0.02:
            player.setPlaybackRate(rate)

    @Slot(int)
    def set_position(self, ms: int) -> None:
        for name in self.formats:
            self.players[name].setPosition(ms)

    def seek(self, delta_ms: int) -> None:
        if self._lead is None:
            return
        self.set_position(max(0, min(self._lead.duration(), self._lead.position() + delta_ms)))
        if self._lead.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
            self._pause_all()

    def stop(self) -> None:
        self._start_at = None
        for player in self.players.values():
            player.stop()
        for pane in self.panes.values():
            pane.show_poster()

    # -- keeping the three and the controls in step ----------------------------------------------------

    @Slot("qint64")
    def _on_duration_changed(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self._on_position_changed(self.position_ms)

    @Slot("qint64")
    def _on_position_changed(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{duration(ms)} / {duration(self.duration_ms)}")
        if self.playing:
            for player in self._followers():
                self._steer(player, ms)
        self.position_changed.emit(ms)

    @Slot(QMediaPlayer.PlaybackState)
    def _on_playback_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icons.icon("media-pause" if playing else "play"))
        self.play_button.setToolTip("Pause all three" if playing else "Play all three")
        if state == QMediaPlayer.PlaybackState.StoppedState:
            for name in self.formats:
                self.players[name].stop()

    def _on_any_status(self, player: QMediaPlayer, status: QMediaPlayer.MediaStatus) -> None:
        """A follower that finishes loading after the leader was moved or started joins it there."""
        lead = self._lead
        if status != QMediaPlayer.MediaStatus.LoadedMedia or lead is None or player is lead or self._start_at is not None:
            return
        state = lead.playbackState()
        if state == QMediaPlayer.PlaybackState.StoppedState:
            return
        player.setPosition(lead.position())
        player.play() if state == QMediaPlayer.PlaybackState.PlayingState else player.pause()

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.stop()
        elif status == QMediaPlayer.MediaStatus.LoadedMedia and self._start_at is not None:
            position, playing = self._start_at
            self._start_at = None
            self.start_at(position, playing)


class SideBySide(QWidget):
    """The one-format player, or all three formats at once, in the same place."""

    def __init__(self, player: VideoPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.grid = FormatGrid()
        self.grid.hide()
        # What the grid is to show, kept until it is shown: its three players and posters cost
        # the window tens of milliseconds at every stage a job finishes (bench/ui_responsiveness.py).
        self._pending: tuple[dict, dict] | None = None
        self.all_button = QToolButton(text="All three", checkable=True, objectName="FormatButton",
                                      toolTip="See the 16:9, 9:16 and 1:1 videos side by side, playing together (G)")
        player.add_choice(self.all_button)
        self.all_button.toggled.connect(self.show_all)
        self.grid.one_button.clicked.connect(lambda: self.show_all(False))
        player.media_loaded.connect(self._on_media_loaded)
        shortcut = QShortcut(QKeySequence("G"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.show_all(not self.showing_all))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(player, 1)
        layout.addWidget(self.grid, 1)

    @property
    def showing_all(self) -> bool:
        return not self.grid.isHidden()

    @Slot(bool)
    def show_all(self, on: bool) -> None:
        """Switch between one format and all three, keeping the place in the video and whether it plays."""
        if on == self.showing_all:
            return
        if on:
            position = self.player.player.position()
            playing = self.player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
            self.player.stop()
            self.player.hide()
            if self._pending is not None:
                self.grid.load(*self._pending)
                self._pending = None
            self.grid.show()
            self.grid.setFocus()
            if position > 0 or playing:
                self.grid.start_at(position, playing)
        else:
            position, playing = self.grid.position_ms, self.grid.playing
            self.grid.stop()
            self.grid.hide()
            self.player.show()
            self.player.setFocus()
            if position > 0 or playing:
                self.player.go_to(position, playing)
        self.all_button.setChecked(on)

    @Slot(dict, dict)
    def _on_media_loaded(self, videos: dict, thumbnails: dict) -> None:
        if self.showing_all:
            self._pending = None
            self.grid.load(videos, thumbnails)
        else:
            self.grid.stop()  # nothing plays unseen
            self._pending = (videos, thumbnails)
