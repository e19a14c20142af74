"""Word timings and sentence chunks: the pure parts of narration."""

from __future__ import annotations

import random

import pytest

from nexus_desktop.pipeline.narrate import sentence_chunks
from nexus_desktop.providers.tts.timing import complete_spans, spans_from_units


def assert_valid(spans, count, start, end):
    assert len(spans) == count
    previous_end = start
    for s, e in spans:
        assert start <= s < e <= end
        assert s >= previous_end - 1e-9
        previous_end = e


def timed(units, step=0.1, gap_after=()):
    """Units back to back, ``step`` seconds each; a pause unit where asked."""
    out, clock = [], 0.0
    for index, unit in enumerate(units):
        out.append((unit, clock, clock + step))
        clock += step
        if index in gap_after:
            out.append((" ", clock, clock + 0.5))
            clock += 0.5
    return out


def test_exact_units_give_each_token_its_extent():
    tokens = [list("hɛloʊ"), list("wɜːld")]
    spans = spans_from_units(tokens, timed([*"hɛloʊ", " ", *"wɜːld"]))
    assert spans[0] == pytest.approx((0.0, 0.5))
    assert spans[1] == pytest.approx((0.6, 1.1))


def test_units_that_differ_in_context_still_map_to_their_tokens():
    # "800" alone is "eɪt hʌndɹɪd"; in the sentence espeak runs it together and
    # moves a stress mark. The number must still own the time it is spoken in.
    tokens = [list("ˈæftɚ"), list("eɪt hˈʌndɹɪd"), list("fˈʊl")]
    heard = timed([*"ˈæftɚɹ", " ", *"ˈeɪthˈʌndɹɪd", " ", *"fˈʊl"])
    after, number, full = spans_from_units(tokens, heard)
    assert after[1] <= number[0] < number[1] <= full[0]
    assert number[1] - number[0] == pytest.approx(1.1, abs=0.25)


def test_tokens_without_sound_are_left_untimed():
    spans = spans_from_units([list("ab"), list("—"), list("cd")], timed([*"ab", ",", *"cd"]))
    assert spans[1] is None and spans[0] is not None and spans[2] is not None


def test_untimed_token_takes_the_pause_beside_the_word_before():
    spans = complete_spans([(0.0, 0.5), None, (1.5, 2.0)], [4, 1, 4], 0.0, 2.0)
    assert_valid(spans, 3, 0.0, 2.0)
    assert spans[1][0] == pytest.approx(0.5)
    assert spans[1][1] <= 0.5 + 0.3 + 1e-9  # a dash does not hold the screen for the whole pause


def test_untimed_token_with_no_pause_borrows_from_the_word_before():
    spans = complete_spans([(0.0, 0.5), None, (0.5, 1.0)], [4, 1, 4], 0.0, 1.0)
    assert_valid(spans, 3, 0.0, 1.0)
    assert spans[0][0] == 0.0 and spans[2] == (0.5, 1.0)


def test_untimed_first_tokens_sit_just_before_the_first_word():
    spans = complete_spans([None, None, (2.0, 2.5)], [1, 1, 4], 0.0, 3.0)
    assert_valid(spans, 3, 0.0, 3.0)
    assert spans[1][1] == pytest.approx(2.0)


def test_untimed_first_token_with_no_room_borrows_from_the_word_after():
    spans = complete_spans([None, (0.0, 0.5)], [1, 4], 0.0, 1.0)
    assert_valid(spans, 2, 0.0, 1.0)


def test_nothing_timed_spreads_over_the_whole_audio_by_length():
    spans = complete_spans([None, None], [1, 3], 0.0, 4.0)
    assert spans == [pytest.approx((0.0, 1.0)), pytest.approx((1.0, 4.0))]


def test_overlapping_and_out_of_range_spans_are_repaired():
    spans = complete_spans([(-1.0, 0.6), (0.4, 0.8), (0.7, 0.7), (0.9, 9.0)], [1, 1, 1, 1], 0.0, 2.0)
    assert_valid(spans, 4, 0.0, 2.0)


def test_complete_spans_holds_its_promise_on_random_input():
    rng = random.Random(7)
    for _ in range(300):
        count = rng.randint(1, 30)
        end = rng.uniform(0.05, 20.0)
        clock, spans = 0.0, []
        for _ in range(count):
            if rng.random() < 0.3:
                spans.append(None)
                continue
            start = clock + rng.uniform(-0.2, 0.5)
            clock = start + rng.uniform(0.0, 0.6)
            spans.append((start, clock))
        weights = [rng.randint(1, 12) for _ in range(count)]
        assert_valid(complete_spans(spans, weights, 0.0, end), count, 0.0, end)


def words(text):
    tokens = text.split()
    return [" ".join(tokens[r.start : r.stop]) for r in sentence_chunks(tokens)]


def test_chunks_follow_sentences_but_not_abbreviations():
    text = "Dr. Lee met the U.S. team today. It went well! Did it? Yes … the end"
    assert words(text) == ["Dr. Lee met the U.S. team today.", "It went well!", "Did it?", "Yes … the end"]


def test_a_long_sentence_is_cut_after_a_clause():
    tokens = [f"w{i}," if i == 30 else f"w{i}" for i in range(100)]
    chunks = sentence_chunks(tokens, max_tokens=40)
    assert chunks[0] == range(0, 31)
    assert [t for r in chunks for t in tokens[r.start : r.stop]] == tokens
    assert all(len(r) <= 40 for r in chunks)


def test_text_without_spaces_is_one_chunk():
    assert words("你好，世界。今天天气很好。") == ["你好，世界。今天天气很好。"]
