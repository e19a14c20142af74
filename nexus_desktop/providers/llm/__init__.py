"""Script writers for the analyze stage: the embedded extractive one and any
OpenAI-compatible endpoint. Pick one with ``get_provider(settings.analyze)``."""

from .base import ArticleText, LLMProvider, ScriptRequest, Sentence
from .registry import PROVIDERS, get_provider

__all__ = ["ArticleText", "LLMProvider", "PROVIDERS", "ScriptRequest", "Sentence", "get_provider"]
