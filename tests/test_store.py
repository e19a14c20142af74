"""The same store tests on SQLite and PostgreSQL."""

import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from nexus_desktop.domain import jobs as job_states
from nexus_desktop.domain.errors import IllegalTransition, StoreError
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import REDO_AFTER_HEADLINE_EDIT, Stage
from nexus_desktop.pipeline.context import AssetRecord
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from nexus_desktop.store.jobs import JobFilter


def item(n: int, **overrides) -> NewItem:
    values = dict(
        guid=f"guid-{n}", link=f"https://example.org/{n}", title=f"Story {n}", author="A", published=None,
        summary="s", content=f"<p>Body {n}</p>", image_url=None, language="en", content_hash=f"hash-{n}",
    )
    values.update(overrides)
    return NewItem(**values)


@pytest.fixture
def source_id(store: Store) -> int:
    view, created = store.sources.add("https://example.org/feed", "Example")
    assert created
    return view.id


def test_adding_a_known_feed_returns_the_existing_one(store, source_id):
    again, created = store.sources.add("https://example.org/feed")
    assert not created and again.id == source_id
    assert len(store.sources.list()) == 1


def test_items_are_deduplicated_by_guid_link_and_content(store, source_id):
    assert store.items.add_new(source_id, [item(1), item(2)]) == 2
    assert store.items.add_new(source_id, [item(2), item(1)]) == 0  # re-ordered
    redated = item(1, published=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert store.items.add_new(source_id, [redated]) == 0
    other, _ = store.sources.add("https://mirror.example.org/feed")
    assert store.items.add_new(other.id, [item(1, guid="x")]) == 0  # same link elsewhere
    assert store.items.add_new(other.id, [item(9, link="https://x/9", content_hash="hash-2")]) == 0  # same text
    assert store.items.add_new(source_id, [item(3, guid=None), item(3, guid=None)]) == 1  # twice in one feed
    assert store.jobs.count() == 3


def test_removing_a_feed_keeps_its_jobs(store, source_id):
    store.items.add_new(source_id, [item(1)])
    store.sources.remove(source_id)
    assert store.sources.list() == []
    assert [j.title for j in store.jobs.list()] == ["Story 1"]


def test_a_job_is_claimed_once(store, source_id):
    store.items.add_new(source_id, [item(1)])
    winners = []
    barrier = threading.Barrier(4)

    def claim(worker):
        barrier.wait()
        if store.jobs.claim(worker=worker):
            winners.append(worker)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert store.jobs.list()[0].status is JobStatus.RUNNING


def test_stage_results_advance_the_job_and_failures_keep_them(store, source_id):
    store.items.add_new(source_id, [item(1)])
    job = store.jobs.claim(worker="w")
    asset = AssetRecord("script", "jobs/000001/script.json", checksum="ab", size=2)
    view = store.jobs.record_success(job.id, Stage.ANALYZE, {"script": {"narration": "hi"}}, [asset], "w")
    assert view.stage is Stage.NARRATE and view.status is JobStatus.QUEUED
    store.jobs.claim(job.id, worker="w")
    failed = store.jobs.record_failure(job.id, Stage.NARRATE, "voice missing", "w")
    assert failed.status_text == "Failed: voice missing"
    assert store.jobs.results(job.id)["analyze"]["script"]["narration"] == "hi"
    assert [a.kind for a in store.assets.for_job(job.id)] == ["script"]
    retried = store.jobs.transition(job.id, job_states.retry)
    assert retried.status is JobStatus.QUEUED and retried.stage is Stage.NARRATE


def test_expired_and_dead_claims_resume_at_their_stage(store, source_id):
    store.items.add_new(source_id, [item(1), item(2)])
    now = datetime.now(timezone.utc)
    first = store.jobs.claim(worker="elsewhere:1", lease=1, now=now - timedelta(minutes=5))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    second = store.jobs.claim(worker=f"{socket.gethostname()}:{dead.stdout.strip()}", lease=3600)
    assert sorted(store.jobs.recover_interrupted()) == [first.id, second.id]
    assert all(v.status is JobStatus.QUEUED and v.stage is Stage.ANALYZE for v in store.jobs.list())


def test_a_lost_claim_drops_the_late_result(store, source_id):
    from nexus_desktop.store.jobs import ClaimLost

    store.items.add_new(source_id, [item(1)])
    job = store.jobs.claim(worker="slow", lease=1, now=datetime.now(timezone.utc) - timedelta(minutes=1))
    store.jobs.recover_interrupted()
    store.jobs.claim(job.id, worker="fast")
    with pytest.raises(ClaimLost):
        store.jobs.record_success(job.id, Stage.ANALYZE, {}, [], "slow")


def test_progress_and_heartbeats_reach_only_the_running_claim(store, source_id):
    """Both are single UPDATEs now (no job row loaded, no results JSON decoded)."""
    store.items.add_new(source_id, [item(1)])
    job = store.jobs.claim(worker="w", lease=1, now=datetime.now(timezone.utc) - timedelta(minutes=5))
    store.jobs.set_progress(job.id, 40, "Drawing shot 4 of 10")
    shown = store.jobs.get(job.id)
    assert (shown.progress, shown.progress_message) == (40, "Drawing shot 4 of 10")
    assert store.jobs.heartbeat(job.id, "w", lease=3600)
    assert store.jobs.recover_interrupted() == []  # the heartbeat renewed the expired claim
    assert not store.jobs.heartbeat(job.id, "someone else")
    store.jobs.record_success(job.id, Stage.ANALYZE, {"script": {"narration": "hi"}}, [], "w")
    store.jobs.set_progress(job.id, 70, "late")  # the stage is over: a late report changes nothing
    assert store.jobs.get(job.id).progress_message == "Analyze done"
    assert not store.jobs.heartbeat(job.id, "w")


def test_editing_a_headline_redoes_visualize_and_render(store, source_id):
    store.items.add_new(source_id, [item(1)])
    job_id = store.jobs.list()[0].id
    for stage in (Stage.ANALYZE, Stage.NARRATE, Stage.VISUALIZE, Stage.RENDER):
        store.jobs.claim(job_id, worker="w")
        store.jobs.record_success(job_id, stage, {"stage": stage.value}, [], "w")
    assert store.jobs.get(job_id).status is JobStatus.AWAITING_REVIEW
    view = store.jobs.edit_results(job_id, Stage.ANALYZE, {"script": {"edited": True}}, REDO_AFTER_HEADLINE_EDIT)
    assert view.stage is Stage.VISUALIZE and view.status is JobStatus.QUEUED
    assert store.jobs.results(job_id)["narrate"] == {"stage": "narrate"}


def test_filters_and_paging(store, source_id):
    store.items.add_new(source_id, [item(n, title=f"{'Bread' if n % 2 else 'Battery'} {n}") for n in range(1, 21)])
    assert store.jobs.count(JobFilter(search="bread")) == 10
    page = store.jobs.list(JobFilter(search="battery"), offset=2, limit=3)
    assert [j.title for j in page] == ["Battery 6", "Battery 8", "Battery 10"]
    assert store.jobs.count(JobFilter(statuses=("queued",))) == 20


def test_running_jobs_cannot_be_deleted(store, source_id):
    store.items.add_new(source_id, [item(1), item(2)])
    running = store.jobs.claim(worker="w")
    with pytest.raises(IllegalTransition):
        store.jobs.delete([running.id])
    other = [j.id for j in store.jobs.list() if j.id != running.id]
    assert store.jobs.delete(other) == 1


def test_a_database_from_a_newer_version_refuses_to_open(store, database_url):
    with store.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()
    with pytest.raises(StoreError, match="newer version"):
        Store.open(database_url)


def test_times_come_back_in_utc(store, source_id):
    when = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    store.items.add_new(source_id, [item(1, published=when)])
    article = store.jobs.article(store.jobs.list()[0].id)
    assert article.published == when and article.published.tzinfo is not None


def test_a_bad_database_url_names_the_setting():
    with pytest.raises(StoreError, match="store.database_url"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="store.database_url"):
        Store.open("mysql://x@y/z")


def test_sqlite_migration_copies_the_file_first(tmp_path):
    from nexus_desktop.store.database import _backup_sqlite

    url = f"sqlite+pysqlite:///{tmp_path / 'n.sqlite3'}"
    Store.open(url).close()
    backup = _backup_sqlite(tmp_path / "n.sqlite3", "0001")
    assert backup.exists() and backup.stat().st_size > 0
