"""TextRank over sentences: PageRank on their TF-IDF cosine similarity graph."""

from __future__ import annotations

import re

import numpy as np

from .keywords import stopwords

_TOKEN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def content_tokens(sentence: str, language: str) -> list[str]:
    """Lower-cased content words; character bigrams for scripts without spaces."""
    if _CJK.search(sentence):
        chars = _CJK.findall(sentence)
        return [a + b for a, b in zip(chars, chars[1:])]
    stop = stopwords(language)
    tokens = []
    for token in _TOKEN.findall(sentence.lower()):
        if len(token) < 2 or token in stop or token.isdigit():
            continue
        if language == "en" and len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]  # cells ~ cell: the cheapest stemmer that helps
        tokens.append(token)
    return tokens


def textrank(token_lists: list[list[str]], *, damping: float = 0.85, iterations: int = 60) -> np.ndarray:
    """A centrality score per sentence, summing to 1."""
    count = len(token_lists)
    if count == 0:
        return np.zeros(0)
    vectors = _tfidf(token_lists)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    out_weight = similarity.sum(axis=1, keepdims=True)
    # A sentence sharing no word with any other links to all equally.
    transition = np.where(out_weight > 0, similarity / np.where(out_weight > 0, out_weight, 1), 1.0 / count)
    rank = np.full(count, 1.0 / count)
    for _ in range(iterations):
        updated = (1 - damping) / count + damping * (transition.T @ rank)
        if np.abs(updated - rank).sum() < 1e-6:
            rank = updated
            break
        rank = updated
    return rank / rank.sum()


def _tfidf(token_lists: list[list[str]]) -> np.ndarray:
    vocabulary: dict[str, int] = {}
    for tokens in token_lists:
        for token in tokens:
            vocabulary.setdefault(token, len(vocabulary))
    matrix = np.zeros((len(token_lists), max(1, len(vocabulary))), dtype=np.float32)
    for row, tokens in enumerate(token_lists):
        for token in tokens:
            matrix[row, vocabulary[token]] += 1.0
    document_frequency = (matrix > 0).sum(axis=0)
    matrix *= np.log((1 + len(token_lists)) / (1 + document_frequency)) + 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
