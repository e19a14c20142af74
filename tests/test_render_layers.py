"""The render's two image sequences (pipeline/layer_track.py): the backgrounds and
the composed layer states, and the graph that reads them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from PIL import Image

from nexus_desktop.ffmpeg import ffmpeg_exe
from nexus_desktop.pipeline import layer_track
from nexus_desktop.pipeline.ffmpeg_graph import Span, SpanLayer, video_graph

W, H, FPS = 160, 90, 10
RED, BLUE = (220, 30, 30, 255), (30, 30, 220, 255)


def _png(path: Path, size: tuple[int, int], colour) -> str:
    Image.new("RGBA", size, colour).save(path)
    return str(path)


def _jpeg(path: Path, size: tuple[int, int], colour=(0, 150, 60)) -> str:
    Image.new("RGB", size, colour).save(path, quality=95)
    return str(path)


def test_backgrounds_become_one_sequence_of_one_size(tmp_path):
    big = _jpeg(tmp_path / "a.jpg", (W + 20, H + 12))
    small = tmp_path / "b.png"
    Image.new("RGB", (W + 10, H + 6), (200, 0, 0)).save(small)
    spans = [Span(0, 10, big, (20, 12), 0), Span(10, 10, big, (20, 12), 1), Span(10, 20, str(small), (10, 6), 2)]
    out = tmp_path / "seq"
    out.mkdir()
    backdrops = layer_track.backdrops(spans, out)
    assert backdrops.size == (W + 20, H + 12)
    assert sorted(p.name for p in out.iterdir()) == ["bg-000.jpg", "bg-001.jpg", "bg-002.jpg"], \
        "a span without frames has none; the last closes the sequence"
    assert os.path.samefile(out / "bg-000.jpg", big), "a ready background is linked, not re-encoded"
    with Image.open(out / "bg-001.jpg") as padded:
        assert (padded.format, padded.size) == ("JPEG", (W + 20, H + 12))
        assert padded.getpixel((padded.width // 2, padded.height // 2))[0] > 150, "the smaller one is centred"


def test_layers_are_composed_into_states_on_the_frames_they_start(tmp_path):
    first = _png(tmp_path / "w1.png", (20, 10), RED)
    second = _png(tmp_path / "w2.png", (20, 10), BLUE)
    step1, step2 = _png(tmp_path / "c1.png", (10, 10), RED), _png(tmp_path / "c2.png", (10, 10), BLUE)
    bg = _jpeg(tmp_path / "bg.jpg", (W, H))
    spans = [
        Span(0, 20, bg, (0, 0), 0, (SpanLayer(first, 10, 20, 0.0, None, "rise"),
                                    SpanLayer(second, 40, 20, 0.55, None, "rise"))),
        Span(20, 30, bg, (0, 0), 0),  # a photo: nothing laid over it
        Span(30, 40, bg, (0, 0), 0, (SpanLayer(step1, 60, 40, 0.0, 0.3, "rise"),
                                     SpanLayer(step2, 60, 40, 0.3, None, "none"))),
    ]
    out = tmp_path / "seq"
    out.mkdir()
    track = layer_track.layer_track(spans, out, W, H, FPS)
    # the second word starts at 0.55 s: frame 6 at 10 fps, then two more drawn steps of its rise
    assert track.frames == (0, 6, 7, 8, 30, 33)
    assert [(w.first, w.end, w.motion, w.moves_from) for w in track.windows] == [(0, 20, "rise", 0),
                                                                                  (30, 40, "rise", 30)]
    states = sorted(out.glob("st-*.tga"))
    assert len(states) == len(track.frames)

    def colour_at(state: int, x: int, y: int):
        with Image.open(states[state]) as image:
            return image.getpixel((x - track.x, y - track.y))

    assert colour_at(0, 15, 25) == RED and colour_at(0, 45, 25)[3] == 0, "the second word is not there yet"
    assert colour_at(1, 45, 22)[3] == 0 and colour_at(1, 45, 32) == BLUE, "it enters from below"
    assert colour_at(3, 45, 22) == BLUE, "and settles in place"
    assert colour_at(4, 65, 45) == RED and colour_at(5, 65, 45) == BLUE, "a count-up step replaces the one before"


def test_the_graph_reads_a_handful_of_inputs_however_many_shots_and_layers(tmp_path):
    bg = _jpeg(tmp_path / "bg.jpg", (W + 8, H + 8))
    word = _png(tmp_path / "w.png", (12, 8), RED)
    spans = [Span(k * 10, k * 10 + 10, bg, (8, 8), k,
                  tuple(SpanLayer(word, 10 + 14 * j, 20, 0.1 * j, None, "rise") for j in range(6)))
             for k in range(30)]
    out = tmp_path / "seq"
    out.mkdir()
    graph = video_graph(W, H, spans, FPS, layer_track.backdrops(spans, out),
                        layers=layer_track.layer_track(spans, out, W, H, FPS))
    assert len(graph.inputs) == 2, "backgrounds and layers: one input each, not one per picture"
    assert graph.text.count("overlay=") == 1
    video = tmp_path / "v.mp4"
    (tmp_path / "g.txt").write_text(graph.text)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *[a for spec in graph.inputs for a in spec],
                    "-/filter_complex", str(tmp_path / "g.txt"), "-map", f"[{graph.output}]", "-c:v", "rawvideo",
                    "-f", "nut", str(video)], check=True)
    frames = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24",
                             "-"], check=True, capture_output=True).stdout
    size = W * H * 3
    assert len(frames) == size * 300, "every span's frames, in order"

    def pixel(n: int, x: int, y: int) -> tuple[int, ...]:
        at = n * size + (y * W + x) * 3
        return tuple(frames[at:at + 3])

    # the sixth word starts 0.5 s (5 frames) into each shot and settles two frames later
    for shot in (0, 17, 29):
        assert pixel(shot * 10 + 4, 10 + 14 * 5 + 6, 24)[0] < 100, "not before its frame"
        assert pixel(shot * 10 + 9, 10 + 14 * 5 + 6, 24)[0] > 150, "there once it has risen"


def _frames(graph, tmp_path: Path) -> bytes:
    (tmp_path / "g.txt").write_text(graph.text)
    return subprocess.run([ffmpeg_exe(), "-v", "error", *[a for spec in graph.inputs for a in spec],
                           "-/filter_complex", str(tmp_path / "g.txt"), "-map", f"[{graph.output}]", "-f", "rawvideo",
                           "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout


def test_a_photo_shot_zooms_slowly_and_a_card_does_not(tmp_path):
    bg = Image.new("RGB", (W + 8, H + 8), (255, 255, 255))
    bg.paste((0, 0, 0), ((W + 8) // 2 - 20, (H + 8) // 2 - 20, (W + 8) // 2 + 20, (H + 8) // 2 + 20))
    bg.save(tmp_path / "bg.jpg", quality=95)
    still = str(tmp_path / "bg.jpg")
    spans = [Span(0, 30, still, (0, 0), 0, zoom=0.2), Span(30, 40, still, (0, 0), 1)]
    out = tmp_path / "seq"
    out.mkdir()
    frames = _frames(video_graph(W, H, spans, FPS, layer_track.backdrops(spans, out)), tmp_path)
    assert len(frames) == W * H * 40

    def square_width(n: int) -> int:
        row = frames[n * W * H + (H // 2) * W:n * W * H + (H // 2 + 1) * W]
        return sum(1 for v in row if v < 128)

    widths = [square_width(n) for n in (0, 15, 29, 30, 39)]
    assert 38 <= widths[0] <= 42, "a shot starts at the frame's size (the cut shows the whole picture)"
    assert widths[0] < widths[1] < widths[2] and widths[2] >= 46, "then zooms in slowly"
    assert 38 <= widths[3] <= 42 and widths[3] == widths[4], "a card shot after it does not zoom"


def test_each_shot_shows_its_own_background_to_the_last_frame(tmp_path):
    stills = [_jpeg(tmp_path / f"{k}.jpg", (W + 8, H + 8), colour) for k, colour in
              enumerate([(250, 250, 250), (10, 10, 10), (128, 128, 128)])]
    spans = [Span(0, 7, stills[0], (8, 8), 0), Span(7, 15, stills[1], (8, 8), 1), Span(15, 23, stills[2], (8, 8), 2)]
    out = tmp_path / "seq"
    out.mkdir()
    frames = _frames(video_graph(W, H, spans, FPS, layer_track.backdrops(spans, out)), tmp_path)
    grey = [frames[n * W * H + W * H // 2] for n in range(len(frames) // (W * H))]
    assert len(grey) == 23
    assert all(v > 200 for v in grey[:7]) and all(v < 40 for v in grey[7:15]), "cuts on the shots' first frames"
    assert all(100 < v < 160 for v in grey[15:]), "the last shot's picture to the end"


def test_a_zooming_shot_repeats_its_still_so_ffmpeg_never_queues_a_whole_shot(tmp_path):
    still = _jpeg(tmp_path / "bg.jpg", (W + 8, H + 8))
    card = _jpeg(tmp_path / "card.jpg", (W + 8, H + 8), (200, 200, 200))
    spans = [Span(0, 40, still, (8, 8), 0, zoom=0.08), Span(40, 50, card, (8, 8), 1)]
    out = tmp_path / "seq"
    out.mkdir()
    backdrops = layer_track.backdrops(spans, out)
    step = layer_track.ZOOM_REPEAT_FRAMES
    assert backdrops.frames == (0, *range(step, 40, step), 40, 50), "the zooming shot's still comes again"
    assert len(list(out.glob("bg-*.jpg"))) == len(backdrops.frames)
    frames = _frames(video_graph(W, H, spans, FPS, backdrops), tmp_path)
    grey = [frames[n * W * H + W * H // 2] for n in range(len(frames) // (W * H))]
    assert len(grey) == 50 and all(v < 160 for v in grey[:40]) and all(v > 180 for v in grey[40:]), \
        "each shot still shows its own picture on its own frames"
