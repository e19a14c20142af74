"""From a harvested Article to ArticleText: clean sentences, a title, a language."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from ...domain.content import Article
from ...domain.errors import UserFixableError
from .base import ArticleText, Sentence
from .keywords import key_phrases
from .language import detect_language
from .phrases import full_stop
from .sentences import is_terminated, split_sentences, word_count
from .textclean import URL_RE, html_to_paragraphs, normalize_space, strip_urls

# Long articles: narration needs a few hundred sentences at most, and ranking
# more would cost time for nothing (news puts what matters first).
MAX_SENTENCES = 400
MAX_SENTENCE_WORDS = 60
_TRUNCATED = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])[\"'”’)]*$")


def prepare(article: Article) -> ArticleText:
    """The article's narratable text. Raises UserFixableError when there is none."""
    paragraphs = _paragraphs(article)
    language = detect_language(" ".join(paragraphs) or article.title, article.language)
    sentences = _sentences(paragraphs, language)
    if not sentences:
        raise UserFixableError(
            "the article has no readable text to narrate: its feed entry holds only markup, scripts or images",
            hint="open the article in a browser; if its text is there, the feed only sends teasers — skip this item",
        )
    source = source_name(article)
    title = _clean_title(article.title, source)
    made_up = not title
    if made_up:
        title = make_title(sentences, language)
    return ArticleText(article, title, made_up, tuple(sentences), language, source)


def _paragraphs(article: Article) -> list[str]:
    content = html_to_paragraphs(article.content_html)
    summary = html_to_paragraphs(article.summary_html)
    # Some feeds put a teaser in content and the text in summary, or the reverse.
    return content if word_count(" ".join(content)) >= word_count(" ".join(summary)) else summary


def _sentences(paragraphs: list[str], language: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    loose: list[Sentence] = []  # unpunctuated lines, for text that has nothing else
    for index, paragraph in enumerate(paragraphs):
        for found in split_sentences(normalize_space(_EMOJI.sub("", paragraph))):
            for text in _speakable(found):
                if _narratable(text):
                    sentences.append(Sentence(text, index, word_count(text)))
                elif word_count(text) >= 5 and not is_terminated(text) and not _TRUNCATED.search(text):
                    loose.append(Sentence(text + full_stop(language), index, word_count(text)))
            if len(sentences) >= MAX_SENTENCES:
                return sentences
    return sentences or loose[:MAX_SENTENCES]


def _speakable(sentence: str) -> list[str]:
    """The sentence as it can be read aloud: links only go when bracketed (else the
    sentence would lose its object: "See ... for details."), and a run-on is cut."""
    if URL_RE.search(sentence):
        if URL_RE.search(_BRACKETED.sub("", sentence)):
            return []
        sentence = strip_urls(_BRACKETED.sub(lambda m: "" if URL_RE.search(m.group()) else m.group(), sentence))
    return _tame(sentence)


def _tame(sentence: str) -> list[str]:
    """Split a sentence too long for one breath at its semicolons; failing that,
    keep its first clauses (text with no punctuation at all ends up here)."""
    if word_count(sentence) <= MAX_SENTENCE_WORDS or _CJK.search(sentence):
        return [sentence]
    parts = re.split(r"(?<=;)\s+", sentence)
    if len(parts) > 1:
        return [piece for part in parts for piece in _tame(re.sub(r";$", ".", part))]
    head = " ".join(sentence.split()[:MAX_SENTENCE_WORDS])
    comma = head.rfind(", ")
    if comma > len(head) // 2:
        head = head[:comma]
    return [head.rstrip(",;:—–- ") + "."]


_BRACKETED = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D\u2B50\u2B06\u2194-\u21AA]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _narratable(text: str) -> bool:
    """Whole sentences only: no headings, list stubs or teasers cut off with '…'."""
    return word_count(text) >= 3 and is_terminated(text) and not _TRUNCATED.search(text)


def _clean_title(title: str, source: str) -> str:
    """Plain text, without tags, links or a trailing " | Site name"."""
    text = normalize_space(strip_urls(html.unescape(re.sub(r"<[^>]*>", " ", title or ""))))
    if source:
        suffix = re.match(rf"^(.*\S)\s+[|\-–—·]\s+{re.escape(source)}$", text, re.IGNORECASE)
        text = suffix.group(1) if suffix else text
    return text


def make_title(sentences: list[Sentence], language: str) -> str:
    """A title for an untitled item: the lead's first clause, or its key phrase."""
    clause = lead_clause(sentences[0].text)
    if clause:
        return clause
    phrases = key_phrases(" ".join(s.text for s in sentences[:20]), language, top=1)
    if phrases:
        return phrases[0][:1].upper() + phrases[0][1:]
    return " ".join(sentences[0].text.split()[:8]).rstrip(",;:.")


def lead_clause(sentence: str) -> str:
    """The first clause of a sentence when it is title-sized (3-12 words), else ''."""
    clause = re.split(r"[,;:—–(]| - ", sentence, maxsplit=1)[0].strip().rstrip(".!?。！？…")
    return clause if 3 <= word_count(clause) <= 12 else ""


def source_name(article: Article) -> str:
    """Who published it, as a narrator would say it: 'Ars Technica' for a feed
    called "Ars Technica - All content", the site's name when the feed has none."""
    title = normalize_space(strip_urls(article.source_title or ""))
    name = re.split(r"\s+[-|>»–—:]\s+", title, maxsplit=1)[0].strip()
    if name:
        return name
    host = urlparse(article.link or "").hostname or ""
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "net", "ac", "gov", "edu"):
        parts = parts[:-1]  # bbc.co.uk -> bbc
    if len(parts) < 2:
        return ""
    return parts[-2].upper() if len(parts[-2]) <= 3 else parts[-2].capitalize()  # "BBC", "Theverge"
