"""The sample article most tests use, and the sample feeds' folder (no tests here)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from nexus_desktop.domain.content import Article

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"

ARTICLE_HTML = (
    "<p>A second pilot line for solid-state battery cells opened this week, doubling the number of cells "
    "the maker can put through abuse and cycle testing each month.</p>"
    "<p>Solid-state cells swap the liquid electrolyte for a ceramic or polymer layer. That change promises "
    "higher energy density and less fire risk, but it has been hard to manufacture at scale because the thin "
    "solid layer cracks as the cell swells and shrinks during charging.</p>"
    "<p>The new line uses a pressure frame that keeps the stack compressed through each cycle. Engineers say "
    "early cells kept 91 percent of their capacity after 800 full cycles, close to what carmakers ask for.</p>"
    "<p>Volume production is still at least two years away. The next milestone is a cell that passes "
    "nail-penetration tests without a pressure frame at all.</p>"
)


def make_article(**overrides) -> Article:
    values = dict(
        item_id=1,
        title="Solid-state batteries reach a second pilot line",
        link="https://techdigest.example.org/2026/11/solid-state-pilot",
        author="Mara Lindqvist",
        published=datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc),
        summary_html="A second pilot line for solid-state cells opened this week, doubling test output.",
        content_html=ARTICLE_HTML,
        image_url=None,
        language="en",
        source_title="Tech Digest Weekly",
    )
    values.update(overrides)
    return Article(**values)
