"""All three formats side by side: one play, pause and seek for the three videos, from the preview."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtMultimedia import QMediaPlayer

from nexus_desktop.gui import theme
from nexus_desktop.gui.format_grid import IN_STEP_MS, FormatGrid
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.preview_pane import media_paths
from nexus_desktop.runtime.events import Changed
from tests.gui_support import screenshot, select_job

RESIZING_OFFSCREEN = "This plugin does not support propagateSizeHints"
# Offscreen there is no GPU (Qt converts frames on the CPU and says so) and no sound server.
pytestmark = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN, "No RHI backend", "PulseAudioService: pa_context_connect")


@pytest.fixture
def media(ws, rendered_job):
    detail = ws.store.jobs.detail(rendered_job)
    videos, thumbs, _ = media_paths(ws.paths.job_dir(rendered_job), detail.results)
    return videos, thumbs


@pytest.fixture
def grid(qtbot, media):
    widget = FormatGrid()
    qtbot.addWidget(widget)
    widget.resize(900, 360)
    widget.show()
    widget.load(*media)
    qtbot.waitUntil(lambda: all(p.duration() > 0 for p in widget.players.values()), timeout=10_000)
    return widget


def pane_centre_colour(pane) -> QColor:
    image = pane.grab().toImage()
    return image.pixelColor(QPoint(image.width() // 2, (image.height() - 22) // 2))


def test_all_three_play_together_and_are_painted(qtbot, grid, tmp_path):
    before = {name: pane_centre_colour(pane) for name, pane in grid.panes.items()}
    grid.play_button.click()
    qtbot.waitUntil(lambda: all(p.frames_shown >= 5 and p.showing_frame for p in grid.panes.values()), timeout=10_000)
    assert grid.playing
    assert all(grid.players[n].playbackState() == QMediaPlayer.PlaybackState.PlayingState for n in grid.formats)
    sizes = {name: (pane.frame_size.width(), pane.frame_size.height()) for name, pane in grid.panes.items()}
    assert sizes == {"16x9": (192, 108), "9x16": (108, 192), "1x1": (144, 144)}
    assert all(p.frames_painted == 0 or p.picture().width() <= p.width() for p in grid.panes.values())
    path = screenshot(grid, tmp_path, "format-grid-playing")
    assert path.exists()
    background = QColor(theme.current().player)
    for name, pane in grid.panes.items():
        now = pane_centre_colour(pane)
        assert now != background, f"{name} shows nothing"
        assert now != before[name], f"{name} still shows its thumbnail"  # the test pattern, not the flat poster
    grid.play_button.click()
    qtbot.waitUntil(lambda: not grid.playing, timeout=5_000)
    assert all(grid.players[n].playbackState() == QMediaPlayer.PlaybackState.PausedState for n in grid.formats)
    positions = grid.positions()
    assert max(positions.values()) - min(positions.values()) <= IN_STEP_MS, positions  # paused on the same moment


def test_one_seek_moves_all_three(qtbot, grid):
    grid.set_position(1200)
    grid.seek(0)  # from stopped: shows the frame at the place
    qtbot.waitUntil(lambda: all(abs(p - 1200) < 80 for p in grid.positions().values()), timeout=5_000)
    qtbot.waitUntil(lambda: grid.time.text().startswith("0:01"), timeout=5_000)
    assert grid.slider.value() == grid.position_ms
    qtbot.keyClick(grid, Qt.Key.Key_Left)  # 5 s back: the start, for all three
    qtbot.waitUntil(lambda: all(p < 80 for p in grid.positions().values()), timeout=5_000)


def test_a_missing_video_shows_its_thumbnail_and_the_others_play(qtbot, media, tmp_path):
    videos, thumbs = media
    videos["1x1"].unlink()
    grid = FormatGrid()
    qtbot.addWidget(grid)
    grid.resize(900, 360)
    grid.show()
    grid.load(videos, thumbs)
    assert grid.formats == ["16x9", "9x16"]
    thumb = pane_centre_colour(grid.panes["1x1"])
    assert (thumb.red(), thumb.green(), thumb.blue()) == pytest.approx((0x2B, 0xB6, 0x73), abs=12)  # the green 1:1 poster
    grid.play()
    qtbot.waitUntil(lambda: grid.panes["9x16"].frames_shown >= 3 and grid.panes["16x9"].frames_shown >= 3, timeout=10_000)
    assert grid.panes["1x1"].frames_shown == 0
    assert grid.panes["1x1"].caption == "1:1 · thumbnail only, no video"
    screenshot(grid, tmp_path, "format-grid-missing-1x1")
    grid.stop()


def test_nothing_made_yet_says_so_and_cannot_play(qtbot):
    grid = FormatGrid()
    qtbot.addWidget(grid)
    grid.load({}, {})
    assert not grid.play_button.isEnabled() and not grid.slider.isEnabled()
    grid.toggle_play()  # Space with nothing loaded does nothing
    assert not grid.playing and grid.time.text() == "0:00 / 0:00"


@pytest.fixture
def preview(qtbot, ws, rendered_job):
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    select_job(qtbot, window, rendered_job)  # the preview reads the job in the runner
    return window.jobs_view.preview


def test_the_preview_switches_to_all_three_at_the_same_place_and_back(qtbot, preview, tmp_path):
    player, sides = preview.player, preview.side_by_side
    qtbot.waitUntil(lambda: player.duration_ms > 0, timeout=10_000)
    player.go_to(1000, False)
    qtbot.waitUntil(lambda: abs(player.player.position() - 1000) < 80, timeout=5_000)
    sides.all_button.click()
    assert sides.showing_all and player.isHidden() and sides.grid.isVisible()
    assert sides.grid.formats == ["16x9", "9x16", "1x1"]
    qtbot.waitUntil(lambda: all(abs(p - 1000) < 80 for p in sides.grid.positions().values()), timeout=5_000)
    qtbot.waitUntil(lambda: all(p.showing_frame for p in sides.grid.panes.values()), timeout=5_000)
    screenshot(preview.window(), tmp_path, "preview-all-three")
    sides.grid.set_position(1500)
    qtbot.waitUntil(lambda: abs(sides.grid.position_ms - 1500) < 80, timeout=5_000)
    qtbot.keyClick(sides.grid, Qt.Key.Key_G)  # back to one format, where the grid was
    assert not sides.showing_all and not player.isHidden() and not sides.all_button.isChecked()
    qtbot.waitUntil(lambda: abs(player.player.position() - 1500) < 80, timeout=5_000)
    assert player.format == "9x16"


def test_another_job_loads_into_the_grid(qtbot, preview, add_jobs):
    sides = preview.side_by_side
    sides.show_all(True)
    qtbot.waitUntil(lambda: sides.grid.duration_ms > 0, timeout=10_000)
    (other,) = add_jobs(1, ["Nothing made yet"])
    preview.window().ctx.runner.announce(Changed(added=True))
    with qtbot.waitSignal(preview.shown, timeout=10_000):
        preview.show_job(other)
    assert sides.grid.formats == [] and not sides.grid.play_button.isEnabled()


def test_the_hidden_grid_loads_nothing_until_it_is_shown(qtbot, preview):
    """Three players and three posters cost the window tens of ms at each stage's end: a grid
    nobody looks at waits, and shows the job when it is opened."""
    sides = preview.side_by_side
    qtbot.waitUntil(lambda: preview.player.duration_ms > 0, timeout=10_000)
    assert sides.grid.formats == [] and all(p.source().isEmpty() for p in sides.grid.players.values())
    sides.show_all(True)
    assert sides.grid.formats == ["16x9", "9x16", "1x1"]
    qtbot.waitUntil(lambda: sides.grid.duration_ms > 0, timeout=10_000)


def test_frames_are_scaled_down_off_the_gui_thread_to_the_size_asked(qtbot):
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage
    from PySide6.QtMultimedia import QVideoFrame

    from nexus_desktop.gui.frame_scaler import FrameScaler

    scaler = FrameScaler("16x9")
    image = QImage(1920, 1080, QImage.Format.Format_RGB32)
    image.fill(QColor("#1E6BFF"))
    with qtbot.waitSignal(scaler.scaled, timeout=5_000) as got:
        scaler.submit(QVideoFrame(image), QSize(400, 300), 7)
    picture, generation = got.args
    assert (picture.width(), picture.height(), generation) == (400, 225, 7)
    assert picture.pixelColor(200, 110) == QColor("#1E6BFF")
    small = QImage(192, 108, QImage.Format.Format_RGB32)
    with qtbot.waitSignal(scaler.scaled, timeout=5_000) as got:
        scaler.submit(QVideoFrame(small), QSize(400, 300), 8)
    assert got.args[0].size() == QSize(192, 108)  # never scaled up
    scaler.stop()
    assert not scaler._thread.is_alive()


def test_a_full_size_yuv_frame_is_read_thinned_in_the_right_colours():
    import numpy as np
    from PySide6.QtCore import QSize
    from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat

    from nexus_desktop.gui.frame_scaler import picture

    frame = QVideoFrame(QVideoFrameFormat(QSize(1920, 1080), QVideoFrameFormat.PixelFormat.Format_YUV420P))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    for plane, value in ((0, 63), (1, 102), (2, 240)):  # pure red in BT.709, TV range
        np.frombuffer(frame.bits(plane), np.uint8, frame.mappedBytes(plane))[:] = value
    frame.unmap()
    image = picture(frame, QSize(400, 300))
    assert (image.width(), image.height()) == (400, 225)
    red = image.pixelColor(200, 110)
    assert red.red() > 235 and red.green() < 20 and red.blue() < 20, red.name()
