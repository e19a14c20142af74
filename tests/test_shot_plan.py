"""The shot plan's pure parts: where shots cut, what a sentence offers."""

from __future__ import annotations

import pytest

from nexus_desktop.domain.content import Script
from nexus_desktop.pipeline import shot_plan
from nexus_desktop.pipeline.shot_plan import Token, cut_times, find_quote, find_stat, plan_shots
from tests.visualize_support import narration_for, script_dict


def tokens_for(text: str, per_word: float = 0.36) -> list[Token]:
    return [Token(w.word, w.start, w.end) for w in narration_for(text, per_word).words]


def test_cuts_fall_between_words_preferring_sentence_ends():
    tokens = tokens_for("One two three four five six. Seven eight nine ten eleven twelve thirteen fourteen.")
    bounds = cut_times(tokens, tokens[-1].end + 0.3)
    gaps = {round((a.end + b.start) / 2, 3) for a, b in zip(tokens, tokens[1:])}
    assert all(round(b, 3) in gaps for b in bounds[1:-1])
    assert round((tokens[5].end + tokens[6].start) / 2, 3) in {round(b, 3) for b in bounds}, "after 'six.'"
    assert all(1.5 <= b - a <= 3.5 for a, b in zip(bounds, bounds[1:]))


def test_a_long_silence_is_cut_on_time():
    tokens = [Token("one", 0.0, 0.3), Token("two", 9.0, 9.3)]
    bounds = cut_times(tokens, 10.0)
    assert all(b - a <= 3.5 for a, b in zip(bounds, bounds[1:])) and bounds[-1] == 10.0


def test_stats_keep_their_unit_and_skip_years_and_small_counts():
    assert find_stat("The cells kept 91 percent of their capacity after 800 cycles.").value == "91"
    assert find_stat("It hit 41°C in Seville.").unit == "°C"
    money = find_stat("The city will spend $18.5 million on three barriers.")
    assert (money.value, money.unit, money.label) == ("$18.5M", "", "three barriers")
    assert find_stat("In 2027 the line opens.") is None
    assert find_stat("The A320 flew 3 times.") is None


def test_quotes_find_who_said_them():
    assert find_quote('"We finally have a stack that survives," said Lena Ortiz.') == \
        ("We finally have a stack that survives", "Lena Ortiz")
    assert find_quote('Marit de Vries said: "Every bend in the coast changes how a surge builds."')[1] == "Marit de Vries"
    assert find_quote('He called it "fine".') is None


def test_with_no_icon_match_the_shots_fall_back_to_words():
    script = Script.from_dict(script_dict())
    tokens = tokens_for(script.narration)
    shots = plan_shots(script, tokens, tokens[-1].end + 0.3, photos=0, icon_for=lambda words: None,
                       hook=script.title, channel="")
    assert not any(s.kind == "icon" for s in shots)
    assert sum(s.kind == "title" for s in shots) >= 3 and all(s.text for s in shots if s.kind == "title")


def test_a_very_short_narration_is_one_title_shot():
    script = Script.from_dict(script_dict())
    shots = plan_shots(script, tokens_for("Hello there."), 2.0, photos=0, icon_for=lambda words: None,
                       hook="Hello", channel="")
    assert [(s.kind, s.start, s.end) for s in shots] == [("title", 0.0, 2.0)]
    assert shot_plan.MIN_SHOT + shot_plan.END_CARD > 2.0


@pytest.mark.parametrize("words, shown", [
    ("fire risk, but it has", "fire risk"),
    ("cells the maker can put", "cells the maker"),
    ("the thin solid layer cracks as", "thin solid layer cracks"),
    ("liquid electrolyte for a ceramic one", "liquid electrolyte for a ceramic"),
])
def test_a_kinetic_phrase_has_no_filler_at_either_end_and_stops_at_its_clause(words, shown):
    assert shot_plan.key_phrase(words) == shown
