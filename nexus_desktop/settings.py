"""Typed settings with their defaults, in one place.

Stored as JSON in the config folder. Unknown keys are kept out, bad values are
refused with the name of the setting. Secrets (keys, tokens) are never settings:
``secrets.py`` keeps them in the OS keyring.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .domain.errors import UserFixableError

SETTINGS_VERSION = 1


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class StoreSettings(_Section):
    # Empty means the SQLite file in the data folder. A password in it is moved to the keyring.
    database_url: str = ""
    daily_backups: int = Field(7, ge=0, le=365)  # daily copies of the SQLite database kept in backups/

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("sqlite://", "sqlite+pysqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("use a sqlite:/// path or a postgresql+psycopg://user@host/db URL")
        return value


class HarvestSettings(_Section):
    timeout_seconds: float = Field(20.0, gt=0, le=300)
    deadline_seconds: float = Field(60.0, gt=0, le=1800)  # a whole download, however slowly it trickles
    max_new_jobs_per_feed: int = Field(50, ge=1)  # per harvest; the rest are kept as older items
    max_feed_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    concurrency: int = Field(8, ge=1, le=64)
    user_agent: str = "NexusDesktop/0.1 (+feed reader)"
    # How often the window and `nexus daemon` check the active feeds by themselves; 0 turns it off.
    # Fractions are allowed (tests check every few seconds).
    check_every_minutes: float = Field(30.0, ge=0, le=24 * 60)
    # New and interrupted jobs are made into videos without pressing Run.
    auto_run: bool = True
    # Feeds (by URL) whose finished videos are approved and placed on the calendar by themselves.
    auto_approve_feeds: list[str] = Field(default_factory=list)


class AnalyzeSettings(_Section):
    provider: Literal["extractive", "openai"] = "extractive"
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    narration_words: int = Field(145, ge=40, le=600)
    # The narration's target length in seconds of speech; the shorter of this and narration_words wins.
    narration_seconds: float = Field(58.0, ge=10, le=300)
    scenes_min: int = Field(4, ge=1, le=12)
    scenes_max: int = Field(8, ge=1, le=12)
    timeout_seconds: float = Field(60.0, gt=0)
    # Read the article's web page when the feed sends only a summary.
    fetch_article_pages: bool = True
    # The model's context in tokens; 0 asks a local server (llama.cpp's /props) or assumes a safe size.
    context_tokens: int = Field(0, ge=0, le=2_000_000)


class VoiceCatalog(_Section):
    # Piper .onnx voices the creator added to the voice list.
    piper_files: list[str] = Field(default_factory=list)
    # A voice's own speaking rate ("piper:", "espeak:en-us", "elevenlabs:<id>" -> times the speed).
    rates: dict[str, float] = Field(default_factory=dict)

    @field_validator("rates")
    @classmethod
    def _sensible_rates(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0.5 <= rate <= 2.0 for rate in value.values()):
            raise ValueError("a voice's rate must be between 0.5 and 2")
        return value


class VoiceSettings(_Section):
    provider: Literal["piper", "espeak", "elevenlabs"] = "piper"
    # Piper: a voice name or a path to an .onnx model; empty means the bundled voice.
    piper_voice: str = ""
    espeak_voice: str = "en-us"
    elevenlabs_voice_id: str = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", the documented example voice
    elevenlabs_model: str = "eleven_multilingual_v2"
    elevenlabs_base_url: str = "https://api.elevenlabs.io"
    speed: float = Field(1.0, ge=0.5, le=2.0)
    loudness_lufs: float = Field(-14.0, ge=-30, le=-5)
    true_peak_db: float = Field(-1.0, ge=-9, le=0)
    # The creator's pronunciation list: a term as written -> how the voice should say it.
    pronunciations: dict[str, str] = Field(default_factory=dict)
    catalog: VoiceCatalog = Field(default_factory=VoiceCatalog)


class ImageSettings(_Section):
    provider: Literal["pillow", "openai"] = "pillow"
    base_url: str = "https://api.openai.com/v1"
    model: str = "dall-e-3"
    use_article_image: bool = True
    max_image_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(60_000_000, ge=1_000_000)
    pexels_base_url: str = "https://api.pexels.com"  # stock B-roll, used only once a Pexels key is set
    broll_shots: int = Field(3, ge=0, le=12)  # at most this many shots per video become stock clips
    runway_base_url: str = "https://api.dev.runwayml.com"  # AI clips, used only once a RunwayML key is set
    ai_clip_shots: int = Field(2, ge=0, le=12)  # at most this many shots per job become AI clips (each costs credits)
    ai_clip_deadline_seconds: float = Field(300.0, ge=10, le=3600)  # a clip not made by then keeps the offline shot


class BrandingSettings(_Section):
    logo_path: str = ""
    primary_color: str = "#1E6BFF"
    accent_color: str = "#FFB020"
    background_color: str = "#0E1420"
    text_color: str = "#F5F7FA"
    font_path: str = ""  # empty: the bundled font
    channel_name: str = ""

    @field_validator("primary_color", "accent_color", "background_color", "text_color")
    @classmethod
    def _hex_color(cls, value: str) -> str:
        value = value.strip()
        if len(value) != 7 or not value.startswith("#") or any(c not in "0123456789abcdefABCDEF" for c in value[1:]):
            raise ValueError("use a colour like #1E6BFF")
        return value.upper()


class CustomSize(_Section):
    name: str
    width: int = Field(ge=160, le=4096)
    height: int = Field(ge=160, le=4096)


class RenderSettings(_Section):
    formats: list[str] = Field(default_factory=lambda: ["16x9", "9x16", "1x1"])
    custom_sizes: list[CustomSize] = Field(default_factory=list)
    fps: int = Field(30, ge=12, le=60)
    crf: int = Field(21, ge=14, le=35)
    preset: str = "veryfast"
    captions: bool = True
    music_path: str = ""
    music_volume_db: float = Field(-18.0, le=0)
    concurrent_renders: int = Field(1, ge=1, le=8)


class ScheduleSettings(_Section):
    missed_posts: Literal["publish", "hold"] = "hold"
    default_targets: list[str] = Field(default_factory=lambda: ["export"])
    timezone: str = ""  # empty: the computer's own


class PublishSettings(_Section):
    export_folder: str = ""  # empty: "exports" in the data folder
    youtube_base_url: str = "https://www.googleapis.com"
    youtube_privacy: Literal["private", "unlisted", "public"] = "private"
    youtube_made_for_kids: bool = False
    youtube_synthetic_media: bool = True
    youtube_category_id: str = "28"
    # A YouTube post is uploaded this long before its time, private with publishAt, so YouTube
    # makes it public on time even while this computer sleeps; 0: uploaded at its time.
    youtube_upload_ahead_hours: float = Field(2.0, ge=0, le=24 * 7)
    instagram_base_url: str = "https://graph.facebook.com"
    instagram_api_version: str = ""  # Graph API version to pin ("v24.0"); empty: newest live one by date
    x_base_url: str = "https://api.x.com"
    linkedin_base_url: str = "https://api.linkedin.com"
    linkedin_version: str = ""  # LinkedIn-Version to pin ("202607"); empty: newest live one by date
    tiktok_base_url: str = "https://open.tiktokapis.com"
    tiktok_mode: Literal["direct", "inbox"] = "direct"  # Direct Post (video.publish) or Upload to inbox (video.upload)
    facebook_base_url: str = "https://graph.facebook.com"
    threads_base_url: str = "https://graph.threads.net"
    bluesky_video_url: str = "https://video.bsky.app"


class PromotionRule(_Section):
    """"When a post's engagement rate at ``at_hours`` is at least ``factor`` × my median on
    that platform, post the job to the platforms it has not been on." Off until enabled."""

    name: str = "Twice my median at 24 h"
    enabled: bool = False
    at_hours: float = Field(24.0, gt=0, le=24 * 28)
    factor: float = Field(2.0, gt=0)
    min_posts: int = Field(5, ge=1)  # the median needs this many measured posts on the platform


class MeasureSettings(_Section):
    enabled: bool = True
    youtube_analytics_base_url: str = "https://youtubeanalytics.googleapis.com"
    # Spend: US dollars per unit, edited by the creator when prices change.
    prices: dict[str, float] = Field(default_factory=lambda: {
        "llm_per_1k_tokens": 0.0006, "elevenlabs_per_1k_characters": 0.30, "x_per_post": 0.0})
    media_success_target: float = Field(0.95, ge=0, le=1)
    publish_success_target: float = Field(0.98, ge=0, le=1)
    cleanup_after_days: int = Field(14, ge=1)
    disk_warn_free_gb: float = Field(2.0, ge=0)
    title_tests: bool = False  # test every YouTube post; per feed in title_test_feeds, per job with nexus title-test
    title_test_feeds: list[str] = Field(default_factory=list)  # feed titles whose jobs are tested
    title_test_rotate_hours: float = Field(6.0, gt=0)
    promotion_rules: list[PromotionRule] = Field(default_factory=lambda: [PromotionRule()])


class SyncSettings(_Section):
    enabled: bool = False
    auto_upload: bool = False
    endpoint_url: str = ""
    region: str = "us-east-1"
    bucket: str = ""
    prefix: str = "nexus/"
    path_style: bool = True


class FarmSettings(_Section):
    """Celery workers over RabbitMQ (``nexus worker``); the broker's password is in the keyring."""

    broker_url: str = ""  # amqp://user@host:5672/vhost; empty: every stage runs on this computer
    analyze_time_limit: float = Field(600.0, ge=10)  # seconds a stage may run on a worker before it is stopped
    narrate_time_limit: float = Field(900.0, ge=10)
    visualize_time_limit: float = Field(900.0, ge=10)
    render_time_limit: float = Field(3600.0, ge=10)
    resend_after_seconds: float = Field(120.0, ge=1)  # a queued stage no worker took by then is sent again
    lease_seconds: float = Field(120.0, ge=1)  # a silent worker's claim lasts this long; then another worker redoes its stage


class UiSettings(_Section):
    theme: Literal["light", "dark", "system"] = "system"
    # Closing the window while posts are scheduled keeps the app in the tray, publishing them.
    close_to_tray: bool = True
    # Linux: a systemd user unit runs `nexus daemon` at login (runtime/service.py), so posts go out with no window.
    background_service: bool = False
    welcome_done: bool = False


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = SETTINGS_VERSION
    store: StoreSettings = Field(default_factory=StoreSettings)
    harvest: HarvestSettings = Field(default_factory=HarvestSettings)
    analyze: AnalyzeSettings = Field(default_factory=AnalyzeSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    images: ImageSettings = Field(default_factory=ImageSettings)
    branding: BrandingSettings = Field(default_factory=BrandingSettings)
    render: RenderSettings = Field(default_factory=RenderSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    measure: MeasureSettings = Field(default_factory=MeasureSettings)
    farm: FarmSettings = Field(default_factory=FarmSettings)
    ui: UiSettings = Field(default_factory=UiSettings)


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def load(path: Path) -> Settings:
    """Read settings; a missing file gives the defaults, a broken one says what to fix."""
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserFixableError(f"cannot read settings file {path}: {exc}", hint="fix or delete the file") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise UserFixableError(
            f"invalid setting in {path}: {describe_validation_error(exc)}", hint="fix the setting named"
        ) from exc


def save(settings: Settings, path: Path) -> None:
    """Write atomically, so a crash never leaves half a settings file. A password in the
    database URL goes to the keyring first (``secrets.keep_database_password``), never here."""
    from . import secrets  # the keyring is only touched when there is a password to keep

    settings.store.database_url = secrets.keep_database_password(settings.store.database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = settings.model_dump_json(indent=2)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
