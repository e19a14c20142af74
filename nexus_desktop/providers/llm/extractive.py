"""The embedded script writer: no model, no download, no network.

The narration opens on a hook: the article's most striking sentence (a number,
a first, a contrast), taken as written, or its title when nothing stands out.
The story follows in the article's order: sentences ranked with TextRank (plus
a lead bias, as news puts what matters first) fill the length budget, and every
caveat ("still", "but", "not yet", "at least", "only", "may") is kept first, so
no claim loses its qualifier. A sentence that leans on the one before it
("That change ...", "But ...") only comes with it. A short call to the source
closes it.
"""

from __future__ import annotations

import re

import numpy as np

from ...domain.content import Script
from .base import ArticleText, CheckCancelledFn, ProgressFn, ScriptRequest
from .compose import build_scenes, capitalize, description, plan_scenes, platform_text
from .document import lead_clause
from .emphasis import is_caveat, striking
from .keywords import stopwords
from .phrases import Phrases, full_stop, phrases_for
from .sentences import word_count
from .textrank import content_tokens, textrank
from .topics import topic_hashtags, topics

SUMMARY_WORDS = 60
TITLE_MAX = 60  # what a feed, a phone and a search result show without cutting
HOOK_MIN_SCORE = 2.0  # a number, or a first or a number word together with a contrast
# English sentences that open like this continue the previous one.
_DEPENDENT_OPENERS = frozenset(
    {"this", "that", "these", "those", "it", "its", "they", "their", "them", "he", "she", "his", "her", "him",
     "but", "however", "also", "still", "yet", "so", "then", "meanwhile", "instead", "moreover", "furthermore",
     "additionally", "likewise", "similarly", "such", "thus", "therefore", "hence", "and", "or", "nor",
     "otherwise", "besides", "nonetheless", "nevertheless", "both", "neither", "there", "here", "another",
     "other", "others", "the latter", "the former", "as a result", "in addition", "for example", "for instance",
     "on the other hand", "even so", "at the same time", "in contrast", "by contrast", "that is why", "soon"}
)
_MAX_CONTEXT = 2  # predecessors a sentence may pull in with it
_SPOKEN_EXTRA = re.compile(r"\S*[\d%$€£°#&]\S*")


def spoken_words(text: str) -> float:
    """Length as the voice says it: "$18.5M" is five words, not one."""
    return word_count(text) + 2 * len(_SPOKEN_EXTRA.findall(text))


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
        hook_index = ranker.hook()
        if hook_index is None and text.title_from_text:
            hook_index = 0  # the made-up title is the lead's first clause: open on the lead itself
        hook = opening(text, hook_index)
        close = closing(text, phrases)
        budget = request.narration_words - spoken_words(hook) - spoken_words(close)
        skip = _hook_leftovers(text, hook_index)
        body = [text.sentences[i].text for i in ranker.select(budget, avoid_title=hook_index is None, skip=skip)]
        narration = [s for s in (hook, *body, close) if s]
        progress(45, "Choosing scenes and headlines")
        check_cancelled()
        groups = plan_scenes(narration, request.scenes_min, request.scenes_max)
        templated = frozenset({hook, close}) if hook_index is None else frozenset({close})
        scenes = build_scenes(groups, title=text.title, language=text.language, templated=templated,
                              end_card=text.source)
        check_cancelled()
        progress(75, "Writing titles and posts")
        return _assemble(text, ranker, hook, body, scenes, phrases)


def _hook_leftovers(text: ArticleText, hook_index: int | None) -> set[int]:
    """The hook, and a very short sentence just before it that only announced it
    ("Dust matters too."): left where it was, it would dangle."""
    if hook_index is None:
        return set()
    skip = {hook_index}
    before = hook_index - 1
    same_paragraph = before >= 0 and text.sentences[before].paragraph == text.sentences[hook_index].paragraph
    if same_paragraph and text.sentences[before].words < 5:
        skip.add(before)
    return skip


def _assemble(text: ArticleText, ranker: "_Ranker", hook: str, body: list[str], scenes, phrases: Phrases) -> Script:
    summary_sentences = [text.sentences[i].text for i in ranker.select(SUMMARY_WORDS, avoid_title=False)]
    summary = " ".join(summary_sentences)
    found = topics(text.title, " ".join(s.text for s in text.sentences[:80]), text.language)
    tags = topic_hashtags(found)
    points = [s for s in body if s not in summary_sentences and not ranker.leans_on_previous(s)][:3]
    about = description(summary, text.article.link, text.source, text.language)
    caveats = [s for s in body if is_caveat(s, text.language)]
    titles = title_candidates(text, hook, caveats, found, phrases)
    return Script(
        title=titles[0],
        summary=summary,
        narration=" ".join(scene.narration for scene in scenes),
        scenes=scenes,
        titles=titles,
        description=about,
        hashtags=tags,
        platforms=platform_text(
            title=titles[0], summary=summary, description_text=about, points=points,
            link=text.article.link, source=text.source, hashtags=tags, language=text.language,
        ),
        language=text.language,
        provider=ExtractiveProvider.name,
        cost_usd=0.0,  # written on this computer
    )


def opening(text: ArticleText, hook_index: int | None) -> str:
    """The striking sentence, or the title said as a sentence (a question stays one)."""
    if hook_index is not None:
        return text.sentences[hook_index].text
    title = text.title.rstrip(" .。")
    if title.endswith(("?", "!", "？", "！")):
        return title
    return title + ("。" if text.language in ("ja", "zh") else full_stop(text.language))


def closing(text: ArticleText, phrases: Phrases) -> str:
    if text.source:
        return phrases.close.format(source=text.source)
    return phrases.close_no_source if text.article.link else ""


def title_candidates(
    text: ArticleText, hook: str, caveats: list[str], found: list[str], phrases: Phrases
) -> tuple[str, str, str]:
    """A main title of at most 60 characters and two others from other angles:
    the striking fact, the caveat, the topic, the lead."""
    main = fit_title(text.title, text.language) or fit_title(lead_clause(text.sentences[0].text), text.language)
    in_title = [t for t in found if t.lower() in text.title.lower()]
    compounds = [t for t in found if " " in t or "-" in t]
    angles = [compress(hook, text.language), *(compress(c, text.language) for c in caveats[:2])]
    if phrases.essentials and (in_title or compounds):
        angles.append(phrases.essentials.format(topic=capitalize((in_title or compounds)[0])))
    angles += [compress(text.sentences[0].text, text.language), *(capitalize(t) for t in compounds)]
    titles = [main or capitalize(text.title[:TITLE_MAX])]
    for candidate in angles:
        if candidate and len(candidate) <= TITLE_MAX and not _similar(candidate, titles, text.language):
            titles.append(candidate)
    number = 2
    while len(titles) < 3:
        titles.append(f"{titles[0][: TITLE_MAX - 4]} ({number})")
        number += 1
    return titles[0], titles[1], titles[2]


def fit_title(title: str, language: str) -> str:
    """The title within 60 characters: cut at a clause, else after a whole word."""
    title = title.strip().rstrip(".")
    if len(title) <= TITLE_MAX:
        return title
    for mark in (": ", " – ", " — ", " - ", "; ", ", "):
        head = title.split(mark)[0]
        if 20 <= len(head) <= TITLE_MAX:
            return head
    words = title[: TITLE_MAX + 1].split()[:-1]
    stop = stopwords(language)
    while len(words) > 3 and words[-1].lower() in stop:
        words.pop()
    return " ".join(words).rstrip(",;:")


_ATTRIBUTION = re.compile(
    r"^(?:(?:[A-Z][\w-]*\s){0,3}(?:say|says|said|report|reports|reported|found|find|finds|note|notes)\s(?:that\s)?)",
)


def compress(sentence: str, language: str) -> str:
    """A sentence as a title: no attribution ("Engineers say"), no full stop,
    cut at its first clause when too long; '' when it cannot fit."""
    text = sentence.strip().rstrip(".!。")
    stripped = _ATTRIBUTION.sub("", text) if language == "en" else text
    text = capitalize(stripped) if stripped != text else text
    if len(text) <= TITLE_MAX:
        return text
    for mark in (", ", " — ", " – ", ": ", "; ", " because ", " while ", " so "):
        head = text.split(mark)[0]
        if 15 <= len(head) <= TITLE_MAX and word_count(head) >= 3:
            return head
    return ""


def _similar(candidate: str, titles: list[str], language: str) -> bool:
    tokens = set(content_tokens(candidate, language))
    return any(
        candidate.lower() == t.lower() or _jaccard(tokens, set(content_tokens(t, language))) >= 0.75 for t in titles
    )


class _Ranker:
    """Scores an article's sentences and picks coherent, non-repeating sets of them."""

    def __init__(self, text: ArticleText) -> None:
        self.text = text
        self.tokens = [content_tokens(s.text, text.language) for s in text.sentences]
        self.title_tokens = set(content_tokens(text.title, text.language))
        self.scores = self._scores()
        self.caveat = [is_caveat(s.text, text.language) for s in text.sentences]
        self.lengths = [spoken_words(s.text) for s in text.sentences]

    def _scores(self) -> np.ndarray:
        count = len(self.tokens)
        centrality = textrank(self.tokens)
        centrality = centrality / centrality.max()
        position = 1.0 / (1.0 + np.arange(count) / 3.0)
        overlap = np.array([len(set(t) & self.title_tokens) / max(1, len(self.title_tokens)) for t in self.tokens])
        words = np.array([s.words for s in self.text.sentences])
        length = np.where(words < 8, 0.8, 1.0) * np.where(words > 40, 0.75, 1.0)
        return (0.55 * centrality + 0.3 * position + 0.15 * overlap) * length

    def hook(self) -> int | None:
        """The most striking sentence that stands on its own, if one stands out."""
        best, best_score = None, HOOK_MIN_SCORE - 1e-9
        for index, sentence in enumerate(self.text.sentences[:60]):
            if not 6 <= sentence.words <= 32 or (index and self.leans_on_previous(sentence.text)):
                continue
            score = striking(sentence.text, self.text.language) - 0.02 * index
            if is_caveat(sentence.text, self.text.language):
                score -= 1.0  # a caveat qualifies the story; opening on it would distort it
            if score > best_score:
                best, best_score = index, score
        return best

    def select(self, budget: float, *, avoid_title: bool, skip: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """Indexes of the best sentences that fit ``budget`` spoken words, in
        article order: caveats first, then by rank, each with what it leans on."""
        sentences = self.text.sentences
        chosen: list[int] = list(skip)
        used = 0.0
        caveats = [i for i in range(len(sentences)) if self.caveat[i]]
        for index in sorted(caveats, key=lambda i: -self.scores[i]):
            used += self._add(index, chosen, budget * 0.6 - used, avoid_title)
        for index in np.argsort(-self.scores, kind="stable"):
            used += self._add(int(index), chosen, budget * 1.05 - used, avoid_title)
            if used >= budget * 0.95:
                break
        chosen = [i for i in chosen if i not in skip]
        if not chosen and not skip:  # nothing fits: one long sentence beats an empty narration
            chosen = [min(range(len(sentences)), key=lambda i: sentences[i].words)]
        return sorted(chosen)

    def _add(self, index: int, chosen: list[int], room: float, avoid_title: bool) -> float:
        """Add the sentence with its context and a caveat right after it, if they fit ``room``."""
        group = self._with_context(index, chosen)
        if not group or any(self._repeats(i, chosen, avoid_title) for i in group):
            return 0.0
        following = max(group) + 1
        if following < len(self.caveat) and self.caveat[following] and self.leans_on_previous(
            self.text.sentences[following].text
        ) and following not in chosen:
            group.append(following)  # "... But it still needs a pressure frame." goes with its claim
        cost = sum(self.lengths[i] for i in group)
        if cost > room:
            return 0.0
        chosen += group
        return cost

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
