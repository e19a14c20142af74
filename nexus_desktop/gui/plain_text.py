"""Text from feeds shown as text, never as markup.

Qt renders a tooltip (and a label in auto mode) as rich text when it merely looks
like HTML, so a feed titled ``<img src="file:///…">`` would load a local file in
a tooltip. ``tooltip`` escapes such text into rich text that shows it literally.
"""

from __future__ import annotations

import html


def tooltip(text: str | None) -> str | None:
    """``text`` as rich text that displays exactly these characters (None stays None)."""
    if not text:
        return text
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"
