"""Title and thumbnail tests on live posts: show each variant in turn, keep the winner.

Only YouTube lets an app change a live post's title and thumbnail
(``providers.platforms.metrics.EDITABLE_LIVE``): Instagram and LinkedIn allow
caption edits only, X's edits are a short paid window that resets the counts.
The variants are the titles the script stage wrote (the YouTube title first, the
one the video went out with). Every ``measure.title_test_rotate_hours`` the
current variant's views since it went up are credited to it and the next one goes
up; ``domain.title_test.decide`` says when one has won. Off by default: on for
every YouTube post, for the feeds named in settings, or per job (``nexus title-test``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from ..domain.content import Script
from ..domain.errors import UserFixableError
from ..domain.posts import PostStatus
from ..domain.title_test import Arm, Rule, decide, rotation
from ..providers.platforms.base import NeedsReconnect, TransientPublishError
from ..providers.platforms.metrics import EDITABLE_LIVE, LiveEditor, MissingScope, PostGone, create_reader
from ..providers.platforms.registry import PublisherSetup
from ..store.post_records import PostView
from ..store.title_tests import TitleTestRepo, TitleTestView
from .flow import Workspace
from .schedule import utcnow

log = logging.getLogger(__name__)

RULE = Rule()
TITLE_MAX = 100


def tests(ws: Workspace) -> TitleTestRepo:
    return TitleTestRepo(ws.store.db)


def editable(platform: str, kind: str = "title") -> bool:
    return kind in EDITABLE_LIVE.get(platform, ())


def title_variants(ws: Workspace, post: PostView) -> list[str]:
    """The post's own title first, then the script's other candidates, each once."""
    script = (ws.store.jobs.results(post.job_id).get("analyze") or {}).get("script")
    found = [post.title]
    if script:
        s = Script.from_dict(script)
        found += [s.platforms.youtube_title, *s.titles]
    unique: list[str] = []
    for title in (t.strip() for t in found if t):
        if title and len(title) <= TITLE_MAX and "<" not in title and ">" not in title and title not in unique:
            unique.append(title)
    return unique


def _editor(ws: Workspace, post: PostView):
    target = ws.store.targets.get(post.target_id)
    setup = PublisherSetup(ws.settings, ws.paths, post.account_id, post.target_name, dict(target.config if target else {}),
                           accounts=ws.store.accounts)
    return create_reader(post.platform, setup)


def start(ws: Workspace, post_id: int, *, kind: str = "title", variants: list[str] | None = None,
          now: datetime | None = None) -> TitleTestView:
    post = ws.store.posts.get(post_id)
    if post is None:
        raise UserFixableError(f"there is no post {post_id}")
    if not editable(post.platform, kind):
        allowed = ", ".join(p for p, kinds in EDITABLE_LIVE.items() if kind in kinds) or "no platform"
        raise UserFixableError(f"{post.platform} does not let an app change a live post's {kind}", hint=f"{kind} tests run on {allowed}")
    if post.status is not PostStatus.PUBLISHED or not post.remote_id:
        raise UserFixableError(f"post {post_id} is not published yet", hint="a test starts once the post is live")
    variants = variants or (title_variants(ws, post) if kind == "title" else [])
    if len(variants) < 2:
        raise UserFixableError(f"post {post_id} has only {len(variants)} {kind} variant(s)", hint="a test needs at least two")
    editor = _editor(ws, post)
    now = now or utcnow()
    figures = editor.read(post.remote_id, {"published_at": post.published_at.isoformat() if post.published_at else ""})
    _show(editor, post.remote_id, kind, variants[0], post.title)
    return tests(ws).create(post_id, kind, variants, now=now, baseline=_baseline(figures))


def _baseline(figures) -> dict:
    return {"views": figures.views or 0, "impressions": figures.impressions or 0, "clicks": figures.clicks or 0}


def _show(editor: LiveEditor, remote_id: str, kind: str, variant: str, live: str | None = None) -> None:
    if kind == "title":
        if variant != live:
            editor.set_title(remote_id, variant)
    else:
        editor.set_thumbnail(remote_id, Path(variant))


def advance(ws: Workspace, test: TitleTestView, now: datetime, rule: Rule = RULE) -> TitleTestView:
    """Credit the variant that is up with what it earned; rotate, or keep the winner."""
    rotate = timedelta(hours=ws.settings.measure.title_test_rotate_hours)
    if test.status != "running" or test.shown_since is None or now - test.shown_since < rotate:
        return test
    post = ws.store.posts.get(test.post_id)
    repo = tests(ws)
    try:
        editor = _editor(ws, post)
        figures = editor.read(post.remote_id, {"published_at": post.published_at.isoformat() if post.published_at else ""})
        now_seen = _baseline(figures)
        arms = [Arm.from_json(a) for a in test.arms]
        base = test.baseline
        hours = (now - test.shown_since).total_seconds() / 3600
        arms[test.current] = arms[test.current].plus(hours, now_seen["views"] - base.get("views", 0),
                                                     now_seen["impressions"] - base.get("impressions", 0),
                                                     now_seen["clicks"] - base.get("clicks", 0))
        stored = [{**a.to_json(), "shown": int(old.get("shown", 0)) + (i == test.current)} for i, (a, old) in enumerate(zip(arms, test.arms))]
        windows = sum(int(a["shown"]) for a in stored)
        verdict = decide(arms, windows, rule)
        if verdict.winner is not None:
            _show(editor, post.remote_id, test.kind, test.variants[verdict.winner], test.variants[test.current])
            repo.save(test.id, arms=stored, status="decided", winner=verdict.winner, current=verdict.winner,
                      shown_since=now, baseline=now_seen, verdict=verdict.text)
            log.info("title test on post %s: %s", post.id, verdict.text)
        else:
            following = rotation(windows, len(test.variants))
            _show(editor, post.remote_id, test.kind, test.variants[following], test.variants[test.current])
            repo.save(test.id, arms=stored, current=following, shown_since=now, baseline=now_seen, verdict=verdict.text)
    except PostGone as exc:
        repo.save(test.id, status="stopped", verdict=f"stopped: {exc}")
    except (TransientPublishError, NeedsReconnect, MissingScope) as exc:
        repo.save(test.id, verdict=f"waiting: {exc}")  # the variant stays up; credited at the next turn
    return repo.get(test.id)


def _wanted(ws: Workspace, post: PostView) -> bool:
    measure = ws.settings.measure
    if not editable(post.platform) or post.status is not PostStatus.PUBLISHED:
        return False
    if measure.title_tests:
        return True
    return bool(measure.title_test_feeds) and ws.store.jobs.article(post.job_id).source_title in measure.title_test_feeds


def advance_all(ws: Workspace, *, clock: Callable[[], datetime] = utcnow) -> list[TitleTestView]:
    """Start the tests settings ask for on newly published posts, then move every running test on."""
    now = clock()
    measure = ws.settings.measure
    if measure.title_tests or measure.title_test_feeds:
        tested = tests(ws).tested_posts()
        for post in ws.store.posts.list():
            if post.id not in tested and post.remote_id and _wanted(ws, post):
                try:
                    start(ws, post.id, now=now)
                except (UserFixableError, TransientPublishError) as exc:
                    log.info("no title test for post %s: %s", post.id, exc)
    return [advance(ws, test, now) for test in tests(ws).running()]


def describe_for_job(ws: Workspace, job_id: int) -> str:
    """What the job shows about its tests: the variant up or kept, and the verdict."""
    lines = []
    for test in tests(ws).for_job(job_id):
        shown = test.variants[test.winner if test.winner is not None else test.current]
        state = {"decided": "kept", "running": "showing", "stopped": "stopped at"}.get(test.status, test.status)
        lines.append(f"{test.kind.capitalize()} test on post {test.post_id}: {state} “{shown}” — {test.verdict}")
    return "\n".join(lines)
