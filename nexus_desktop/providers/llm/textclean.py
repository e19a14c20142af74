"""Feed HTML to clean paragraphs of readable text.

Feeds wrap the article in whatever their CMS emits: scripts, embeds, tracking
pixels, share bars, "The post ... appeared first on ..." footers. Only the prose
is worth narrating, so everything else is dropped here, with the stdlib parser
(no lxml, no network).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Content inside these is never prose.
_SKIP_TAGS = frozenset(
    {"script", "style", "iframe", "noscript", "svg", "template", "head", "nav", "footer", "aside",
     "form", "button", "select", "textarea", "object", "embed", "video", "audio", "canvas", "figure", "math"}
)
_VOID_TAGS = frozenset({"img", "embed", "br", "hr", "input", "meta", "link", "source", "track", "wbr", "area", "col", "param"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
     "header", "main", "tr", "td", "th", "table", "pre", "hr", "dd", "dt", "dl", "figcaption", "caption", "address"}
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# Far more than any article (20,000 words is ~130,000 characters); bounds the
# parsing time of a feed that embeds a whole web page.
MAX_MARKUP_CHARS = 2_000_000
URL_RE = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'）)]+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b", re.IGNORECASE)

# Boilerplate that CMSs and feed generators append; matched against a whole paragraph.
_JUNK_PARAGRAPH = re.compile(
    r"^(?:the post .{1,300} appeared first on .{1,200}"
    r"|this (?:article|story|post) (?:was )?(?:originally )?(?:appeared|published|first appeared) .{0,200}"
    r"|(?:read more|continue reading|read the full (?:story|article|post)|click here|tap here|see more)\b.{0,80}"
    r"|(?:share (?:this|on)|subscribe|sign up (?:for|to)|follow us|like us on)\b.{0,80}"
    r"|(?:submitted|posted|written) by\b.{0,120}"
    r"|(?:we|this (?:site|website)) uses? cookies\b.{0,300}|(?:accept|manage) (?:all )?cookies\b.{0,80}"
    r"|advertisement|sponsored(?: content)?|related(?: articles| stories| posts| coverage)?(?:\s*:.{0,200})?"
    r"|(?:photo|image|picture|video|illustration)s?(?: credit)?\s*[:©].{0,200}"
    r"|(?:©|\(c\)|copyright)\s.{0,200}|all rights reserved\.?"
    r"|\[?(?:…|\.\.\.)\]?)$",
    re.IGNORECASE | re.DOTALL,
)
_MENU_SEPARATORS = re.compile(r"\s[|•·»›]\s")


class _ProseParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []  # (text, is_heading)
        self._parts: list[str] = []
        self._skip_depth = 0
        self._heading_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += tag not in _VOID_TAGS
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in _HEADING_TAGS:
            self._heading_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in _HEADING_TAGS:
            self._heading_depth = max(0, self._heading_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._parts.append(data)

    def _flush(self) -> None:
        text = normalize_space("".join(self._parts))
        if text:
            self.blocks.append((text, self._heading_depth > 0))
        self._parts = []

    def close(self) -> None:
        super().close()
        self._flush()


def normalize_space(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip()


def html_to_paragraphs(markup: str) -> list[str]:
    """The prose paragraphs of a piece of feed HTML, entities unescaped, in order."""
    if not markup or not markup.strip():
        return []
    markup = markup[:MAX_MARKUP_CHARS]
    if "<" not in markup:
        # Plain text (some feeds send it): keep its own paragraph breaks.
        chunks = re.split(r"\n\s*\n", html.unescape(markup))
        return [p for p in (normalize_space(c) for c in chunks) if p and not is_junk(p)]
    parser = _ProseParser()
    parser.feed(markup)
    parser.close()
    return [text for text, heading in parser.blocks if not heading and not is_junk(text)]


def is_junk(paragraph: str) -> bool:
    """Share bars, menus, credits and feed footers rather than prose."""
    if _JUNK_PARAGRAPH.match(paragraph):
        return True
    if len(_MENU_SEPARATORS.findall(paragraph)) >= 2:
        return True
    letters = sum(ch.isalpha() for ch in paragraph)
    return letters < max(3, len(paragraph) // 3)


def strip_urls(text: str) -> str:
    """Text with links and e-mail addresses removed (a voice reading them out is noise)."""
    text = URL_RE.sub("", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return normalize_space(text)
