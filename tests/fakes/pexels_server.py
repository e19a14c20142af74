"""A local stand-in for Pexels' video search, as documented at
https://www.pexels.com/api/documentation/#videos-search (and the clip files it
links to), for pytest-httpserver.

It checks what the real API checks: the key in the ``Authorization`` header
(401 without the right one), a non-empty ``query``, ``orientation`` one of
landscape/portrait/square, ``size`` one of large/medium/small, ``per_page`` at
most 80. ``quota_left=0`` answers 429 as Pexels does past the monthly limit.
Videos carry ``id``, ``width``, ``height``, ``url``, ``duration`` (seconds) and
``video_files`` (``id``, ``quality``, ``file_type``, ``width``, ``height``,
``fps``, ``link``).
"""

from __future__ import annotations

import json

from werkzeug import Request, Response

ORIENTATIONS = {"landscape", "portrait", "square"}
SIZES = {"large", "medium", "small"}


class PexelsStandIn:
    def __init__(self, key: str, clip_url: str, *, duration: int = 8, quota_left: int = 1000,
                 videos: list[dict] | None = None) -> None:
        self.key, self.clip_url, self.duration, self.quota_left = key, clip_url, duration, quota_left
        self.videos = videos
        self.searches: list[dict] = []

    def __call__(self, request: Request) -> Response:
        if request.headers.get("Authorization") != self.key:
            return self._json({"error": "Unauthorized"}, 401)
        if self.quota_left <= 0:
            return self._json({"error": "Rate limit exceeded"}, 429)
        args = request.args
        problem = (("query is required" if not args.get("query", "").strip() else "")
                   or ("bad orientation" if args.get("orientation", "landscape") not in ORIENTATIONS else "")
                   or ("bad size" if args.get("size", "medium") not in SIZES else "")
                   or ("per_page is at most 80" if int(args.get("per_page", 15)) > 80 else ""))
        if problem:
            return self._json({"error": problem}, 400)
        self.quota_left -= 1
        self.searches.append(dict(args))
        wide = args.get("orientation", "landscape") == "landscape"
        width, height = (1920, 1080) if wide else (1080, 1920) if args["orientation"] == "portrait" else (1080, 1080)
        videos = self.videos if self.videos is not None else [{
            "id": 1000 + len(self.searches), "width": width, "height": height, "duration": self.duration,
            "url": f"https://www.pexels.com/video/{1000 + len(self.searches)}/", "image": "",
            "user": {"id": 1, "name": "Stand-in", "url": "https://www.pexels.com/@stand-in"},
            "video_files": [
                {"id": 1, "quality": "sd", "file_type": "video/mp4", "width": width // 3, "height": height // 3,
                 "fps": 25, "link": self.clip_url},
                {"id": 2, "quality": "hd", "file_type": "video/mp4", "width": width, "height": height, "fps": 25,
                 "link": self.clip_url},
            ],
            "video_pictures": [],
        }]
        return self._json({"page": 1, "per_page": int(args.get("per_page", 15)), "total_results": len(videos),
                           "url": "https://www.pexels.com/search/videos/", "videos": videos}, 200)

    @staticmethod
    def _json(body: dict, status: int) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")
