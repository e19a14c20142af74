"""The creator's say over a shot plan: a shot removed, given another kind, or another photo.

Pure functions over the plan the planner made (``shot_plan.plan_shots``): each
shot is keyed by the narration words it covers, an override finds its shot by
those words (the nearest, when a phrase repeats), and ``apply`` hands back the
shots as the creator wants them. What cannot be done is a note on the plan and
the planned shot stays: a stale override (the narration was voiced again and
that shot is gone), a stat for a sentence with no number, a photo that did not
load. Nothing here fails a job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..domain.shots import KIND_NAMES, STEERABLE, Photo, Shot, ShotOverride
from . import shot_plan
from .shot_plan import Token

log = logging.getLogger(__name__)

KIND_ALIASES = {"kinetic": "title", "text": "title", "kinetic text": "title", "kinetic-text": "title",
                "picture": "photo", "image": "photo", "number": "stat"}


def kind_named(name: str) -> str | None:
    """A kind as the creator may type it ("stat", "kinetic text"), or None."""
    name = " ".join(name.lower().split())
    name = KIND_ALIASES.get(name, name)
    return name if name in STEERABLE else None


def keyed(shots: Sequence[Shot], tokens: Sequence[Token]) -> list[Shot]:
    """Each shot with the narration words it covers (its key for overrides)."""
    out = []
    for shot in shots:
        inside = [i for i, t in enumerate(tokens) if shot.start - 0.05 <= t.start < shot.end]
        words = " ".join(tokens[i].text for i in inside)
        if not words:  # no word spoken in it (the end card after the last word, a long pause): its kind and place
            words = "(end card)" if shot.kind == "end" else f"({shot.kind} at {shot.start:.1f} s)"
        out.append(replace(shot, word=inside[0] if inside else -1, words=words))
    return out


def clip(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Material:
    """What a shot is rebuilt from when the creator picks another kind."""

    narration: str
    keywords: tuple[str, ...] = ()
    photos: tuple[Photo, ...] = ()
    icon_for: Callable[[Sequence[str]], tuple[str, str] | None] = lambda words: None
    unavailable: Mapping[str, str] = field(default_factory=dict)  # photo URL -> why it could not be used

    def sentence_at(self, word: int) -> str:
        """The narration sentence holding this word ("" when unknown)."""
        if word < 0:
            return ""
        seen = 0
        sentences = shot_plan.sentences(self.narration)
        for sentence in sentences:
            seen += len(sentence.split())
            if word < seen:
                return sentence
        return sentences[-1] if sentences else ""

    def photo_index(self, url: str) -> int | None:
        """The photo with this source; "SOURCE#N" names the Nth photo when several share a
        source (pictures an image provider made)."""
        found = next((i for i, p in enumerate(self.photos) if p.source == url), None)
        source, _, number = url.rpartition("#")
        if number.isdigit() and 0 < int(number) <= len(self.photos) and self.photos[int(number) - 1].source == source:
            return int(number) - 1
        return found


def build(shot: Shot, kind: str, material: Material, *, photo: str = "", shots: Sequence[Shot] = ()) -> Shot | str:
    """The shot as ``kind`` (with ``photo``, a source URL, for a photo), or why it cannot be."""
    if shot.kind == "end":
        return "the end card carries the source credit: it can be removed, not changed"
    if kind not in STEERABLE:
        return f"“{kind}” is not a kind a shot can have (choose {', '.join(STEERABLE)})"
    words = shot.words if shot.word >= 0 else ""  # a shot with no word spoken in it has only its place as a key
    sentence = material.sentence_at(shot.word) or words
    bare = replace(shot, kind=kind, text="", value="", unit="", who="", icon="", photo=-1)
    if not sentence.strip() and kind != "photo":
        return "no word is spoken during this shot"
    if kind == "stat":
        stat = shot_plan.find_stat(words) or shot_plan.find_stat(sentence)
        if stat is None:
            return f"its sentence has no number to show (“{clip(sentence, 60)}”)"
        return replace(bare, text=stat.label, value=stat.value, unit=stat.unit)
    if kind == "quote":
        quote = shot_plan.find_quote(words) or shot_plan.find_quote(sentence)
        if quote is None:
            return f"its sentence quotes no one (“{clip(sentence, 60)}”)"
        return replace(bare, text=quote[0], who=quote[1])
    if kind == "icon":
        content = shot_plan.content_words(words) + [w.lower() for k in material.keywords for w in k.split()]
        found = material.icon_for(content)
        if found is None:
            return f"no icon matches its words (“{clip(words, 60)}”)"
        return replace(bare, icon=found[0], text=shot_plan.phrase_around(words, found[1]))
    if kind == "title":
        if shot.kind == "title" and shot.text:
            return shot
        phrase = shot_plan.key_phrase(words) if words.strip() else ""
        return replace(bare, text=phrase) if phrase else "the shot has no words to show"
    return _photo(shot, bare, material, photo, shots)


def _photo(shot: Shot, bare: Shot, material: Material, url: str, shots: Sequence[Shot]) -> Shot | str:
    if url:
        index = material.photo_index(url)
        if index is None:
            why = material.unavailable.get(url) or "it is not among the article's photos that loaded"
            return f"the photo {clip(url, 60)} could not be used: {why}"
        return replace(bare, photo=index)
    if not material.photos:
        return "the article has no photo that loaded"
    if shot.kind == "photo" and 0 <= shot.photo < len(material.photos):
        return shot
    used = [s.photo for s in shots if s.kind == "photo"]
    return replace(bare, photo=min(range(len(material.photos)), key=lambda i: (used.count(i), i)))


def find(shots: Sequence[Shot], override: ShotOverride) -> int | None:
    """The shot an override is for: the one covering the same words, nearest its old place."""
    matches = [i for i, shot in enumerate(shots) if override.finds(shot)]
    return min(matches, key=lambda i: abs(shots[i].word - override.word)) if matches else None


@dataclass(frozen=True)
class Steered:
    shots: tuple[Shot, ...]
    removed: tuple[Shot, ...]  # as planned
    applied: tuple[ShotOverride, ...]
    kept: frozenset[int]  # indexes into ``shots`` the creator chose: never swapped for stock B-roll
    notes: tuple[str, ...]


def apply(planned: Sequence[Shot], overrides: Sequence[ShotOverride], material: Material) -> Steered:
    """The planned shots with the creator's overrides; what cannot be done is a note."""
    shots = list(planned)
    removed: set[int] = set()
    chosen: set[int] = set()
    applied, notes = [], []
    for override in overrides:
        index = find(shots, override)
        if index is None:
            notes.append(f"your change to the shot “{clip(override.words)}” was dropped: the narration changed "
                         "and that shot is no longer in the plan")
            continue
        if override.remove:
            if len(shots) - len(removed) <= 1:
                notes.append(f"shot {index + 1} was kept: a video needs at least one shot")
                continue
            removed.add(index)
            applied.append(override)
            continue
        built = build(shots[index], override.kind or ("photo" if override.photo else shots[index].kind), material,
                      photo=override.photo, shots=shots)
        if isinstance(built, str):
            notes.append(f"shot {index + 1} stays as planned ({KIND_NAMES.get(shots[index].kind, shots[index].kind)}): "
                         f"{built}")
            continue
        shots[index] = built
        chosen.add(index)
        applied.append(override)
    for note in notes:
        log.info("shot plan: %s", note)
    final, kept, pending_start = [], set(), None
    for index, shot in enumerate(shots):
        if index in removed:  # its time goes to the shot before it (or, for the first, the one after)
            if final:
                final[-1] = replace(final[-1], end=shot.end)
            elif pending_start is None:
                pending_start = shot.start
            continue
        if pending_start is not None:
            shot, pending_start = replace(shot, start=pending_start), None
        if index in chosen:
            kept.add(len(final))
        final.append(shot)
    return Steered(tuple(final), tuple(planned[i] for i in sorted(removed)), tuple(applied), frozenset(kept),
                   tuple(notes))
