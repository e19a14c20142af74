"""What every script writer (extractive, LLM endpoint) is given and must give back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ...domain.content import Article, Script

ProgressFn = Callable[[float, str], None]
CheckCancelledFn = Callable[[], None]


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index of the paragraph it came from
    words: float  # spoken length in English-word equivalents


@dataclass(frozen=True)
class ArticleText:
    """An article reduced to what can be narrated: clean sentences and a title."""

    article: Article
    title: str
    title_from_text: bool  # True when the feed gave no title and one was made
    sentences: tuple[Sentence, ...]
    language: str
    source: str  # who published it, as a listener would say it

    @property
    def body(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class ScriptRequest:
    text: ArticleText
    narration_words: int
    scenes_min: int
    scenes_max: int


class LLMProvider(Protocol):
    """Writes a Script for an article. Raises NexusError subclasses on failure."""

    name: str

    def write_script(
        self, request: ScriptRequest, *, progress: ProgressFn, check_cancelled: CheckCancelledFn
    ) -> Script: ...
