"""The embedded script writer: no model, no download, no network.

Sentences are ranked with TextRank (plus a lead bias, as news puts what matters
first), the best ones that fit the word budget are kept in article order, and a
hook and a close from templates frame them. A sentence that leans on the one
before it ("That change ...", "But ...") is only kept together with it, so the
narration never starts a thought in the middle.
"""

from __future__ import annotations

import numpy as np

from ...domain.content import Script
from .base import ArticleText, CheckCancelledFn, ProgressFn, ScriptRequest
from .compose import build_scenes, capitalize, description, plan_scenes, platform_text, shorten
from .document import lead_clause
from .keywords import hashtags, key_phrases
from .phrases import Phrases, phrases_for
from .sentences import word_count
from .textrank import content_tokens, textrank

SUMMARY_WORDS = 60
# English sentences that open like this continue the previous one.
_DEPENDENT_OPENERS = frozenset(
    {"this", "that", "these", "those", "it", "its", "they", "their", "them", "he", "she", "his", "her", "him",
     "but", "however", "also", "still", "yet", "so", "then", "meanwhile", "instead", "moreover", "furthermore",
     "additionally", "likewise", "similarly", "such", "thus", "therefore", "hence", "and", "or", "nor",
     "otherwise", "besides", "nonetheless", "nevertheless", "both", "neither", "there", "here", "another",
     "other", "others", "the latter", "the former", "as a result", "in addition", "for example", "for instance",
     "on the other hand", "even so", "at the same time", "in contrast", "by contrast", "that is why"}
)
_MAX_CONTEXT = 2  # predecessors a sentence may pull in with it


class ExtractiveProvider:
    name = "extractive"

    def write_script(
        self, request: ScriptRequest, *, progress: ProgressFn, check_cancelled: CheckCancelledFn
    ) -> Script:
        text = request.text
        progress(15, "Ranking the article's sentences")
        ranker = _Ranker(text)
        check_cancelled()
        phrases = phrases_for(text.language)
        hook, close = opening(text, phrases), closing(text, phrases)
        budget = request.narration_words - word_count(hook) - word_count(close)
        body = [text.sentences[i].text for i in ranker.select(budget, avoid_title=bool(hook))]
        narration = [s for s in (hook, *body, close) if s]
        progress(45, "Choosing scenes and headlines")
        check_cancelled()
        groups = plan_scenes(narration, request.scenes_min, request.scenes_max)
        scenes = build_scenes(
            groups, title=text.title, language=text.language, templated=frozenset({hook, close}),
            end_card=text.source,
        )
        check_cancelled()
        progress(75, "Writing titles and posts")
        return _assemble(text, ranker, body, scenes, phrases)


def _assemble(text: ArticleText, ranker: "_Ranker", body: list[str], scenes, phrases: Phrases) -> Script:
    summary_sentences = [text.sentences[i].text for i in ranker.select(SUMMARY_WORDS, avoid_title=False)]
    summary = " ".join(summary_sentences)
    topics = rank_topics(key_phrases(f"{text.title}. {' '.join(body)}", text.language, top=16), text)
    tags = hashtags(topics)
    points = [s for s in body if s not in summary_sentences and not ranker.leans_on_previous(s)][:3]
    about = description(summary, text.article.link, text.source, text.language)
    return Script(
        title=text.title,
        summary=summary,
        narration=" ".join(scene.narration for scene in scenes),
        scenes=scenes,
        titles=title_candidates(text, topics, phrases),
        description=about,
        hashtags=tags,
        platforms=platform_text(
            title=text.title, summary=summary, description_text=about, points=points,
            link=text.article.link, source=text.source, hashtags=tags, language=text.language,
        ),
        language=text.language,
        provider=ExtractiveProvider.name,
    )


def rank_topics(phrases: list[str], text: ArticleText) -> list[str]:
    """Topics for titles and hashtags: phrases of the title first, then compounds,
    then single words only if the article repeats them."""
    title = text.title.lower()
    everything = f"{title} {text.body.lower()}"

    def rank(phrase: str) -> int:
        if phrase.lower() in title:
            return 0
        return 1 if " " in phrase or "-" in phrase else 2

    keep = [p for p in phrases if " " in p or "-" in p or p.lower() in title or everything.count(p.lower()) >= 2]
    return sorted(keep, key=rank)


def opening(text: ArticleText, phrases: Phrases) -> str:
    if text.title_from_text:
        return phrases.hook_untitled  # the made-up title repeats the lead: don't say it twice
    title = text.title.rstrip(" .。")
    if title.endswith(("?", "!", "？", "！")) and phrases.hook.endswith("{title}."):
        return phrases.hook[: -len("{title}.")] + title
    return phrases.hook.format(title=title)


def closing(text: ArticleText, phrases: Phrases) -> str:
    if text.source:
        return phrases.close.format(source=text.source)
    return phrases.close_no_source if text.article.link else ""


def title_candidates(text: ArticleText, topics: list[str], phrases: Phrases) -> tuple[str, ...]:
    candidates = [text.title, lead_clause(text.sentences[0].text)]
    compounds = [t for t in topics if " " in t or "-" in t] or topics
    if phrases.essentials and compounds:
        candidates.append(phrases.essentials.format(topic=capitalize(compounds[0])))
    candidates += [f"{text.title} ({text.source})" if text.source else ""]
    candidates += [capitalize(topic) for topic in topics]
    titles: list[str] = []
    for candidate in candidates:
        candidate = shorten(candidate, 100)
        if candidate and candidate.lower() not in {t.lower() for t in titles}:
            titles.append(candidate)
    while len(titles) < 3:
        titles.append(f"{text.title} ({len(titles) + 1})"[:100])
    return tuple(titles[:3])


class _Ranker:
    """Scores an article's sentences and picks coherent, non-repeating sets of them."""

    def __init__(self, text: ArticleText) -> None:
        self.text = text
        self.tokens = [content_tokens(s.text, text.language) for s in text.sentences]
        self.title_tokens = set(content_tokens(text.title, text.language))
        self.scores = self._scores()

    def _scores(self) -> np.ndarray:
        count = len(self.tokens)
        centrality = textrank(self.tokens)
        centrality = centrality / centrality.max()
        position = 1.0 / (1.0 + np.arange(count) / 3.0)
        overlap = np.array([len(set(t) & self.title_tokens) / max(1, len(self.title_tokens)) for t in self.tokens])
        words = np.array([s.words for s in self.text.sentences])
        length = np.where(words < 8, 0.8, 1.0) * np.where(words > 40, 0.75, 1.0)
        return (0.55 * centrality + 0.3 * position + 0.15 * overlap) * length

    def select(self, budget: float, *, avoid_title: bool) -> list[int]:
        """Indexes of the best sentences that fit ``budget`` words, in article order."""
        sentences = self.text.sentences
        chosen: list[int] = []
        used = 0.0
        for index in np.argsort(-self.scores, kind="stable"):
            group = self._with_context(int(index), chosen)
            if group is None or any(self._repeats(i, chosen, avoid_title) for i in group):
                continue
            cost = sum(sentences[i].words for i in group)
            if used + cost <= budget * 1.05:
                chosen += group
                used += cost
            if used >= budget * 0.95:
                break
        if not chosen:  # nothing fits: one long sentence beats an empty narration
            chosen = [min(range(len(sentences)), key=lambda i: sentences[i].words)]
        return sorted(chosen)

    def _with_context(self, index: int, chosen: list[int]) -> list[int] | None:
        """The sentence plus the predecessors it leans on; None if that chain is too long."""
        group = [index]
        while self.leans_on_previous(self.text.sentences[group[-1]].text) and group[-1] > 0:
            previous = group[-1] - 1
            if previous in chosen:
                break
            if len(group) > _MAX_CONTEXT:
                return None
            group.append(previous)
        return [i for i in group if i not in chosen]

    def leans_on_previous(self, sentence: str) -> bool:
        if self.text.language != "en":
            return False
        words = sentence.lower().lstrip("\"'“‘(").replace(",", " ").split()
        return any(" ".join(words[:n]) in _DEPENDENT_OPENERS for n in (1, 2, 3, 4))

    def _repeats(self, index: int, chosen: list[int], avoid_title: bool) -> bool:
        """A near copy of a chosen sentence, or of the title the hook already says."""
        tokens = set(self.tokens[index])
        others = [set(self.tokens[i]) for i in chosen] + ([self.title_tokens] if avoid_title else [])
        return any(_jaccard(tokens, other) >= 0.7 for other in others)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
