"""Which language a script is narrated in: detected from the text; a declared
feed language only wins when the text cannot say."""

from __future__ import annotations

import pytest

from nexus_desktop.domain.content import Script
from nexus_desktop.pipeline import analyze
from nexus_desktop.providers.llm.language import detect_language
from tests.article_support import make_article


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        # Confident detection beats a declared code that contradicts it.
        ("The city council approved the new budget for schools and parks on Monday evening.", "kn", "en"),
        ("The city council approved the new budget for schools and parks on Monday evening.", "cs", "en"),
        ("Der Stadtrat hat am Montag den neuen Haushalt für Schulen und Parks beschlossen.", "en", "de"),
        ("El ayuntamiento aprobó el lunes el nuevo presupuesto para escuelas y parques.", "fr", "es"),
        # Short English posts stay English whatever the feed says.
        ("New release out now.", "cs", "en"),
        ("Quick update: servers are back.", "kn", "en"),
        # Short and unsure: the declared code if it is written in the text's script...
        ("Tech news", "de", "de"),
        # ...else the app's language.
        ("Tech news", "kn", "en"),
        ("Tech news", None, "en"),
        # A non-Latin script decides.
        ("ಕನ್ನಡ ಭಾಷೆಯಲ್ಲಿ ಒಂದು ಸುದ್ದಿ.", "en", "kn"),
        ("Городской совет утвердил бюджет.", "en", "ru"),
        ("", "de", "de"),
        ("", None, "en"),
    ],
)
def test_language_from_the_text_first(text, declared, expected):
    assert detect_language(text, declared) == expected


def test_english_items_from_a_feed_declaring_kannada_are_narrated_in_english(make_context):
    ctx = make_context(article=make_article(language="kn"))
    script = Script.from_dict(analyze.run(ctx).results["script"])
    assert script.language == "en"


def test_a_mixed_language_article_goes_by_its_main_language(make_context):
    html = ("<p>The festival opened on Friday with a concert in the old market square. Thousands of visitors came "
            "despite the rain, and the organisers said the first night sold out.</p>"
            "<p>„Wir sind überwältigt“, sagte die Leiterin des Festivals.</p>"
            "<p>The programme runs until Sunday, with free events for children every afternoon.</p>")
    ctx = make_context(article=make_article(content_html=html, language="de", title="A festival in the rain"))
    script = Script.from_dict(analyze.run(ctx).results["script"])
    assert script.language == "en"
    assert "The programme runs until Sunday" in script.narration
