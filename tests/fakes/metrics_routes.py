"""Metrics endpoints for the platform stand-ins, added as new routes (the publishing fakes
stay as they are). Figures grow with the stand-in's clock in a fixed way, so a test
knows what a reading at 1 h or 24 h must show; a test may also correct them down.

Contracts enforced, each as documented today:

- YouTube Data API ``videos.list`` with ``part=statistics`` (1 unit of a daily quota;
  403 ``quotaExceeded`` once used; a deleted id is missing from ``items``):
  https://developers.google.com/youtube/v3/docs/videos/list
- ``videos.update`` with ``part=snippet`` (50 units; the snippet replaces the old one
  and must carry title and categoryId): https://developers.google.com/youtube/v3/docs/videos/update
- YouTube Analytics API ``reports.query`` (``ids``, ``startDate``, ``endDate``,
  ``metrics`` required; dates YYYY-MM-DD; scope yt-analytics.readonly, else 403
  "insufficient authentication scopes"; the answer is a ``resultTable`` whose
  ``columnHeaders`` give the column order):
  https://developers.google.com/youtube/analytics/reference/reports/query
- Instagram media insights (``metric`` required, only current metric names;
  ``impressions``/``plays``/``video_views`` refused for new media; permission
  instagram_manage_insights, else error 10; unknown media: error 100 subcode 33;
  an hourly call limit answered with error 4):
  https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
- X post lookup ``GET /2/tweets/:id`` with ``tweet.fields`` (public_metrics for
  anyone, non_public_metrics only for the caller's own posts; a deleted post
  answers 200 with a "Not Found Error"; 429 with x-rate-limit-reset past the window's
  allowance): https://developer.x.com/en/docs/x-api/metrics
- LinkedIn ``memberCreatorPostAnalytics`` (q=entity, entity=(ugc:URN)|(share:URN),
  queryType, aggregation; LinkedIn-Version header; scope r_member_postAnalytics,
  else 403 ACCESS_DENIED; unknown post 404):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import unquote

from .oauth_server import FakeOAuthServer, FakeServer, Request, Response
from .youtube_server import google_error

ANALYTICS_SCOPE = "https://www.googleapis.com/auth/yt-analytics.readonly"
ANALYTICS_METRICS = {"views", "estimatedMinutesWatched", "averageViewDuration", "likes", "comments", "shares",
                     "subscribersGained", "averageViewPercentage"}
IG_METRICS = {"views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "follows", "profile_visits",
              "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"}
IG_RETIRED = {"impressions", "plays", "video_views", "clips_replays_count", "ig_reels_aggregated_all_plays_count"}
LI_QUERY_TYPES = {"IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"}


class Figures:
    """The stand-ins' shared clock and the figures every post shows at each moment."""

    def __init__(self, oauth: FakeOAuthServer, clock: Callable[[], datetime], *, start: datetime | None = None) -> None:
        self.oauth = oauth
        self.clock = clock
        self.start = start or clock()
        self.born: dict[str, datetime] = {}  # per remote id; else ``start``
        self.scale: dict[str, float] = {}  # a test makes one post do better
        self.corrected: dict[str, float] = {}  # a platform removed this share of the views (spam)
        self.engaging: dict[str, float] = {}  # a post whose viewers like, reply and share more
        self.title_boost: dict[str, float] = {}  # a title that draws more (or fewer) views per hour
        self.segments: dict[str, list[tuple[datetime, float]]] = {}  # per id: (from when, draw) after a retitle

    def retitle(self, remote_id: str, title: str) -> None:
        self.segments.setdefault(remote_id, []).append((self.clock(), self.title_boost.get(title, 1.0)))

    def hours(self, remote_id: str) -> float:
        return max(0.0, (self.clock() - self.born.get(remote_id, self.start)).total_seconds() / 3600)

    def views(self, remote_id: str) -> int:
        """Saturating growth (half of the final views after about 33 hours), drawn faster or
        slower while a boosted title is up."""
        base = 800 + zlib.crc32(remote_id.encode()) % 1200
        born = self.born.get(remote_id, self.start)
        share = lambda t: 1 - math.exp(-max(0.0, (t - born).total_seconds() / 3600) / 48)  # noqa: E731
        now = self.clock()
        marks = [(born, 1.0), *self.segments.get(remote_id, []), (now, 0.0)]
        grown = sum(draw * (share(min(end, now)) - share(min(begin, now))) for (begin, draw), (end, _) in zip(marks, marks[1:]))
        return int(base * self.scale.get(remote_id, 1.0) * grown * (1 - self.corrected.get(remote_id, 0.0)))

    def count(self, remote_id: str, share: float) -> int:
        return int(self.views(remote_id) * share)

    def scopes(self, req: Request) -> set[str]:
        grant = self.oauth.access.get(req.bearer or "")
        return set((grant.scope if grant else "").replace(",", " ").split())


# -- YouTube ------------------------------------------------------------------------------------


def add_youtube_statistics(youtube, figures: Figures, *, daily_units: int = 10_000) -> None:
    """``videos.list?part=statistics`` on the YouTube stand-in (placed before its own videos.list)."""
    youtube.units_used = 0
    youtube.daily_units = daily_units
    original = next(h for m, p, h in youtube.routes if m == "GET" and p.pattern.startswith("/youtube/v3/videos"))

    def videos_list(req: Request) -> Response:
        if "statistics" not in req.query.get("part", "").split(","):
            return original(req)
        who = youtube._auth(req)
        if isinstance(who, Response):
            return who
        if youtube.units_used + 1 > youtube.daily_units:
            return google_error(403, "The request cannot be completed because you have exceeded your quota.", "quotaExceeded")
        youtube.units_used += 1
        ids = [i for i in req.query.get("id", "").split(",") if i]
        if not ids:
            return google_error(400, "No filter selected. Expected one of: id, myRated, chart", "missingRequiredParameter")
        items = []
        for video_id in ids:
            video = youtube.videos.get(video_id)
            if video is None or video["owner"] != who:
                continue
            views = figures.views(video_id)
            items.append({"kind": "youtube#video", "id": video_id, "statistics": {
                "viewCount": str(views), "likeCount": str(int(views * 0.06)), "favoriteCount": "0",
                "commentCount": str(int(views * 0.01))}})
        return Response(200, {"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": len(items)}})

    def videos_update(req: Request) -> Response:
        """videos.update with part=snippet: the whole snippet, categoryId included, replaces the old one."""
        who = youtube._auth(req)
        if isinstance(who, Response):
            return who
        if youtube.units_used + 50 > youtube.daily_units:
            return google_error(403, "The request cannot be completed because you have exceeded your quota.", "quotaExceeded")
        youtube.units_used += 50
        if req.query.get("part") != "snippet":
            return google_error(400, "this stand-in updates part=snippet only", "badRequest", "global")
        body = req.json() or {}
        video = youtube.videos.get(body.get("id", ""))
        if video is None or video["owner"] != who:
            return google_error(404, "The video that you are trying to update cannot be found.", "videoNotFound")
        snippet = body.get("snippet") or {}
        title = snippet.get("title", "")
        if not title or len(title) > 100 or re.search(r"[<>]", title):
            return google_error(400, "The request metadata specifies an invalid video title.", "invalidTitle")
        if not snippet.get("categoryId"):
            return google_error(400, "The request metadata does not specify a valid video category.", "invalidCategoryId")
        video["snippet"] = {**snippet, "channelId": video["snippet"].get("channelId"), "publishedAt": video["snippet"].get("publishedAt")}
        figures.retitle(body["id"], title)
        return Response(200, {k: v for k, v in video.items() if k not in ("owner", "size")})

    youtube.routes.insert(0, ("GET", re.compile(r"/youtube/v3/videos\Z"), videos_list))
    youtube.routes.insert(0, ("PUT", re.compile(r"/youtube/v3/videos\Z"), videos_update))


class FakeYouTubeAnalytics(FakeServer):
    """youtubeanalytics.googleapis.com: ``GET /v2/reports``."""

    def __init__(self, youtube, figures: Figures) -> None:
        super().__init__()
        self.youtube, self.figures = youtube, figures
        self.route("GET", r"/v2/reports", self._reports)

    def _reports(self, req: Request) -> Response:
        who = self.youtube._auth(req)
        if isinstance(who, Response):
            return who
        if ANALYTICS_SCOPE not in self.figures.scopes(req):
            return google_error(403, "Request had insufficient authentication scopes.", "insufficientPermissions", "global")
        q = req.query
        missing = [k for k in ("ids", "startDate", "endDate", "metrics") if not q.get(k)]
        if missing:
            return google_error(400, f"Required parameter: {missing[0]}", "required", "global")
        if q["ids"] != "channel==MINE" and not q["ids"].startswith("channel=="):
            return google_error(400, "Invalid ids", "invalid", "global")
        for key in ("startDate", "endDate"):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", q[key]):
                return google_error(400, f"Invalid value for {key}", "invalid", "global")
        if q["startDate"] > q["endDate"]:
            return google_error(400, "The start date must not be after the end date", "invalid", "global")
        metrics = q["metrics"].split(",")
        unknown = [m for m in metrics if m not in ANALYTICS_METRICS]
        if unknown:
            return google_error(400, f"Unknown identifier ({unknown[0]}) given in field parameters.metrics.", "invalid", "global")
        match = re.fullmatch(r"video==([\w-]+)", q.get("filters", ""))
        headers = [{"name": m, "columnType": "METRIC", "dataType": "INTEGER" if m != "averageViewPercentage" else "FLOAT"}
                   for m in metrics]
        if not match:
            return google_error(400, "this stand-in answers per-video reports only (filters=video==ID)", "invalid", "global")
        video_id = match.group(1)
        video = self.youtube.videos.get(video_id)
        if video is None or video["owner"] != who:
            return Response(200, {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers, "rows": []})
        views = self.figures.views(video_id)
        values = {"views": views, "estimatedMinutesWatched": int(views * 0.55), "averageViewDuration": 33 if views else 0,
                  "likes": int(views * 0.06), "comments": int(views * 0.01), "shares": int(views * 0.004),
                  "subscribersGained": int(views * 0.002), "averageViewPercentage": 61.5}
        return Response(200, {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers,
                              "rows": [[values[m] for m in metrics]] if views else []})


# -- Instagram ------------------------------------------------------------------------------------


def add_instagram_insights(instagram, figures: Figures, *, hourly_calls: int = 200) -> None:
    instagram.insight_calls = 0
    instagram.hourly_calls = hourly_calls

    def graph(status: int, message: str, code: int, subcode: int | None = None) -> Response:
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Afake"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return Response(status, {"error": error})

    def insights(req: Request, ver: str, node: str) -> Response:
        who = instagram._auth(req)
        if isinstance(who, Response):
            return who
        if instagram.insight_calls >= instagram.hourly_calls:
            return graph(403, "(#4) Application request limit reached", 4)
        instagram.insight_calls += 1
        if "instagram_manage_insights" not in figures.scopes(req):
            return graph(403, "(#10) Application does not have permission for this action", 10)
        names = [m for m in req.query.get("metric", "").split(",") if m]
        if not names:
            return graph(400, "(#100) The parameter metric is required", 100)
        retired = [m for m in names if m in IG_RETIRED]
        if retired:
            return graph(400, f"(#100) {retired[0]} metric is no longer supported for media created after July 2, 2024", 100, 2108006)
        unknown = [m for m in names if m not in IG_METRICS]
        if unknown:
            return graph(400, f"(#100) metric[0] must be one of the following values: {', '.join(sorted(IG_METRICS))}", 100)
        if node not in instagram.media:
            return graph(400, f"Unsupported get request. Object with ID '{node}' does not exist", 100, 33)
        views = figures.views(node)
        values = {"views": views, "reach": int(views * 0.7), "likes": int(views * 0.08), "comments": int(views * 0.01),
                  "shares": int(views * 0.012), "saved": int(views * 0.02), "follows": 0, "profile_visits": int(views * 0.01),
                  "ig_reels_avg_watch_time": 5200, "ig_reels_video_view_total_time": views * 5200}
        values["total_interactions"] = values["likes"] + values["comments"] + values["shares"] + values["saved"]
        data = [{"name": m, "period": "lifetime", "values": [{"value": values[m]}], "title": m, "id": f"{node}/insights/{m}/lifetime"}
                for m in names]
        return Response(200, {"data": data})

    instagram.route("GET", r"/(?P<ver>v[\d.]+)/(?P<node>\d+)/insights", insights)


# -- X ------------------------------------------------------------------------------------------------


def add_x_metrics(x, figures: Figures, *, window_calls: int = 900) -> None:
    x.lookup_calls = 0
    x.window_calls = window_calls

    def lookup(req: Request, tweet_id: str) -> Response:
        who = x._auth(req)
        if isinstance(who, Response):
            return who
        if x.lookup_calls >= x.window_calls:
            reset = int(figures.clock().timestamp()) + 900
            return Response(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
                            {"x-rate-limit-limit": str(x.window_calls), "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        x.lookup_calls += 1
        fields = [f for f in req.query.get("tweet.fields", "").split(",") if f]
        known = {"public_metrics", "non_public_metrics", "organic_metrics", "created_at", "text", "author_id"}
        if any(f not in known for f in fields):
            return Response(400, {"errors": [{"message": "The `tweet.fields` query parameter value is not one of the allowed values"}],
                                  "title": "Invalid Request", "detail": "One or more parameters to your request was invalid."})
        tweet = x.tweets.get(tweet_id)
        if tweet is None:
            return Response(200, {"errors": [{"value": tweet_id, "detail": f"Could not find tweet with id: [{tweet_id}].",
                                              "title": "Not Found Error", "resource_type": "tweet", "parameter": "id",
                                              "resource_id": tweet_id, "type": "https://api.twitter.com/2/problems/resource-not-found"}]})
        views, liked = figures.views(tweet_id), figures.engaging.get(tweet_id, 1.0)
        data = {"id": tweet_id, "text": tweet["text"], "edit_history_tweet_ids": [tweet_id]}
        if "public_metrics" in fields:
            data["public_metrics"] = {"retweet_count": int(views * 0.01 * liked), "reply_count": int(views * 0.005 * liked),
                                      "like_count": int(views * 0.04 * liked), "quote_count": int(views * 0.002 * liked),
                                      "bookmark_count": int(views * 0.003 * liked), "impression_count": views}
        if "non_public_metrics" in fields:
            if tweet["author"] != who:
                return Response(200, {"data": data, "errors": [{"title": "Authorization Error", "detail": "Sorry, you are not authorized to see the non_public_metrics of this Tweet."}]})
            data["non_public_metrics"] = {"impression_count": views, "url_link_clicks": int(views * 0.01), "user_profile_clicks": int(views * 0.004)}
        return Response(200, {"data": data})

    x.route("GET", r"/2/tweets/(?P<tweet_id>\d+)", lookup)


# -- LinkedIn ---------------------------------------------------------------------------------------


def add_linkedin_analytics(linkedin, figures: Figures) -> None:
    def denied(message: str) -> Response:
        return Response(403, {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": message})

    def analytics(req: Request) -> Response:
        if figures.oauth.subject_of(req.bearer) is None:
            return Response(401, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"})
        if not re.fullmatch(r"\d{6}", req.headers.get("linkedin-version", "")):
            return Response(400, {"status": 400, "code": "VERSION_MISSING", "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."})
        if "r_member_postAnalytics" not in figures.scopes(req):
            return denied("Not enough permissions to access: partnerApiMemberCreatorPostAnalytics.GET.20251001")
        q = req.query
        if q.get("q") != "entity":
            return Response(400, {"status": 400, "code": "ILLEGAL_ARGUMENT", "message": "q must be entity or me"})
        match = re.fullmatch(r"\((ugc|share):(.+)\)", q.get("entity", ""))
        if not match or q.get("queryType") not in LI_QUERY_TYPES or q.get("aggregation") not in ("TOTAL", "DAILY"):
            return Response(400, {"status": 400, "code": "ILLEGAL_ARGUMENT", "message": "entity, queryType and aggregation are required"})
        urn = unquote(match.group(2))
        if urn not in linkedin.posts:
            return Response(404, {"status": 404, "code": "NOT_FOUND", "message": f"Entity {urn} not found"})
        views = figures.views(urn)
        share = {"IMPRESSION": 1.0, "MEMBERS_REACHED": 0.75, "REACTION": 0.05, "COMMENT": 0.01, "RESHARE": 0.006}[q["queryType"]]
        metric_type = {"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": q["queryType"]}
        return Response(200, {"paging": {"start": 0, "count": 10, "links": []},
                              "elements": [{"count": int(views * share), "metricType": metric_type}]})

    linkedin.route("GET", r"/rest/memberCreatorPostAnalytics", analytics)


def attach_all(stand_ins: dict, figures: Figures) -> FakeYouTubeAnalytics:
    """Add the metrics routes to the four stand-ins; returns the (started) YouTube Analytics server."""
    add_youtube_statistics(stand_ins["youtube"], figures)
    add_instagram_insights(stand_ins["instagram"], figures)
    add_x_metrics(stand_ins["x"], figures)
    add_linkedin_analytics(stand_ins["linkedin"], figures)
    return FakeYouTubeAnalytics(stand_ins["youtube"], figures).start()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
