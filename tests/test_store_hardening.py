"""The store when things go wrong: a database reset, an old export folder, a long title."""

from __future__ import annotations

import errno
from datetime import datetime, timezone

import pytest

from nexus_desktop.providers.platforms.base import PostPackage
from nexus_desktop.providers.platforms.export_folder import ExportFolderPublisher
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem


def one_post(store: Store, title: str = "Story") -> "object":
    source, _ = store.sources.add("https://feeds.example.net/a.xml", "A")
    store.items.add_new(source.id, [NewItem(guid="g1", link="https://feeds.example.net/1", title=title, author="",
                                            published=None, summary="", content="c", image_url=None, language="en",
                                            content_hash="h1")])
    (job,) = store.jobs.list()
    (target,) = [t for t in store.targets.ensure_export_targets() if t.style == "youtube"] or store.targets.ensure_export_targets()[:1]
    (post_id,) = store.posts.add_drafts(job.id, {target.id: {"title": title}})
    return store.posts.get(post_id)


def package_for(post, video, title: str = "Story") -> PostPackage:
    return PostPackage(
        post_id=post.id, attempt_id="a1", job_id=post.job_id, platform="export", account_id=None, title=title,
        description="", text="", hashtags=(), link="", video_path=video, video_format="16x9", video_duration=1.0,
        thumbnail_path=None, captions_path=None, scheduled_at=datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc),
        post_uid=post.uid,
    )


def test_after_a_database_reset_a_new_post_is_not_taken_for_an_old_export(database_url, make_database_url, tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"old video")
    exporter = ExportFolderPublisher(tmp_path / "exports")
    before = Store.open(database_url)
    try:
        old = one_post(before)
        exporter.publish(package_for(old, video), lambda p, m: None, lambda s: None)
    finally:
        before.close()

    after = Store.open(make_database_url())  # the creator deleted the database and started over
    try:
        new = one_post(after)
    finally:
        after.close()
    assert new.id == old.id and new.uid and new.uid != old.uid
    video.write_bytes(b"new video")
    package = package_for(new, video)
    assert exporter.find_existing(package) is None, "the old folder holds another job's video"
    result = exporter.publish(package, lambda p, m: None, lambda s: None)
    assert (tmp_path / "exports" / result.remote_id / "video-16x9.mp4").read_bytes() == b"new video"
    assert len(list((tmp_path / "exports").iterdir())) == 2


def test_a_long_cjk_title_fits_the_file_system(tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"v")
    title = "固体電池の第二試験ラインが今週稼働し、毎月試験できるセルの数が倍増した" * 4
    post = type("P", (), {"id": 3, "job_id": 3, "uid": "0123456789abcdef0123456789abcdef"})
    exporter = ExportFolderPublisher(tmp_path / "exports")
    result = exporter.publish(package_for(post, video, title), lambda p, m: None, lambda s: None)
    assert len(result.remote_id.encode("utf-8")) <= 255
    assert result.remote_id.startswith("2026-12-06") and result.remote_id.endswith("(post 3-0123456789ab)")
    assert "固体電池" in result.remote_id


def test_a_name_too_long_says_to_choose_a_shorter_export_folder(tmp_path):
    exporter = ExportFolderPublisher(tmp_path)
    error = exporter._explain(OSError(errno.ENAMETOOLONG, "File name too long"))
    assert "too long" in str(error) and "shorter path" in error.hint


# -- opening the database -----------------------------------------------------------------------


def test_several_processes_starting_on_a_new_data_folder_create_the_schema_once(database_url):
    import subprocess
    import sys

    code = ("import sys; from nexus_desktop.store import Store; s = Store.open(sys.argv[1]); "
            "s.sources.add('https://feeds.example.net/' + sys.argv[2]); s.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, database_url, str(n)], stderr=subprocess.PIPE, text=True)
             for n in range(5)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, "\n".join(errors)
    assert not any("locked" in e for e in errors)
    opened = Store.open(database_url)
    try:
        assert len(opened.sources.list()) == 5
    finally:
        opened.close()


def test_a_damaged_database_names_its_path_and_the_newest_daily_copy(tmp_path):
    import pytest

    from nexus_desktop.domain.errors import StoreError
    from nexus_desktop.store import backups

    path = tmp_path / "nexus.sqlite3"
    Store.open(f"sqlite+pysqlite:///{path}", daily_backups=7).close()
    (copy,) = (tmp_path / "backups").iterdir()
    path.write_bytes(b"this is not a database, it was overwritten" * 100)
    with pytest.raises(StoreError) as caught:
        Store.open(f"sqlite+pysqlite:///{path}", daily_backups=7)
    assert f"the database {path} is damaged" in str(caught.value)
    assert str(copy) in caught.value.hint and "store.daily_backups" in caught.value.hint
    assert backups.newest_copy(path) == copy


def test_an_unreadable_database_says_so_without_a_traceback(tmp_path):
    import pytest

    from nexus_desktop.domain.errors import StoreError

    path = tmp_path / "nexus.sqlite3"
    path.mkdir()  # something that is there but cannot be opened as a file, even by root
    with pytest.raises(StoreError) as caught:
        Store.open(f"sqlite+pysqlite:///{path}")
    assert f"the database {path} cannot be opened" in str(caught.value)
    assert "can be read and written" in caught.value.hint


def test_daily_copies_are_made_once_a_day_and_the_newest_kept(tmp_path):
    from nexus_desktop.store import backups

    path = tmp_path / "nexus.sqlite3"
    Store.open(f"sqlite+pysqlite:///{path}").close()
    for day in range(1, 6):
        made = backups.daily_copy(path, keep=3, today=datetime(2026, 12, day, tzinfo=timezone.utc))
        assert made is not None and made.stat().st_mode & 0o777 == 0o600
        assert backups.daily_copy(path, keep=3, today=datetime(2026, 12, day, 23, tzinfo=timezone.utc)) is None
    assert [p.name for p in sorted((tmp_path / "backups").iterdir())] == [
        "nexus-2026-12-03.sqlite3", "nexus-2026-12-04.sqlite3", "nexus-2026-12-05.sqlite3"]
    copy = Store.open(f"sqlite+pysqlite:///{tmp_path / 'backups' / 'nexus-2026-12-05.sqlite3'}")
    try:
        assert copy.sources.list() == []  # a whole database that opens
    finally:
        copy.close()


def test_the_database_file_and_its_folder_are_private(tmp_path):
    path = tmp_path / "data" / "nexus.sqlite3"
    opened = Store.open(f"sqlite+pysqlite:///{path}")
    try:
        opened.sources.add("https://feeds.example.net/a.xml")
    finally:
        opened.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_an_image_written_when_the_disk_fills_leaves_no_truncated_file(tmp_path, monkeypatch):
    import pytest
    from PIL import Image

    from nexus_desktop.pipeline.visualize import save_image

    real_save = Image.Image.save

    def full_disk(self, fp, *args, **kwargs):
        real_save(self, fp, *args, **kwargs)
        with open(fp, "r+b") as half:
            half.truncate(100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    target = tmp_path / "generated-01.jpg"
    with pytest.raises(OSError):
        save_image(Image.new("RGB", (64, 64), "red"), target, "JPEG", quality=92)
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_postgresql_database_that_cannot_be_used_says_so_without_a_traceback(pg_cluster):
    """PostgreSQL's side of 'a damaged or unreadable database': a database this role may not
    write (the schema's CREATE refused while migrating), one it may not open, one missing.
    Each is a sentence naming the database and the setting, never a traceback."""
    import psycopg

    from nexus_desktop.domain.errors import StoreError

    url = pg_cluster.create_database("nexus_not_ours")
    admin = f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname="
    with psycopg.connect(admin + "postgres", autocommit=True) as conn:
        conn.execute("CREATE ROLE visitor LOGIN")
    with psycopg.connect(admin + "nexus_not_ours", autocommit=True) as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    as_visitor = url.replace("postgres@", "visitor@")
    cases = [
        (as_visitor, "permission denied for schema public"),
        (url.replace("nexus_not_ours", "nexus_never_made"), 'database "nexus_never_made" does not exist'),
    ]
    for address, reason in cases:
        with pytest.raises(StoreError) as caught:
            Store.open(address)
        assert str(caught.value).startswith("cannot open the database: ") and reason in str(caught.value)
        assert "store.database_url" in caught.value.hint
    with psycopg.connect(admin + "postgres", autocommit=True) as conn:
        conn.execute('REVOKE CONNECT ON DATABASE "nexus_not_ours" FROM PUBLIC')
    with pytest.raises(StoreError, match='permission denied for database "nexus_not_ours"'):
        Store.open(as_visitor)
