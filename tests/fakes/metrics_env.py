"""A world for the measure tests: the four stand-ins with their metrics routes, one account
per platform signed in with the permissions to read figures, a store and a workspace on a
fake clock, and a way to publish a job to all four through the real publishing state machine."""

from __future__ import annotations

import pytest

from nexus_desktop.domain.stages import Stage
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from tests.publish_support import FakeClock, script_for
from .accounts_env import CLIENT_ID, CLIENT_SECRET, make_video
from .instagram_server import FakeInstagram
from .linkedin_server import FakeLinkedIn
from .metrics_routes import ANALYTICS_SCOPE, Figures, attach_all
from .x_server import FakeX
from .youtube_server import FakeYouTube

PLATFORMS = ("youtube", "instagram", "x", "linkedin")
READ_SCOPES = {
    "youtube": f"https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.force-ssl {ANALYTICS_SCOPE}",
    "instagram": "instagram_basic,instagram_content_publish,instagram_manage_insights",
    "x": "tweet.read tweet.write users.read media.write offline.access",
    "linkedin": "openid profile w_member_social r_member_postAnalytics",
}


class World:
    def __init__(self, ws: Workspace, stand_ins: dict, figures: Figures, oauth_fake, clock, analytics) -> None:
        self.ws, self.stand_ins, self.figures, self.oauth, self.clock, self.analytics = ws, stand_ins, figures, oauth_fake, clock, analytics
        self.accounts: dict[str, int] = {}
        self._jobs = 0

    def connect(self, platform: str, *, scope: str | None = None) -> int:
        fake = self.stand_ins[platform]
        remote, name, details = {
            "youtube": lambda: (fake.channel_id, fake.channel_title, {}),
            "instagram": lambda: (fake.ig_user_id, fake.username, {"page_id": "1"}),
            "x": lambda: (fake.user_id, f"@{fake.username}", {"username": fake.username}),
            "linkedin": lambda: (fake.person_id, fake.name, {"person_urn": f"urn:li:person:{fake.person_id}"}),
        }[platform]()
        issued = self.oauth.issue("user-1", CLIENT_ID, READ_SCOPES[platform] if scope is None else scope)
        tokens = oauth.TokenSet.from_response(issued)
        view = self.ws.store.accounts.upsert(
            platform, name, remote_user_id=remote, token_expires_at=tokens.expires_at,
            details={"client_id": CLIENT_ID, "token_url": self.oauth.token_url, "authorize_url": self.oauth.authorize_url,
                     "refreshable": True, **details})
        oauth.save_tokens(view.id, tokens, CLIENT_SECRET)
        self.accounts[platform] = view.id
        self.ws.store.targets.ensure_account_targets()
        return view.id

    def target_ids(self, platforms=PLATFORMS) -> list[int]:
        return [t.id for t in self.ws.store.targets.list() if t.platform in platforms and t.account_id is not None]

    def job(self, title: str = "Solid-state batteries reach a second pilot line", feed: str = "Tech Digest") -> int:
        """A job through every production stage: a real 4-second H.264 video (over LinkedIn's 75 KB
        minimum) recorded as the render stage records it; nothing here renders."""
        self._jobs += 1
        n = self._jobs
        source, _ = self.ws.store.sources.add(f"https://example.org/feed{n}", feed)
        self.ws.store.items.add_new(source.id, [NewItem(
            guid=f"g{n}", link=f"https://example.org/{n}", title=f"{title} {n}", author="A", published=None, summary="s",
            content="c", image_url=None, language="en", content_hash=f"h{n}")])
        job = max(self.ws.store.jobs.list(), key=lambda j: j.id)
        make_video(self.ws.paths.job_dir(job.id) / "video.mp4", size="108x192", seconds=4.0, pad_to=96 * 1024)
        video = {"path": "video.mp4", "duration": 4.0, "width": 108, "height": 192}
        results = {Stage.ANALYZE: {"script": script_for(n).to_dict()}, Stage.NARRATE: {"narration": {}}, Stage.VISUALIZE: {},
                   Stage.RENDER: {"videos": {f: dict(video) for f in ("16x9", "9x16", "1x1")}}}
        for stage, result in results.items():
            assert self.ws.store.jobs.claim(job.id, worker="maker") is not None
            self.ws.store.jobs.record_success(job.id, stage, result, [], "maker")
        return job.id


def publish(world: World, job_id: int, platforms=PLATFORMS, media_path=None) -> dict[str, int]:
    """Approve the job for these platforms and publish it now through ``Publishing``."""
    ws = world.ws
    schedule.approve_jobs(ws, [job_id], now=world.clock())
    schedule.choose_targets(ws, job_id, world.target_ids(platforms))
    posts = schedule.posts(ws).for_job(job_id)
    schedule.publish_now(ws, [p.id for p in posts], now=world.clock())
    outcomes = Publishing(ws, clock=world.clock, backoff=Backoff(base=0)).publish_due()
    assert [(o.outcome, o.message) for o in outcomes if o.outcome is not Outcome.PUBLISHED] == []
    return {p.platform: p.id for p in schedule.posts(ws).for_job(job_id)}


def published_job_with_scratch(world: World):
    """A job published on YouTube and X, measured, with 40 KB of narration the clean-up may
    take (older than the clean-up age of 1 day once two days have passed). Its folder."""
    from nexus_desktop.pipeline.measure import measure_due

    world.connect("youtube")
    world.connect("x")
    job_id = world.job()
    publish(world, job_id, ("youtube", "x"))
    world.clock.advance(hours=2)
    measure_due(world.ws, clock=world.clock)
    folder = world.ws.paths.job_dir(job_id)
    (folder / "narration.wav").write_bytes(b"\0" * 40_000)
    world.ws.settings.measure.cleanup_after_days = 1
    return folder


@pytest.fixture
def metrics_world(tmp_path, memory_keyring, oauth_fake):
    clock = FakeClock()
    figures = Figures(oauth_fake, clock)
    with FakeYouTube(oauth_fake) as youtube, FakeInstagram(oauth_fake) as instagram, FakeX(oauth_fake) as x, \
            FakeLinkedIn(oauth_fake) as linkedin:
        instagram.processing_polls = 0
        stand_ins = {"youtube": youtube, "instagram": instagram, "x": x, "linkedin": linkedin}
        analytics = attach_all(stand_ins, figures)
        paths = AppPaths.resolve(tmp_path / "data")
        settings = Settings()
        settings.schedule.timezone = "Europe/Berlin"
        settings.schedule.default_targets = ["export:youtube"]
        for platform, fake in stand_ins.items():
            setattr(settings.publish, f"{platform}_base_url", fake.url)
        settings.measure.youtube_analytics_base_url = analytics.url
        store = Store.open(f"sqlite+pysqlite:///{paths.database}")
        world = World(Workspace(store=store, settings=settings, paths=paths), stand_ins, figures, oauth_fake, clock, analytics)
        try:
            yield world
        finally:
            analytics.stop()
            store.close()
