"""Caption cues from word timings, and the SRT/VTT/ASS text made from them."""

from __future__ import annotations

import itertools
import math
import re

from nexus_desktop.domain.content import FORMATS, SafeArea, VideoFormat, WordTiming
from nexus_desktop.pipeline import captions as cap
from nexus_desktop.pipeline.ffmpeg_graph import frame_bounds

TEXT = ("Solid-state cells swap the liquid electrolyte for a ceramic layer. That change promises higher "
        "energy density and less fire risk, but it has been hard to manufacture at scale.")


def timed(text: str, start: float = 0.0, step: float = 0.3, pause_after: int | None = None) -> list[WordTiming]:
    words, t = [], start
    for i, token in enumerate(text.split()):
        words.append(WordTiming(token, round(t, 3), round(t + step * 0.8, 3)))
        t += step + (1.5 if i == pause_after else 0.0)
    return words


def by_chars(limit: int):
    return lambda line: len(line) <= limit


def test_cues_keep_every_word_in_order_in_at_most_two_fitting_lines():
    words = timed(TEXT)
    cues = cap.build_cues(words, 12.0, by_chars(24))
    assert [w.word for c in cues for w in c.words] == TEXT.split()
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= 24 for line in cue.text.split("\n"))


def test_cues_end_at_sentences_and_pauses_and_never_overlap():
    words = timed(TEXT, pause_after=14)
    cues = cap.build_cues(words, 20.0, by_chars(60))
    assert any(c.text.endswith("layer.") for c in cues), "a sentence end closes the cue"
    assert not any("layer. That" in c.text.replace("\n", " ") for c in cues)
    assert any(c.words[-1] is words[14] for c in cues), "a long pause closes the cue"
    for a, b in itertools.pairwise(cues):
        assert a.start < a.end <= b.start < b.end
    assert all(c.end - c.start <= cap.MAX_CUE_SECONDS + cap.LINGER_SECONDS for c in cues)


def test_a_short_blank_between_cues_is_bridged_a_long_one_is_not():
    words = timed("One two. Three four.", step=0.5)  # "Three" follows "two." closely
    cues = cap.build_cues(words, 10.0, by_chars(40))
    assert cues[0].end == cues[1].start
    late = [*words[:2], *(WordTiming(w.word, w.start + 3, w.end + 3) for w in words[2:])]
    cues = cap.build_cues(late, 10.0, by_chars(40))
    assert cues[1].start - cues[0].end > 1.0


def test_cue_times_stay_inside_the_audio():
    words = timed("one two three four", start=0.0, step=1.0)  # the last word ends at 3.8
    cues = cap.build_cues(words, 3.5, by_chars(40))
    assert cues[0].start >= 0 and cues[-1].end <= 3.5


def test_srt_and_vtt_text():
    cues = cap.build_cues(timed("Hello <world> & you. Bye now."), 5.0, by_chars(40))
    srt = cap.srt_text(cues)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:")
    assert "\n2\n" in srt and "<world> & you." in srt
    vtt = cap.vtt_text(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert "&lt;world&gt; &amp; you." in vtt


def test_portrait_layout_keeps_clear_of_the_bottom_fifth_and_the_button_column():
    fmt = FORMATS["9x16"]
    layout = cap.layout_for(fmt)
    assert layout.y + layout.height <= 0.78 * fmt.height
    assert layout.x + layout.width <= 0.84 * fmt.width
    assert layout.x >= 0.06 * fmt.width
    assert layout.height >= 2 * layout.font_size * 1.2, "room for two lines"
    assert layout.margin > layout.box_padding, "the box stays inside the strip"
    assert layout.max_chars == 24 and cap.layout_for(FORMATS["16x9"]).max_chars == 42
    assert layout.font_size >= 70, "large on a phone"


def test_ass_is_sized_to_the_strip_timed_in_frames_and_highlights_each_word():
    fmt = VideoFormat("custom", 640, 360, SafeArea(0.05, 0.1, 0.05, 0.05))
    layout = cap.layout_for(fmt)
    style = cap.CaptionStyle("DejaVu Sans", True, "#F5F7FA", "#FFB020", "#0E1420")
    cues = cap.build_cues(timed("Say {this} and \\that."), 3.0, by_chars(40))
    text = cap.ass_text(cues, layout, style, 30)
    assert f"PlayResX: {layout.width}\nPlayResY: {layout.height}" in text
    style_line = next(line for line in text.splitlines() if line.startswith("Style: Caption,"))
    fields = style_line.split(",")
    assert fields[1] == "DejaVu Sans" and fields[3] == "&H00FAF7F5" and fields[4] == "&H0020B0FF"
    assert fields[-4:] == [str(layout.margin)] * 3 + ["1"]
    events = [line for line in text.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == 4  # one per word
    assert all(r"{\1c&H20B0FF&}" in e for e in events)
    assert "(this)" in text and "/that." in text and "{this}" not in text
    # the second word starts at 0.3 s, in frame 9 (0.300-0.333 s); the event starts just before it
    assert events[1].split(",")[1] == "0:00:00.29"


def test_caption_changes_are_the_frames_where_a_word_lights_up_or_a_cue_ends():
    cues = cap.build_cues(timed("one two. three"), 5.0, by_chars(40))
    frames = cap.change_frames(cues, 30)
    assert frames[0] == 0 and frames == sorted(set(frames))
    assert 9 in frames  # "two" at 0.3 s
    assert math.floor(cues[0].end * 30) in frames  # the frame in which the cue ends


def test_shot_bounds_are_whole_frames_ending_on_the_narrations_last_frame():
    bounds = frame_bounds([0.0, 1.0, 1.0, 2.5], 4.0, 30)
    assert bounds == [0, 30, 30, 75, 120], "a shot with no time of its own gets no frames"
    assert frame_bounds([0.0], 3.02, 30) == [0, 91]


def test_srt_clock_format():
    cue = cap.Cue(3723.4567, 3724.0, ((WordTiming("x", 3723.4567, 3724.0),),))
    assert re.search(r"01:02:03,457 --> 01:02:04,000", cap.srt_text([cue]))


def test_a_word_lights_up_on_the_frame_that_contains_its_start_not_the_next():
    words = [WordTiming("one", 0.0, 0.3), WordTiming("two", 0.31, 0.6), WordTiming("three", 0.649, 1.0)]
    cues = cap.build_cues(words, 2.0, by_chars(40))
    frames = cap.change_frames(cues, 30)
    assert 9 in frames and 10 not in frames, "0.31 s is inside frame 9 (0.300-0.333 s)"
    assert 19 in frames, "0.649 s is inside frame 19"


def test_a_number_stays_with_its_unit():
    text = "The cells kept 91 percent of their capacity after 800 cycles and cost $18.5 million in total."
    for limit in range(14, 40):
        cues = cap.build_cues(timed(text), 30.0, by_chars(limit))
        lines = [line for c in cues for line in c.text.split("\n")]
        for number, unit in (("91", "percent"), ("800", "cycles"), ("$18.5", "million")):
            assert any(f"{number} {unit}" in line for line in lines), (limit, lines)


def test_no_one_word_orphan_line_and_no_line_ending_on_the_or_of():
    text = "Researchers measured the energy density of the new ceramic cells in the lab notes."
    cues = cap.build_cues(timed(text), 30.0, by_chars(24))
    for cue in cues:
        if len(cue.lines) == 2:
            assert len(cue.lines[-1]) > 1, cue.text
        for line in cue.lines[:-1]:
            assert line[-1].word.lower() not in ("the", "of", "a"), cue.text


def test_portrait_captions_are_at_most_two_lines_of_the_real_font():
    from nexus_desktop.providers.images.fonts import FontBook

    layout = cap.layout_for(FORMATS["9x16"])
    face, _ = FontBook.from_branding("").face_for(TEXT)
    font = face.get(layout.font_size)
    fits = lambda line: len(line) <= layout.max_chars and font.getlength(line) <= layout.max_width  # noqa: E731
    for cue in cap.build_cues(timed(TEXT), 30.0, fits):
        assert len(cue.lines) <= 2 and all(fits(" ".join(w.word for w in line)) for line in cue.lines)


def test_a_sentence_never_spills_its_last_word_into_the_next_sentences_cue():
    text = ("The city will spend $18.5 million on the first three barriers, which open in 2027. "
            "Engineers in Rotterdam are using fractal maps.")
    cues = cap.build_cues(timed(text), 20.0, by_chars(42))
    assert [w.word for c in cues for w in c.words] == text.split()
    for cue in cues:
        words = [w.word for w in cue.words]
        assert len(words) > 1, f"a one-word cue flashes: {cue.text!r}"
        ends = [i for i, w in enumerate(words) if w.endswith(".")]
        assert not ends or ends[0] == len(words) - 1, f"two sentences in one cue: {cue.text!r}"
    assert any(cue.text.replace("\n", " ").endswith("which open in 2027.") for cue in cues)


def test_a_cue_cut_for_length_leaves_no_sentence_end_alone():
    text = "Read the full story from Field Notes."
    words = timed(text, step=0.3)
    words[-1] = WordTiming("Notes.", words[-1].start + cap.MAX_CUE_SECONDS, words[-1].end + cap.MAX_CUE_SECONDS)
    cues = cap.build_cues(words, 20.0, by_chars(24))
    assert [w.word for c in cues for w in c.words] == text.split()
    assert all(len(c.words) > 1 for c in cues), [c.text for c in cues]
