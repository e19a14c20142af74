"""X figures: a post's public and owned-post (non-public) metrics.

``GET /2/tweets/:id?tweet.fields=public_metrics,non_public_metrics`` with a user
token (OAuth 2.0 PKCE, tweet.read + users.read). ``public_metrics`` holds
retweet/reply/like/quote/bookmark/impression counts; ``non_public_metrics``
(url_link_clicks, user_profile_clicks) is only served for the account's own
posts made in the last 30 days, so older posts ask for public metrics alone.
A deleted post answers 200 with an ``errors`` entry titled "Not Found Error" and
no ``data``. Rate limits come as 429 with ``x-rate-limit-reset``.
https://developer.x.com/en/docs/x-api/metrics
https://docs.x.com/x-api/posts/post-lookup-by-post-id
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ....domain.metrics import Figures
from ..oauth import AccountTokens, tokens_for
from . import PostGone, Quota
from .common import MetricsSession, count_call

PLATFORM = "x"
PRIVATE_FOR = timedelta(days=30)


class XMetrics:
    platform = PLATFORM

    def __init__(self, settings, tokens: AccountTokens, accounts, *, now=lambda: datetime.now(timezone.utc)) -> None:
        self.settings, self.tokens, self.accounts, self._now = settings, tokens, accounts, now

    def read(self, remote_id: str, options: Mapping[str, Any]) -> Figures:
        published = options.get("published_at")
        fields = "public_metrics"
        if not published or self._now() - datetime.fromisoformat(str(published)) < PRIVATE_FOR:
            fields += ",non_public_metrics"
        counter = count_call(self.accounts, self.tokens.account_id, PLATFORM, self._now)
        with MetricsSession(PLATFORM, self.tokens, on_call=counter) as api:
            answer = api.get(f"{self.settings.publish.x_base_url.rstrip('/')}/2/tweets/{remote_id}",
                             params={"tweet.fields": fields}, action="reading the post's metrics") or {}
        data = answer.get("data")
        if not data:
            problem = next((e.get("detail") or e.get("title") for e in answer.get("errors") or []), "not found")
            raise PostGone(f"X no longer has this post ({problem})", hint="it was deleted; its earlier figures are kept")
        public, private = data.get("public_metrics") or {}, data.get("non_public_metrics") or {}
        get = lambda d, k: None if d.get(k) is None else int(d[k])  # noqa: E731
        shares = None if public.get("retweet_count") is None else int(public["retweet_count"]) + int(public.get("quote_count") or 0)
        clicks = None if private.get("url_link_clicks") is None else int(private["url_link_clicks"]) + int(private.get("user_profile_clicks") or 0)
        return Figures(impressions=get(public, "impression_count") or get(private, "impression_count"), likes=get(public, "like_count"),
                       comments=get(public, "reply_count"), shares=shares, saves=get(public, "bookmark_count"), clicks=clicks,
                       extra={"public_metrics": public, "non_public_metrics": private})

    def quota(self) -> Quota | None:
        account = self.accounts.get(self.tokens.account_id)
        calls = (account.details if account else {}).get("metrics_calls") or {}
        return Quota(int(calls.get("calls", 0)), None, "calls today")


def create(setup) -> XMetrics:
    tokens, accounts = tokens_for(setup)
    return XMetrics(setup.settings, tokens, accounts)
