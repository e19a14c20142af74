"""The store when things go wrong: a database reset, an old export folder, a long title."""

from __future__ import annotations

import errno
from datetime import datetime, timezone

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
