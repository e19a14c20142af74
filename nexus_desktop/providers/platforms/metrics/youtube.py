"""YouTube figures: videos.list statistics and a YouTube Analytics report per video.

- ``GET /youtube/v3/videos?part=statistics&id=ID`` (1 quota unit, counted with the
  publisher's units of the same Cloud project): viewCount, likeCount, commentCount as strings;
  an id the channel no longer has is simply missing from ``items``.
  https://developers.google.com/youtube/v3/docs/videos/list
- ``GET https://youtubeanalytics.googleapis.com/v2/reports`` with ``ids=channel==MINE``,
  ``filters=video==ID``, ``metrics=views,estimatedMinutesWatched,averageViewDuration,...``
  (scope yt-analytics.readonly). Columns come in ``columnHeaders`` order; the data
  lags up to two days, so early readings have no row.
  https://developers.google.com/youtube/analytics/reference/reports/query
- Impressions and thumbnail click-through rate are not offered by either API: only
  the Reporting API's daily bulk CSVs carry them (channel_reach_basic_a1), two days
  late. Title tests on YouTube therefore compare views per hour.
  https://developers.google.com/youtube/reporting/v1/reports/channel_reports
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ....domain.metrics import Figures
from ...platforms.base import TransientPublishError
from ...platforms.errors import seconds_until_pacific_midnight
from ...platforms.oauth import AccountTokens, tokens_for
from . import MissingScope, PostGone, Quota
from .common import MetricsSession, count_call

log = logging.getLogger(__name__)

PLATFORM = "youtube"
DAILY_UNITS = 10_000  # the API project's default daily quota, shared with uploads
LIST_COST = 1
UPDATE_COST = 50  # videos.update and thumbnails.set
ANALYTICS_METRICS = "views,estimatedMinutesWatched,averageViewDuration,likes,comments,shares"
PACIFIC = ZoneInfo("America/Los_Angeles")


class YouTubeMetrics:
    platform = PLATFORM

    def __init__(self, settings, tokens: AccountTokens, accounts, *, now=lambda: datetime.now(timezone.utc)) -> None:
        self.settings = settings  # the whole Settings: publish (data API) and measure (analytics) base URLs
        self.tokens = tokens
        self.accounts = accounts
        self._now = now

    # -- quota: the same daily units the publisher counts ---------------------------------

    def _day(self) -> str:
        return self._now().astimezone(PACIFIC).date().isoformat()

    @property
    def project(self) -> str:
        """Google counts quota per Cloud project (the OAuth client id), like the publisher."""
        return getattr(self.tokens, "client_id", "") or f"account:{self.tokens.account_id}"

    def _units(self) -> dict[str, Any]:
        quota = dict(self.accounts.project_usage(PLATFORM, self.project) or {})
        return quota if quota.get("day") == self._day() else {"day": self._day(), "units": 0, "inserts": 0}

    def _spend(self, units: int) -> None:
        quota = self._units()
        if quota["units"] + units > DAILY_UNITS:
            raise TransientPublishError(
                f"YouTube quota: {quota['units']} of {DAILY_UNITS} units used today",
                hint="figures are read again after the reset at midnight Pacific time",
                retry_after=seconds_until_pacific_midnight(self._now()),
            )
        quota["units"] += units
        self.accounts.record_project_usage(PLATFORM, self.project, quota)

    def quota(self) -> Quota:
        local = self._now().astimezone(PACIFIC)
        reset = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return Quota(int(self._units()["units"]), DAILY_UNITS, "units", reset.astimezone(timezone.utc))

    # -- reading ---------------------------------------------------------------------------

    def read(self, remote_id: str, options: Mapping[str, Any]) -> Figures:
        counter = count_call(self.accounts, self.tokens.account_id, PLATFORM, self._now)
        with MetricsSession(PLATFORM, self.tokens, on_call=counter) as api:
            self._spend(LIST_COST)
            answer = api.get(f"{self.settings.publish.youtube_base_url.rstrip('/')}/youtube/v3/videos",
                             params={"part": "statistics", "id": remote_id}, action="reading the video's statistics")
            items = (answer or {}).get("items") or []
            if not items:
                raise PostGone("YouTube no longer has this video", hint="it was deleted or made unavailable; its earlier figures are kept")
            stats = items[0].get("statistics") or {}
            figures = {"views": _int(stats.get("viewCount")), "likes": _int(stats.get("likeCount")),
                       "comments": _int(stats.get("commentCount"))}
            extra: dict[str, Any] = {"statistics": stats}
            try:
                figures.update(self._analytics(api, remote_id, options))
            except MissingScope as exc:
                extra["note"] = str(exc)  # statistics still count; watch time waits for the permission
        return Figures(**figures, extra=extra)

    def _analytics(self, api: MetricsSession, video_id: str, options: Mapping[str, Any]) -> dict[str, Any]:
        start = _start_date(options.get("published_at"), self._now())
        params = {"ids": "channel==MINE", "startDate": start.isoformat(), "endDate": self._now().astimezone(PACIFIC).date().isoformat(),
                  "metrics": ANALYTICS_METRICS, "filters": f"video=={video_id}"}
        base = self.settings.measure.youtube_analytics_base_url.rstrip("/")
        table = api.get(f"{base}/v2/reports", params=params, action="reading the video's analytics report") or {}
        rows = table.get("rows") or []
        if not rows:
            return {}
        row = dict(zip((h.get("name") for h in table.get("columnHeaders") or []), rows[0]))
        found: dict[str, Any] = {}
        if row.get("estimatedMinutesWatched") is not None:
            found["watch_minutes"] = float(row["estimatedMinutesWatched"])
        if row.get("averageViewDuration") is not None:
            found["avg_view_seconds"] = float(row["averageViewDuration"])
        if row.get("shares") is not None:
            found["shares"] = int(row["shares"])
        return found


    # -- changing the live video (title and thumbnail tests) ----------------------------------

    def set_title(self, video_id: str, title: str) -> None:
        """videos.update replaces the whole snippet, so the current one is read first and only
        the title changed (1 + 50 units). https://developers.google.com/youtube/v3/docs/videos/update"""
        base = self.settings.publish.youtube_base_url.rstrip("/")
        counter = count_call(self.accounts, self.tokens.account_id, PLATFORM, self._now)
        with MetricsSession(PLATFORM, self.tokens, on_call=counter) as api:
            self._spend(LIST_COST + UPDATE_COST)
            answer = api.get(f"{base}/youtube/v3/videos", params={"part": "snippet", "id": video_id}, action="reading the video's snippet")
            items = (answer or {}).get("items") or []
            if not items:
                raise PostGone("YouTube no longer has this video", hint="the test stops; its figures are kept")
            snippet = {k: v for k, v in items[0]["snippet"].items() if k in ("title", "description", "tags", "categoryId", "defaultLanguage")}
            snippet["title"] = title
            api.request("PUT", f"{base}/youtube/v3/videos", params={"part": "snippet"}, json={"id": video_id, "snippet": snippet},
                        action="changing the video's title")

    def set_thumbnail(self, video_id: str, image: Path) -> None:
        """thumbnails.set (50 units). https://developers.google.com/youtube/v3/docs/thumbnails/set"""
        base = self.settings.publish.youtube_base_url.rstrip("/")
        mime = "image/png" if image.suffix.lower() == ".png" else "image/jpeg"
        with MetricsSession(PLATFORM, self.tokens) as api:
            self._spend(UPDATE_COST)
            api.request("POST", f"{base}/upload/youtube/v3/thumbnails/set", params={"videoId": video_id, "uploadType": "media"},
                        content=image.read_bytes(), headers={"Content-Type": mime}, action="changing the video's thumbnail")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _start_date(published_at: Any, now: datetime) -> date:
    if isinstance(published_at, str) and published_at:
        return datetime.fromisoformat(published_at).astimezone(PACIFIC).date()
    if isinstance(published_at, datetime):
        return published_at.astimezone(PACIFIC).date()
    return (now - timedelta(days=28)).astimezone(PACIFIC).date()


def create(setup) -> YouTubeMetrics:
    tokens, accounts = tokens_for(setup)
    return YouTubeMetrics(setup.settings, tokens, accounts)
