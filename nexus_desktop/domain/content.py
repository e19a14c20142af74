"""Plain value types passed between stages and threads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Article:
    """What analysis reads: one feed item, as harvested."""

    item_id: int
    title: str
    link: str
    author: str
    published: datetime | None
    summary_html: str
    content_html: str
    image_url: str | None
    language: str | None
    source_title: str
    image_urls: tuple[str, ...] = ()  # every image the feed item carries, in order (image_url is the first)
    feed_url: str = ""  # the feed it came from: on this computer or its network, its pictures may be too


@dataclass(frozen=True)
class Scene:
    narration: str  # the narration sentences this scene covers, verbatim
    headline: str  # what the screen shows while they are spoken
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformText:
    youtube_title: str
    youtube_description: str
    x_post: str
    instagram_caption: str
    linkedin_post: str


# Limits that the platforms enforce on text (see the platforms' own docs).
YOUTUBE_TITLE_MAX = 100
YOUTUBE_DESCRIPTION_MAX = 5000
X_POST_MAX = 280
INSTAGRAM_CAPTION_MAX = 2200
INSTAGRAM_HASHTAGS_MAX = 30
LINKEDIN_POST_MAX = 3000


@dataclass(frozen=True)
class Script:
    title: str
    summary: str
    narration: str
    scenes: tuple[Scene, ...]
    titles: tuple[str, ...]
    description: str
    hashtags: tuple[str, ...]
    platforms: PlatformText
    language: str = "en"
    provider: str = ""
    tokens_used: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # estimated; None when the model's price is unknown
    notice: str = ""  # something the creator should know ("written offline: ...")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Script":
        data = dict(data)
        data["scenes"] = tuple(
            Scene(s["narration"], s["headline"], tuple(s.get("keywords", ()))) for s in data["scenes"]
        )
        data["titles"] = tuple(data["titles"])
        data["hashtags"] = tuple(data["hashtags"])
        data["platforms"] = PlatformText(**data["platforms"])
        return cls(**data)


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float  # seconds from the start of the narration
    end: float


@dataclass(frozen=True)
class Narration:
    audio_path: str
    duration: float
    words: tuple[WordTiming, ...]
    provider: str
    voice: str
    sample_rate: int = 22050
    spoken: str = ""  # the text the voice was given ("forty-one degrees Celsius" for "41°C")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Narration":
        data = dict(data)
        data["words"] = tuple(WordTiming(**w) for w in data["words"])
        return cls(**data)


@dataclass(frozen=True)
class SafeArea:
    """Fractions of the frame that platform buttons and bars cover."""

    top: float = 0.05
    bottom: float = 0.08
    left: float = 0.05
    right: float = 0.05


@dataclass(frozen=True)
class VideoFormat:
    name: str  # "16x9", "9x16", "1x1", or a custom name
    width: int
    height: int
    safe: SafeArea = field(default_factory=SafeArea)

    @property
    def aspect(self) -> float:
        return self.width / self.height


LANDSCAPE = VideoFormat("16x9", 1920, 1080, SafeArea(top=0.05, bottom=0.1, left=0.05, right=0.05))
# Reels, Shorts and TikTok put their header over the top seventh, captions, names and buttons over the bottom fifth
# and a column of buttons down the right-hand side.
PORTRAIT = VideoFormat("9x16", 1080, 1920, SafeArea(top=0.14, bottom=0.22, left=0.06, right=0.16))
SQUARE = VideoFormat("1x1", 1080, 1080, SafeArea(top=0.06, bottom=0.12, left=0.06, right=0.06))
FORMATS: dict[str, VideoFormat] = {f.name: f for f in (LANDSCAPE, PORTRAIT, SQUARE)}


@dataclass(frozen=True)
class StageProgress:
    job_id: int
    stage: str
    percent: int
    message: str
