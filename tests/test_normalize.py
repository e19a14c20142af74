"""Text said right: what the voice is given for numbers, money, units,
abbreviations and acronyms, and how it maps back to the words on screen."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.tts.normalize import normalize_tokens, spoken_text


def say(text: str, language: str = "en", lexicon: dict[str, str] | None = None) -> str:
    return spoken_text(normalize_tokens(text.split(), language, lexicon))


@pytest.mark.parametrize(
    "written, said",
    [
        ("It hit 41°C on Tuesday.", "It hit forty-one degrees Celsius on Tuesday."),
        ("Night fell to -5°C.", "Night fell to minus five degrees Celsius."),
        ("They raised $18.5M.", "They raised eighteen point five million dollars."),
        ("A rival raised €17M.", "A rival raised seventeen million euros."),
        ("A $5M grant.", "A five million dollars grant."),
        ("It costs $1.50 each.", "It costs one dollar and fifty cents each."),
        ("Some 1,200 homes.", "Some one thousand two hundred homes."),
        ("About 3/4 of users.", "About three quarters of users."),
        ("The 2026–27 season.", "The twenty twenty-six to twenty-seven season."),
        ("It ranked #1 again.", "It ranked number one again."),
        ("Written in C# and C++.", "Written in C sharp and C plus plus."),
        ("A 4K screen.", "A four K screen."),
        ("Rates rose 3.5% in 2026.", "Rates rose three point five percent in twenty twenty-six."),
        ("Gains of 5-10% ahead.", "Gains of five to ten percent ahead."),
        ("Cars at 70 mph for 12 km with 2 kg.", "Cars at seventy miles per hour for twelve kilometres with two kilograms."),
        ("Dr. Lee of St. Mary's Univ. spoke.", "Doctor Lee of Saint Mary's University spoke."),
        ("We met at 9 a.m. on Dec. 6, 2026.", "We met at nine A.M. on December sixth, twenty twenty-six."),
        ("Trains at 14:30 and 9:05.", "Trains at fourteen thirty and nine oh five."),
        ("Back in the 1990s.", "Back in the nineteen nineties."),
        ("The 21st century.", "The twenty-first century."),
        ("The EV market and GPUs.", "The E.V. market and G.P.U.'s."),
        ("NASA said so.", "Nasa said so."),
        ("World War II ended.", "World War II ended."),
        ("BREAKING NEWS TODAY", "BREAKING NEWS TODAY"),
        ("See https://example.org/a?b=1 for details.", "See for details."),
        ("R&D, etc. The end.", "R. and D., et cetera. The end."),
    ],
)
def test_english_is_said_in_words(written, said):
    assert say(written) == said


def test_other_languages_use_their_own_number_words_and_separators():
    assert say("Es kostet 1.200 € und 3,5 % mehr bei 20 °C.", "de") == (
        "Es kostet eintausendzweihundert Euro und drei Komma fünf Prozent mehr bei zwanzig Grad Celsius."
    )
    assert say("pour 17 M€.", "fr") == "pour dix-sept millions d'euros."
    assert say("1200 человек.", "ru") == "одна тысяча двести человек."


def test_a_language_num2words_does_not_know_keeps_its_digits():
    assert say("tlhIngan 1200 Hol", "tlh") == "tlhIngan 1200 Hol"


def test_the_pronunciation_list_wins_whatever_the_case():
    assert say("Embedded iframes and Iframes in ramekins.", lexicon={"iframes": "eye frames", "ramekins": "ram-ih-kins"}) == (
        "Embedded eye frames and eye frames in ram-ih-kins."
    )


def test_every_displayed_token_belongs_to_exactly_one_segment():
    tokens = "At 9 a.m. the U.S. firm paid $5 million, see https://x.example/ now.".split()
    segments = normalize_tokens(tokens, "en")
    covered = [i for s in segments for i in range(s.first, s.last)]
    assert covered == list(range(len(tokens)))
    by_first = {tokens[s.first]: s for s in segments}
    assert by_first["9"].last - by_first["9"].first == 2  # "9 a.m." is one spoken run
    assert by_first["https://x.example/"].spoken == ()  # the link is not read
    assert " ".join(by_first["$5"].spoken) == "five million dollars,"


@pytest.mark.parametrize("text", ["", "   ", "🚀🔥 ### $$$ ¯\\_(ツ)_/¯", "<b>&amp;</b> ... —", "1/0 and 99999999999999999999999"])
def test_junk_never_breaks_normalization(text):
    tokens = text.split()
    segments = normalize_tokens(tokens, "en")
    assert [i for s in segments for i in range(s.first, s.last)] == list(range(len(tokens)))
