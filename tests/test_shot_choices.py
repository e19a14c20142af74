"""What the offline shots of the ten sample articles show: stats when a number is
spoken (in digits or in words), icons and kinetic phrases taken from what is being
said, three looks taking turns, and landscape photos filling the tall formats."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from PIL import Image, ImageFilter

from bench.samples import sample_articles
from bench.script import write
from nexus_desktop.domain.content import FORMATS
from nexus_desktop.domain.shots import Shot
from nexus_desktop.pipeline import shot_plan
from nexus_desktop.pipeline.shot_art import Look, draw_shot
from nexus_desktop.pipeline.shot_plan_words import find_stats, with_digits
from nexus_desktop.providers.images import icons
from nexus_desktop.providers.images.base import Palette
from nexus_desktop.providers.images.fonts import FontBook
from nexus_desktop.providers.images.pillow_cards import Brand
from nexus_desktop.providers.images.shot_cards import big_size, photo_background
from tests.visualize_support import narration_for

SAMPLES = sample_articles()
PALETTE = Palette((14, 20, 32), (30, 107, 255), (255, 176, 32), (245, 247, 250))


@functools.lru_cache(maxsize=None)
def planned(title: str) -> tuple[tuple[Shot, ...], tuple[shot_plan.Token, ...]]:
    article = next(a for a in SAMPLES if a.title == title)
    script = write(article)
    narration = narration_for(script.narration)
    tokens = shot_plan.align(script, narration.words, narration.duration)
    shots = shot_plan.plan_shots(script, tokens, narration.duration, photos=0, icon_for=icons.match,
                                 hook=script.title, channel="Nexus Daily")
    return tuple(shots), tuple(tokens)


def said_in(shot: Shot, tokens) -> str:
    return " ".join(t.text for t in tokens if shot.start - 0.05 <= t.start < shot.end)


def title_of(word: str) -> str:
    return next(a.title for a in SAMPLES if word.lower() in a.title.lower())


def test_numbers_in_words_are_stats_with_their_units():
    assert [(s.value, s.unit) for s in find_stats("Sidewalks were up to nine degrees cooler than pavement.")] == \
        [("9", "°C")]
    assert [(s.value, s.unit, s.label) for s in find_stats("Volume production is still at least two years away.")] \
        == [("2", "years", "Volume production")]
    assert [(s.value, s.label) for s in find_stats("A trial cut bunching by a third without slowing cars.")] == \
        [("1/3", "trial cut bunching")]
    assert [(s.value, s.unit) for s in find_stats("Twenty minutes of rest before kneading.")] == [("20", "minutes")]
    assert with_digits("the next thousand trees go") == "the next 1000 trees go"
    assert find_stats("A chat widget on two different shops gets two separate cookie jars.") == []


def test_a_sentence_gives_every_number_it_has_each_with_its_own_words():
    stats = find_stats("Cells kept 91 percent of their capacity after 800 full cycles, close to what carmakers ask.")
    assert [(s.value, s.unit, s.label) for s in stats] == [("91", "%", "capacity"), ("800", "full cycles", "")]
    pasta = find_stats("Pasta water tastes best at around 1 percent: ten grams per liter seasons the noodles.")
    assert [(s.value, s.unit, s.label) for s in pasta] == [("1", "%", "Pasta water tastes best"),
                                                          ("10", "grams", "per liter")]
    assert find_stats("In tests the barriers cut flooding by 62 percent compared with straight walls.")[0].label == \
        "barriers cut flooding"


@pytest.mark.parametrize("word, value", [("Street trees", "9"), ("bus bunching", "1/3"), ("resting dough", "20"),
                                         ("Solid-state", "91")])
def test_a_spoken_number_becomes_a_stat_callout_while_it_is_said(word, value):
    shots, tokens = planned(title_of(word))
    stat = next(s for s in shots if s.kind == "stat" and s.value == value)
    before = [t for t in tokens if t.start < stat.end]
    spoken = with_digits(" ".join(t.text for t in before)) + " " + " ".join(t.text for t in before)
    assert value.split("/")[0] in spoken or "third" in spoken, "shown once the number has been said, not before"
    assert stat.start - max(t.start for t in before if value.split("/")[0] in with_digits(t.text)
                            or "third" in t.text) < 3.5


@pytest.mark.parametrize("article", SAMPLES, ids=[a.title[:30] for a in SAMPLES])
def test_shot_words_come_from_what_is_said_and_never_repeat(article):
    shots, tokens = planned(article.title)
    middle = [s for s in shots[1:] if s.kind != "end"]
    texts = [s.text.lower() for s in middle if s.text]
    assert len(texts) == len(set(texts)), f"a label shown twice: {texts}"
    for shot in middle:
        assert shot.icon != "read" and "read the" not in shot.text.lower(), "the closing line is not illustrated"
        if shot.kind == "icon":
            narration = " ".join(t.text for t in tokens).lower()
            assert all(w in narration for w in shot.text.lower().split()), f"{shot.text!r} is not said"
    singles = [s.text for s in middle if s.kind == "title" and len(s.text.split()) < 2]
    assert len(singles) <= 1, f"kinetic phrases of one word: {singles}"


@pytest.mark.parametrize("article", SAMPLES, ids=[a.title[:30] for a in SAMPLES])
def test_offline_shots_vary_their_kind(article):
    shots, _ = planned(article.title)
    kinds = [s.kind for s in shots[1:-1]]
    runs = max((len(list(g)) for _, g in itertools.groupby(kinds)), default=0)
    assert runs <= 3, f"the same kind of shot {runs} times in a row: {kinds}"
    if len(kinds) >= 6:
        assert len(set(kinds)) >= 2


def test_cards_in_a_row_change_colour_and_layout(tmp_path):
    shots, _ = planned(title_of("laptop fan"))
    fonts = FontBook.from_branding("")
    look = Look(fonts, PALETTE, Brand(PALETTE), (), (), 7, "Follow for more", "Source: Tech Digest")
    fmt = FORMATS["9x16"]
    means, layouts = [], []
    for index in range(1, 5):
        drawn = draw_shot(tmp_path, fmt, index, shots[index], look, tmp_path)
        with Image.open(tmp_path / drawn.background) as background:
            means.append(np.asarray(background.convert("RGB").resize((32, 32)), dtype=float).mean(axis=(0, 1)))
        layouts.append(tuple((layer.x, layer.y, layer.motion) for layer in drawn.layers))
    for a, b in zip(means, means[1:]):
        assert np.abs(a - b).max() > 8, "two cards in a row share their colours"
    assert len(set(layouts)) == len(layouts)


def _detail(image: Image.Image) -> float:
    grey = image.convert("L")
    return float(np.asarray(grey.filter(ImageFilter.FIND_EDGES), dtype=float).mean())


def test_a_landscape_photo_fills_the_tall_frame_instead_of_a_band():
    blocks = Image.effect_noise((160, 90), 80).resize((1600, 900), Image.Resampling.NEAREST)
    photo = Image.merge("RGB", [blocks] * 3)
    size = big_size(FORMATS["9x16"], 0.16)
    top_fifth = (0, 0, size[0], size[1] // 5)
    filled = _detail(photo_background(photo, (0.5, 0.5), size, PALETTE).crop(top_fifth))
    small = photo.resize((520, 400))  # would need more than 2.6x: sharp over a blurred copy of itself
    banded = _detail(photo_background(small, (0.5, 0.5), size, PALETTE).crop(top_fifth))
    assert filled > 3 * banded, "the top of the frame is photo, not a blurred fill"
    wide = photo_background(photo, (0.5, 0.5), big_size(FORMATS["16x9"], 0.16), PALETTE)
    assert wide.size == big_size(FORMATS["16x9"], 0.16)
