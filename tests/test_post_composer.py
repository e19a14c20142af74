"""The post composer in the preview's Publish tab: platforms picked before approval, each post's
text with a counter by the platform's rules, an exact time to the minute, the thumbnail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QDateTime

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline import schedule as scheduling
from nexus_desktop.runtime.events import JobsChanged
from tests.gui_support import screenshot, select_job

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def composer(qtbot, ws, rendered_job):  # noqa: F811
    ws.settings.schedule.timezone = "Europe/Berlin"
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.notify_jobs_changed(JobsChanged(added=True))
    qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() == 1)
    preview = window.jobs_view.preview
    panel = next(p for p in preview.panels if type(p).__name__ == "JobPostsPanel")
    select_job(qtbot, window, rendered_job)
    preview.editor.tabs.setCurrentWidget(panel)
    return window, preview, panel


def test_approving_makes_posts_only_for_the_platforms_picked(qtbot, composer, ws, rendered_job, tmp_path):  # noqa: F811
    window, preview, panel = composer
    qtbot.waitUntil(lambda: len(panel.boxes) > 2, timeout=5_000)
    boxes = {box.text(): box for box in panel.boxes.values()}
    assert any(box.isChecked() for box in boxes.values())  # the default targets, ticked
    for name, box in boxes.items():
        box.setChecked(name in ("Export for X", "Export for LinkedIn"))
    screenshot(window, tmp_path, "composer-before-approval")
    preview.approve_button.click()
    qtbot.waitUntil(lambda: ws.store.jobs.get(rendered_job).status is JobStatus.APPROVED, timeout=5_000)
    qtbot.waitUntil(lambda: sorted(p.target_name for p in ws.store.posts.list()) == ["Export for LinkedIn", "Export for X"],
                    timeout=5_000)


def test_each_post_gets_its_text_counted_an_exact_time_and_a_thumbnail(qtbot, composer, ws, rendered_job, tmp_path):  # noqa: F811
    window, preview, panel = composer
    report = scheduling.approve_jobs(ws, [rendered_job])
    scheduling.choose_targets(ws, rendered_job, [t.id for t in scheduling.targets(ws).list() if t.name == "Export for X"])
    window.ctx.runner.notify_jobs_changed(JobsChanged((rendered_job,)))
    panel.show_job(rendered_job)
    qtbot.waitUntil(lambda: len(panel.editors) == 1, timeout=5_000)
    (editor,) = panel.editors
    editor.body.setPlainText("Read it: https://techdigest.example.org/a/very/long/link/to/the/article/about/cells")
    assert editor.counter.text() == "32 / 280 characters"  # nine characters, and a link counts 23 as X counts it

    when = datetime(2031, 3, 14, 9, 26, tzinfo=timezone.utc)
    editor.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp())))
    assert editor.when.displayFormat().endswith("HH:mm")
    editor.set_time_button.click()
    post_id = editor.post.id
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at == when, timeout=5_000)  # to the minute

    qtbot.waitUntil(lambda: len(panel.editors) == 1 and panel.editors[0].post.scheduled_at == when, timeout=5_000)
    (editor,) = panel.editors
    assert editor.thumbnail.count() == 3
    editor.thumbnail.setCurrentIndex(editor.thumbnail.findData("1x1"))
    assert panel.save_button.isEnabled()
    screenshot(window, tmp_path, "composer-post")
    panel.save_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).text.get("thumbnail") == "1x1", timeout=5_000)
    assert report.done == (rendered_job,)


@pytest.mark.expect_log("Setting the time failed")
def test_a_time_in_the_past_is_refused_with_a_reason(qtbot, composer, ws, rendered_job):  # noqa: F811
    window, preview, panel = composer
    scheduling.approve_jobs(ws, [rendered_job])
    panel.show_job(rendered_job)
    qtbot.waitUntil(lambda: len(panel.editors) >= 1, timeout=5_000)
    editor = panel.editors[0]
    problems = []
    window.ctx.ops.problem.connect(lambda title, text: problems.append((title, text)))
    past = datetime.now(timezone.utc) - timedelta(days=1)
    editor.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(past.timestamp())))
    editor.set_time_button.click()
    qtbot.waitUntil(lambda: bool(problems), timeout=5_000)
    assert problems[0][0] == "Setting the time failed" and "has already passed" in problems[0][1]
    assert ws.store.posts.get(editor.post.id).scheduled_at is None
