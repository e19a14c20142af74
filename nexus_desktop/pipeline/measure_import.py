"""Figures the creator brings: typed in for one post, or a CSV (for posts uploaded by hand
from the export folder, or figures copied from a platform's own export).

The CSV has a header row with ``post_id`` (or ``url``), optionally ``recorded_at``
(ISO 8601; now when empty) and any of the counts in ``domain.metrics.MEASURES``.
Good rows are stored, bad ones are reported by line number; nothing is lost.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..domain.errors import UserFixableError
from ..domain.metrics import COUNTS, MEASURES, Figures
from ..store.post_records import PostView
from .flow import Workspace
from .measure import metrics
from .schedule import utcnow


@dataclass(frozen=True)
class ImportReport:
    stored: int
    problems: tuple[str, ...]  # "line 4: views is not a number"


def _platform(post: PostView) -> str:
    return post.style if post.platform == "export" else post.platform


def type_in(ws: Workspace, post_id: int, figures: Figures, *, at: datetime | None = None) -> None:
    post = ws.store.posts.get(post_id)
    if post is None:
        raise UserFixableError(f"there is no post {post_id}", hint="see the ids with: nexus posts")
    if not any(v is not None for v in figures.to_json().values()):
        raise UserFixableError("no figures given", hint="give at least one of " + ", ".join(MEASURES))
    metrics(ws).record(post_id, _platform(post), figures, at=at or utcnow(), source="typed")


def _number(name: str, text: str) -> int | float | None:
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    value = float(text)
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    return int(value) if name in COUNTS else value


def _when(text: str, now: datetime) -> datetime:
    if not text.strip():
        return now
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def import_csv(ws: Workspace, path: Path, *, now: datetime | None = None) -> ImportReport:
    now = now or utcnow()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFixableError(f"cannot read {path}: {exc}", hint="save the sheet as UTF-8 CSV") from exc
    reader = csv.DictReader(text.splitlines())
    header = {h.strip().lower() for h in reader.fieldnames or []}
    if not header & {"post_id", "url"} or not header & set(MEASURES):
        raise UserFixableError(f"{path.name} needs a post_id (or url) column and at least one of: {', '.join(MEASURES)}")
    by_url = {p.url: p for p in ws.store.posts.list() if p.url}
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "") for k, v in raw.items() if k}
        try:
            post = ws.store.posts.get(int(row["post_id"])) if row.get("post_id", "").strip() else by_url.get(row.get("url", "").strip())
            if post is None:
                raise ValueError("no such post")
            values = {name: _number(name, row.get(name, "")) for name in MEASURES}
            if all(v is None for v in values.values()):
                raise ValueError("no figures")
            rows.append((post.id, _platform(post), Figures(**values), _when(row.get("recorded_at", ""), now), "csv"))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    stored = metrics(ws).record_many(rows) if rows else 0
    return ImportReport(stored, tuple(problems))
