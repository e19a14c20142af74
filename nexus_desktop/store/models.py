"""Tables. Times are stored in UTC; JSON columns hold per-stage results."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware in Python, UTC in the database (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A feed the creator follows (content_sources)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    site_url: Mapped[str] = mapped_column(String(2048), default="")
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_checked: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Item(Base):
    """One article from a feed."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "guid", name="uq_items_source_guid"),
        Index("ix_items_link", "link"),
        Index("ix_items_content_hash", "content_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), nullable=True)
    guid: Mapped[str | None] = mapped_column(String(1024))
    link: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(1000), default="")
    author: Mapped[str] = mapped_column(String(500), default="")
    published: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(2048))
    image_urls: Mapped[list[Any] | None]  # every image the item carries, in order (migration 0011)
    language: Mapped[str | None] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """One item on its way to posts (content_jobs)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_stage", "status", "stage"), Index("ix_jobs_created", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(1000), default="")
    source_title: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    done: Mapped[list[Any]] = mapped_column(default=list)
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)  # stage -> last failure reason
    error: Mapped[str | None] = mapped_column(Text)  # the reason a person reads now
    progress: Mapped[int] = mapped_column(Integer, default=0)
    progress_message: Mapped[str] = mapped_column(String(500), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Asset(Base):
    """A file a stage made, with what sync knows of it."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("job_id", "path", name="uq_assets_job_path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(2048))  # relative to the data folder
    format: Mapped[str | None] = mapped_column(String(40))
    duration: Mapped[float | None] = mapped_column(Float)
    checksum: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    sync_status: Mapped[str] = mapped_column(String(20), default="local")
    sync_error: Mapped[str | None] = mapped_column(Text)
    remote_key: Mapped[str | None] = mapped_column(String(2048))
    remote_checksum: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Account(Base):
    """A connected platform account. Its tokens live in the OS keyring, never here."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "name", name="uq_accounts_platform_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    remote_user_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30), default="connected")
    token_expires_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Target(Base):
    """Where posts go: a platform account or the export folder (distribution_targets)."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(30))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # posting rules, format, options
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Post(Base):
    """One job on one target, published exactly once."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("job_id", "target_id", name="uq_posts_job_target"),
        Index("ix_posts_status_time", "status", "scheduled_at"),
        Index("ix_posts_time", "scheduled_at"),  # the calendar's date range (issue 13)
        Index("ix_posts_status_job", "status", "job_id"),  # its side list, a page at a time in job order
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    scheduled_at: Mapped[datetime | None]
    text: Mapped[dict[str, Any]] = mapped_column(default=dict)  # title, description, body, hashtags
    # Never reused, unlike the id after a database reset: what an export folder is keyed by.
    uid: Mapped[str | None] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    attempt_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who is publishing it now (host:pid) and until when, so a second app instance
    # tells a live upload from one whose process died.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None]
    # An attempt ended without knowing whether the platform got it: ask before uploading again.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_attempt_at: Mapped[datetime | None]
    upload_state: Mapped[dict[str, Any]] = mapped_column(default=dict)  # resumable session URI, offsets
    remote_id: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2048))
    error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    # Uploaded ahead of its time (YouTube's publishAt): when the platform makes it public.
    public_at: Mapped[datetime | None]
    cost: Mapped[str | None] = mapped_column(String(300))  # what publishing it cost on a paid API (X)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Metric(Base):
    """Views, likes, comments of a post at one moment (content_analytics). Rows are only
    ever added: a later reading never overwrites an earlier one. The common counts are
    columns so totals and top lists are computed in SQL; ``values`` keeps all of it."""

    __tablename__ = "metrics"
    __table_args__ = (Index("ix_metrics_post_time", "post_id", "recorded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    platform: Mapped[str] = mapped_column(String(30), default="", server_default="")
    source: Mapped[str] = mapped_column(String(10), default="api", server_default="api")  # api, typed, csv
    views: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LatestFigures(Base):
    """Each post's latest reading and how many it has, kept as readings are added, so the
    Analytics view lists and totals thousands of posts without scanning every reading."""

    __tablename__ = "latest_figures"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(30), default="")
    recorded_at: Mapped[datetime]
    readings: Mapped[int] = mapped_column(Integer, default=1)
    views: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer, default=0)


class MetricPlan(Base):
    """When a published post's figures are read next (the decaying schedule), and what went wrong."""

    __tablename__ = "metric_plans"
    __table_args__ = (Index("ix_metric_plans_due", "done", "next_at"),)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None]
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TitleTest(Base):
    """Variants of a live post's title (or thumbnail) shown in turn; the winner is kept."""

    __tablename__ = "title_tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="title")
    variants: Mapped[list[Any]] = mapped_column(default=list)
    arms: Mapped[list[Any]] = mapped_column(default=list)  # per variant: hours shown, views, impressions, clicks
    current: Mapped[int] = mapped_column(Integer, default=0)
    shown_since: Mapped[datetime | None]
    baseline: Mapped[dict[str, Any]] = mapped_column(default=dict)  # figures when the current variant went up
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, decided, stopped
    winner: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Promotion(Base):
    """A promotion rule fired for a post: the post it placed, exactly once per rule, post and target."""

    __tablename__ = "promotions"
    __table_args__ = (UniqueConstraint("rule", "source_post_id", "target_id", name="uq_promotions_once"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(200))
    source_post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="placed")  # placed, undone
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
