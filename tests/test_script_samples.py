"""The extractive writer on the ten sample articles and on bad input: a hook
from the article, every caveat kept, titles within 60 characters from three
angles, hashtags that are real topics."""

from __future__ import annotations

import random

import pytest

from bench.samples import sample_articles
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.pipeline import analyze
from nexus_desktop.providers.llm.document import prepare
from nexus_desktop.providers.llm.emphasis import is_caveat
from nexus_desktop.providers.llm.sentences import split_sentences
from nexus_desktop.providers.llm.topics import _GENERIC
from nexus_desktop.domain.content import Script
from tests.article_support import make_article

SAMPLES = sample_articles()


def write(make_context, article) -> Script:
    ctx = make_context(article=article)
    return Script.from_dict(analyze.run(ctx).results["script"])


@pytest.mark.parametrize("article", SAMPLES, ids=[a.title[:30] for a in SAMPLES])
def test_each_sample_opens_on_its_own_words_and_keeps_every_caveat(make_context, article):
    script = write(make_context, article)
    text = prepare(article)
    first = split_sentences(script.narration)[0]
    assert first.rstrip(".") == text.title.rstrip(".") or first in [s.text for s in text.sentences]
    for sentence in text.sentences:
        if is_caveat(sentence.text, "en"):
            assert sentence.text in script.narration, f"dropped the caveat {sentence.text!r}"
    assert script.narration.endswith(f"Read the full story from {text.source}.")
    assert "Here's the story" not in script.narration


@pytest.mark.parametrize("article", SAMPLES, ids=[a.title[:30] for a in SAMPLES])
def test_each_sample_has_three_titles_and_topical_hashtags(make_context, article):
    script = write(make_context, article)
    assert len(script.titles) == 3 and len({t.lower() for t in script.titles}) == 3
    assert all(len(t) <= 60 for t in script.titles) and script.title == script.titles[0]
    assert 2 <= len(script.hashtags) <= 8
    for tag in script.hashtags:
        assert tag[1:].lower() not in _GENERIC, tag
    assert not {"#Degrees", "#WaterTastes", "#CellSwells", "#PercentSalt"} & set(script.hashtags)


def test_a_number_in_the_article_makes_the_hook(make_context):
    script = write(make_context, SAMPLES[0])
    assert script.narration.startswith("Engineers say early cells kept 91 percent")
    assert "Volume production is still at least two years away" in script.titles


def test_an_empty_item_gives_a_clear_reason(make_context):
    with pytest.raises(UserFixableError, match="no readable text"):
        write(make_context, make_article(title="", summary_html="", content_html=""))


def test_an_image_only_item_gives_a_clear_reason(make_context):
    article = make_article(title="", summary_html="", content_html='<p><img src="https://x.example/a.jpg"></p>')
    with pytest.raises(UserFixableError, match="no readable text"):
        write(make_context, article)


def test_html_junk_is_not_narrated(make_context):
    junk = ("<div class='share'>Share on Facebook | Tweet | Email</div><p>Cookies help us deliver our services.</p>"
            "<p>The council approved the new bridge on Monday. It opens to traffic in May.</p><p>Read more</p>"
            "<script>alert(1)</script><p>&lt;&gt;&amp;&nbsp;</p>")
    script = write(make_context, make_article(content_html=junk, summary_html=""))
    assert "The council approved the new bridge on Monday." in script.narration
    assert "Share on" not in script.narration and "alert" not in script.narration and "Read more" not in script.narration


def test_a_50000_word_article_fits_the_target_length(make_context, settings):
    rng = random.Random(7)
    nouns = "council bridge river budget school library tram harbour market museum park station tower".split()
    verbs = "approved delayed funded reviewed opened closed expanded repaired inspected praised".split()
    sentences = [
        f"The {rng.choice(nouns)} board {rng.choice(verbs)} the {rng.choice(nouns)} plan for the {rng.choice(nouns)} "
        f"district after {rng.randint(2, 90)} days of talks."
        for _ in range(3400)
    ]
    html = "".join("<p>" + " ".join(sentences[i : i + 5]) + "</p>" for i in range(0, len(sentences), 5))
    assert len(html.split()) > 50000
    script = write(make_context, make_article(content_html=html))
    assert len(script.narration.split()) <= settings.analyze.narration_words * 1.1
    assert 4 <= len(script.scenes) <= 8


def test_an_untitled_item_without_a_striking_sentence_opens_on_its_lead_once(make_context):
    html = ("<p>The library on Elm Road reopened after a long renovation with brighter reading rooms.</p>"
            "<p>Visitors found the children's corner moved upstairs, next to a quiet study area.</p>")
    script = write(make_context, make_article(title="", content_html=html, summary_html=""))
    assert script.narration.startswith("The library on Elm Road reopened after a long renovation")
    assert script.narration.count("The library on Elm Road reopened") == 1
