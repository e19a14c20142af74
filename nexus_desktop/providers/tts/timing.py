"""From a provider's timed units to one time span per narration token.

Providers time different things: Piper times phonemes, ElevenLabs characters,
espeak-ng words. Each adapter turns its units into ``Span | None`` per token with
``spans_from_units``; ``complete_spans`` then gives every token a span (never
dropping or merging one), ordered and inside the audio.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

Span = tuple[float, float]
TimedUnit = tuple[str, float, float]  # (unit, start, end) in seconds

# A token no provider could time (an emoji, a dash) still needs a visible moment.
UNTIMED_WORD_SECONDS = 0.3
MIN_WORD_SECONDS = 0.04


def is_sounding(unit: str) -> bool:
    """Letters, digits, marks and symbols are heard; spaces and punctuation are pauses."""
    return any(unicodedata.category(char)[0] in "LNMS" for char in unit)


def spans_from_units(token_units: Sequence[Sequence[str]], timed: Sequence[TimedUnit]) -> list[Span | None]:
    """Match the units each token should produce (``token_units``) against the
    units the provider timed, and give each token the extent of its matched units.

    The two sequences rarely agree exactly (a number read in context, a stress
    mark that moves), so they are aligned as sequences: equal runs map one to
    one, differing runs map proportionally, and extra units are left out.
    """
    reference = [(unit, token) for token, units in enumerate(token_units) for unit in units if is_sounding(unit)]
    heard = [unit for unit in timed if is_sounding(unit[0])]
    spans: list[Span | None] = [None] * len(token_units)
    matcher = SequenceMatcher(None, [u for u, _ in reference], [u for u, _, _ in heard], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs = zip(range(i1, i2), range(j1, j2))
        elif tag == "replace":
            pairs = ((i1 + (j - j1) * (i2 - i1) // (j2 - j1), j) for j in range(j1, j2))
        else:
            continue
        for i, j in pairs:
            token, (_, start, end) = reference[i][1], heard[j]
            current = spans[token]
            spans[token] = (start, end) if current is None else (min(current[0], start), max(current[1], end))
    return spans


def complete_spans(spans: Sequence[Span | None], weights: Sequence[float], start: float, end: float) -> list[Span]:
    """One span per token inside ``[start, end]``: each with start < end, none
    overlapping the next. Untimed tokens share the pause around them, or, when
    there is no pause, part of a neighbour's time, split by ``weights``."""
    if end <= start:
        raise ValueError("no time to place words in")
    out = _ordered(spans, start, end)
    n, i = len(out), 0
    while i < n:
        if out[i] is not None:
            i += 1
            continue
        j = i
        while j < n and out[j] is None:
            j += 1
        _place_run(out, weights, i, j, start, end)
        i = j
    return [span for span in out if span is not None]


def _ordered(spans: Sequence[Span | None], start: float, end: float) -> list[Span | None]:
    """Clamp to the window and drop anything out of order or of no length."""
    out: list[Span | None] = []
    floor = start
    for span in spans:
        if span is None:
            out.append(None)
            continue
        s, e = max(span[0], floor), min(span[1], end)
        if e - s < 1e-6:
            out.append(None)
        else:
            out.append((s, e))
            floor = e
    return out


def _place_run(out: list[Span | None], weights: Sequence[float], i: int, j: int, start: float, end: float) -> None:
    n = len(out)
    if i == 0 and j == n:
        _spread(out, weights, range(i, j), start, end)
        return
    left = out[i - 1][1] if i > 0 else start  # type: ignore[index]
    right = out[j][0] if j < n else end  # type: ignore[index]
    want = UNTIMED_WORD_SECONDS * (j - i)
    if right - left >= MIN_WORD_SECONDS * (j - i):
        if right - left > want:
            # A long pause: sit beside the word before (like trailing punctuation),
            # or just before the first word when there is none before.
            left, right = (left, left + want) if i > 0 else (right - want, right)
        _spread(out, weights, range(i, j), left, right)
    elif i > 0:
        _spread(out, weights, range(i - 1, j), out[i - 1][0], right)  # type: ignore[index]
    else:
        _spread(out, weights, range(i, j + 1), left, out[j][1])  # type: ignore[index]


def _spread(out: list[Span | None], weights: Sequence[float], indices: range, start: float, end: float) -> None:
    """Split ``[start, end]`` among ``indices`` in proportion to their weights."""
    shares = [max(weights[k], 1e-3) for k in indices]
    total, edge = sum(shares), start
    for k, share in zip(indices, shares):
        nxt = edge + (end - start) * share / total
        out[k] = (edge, nxt)
        edge = nxt
    out[indices[-1]] = (out[indices[-1]][0], end)  # type: ignore[index]
