"""Title and thumbnail tests: the variants of a live post, what each earned, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .database import Database
from .models import Post, TitleTest, utcnow


@dataclass(frozen=True)
class TitleTestView:
    id: int
    post_id: int
    job_id: int
    kind: str  # "title" or "thumbnail"
    variants: tuple[str, ...]
    arms: tuple[dict[str, Any], ...]
    current: int
    shown_since: datetime | None
    baseline: dict[str, Any]
    status: str  # running, decided, stopped
    winner: int | None
    verdict: str

    @property
    def rounds(self) -> int:
        """How many times a variant was taken down to show the next one."""
        return sum(int(a.get("shown", 0)) for a in self.arms)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "post_id": self.post_id, "job_id": self.job_id, "kind": self.kind, "variants": list(self.variants),
                "arms": list(self.arms), "current": self.current, "status": self.status, "winner": self.winner, "verdict": self.verdict}


def _view(test: TitleTest, job_id: int) -> TitleTestView:
    return TitleTestView(test.id, test.post_id, job_id, test.kind, tuple(test.variants or ()), tuple(test.arms or ()),
                         test.current, test.shown_since, dict(test.baseline or {}), test.status, test.winner, test.verdict or "")


class TitleTestRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, post_id: int, kind: str, variants: list[str], *, now: datetime, baseline: dict[str, Any]) -> TitleTestView:
        with self.db.write() as session:
            post = session.get(Post, post_id)
            if post is None:
                raise LookupError(f"there is no post {post_id}")
            if session.scalar(select(TitleTest.id).where(TitleTest.post_id == post_id)) is not None:
                raise ValueError(f"post {post_id} already has a test")
            test = TitleTest(post_id=post_id, kind=kind, variants=list(variants), arms=[{} for _ in variants], current=0,
                             shown_since=now, baseline=dict(baseline), status="running", verdict="testing: started")
            session.add(test)
            session.flush()
            return _view(test, post.job_id)

    def _select(self):
        return select(TitleTest, Post.job_id).join(Post, Post.id == TitleTest.post_id)

    def get(self, test_id: int) -> TitleTestView | None:
        with self.db.read() as session:
            row = session.execute(self._select().where(TitleTest.id == test_id)).first()
            return _view(*row) if row else None

    def for_post(self, post_id: int) -> TitleTestView | None:
        with self.db.read() as session:
            row = session.execute(self._select().where(TitleTest.post_id == post_id)).first()
            return _view(*row) if row else None

    def for_job(self, job_id: int) -> list[TitleTestView]:
        with self.db.read() as session:
            return [_view(*row) for row in session.execute(self._select().where(Post.job_id == job_id).order_by(TitleTest.id))]

    def running(self) -> list[TitleTestView]:
        with self.db.read() as session:
            return [_view(*row) for row in session.execute(self._select().where(TitleTest.status == "running").order_by(TitleTest.id))]

    def tested_posts(self) -> set[int]:
        with self.db.read() as session:
            return set(session.scalars(select(TitleTest.post_id)))

    def save(self, test_id: int, **values: Any) -> None:
        with self.db.write() as session:
            test = session.get(TitleTest, test_id)
            for key, value in values.items():
                setattr(test, key, value)
            test.updated_at = utcnow()
