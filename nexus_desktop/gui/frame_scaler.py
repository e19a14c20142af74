"""Video frames made into pictures off the GUI thread, newest first.

Converting a full-size frame to RGB and scaling it down takes tens of
milliseconds on the CPU (47 ms for a 1080p frame at load 20 on the 2-core
development machine), too long for the GUI thread three times per video frame.
A ``FrameScaler`` does it on its own thread and hands back a picture of the size
asked for; it only ever works on the newest frame, so frames it cannot keep up
with are skipped rather than queued, and it converts at most ``MAX_FPS``
pictures a second and works at most ``BUSY_SHARE`` of the time: three panes
converting every frame of three 30 fps videos would need more CPU than a
2-core machine has (all three playing stalled the window for up to 0.85 s at
load 26 before this cap). ``QVideoFrame.toImage`` releases the GIL
while it converts.

Signals:
    scaled(QImage, int): the newest frame as a picture, and the generation it was asked for.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat


MAX_FPS = 15  # pictures a second per pane, at most
BUSY_SHARE = 1 / 3  # of one core per pane, at most: three panes take one core between them


class _Work:
    """The thread's side: the newest frame waiting, and whether to stop (plain Python, outlives the QObject)."""

    def __init__(self) -> None:
        self.ready = threading.Condition()
        self.pending: tuple[QVideoFrame, QSize, int] | None = None
        self.stopping = False
        self.stopped = threading.Event()

    def take(self) -> tuple[QVideoFrame, QSize, int] | None:
        with self.ready:
            while self.pending is None and not self.stopping:
                self.ready.wait()
            if self.stopping:
                return None
            taken, self.pending = self.pending, None
            return taken

    def rest(self, seconds: float) -> None:
        """Wait, whatever frames arrive meanwhile (the newest replaces the one pending); only stopping ends it."""
        self.stopped.wait(seconds)

    def stop(self) -> None:
        with self.ready:
            self.stopping, self.pending = True, None
            self.stopped.set()
            self.ready.notify()


def _yuv420p_thinned(frame: QVideoFrame, bound: QSize) -> QImage | None:
    """A planar 4:2:0 frame read straight from its planes, every k-th pixel, into RGB (BT.709, TV
    range): the work grows with the picture asked for, not the frame (about 2 ms instead of 47 ms
    for 1080p into a pane). None when the frame is not such a frame or cannot be read."""
    width, height = frame.width(), frame.height()
    step = min(width // max(1, bound.width()), height // max(1, bound.height())) // 2 * 2  # even: chroma is halved
    if frame.pixelFormat() != QVideoFrameFormat.PixelFormat.Format_YUV420P or step < 2:
        return None
    if not frame.map(QVideoFrame.MapMode.ReadOnly):
        return None
    try:
        planes = [np.frombuffer(frame.bits(i), np.uint8, frame.mappedBytes(i)).reshape(-1, frame.bytesPerLine(i))
                  for i in range(3)]
        half = step // 2
        y = planes[0][:height:step, :width:step].astype(np.float32)
        u = planes[1][: (height + 1) // 2 : half, : (width + 1) // 2 : half][: y.shape[0], : y.shape[1]].astype(np.float32) - 128
        v = planes[2][: (height + 1) // 2 : half, : (width + 1) // 2 : half][: y.shape[0], : y.shape[1]].astype(np.float32) - 128
    finally:
        frame.unmap()
    y = (y - 16) * 1.164
    rgb = np.dstack((y + 1.793 * v, y - 0.213 * u - 0.533 * v, y + 2.112 * u))
    pixels = np.ascontiguousarray(np.clip(rgb, 0, 255).astype(np.uint8))
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: own the pixels


def picture(frame: QVideoFrame, bound: QSize) -> QImage:
    """The frame in RGB, scaled down to fit ``bound`` (never up)."""
    image = _yuv420p_thinned(frame, bound) if bound.isValid() else None
    image = image if image is not None else frame.toImage()
    if image.isNull() or not bound.isValid() or (image.width() <= bound.width() and image.height() <= bound.height()):
        return image
    return image.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class FrameScaler(QObject):
    scaled = Signal(QImage, int)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = _Work()
        emit = self.scaled.emit
        self._thread = threading.Thread(target=self._run, args=(self._work, emit), name=f"frames-{name}", daemon=True)
        self._thread.start()
        work = self._work
        self.destroyed.connect(lambda *_: work.stop())

    def submit(self, frame: QVideoFrame, bound: QSize, generation: int) -> None:
        """Make this frame the next one to convert (a frame still waiting is dropped)."""
        with self._work.ready:
            self._work.pending = (QVideoFrame(frame), QSize(bound), generation)
            self._work.ready.notify()

    def stop(self, timeout: float = 2.0) -> None:
        self._work.stop()
        self._thread.join(timeout)

    @staticmethod
    def _run(work: _Work, emit) -> None:
        while (taken := work.take()) is not None:
            frame, bound, generation = taken
            started = time.perf_counter()
            image = picture(frame, bound)
            if not image.isNull():
                try:
                    emit(image, generation)
                except RuntimeError:  # the scaler's QObject is gone with its pane
                    return
            spent = time.perf_counter() - started
            work.rest(max(1 / MAX_FPS - spent, spent * (1 / BUSY_SHARE - 1)))
