"""LinkedIn figures: member post statistics, or a page's share statistics.

- A member's post: ``GET /rest/memberCreatorPostAnalytics?q=entity&entity=(ugc:URN)``
  (or ``(share:URN)``) ``&queryType=IMPRESSION|MEMBERS_REACHED|REACTION|COMMENT|RESHARE&aggregation=TOTAL``,
  one call per figure, scope ``r_member_postAnalytics``; each answers
  ``{"elements": [{"count": N, "metricType": {...: "IMPRESSION"}}]}``.
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
- A page's post (target option ``author: urn:li:organization:…``):
  ``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=ORG&ugcPosts=List(URN)``
  (``shares=List(...)`` for share URNs), scope ``r_organization_social``; the
  figures are in ``elements[0].totalShareStatistics``.
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
Every call sends ``LinkedIn-Version`` from settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from ....domain.metrics import Figures
from ..oauth import AccountTokens, api_version, tokens_for
from . import Quota
from .common import MetricsSession, count_call

PLATFORM = "linkedin"
MEMBER_FIGURES = {"IMPRESSION": "impressions", "MEMBERS_REACHED": "reach", "REACTION": "likes", "COMMENT": "comments", "RESHARE": "shares"}


class LinkedInMetrics:
    platform = PLATFORM

    def __init__(self, settings, tokens: AccountTokens, accounts, *, now=lambda: datetime.now(timezone.utc)) -> None:
        self.settings, self.tokens, self.accounts, self._now = settings, tokens, accounts, now

    def _session(self) -> MetricsSession:
        headers = {"LinkedIn-Version": api_version(PLATFORM, self.settings.publish), "X-Restli-Protocol-Version": "2.0.0"}
        return MetricsSession(PLATFORM, self.tokens, headers=headers,
                              on_call=count_call(self.accounts, self.tokens.account_id, PLATFORM, self._now))

    def _url(self, path: str) -> str:
        return f"{self.settings.publish.linkedin_base_url.rstrip('/')}{path}"

    def read(self, remote_id: str, options: Mapping[str, Any]) -> Figures:
        author = str(options.get("author") or "")
        with self._session() as api:
            if author.startswith("urn:li:organization:"):
                return self._organization(api, author, remote_id)
            return self._member(api, remote_id)

    def _member(self, api: MetricsSession, urn: str) -> Figures:
        kind = "ugc" if ":ugcPost:" in urn else "share"
        found: dict[str, int] = {}
        for query_type, name in MEMBER_FIGURES.items():
            # Rest.li 2.0: the URN inside the record is encoded, the record syntax is not.
            url = self._url(f"/rest/memberCreatorPostAnalytics?q=entity&entity=({kind}:{quote(urn, safe='')})"
                            f"&queryType={query_type}&aggregation=TOTAL")
            answer = api.get(url, action=f"reading the post's {name}") or {}
            found[name] = sum(int(e.get("count") or 0) for e in answer.get("elements") or [])
        return Figures(**found, extra={"member": dict(found)})

    def _organization(self, api: MetricsSession, organization: str, urn: str) -> Figures:
        key = "ugcPosts" if ":ugcPost:" in urn else "shares"
        url = self._url(f"/rest/organizationalEntityShareStatistics?q=organizationalEntity"
                        f"&organizationalEntity={quote(organization, safe='')}&{key}=List({quote(urn, safe='')})")
        answer = api.get(url, action="reading the page post's statistics") or {}
        elements = answer.get("elements") or []
        stats = (elements[0].get("totalShareStatistics") if elements else None) or {}
        get = lambda k: None if stats.get(k) is None else int(stats[k])  # noqa: E731
        return Figures(impressions=get("impressionCount"), reach=get("uniqueImpressionsCount"), clicks=get("clickCount"),
                       likes=get("likeCount"), comments=get("commentCount"), shares=get("shareCount"), extra={"organization": stats})

    def quota(self) -> Quota | None:
        account = self.accounts.get(self.tokens.account_id)
        calls = (account.details if account else {}).get("metrics_calls") or {}
        return Quota(int(calls.get("calls", 0)), None, "calls today")


def create(setup) -> LinkedInMetrics:
    tokens, accounts = tokens_for(setup)
    return LinkedInMetrics(setup.settings, tokens, accounts)
