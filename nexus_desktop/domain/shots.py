"""The visualize stage's result: a shot plan, and per format the pictures drawn for it.

A shot is 1.5–3.5 s of the video, cut at the narration's word boundaries, of one
kind: the hook as a kinetic title, an article photo, a stat callout, a quote card,
an illustrated keyword, or the end card. Stored as JSON at the edge
(``to_dict``/``from_dict``); frozen dataclasses everywhere in between.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("title", "photo", "stat", "quote", "icon", "broll", "ai_clip", "end")
STEERABLE = ("photo", "stat", "quote", "icon", "title")  # kinds the creator may give a shot
KIND_NAMES = {"title": "kinetic text", "photo": "photo", "stat": "stat", "quote": "quote", "icon": "icon",
              "broll": "B-roll", "ai_clip": "AI clip", "end": "end card"}
STEERING = "steering"  # the job's results entry holding the creator's overrides
MOTIONS = ("none", "rise", "slide", "bob")  # how a layer enters or keeps moving


@dataclass(frozen=True)
class Shot:
    kind: str  # one of KINDS
    start: float  # seconds into the narration
    end: float
    text: str = ""  # title words, quote, stat label, keyword, end-card call
    value: str = ""  # stat: "91", "$18.5M"
    unit: str = ""  # stat: "%", "cycles"
    who: str = ""  # quote: who said it
    icon: str = ""  # icon: the icon's name in the bundled set
    photo: int = -1  # photo: index into ShotPlan.photos
    drift: int = 0  # which way the background moves (0-3)
    word: int = -1  # the first narration word it covers as planned (-1: none, or a plan made before steering)
    words: str = ""  # the narration words it covers as planned: how an override finds it again

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Photo:
    path: str  # relative to the job folder
    source: str  # the URL it came from, or the provider that made it
    width: int
    height: int
    focus: tuple[float, float]  # the interesting part's centre, as fractions of width and height


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


@dataclass(frozen=True)
class Layer:
    """A picture laid over a shot's background: where, from when, moving how."""

    path: str  # relative to the job folder, RGBA PNG
    x: int
    y: int
    start: float = 0.0  # seconds after the shot starts
    end: float | None = None  # None: until the shot ends
    motion: str = "none"


@dataclass(frozen=True)
class ShotFrames:
    """What is drawn for one shot in one format. The background is larger than the
    frame by ``room`` pixels each way, so it can move without scaling."""

    background: str
    room: tuple[int, int]
    layers: tuple[Layer, ...] = ()
    clip: str = ""  # a video clip shown instead of the background (B-roll, AI clip), relative to the job folder


@dataclass(frozen=True)
class FormatFrames:
    name: str
    width: int
    height: int
    shots: tuple[ShotFrames, ...]


@dataclass(frozen=True)
class ShotOverride:
    """The creator's change to one planned shot: remove it, or give it another kind
    or another photo (by the photo's source URL, so a re-fetch keeps the choice)."""

    word: int  # the shot's first narration word, as planned
    words: str  # the narration words it covered, as planned
    remove: bool = False
    kind: str = ""  # one of STEERABLE; "" keeps the planned kind
    photo: str = ""  # a photo's source URL; "" keeps the planned photo

    def finds(self, shot: Shot) -> bool:
        return bool(self.words) and shot.words == self.words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ShotOverride":
        return cls(int(data["word"]), str(data["words"]), bool(data.get("remove", False)), str(data.get("kind", "")),
                   str(data.get("photo", "")))


def overrides_from(results: dict[str, Any]) -> tuple[ShotOverride, ...]:
    """The creator's overrides stored with a job's results."""
    entry = results.get(STEERING) or {}
    return tuple(ShotOverride.from_dict(o) for o in entry.get("overrides", ()))


def overrides_entry(overrides: tuple[ShotOverride, ...]) -> dict[str, Any]:
    return {"overrides": [o.to_dict() for o in overrides]}


@dataclass(frozen=True)
class ShotPlan:
    shots: tuple[Shot, ...]
    photos: tuple[Photo, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    formats: tuple[FormatFrames, ...] = ()
    removed: tuple[Shot, ...] = ()  # planned shots the creator removed, as planned
    steering: tuple[ShotOverride, ...] = ()  # the creator's overrides this plan was made with

    def frames_for(self, name: str) -> FormatFrames | None:
        return next((f for f in self.formats if f.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ShotPlan":
        def frames(entry: dict) -> ShotFrames:
            return ShotFrames(entry["background"], tuple(entry["room"]),
                              tuple(Layer(**layer) for layer in entry.get("layers", ())), entry.get("clip", ""))

        return cls(
            shots=tuple(Shot(**shot) for shot in data["shots"]),
            photos=tuple(Photo(**{**p, "focus": tuple(p["focus"])}) for p in data.get("photos", ())),
            skipped=tuple(Skipped(**s) for s in data.get("skipped", ())),
            notes=tuple(data.get("notes", ())),
            formats=tuple(FormatFrames(f["name"], f["width"], f["height"], tuple(frames(s) for s in f["shots"]))
                          for f in data.get("formats", ())),
            removed=tuple(Shot(**shot) for shot in data.get("removed", ())),
            steering=tuple(ShotOverride.from_dict(o) for o in data.get("steering", ())),
        )
