"""The shot list's data: what the runner reads for it (the shots and a still of each), and
the Qt model the strip shows, one row per shot in planned order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from ..pipeline import shot_edits
from . import theme

TILE = QSize(96, 96)  # the still's box
PHOTO_ICON = QSize(64, 64)


@dataclass(frozen=True)
class Loaded:
    """What the worker read: the shots, and their stills as QImages (safe off the GUI thread)."""

    shots: shot_edits.ShotList
    stills: tuple[QImage | None, ...]  # per row
    photos: tuple[QImage | None, ...]  # per article photo


def _qimage(picture: Image.Image | None) -> QImage | None:
    if picture is None:
        return None
    rgb = picture.convert("RGB")
    return QImage(rgb.tobytes("raw", "RGB"), rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


def read(ws, job_id: int) -> Loaded:
    """In the runner: the job's shots and a still of each."""
    shots = shot_edits.load(ws, job_id)
    job_dir = ws.paths.job_dir(job_id)
    stills = tuple(_qimage(shot_edits.thumbnail(job_dir, shots.frames, row.frame, TILE.width()))
                   if shots.frames is not None and not row.removed else None for row in shots.rows)
    photos = []
    for photo in shots.photos:
        try:
            with Image.open(job_dir / photo.path) as image:
                image.thumbnail((PHOTO_ICON.width(), PHOTO_ICON.height()))
                photos.append(_qimage(image))
        except OSError:
            photos.append(None)
    return Loaded(shots, stills, tuple(photos))


class ShotListModel(QAbstractListModel):
    """One row per shot, in planned order (a removed shot keeps its place, greyed)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.loaded: Loaded | None = None
        self._pixmaps: list[QPixmap] = []

    def set_loaded(self, loaded: Loaded | None) -> None:
        self.beginResetModel()
        self.loaded = loaded
        self._pixmaps = [self._tile(still, row.removed) for still, row in
                         zip(loaded.stills, loaded.shots.rows)] if loaded else []
        self.endResetModel()

    def row_at(self, index: QModelIndex) -> shot_edits.ShotRow | None:
        if self.loaded is None or not index.isValid() or index.row() >= len(self.loaded.shots.rows):
            return None
        return self.loaded.shots.rows[index.row()]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.loaded is None else len(self.loaded.shots.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(QModelIndex(index))
        if row is None:
            return None
        shot = row.shot
        if role == Qt.ItemDataRole.DisplayRole:
            kind = "Removed" if row.removed else row.kind_name.capitalize()
            lines = [f"{row.number} · {kind}", f"{shot.start:.1f}–{shot.end:.1f} s"]
            if row.pending:
                lines.append(f"→ {row.pending.split(' → ')[-1]}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmaps[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            shows = shot_edits.describe(shot, self.loaded.shots.photos)
            tip = f"Shot {row.number}: {row.kind_name}, {shot.start:.1f}–{shot.end:.1f} s\n{shows}"
            if shot.words:
                tip += f"\nWords: {shot.words}"
            if row.pending:
                tip += f"\nAfter a re-render: {row.pending}"
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and row.removed:
            return QColor(theme.current().muted)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Shot {row.number}, {'removed' if row.removed else row.kind_name}"
        return None

    @staticmethod
    def _tile(still: QImage | None, removed: bool) -> QPixmap:
        """The still centred in a fixed box, so the strip's tiles line up."""
        tile = QPixmap(TILE)
        tile.fill(Qt.GlobalColor.transparent)
        painter = QPainter(tile)
        if still is None:
            painter.fillRect(tile.rect().adjusted(16, 8, -16, -8), QColor(theme.current().muted).lighter(150))
            painter.drawText(tile.rect(), Qt.AlignmentFlag.AlignCenter, "removed" if removed else "no picture")
        else:
            picture = QPixmap.fromImage(still).scaled(TILE, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation)
            painter.drawPixmap((TILE.width() - picture.width()) // 2, (TILE.height() - picture.height()) // 2, picture)
        painter.end()
        return tile
