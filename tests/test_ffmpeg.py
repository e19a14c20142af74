"""The one ffmpeg module: finding it, running it, cancelling it, reading what it prints."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from nexus_desktop.domain.errors import Cancelled, FfmpegError, NexusError, UserFixableError
from nexus_desktop import ffmpeg


def test_a_missing_ffmpeg_is_reported_with_what_to_do(monkeypatch):
    import imageio_ffmpeg

    def missing():
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", missing)
    with pytest.raises(UserFixableError, match="ffmpeg is missing") as caught:
        ffmpeg.ffmpeg_exe()
    assert "IMAGEIO_FFMPEG_EXE" in caught.value.hint


def test_a_running_ffmpeg_is_stopped_within_a_second_of_a_cancel():
    started = time.monotonic()
    with pytest.raises(Cancelled):
        ffmpeg.run(["-re", "-f", "lavfi", "-i", "sine=duration=30", "-f", "null", "-"],
                   cancelled=lambda: time.monotonic() - started > 0.3)
    assert time.monotonic() - started < 1.0


def test_a_cancel_event_stops_it_too():
    event = threading.Event()
    threading.Timer(0.3, event.set).start()
    with pytest.raises(Cancelled):
        ffmpeg.run(["-re", "-f", "lavfi", "-i", "sine=duration=30", "-f", "null", "-"], cancelled=event)


def test_progress_climbs_to_the_end():
    shares: list[float] = []
    ffmpeg.run(["-f", "lavfi", "-i", "sine=duration=3", "-f", "null", "-"], duration=3.0, on_progress=shares.append)
    assert shares[-1] == 1.0
    assert shares == sorted(shares)


def test_failures_are_one_error_type_in_the_apps_hierarchy_quoting_ffmpeg(tmp_path):
    with pytest.raises(FfmpegError, match="exit code") as caught:
        ffmpeg.run(["-i", str(tmp_path / "missing.wav"), "-f", "null", "-"])
    assert isinstance(caught.value, NexusError)
    assert "No such file" in caught.value.log
    assert "missing.wav" in str(caught.value)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_reported_as_such():
    with pytest.raises(UserFixableError) as caught:
        ffmpeg.run(["-y", "-f", "lavfi", "-i", "sine=d=1", "-f", "wav", "/dev/full"])
    assert caught.value.message.startswith("the disk is full")
    assert "free some space" in caught.value.hint


def test_probe_reads_streams_and_colour_tags(tmp_path):
    video = tmp_path / "v.mp4"
    ffmpeg.run(["-f", "lavfi", "-i", "testsrc2=s=320x180:d=1:r=30", "-f", "lavfi", "-i", "sine=d=1:r=48000",
                "-ac", "2", "-vf", "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "bt709",
                "-color_primaries", "bt709", "-color_trc", "bt709", "-c:a", "aac", "-shortest", str(video)])
    info = ffmpeg.probe(video)
    assert (info.video.width, info.video.height, info.video.fps) == (320, 180, 30.0)
    assert info.video.color == ("bt709", "bt709", "bt709")
    assert (info.audio.sample_rate, info.audio.channels) == (48000, "stereo")
    assert info.duration == pytest.approx(1.0, abs=0.1)


def test_probe_of_a_file_that_is_not_media_is_a_value_error(tmp_path):
    page = tmp_path / "page.mp4"
    page.write_text("<html>not a video</html>")
    with pytest.raises(ValueError, match="cannot read"):
        ffmpeg.probe(page)


def test_colour_tags_as_ffmpeg_prints_them():
    assert ffmpeg._color_tags("tv, bt709, progressive") == ("bt709", "bt709", "bt709")
    assert ffmpeg._color_tags("tv, bt709/unknown/unknown") == ("bt709", "unknown", "unknown")
    assert ffmpeg._color_tags("progressive") == ("", "", "")
