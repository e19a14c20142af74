"""Instagram figures: the media object's insights (Instagram API with Facebook Login).

``GET /<version>/<IG_MEDIA_ID>/insights?metric=views,reach,likes,comments,shares,saved,total_interactions``
with a token holding ``instagram_manage_insights``. Each metric comes back as
``{"name", "period": "lifetime", "values": [{"value": N}]}`` (newer versions may
send ``total_value.value``); a metric with no data yet is left out rather than 0.
``impressions``, ``plays`` and ``video_views`` are retired for media made since
July 2024, so they are not asked for. Deleted media answers error 100 subcode 33.
Calls count against the account's hourly Business Use Case limit (error codes
4/17/32/613 when reached).
https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ....domain.metrics import Figures
from ..oauth import AccountTokens, api_version, tokens_for
from . import Quota
from .common import MetricsSession, count_call

PLATFORM = "instagram"
METRICS = "views,reach,likes,comments,shares,saved,total_interactions"
HOURLY_CALLS = 200  # Business Use Case rate limit per account and hour (documented default)


def _gone(status: int, body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") == 100 and error.get("error_subcode") == 33


def _value(entry: dict[str, Any]) -> Any:
    values = entry.get("values") or []
    if values:
        return values[0].get("value")
    return (entry.get("total_value") or {}).get("value")


class InstagramMetrics:
    platform = PLATFORM

    def __init__(self, settings, tokens: AccountTokens, accounts, *, now=lambda: datetime.now(timezone.utc)) -> None:
        self.settings, self.tokens, self.accounts, self._now = settings, tokens, accounts, now

    def read(self, remote_id: str, options: Mapping[str, Any]) -> Figures:
        publish = self.settings.publish
        url = f"{publish.instagram_base_url.rstrip('/')}/{api_version(PLATFORM, publish)}/{remote_id}/insights"
        counter = count_call(self.accounts, self.tokens.account_id, PLATFORM, self._now)
        with MetricsSession(PLATFORM, self.tokens, on_call=counter) as api:
            answer = api.get(url, params={"metric": METRICS}, action="reading the reel's insights", gone=_gone) or {}
        found = {e.get("name"): _value(e) for e in answer.get("data") or [] if isinstance(e, dict)}
        number = lambda key: None if found.get(key) is None else int(found[key])  # noqa: E731
        return Figures(views=number("views"), reach=number("reach"), likes=number("likes"), comments=number("comments"),
                       shares=number("shares"), saves=number("saved"), extra={"insights": found})

    def quota(self) -> Quota | None:
        account = self.accounts.get(self.tokens.account_id)
        calls = (account.details if account else {}).get("metrics_calls") or {}
        return Quota(int(calls.get("calls", 0)), None, "calls today")


def create(setup) -> InstagramMetrics:
    tokens, accounts = tokens_for(setup)
    return InstagramMetrics(setup.settings, tokens, accounts)
