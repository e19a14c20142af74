"""The panel that chooses where an approved job goes and edits each post's text."""

from __future__ import annotations

import pytest

from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_post_editor import JobPostsPanel
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import schedule
from nexus_desktop.runtime.runner import Runner
from tests.publish_support import MONDAY, rendered_jobs, workspace


@pytest.fixture
def panel(qtbot, sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    runner = Runner(ws)
    widget = JobPostsPanel(AppContext(ws, runner, Operations(ws, runner)))
    qtbot.addWidget(widget)
    rendered_jobs(sqlite_store, ws.paths, media, 1)
    yield widget, ws
    runner.shutdown()


def test_a_job_waiting_for_review_has_no_posts_to_choose(panel, qtbot):
    widget, ws = panel
    widget.show_job(1)
    qtbot.waitUntil(lambda: not widget.hint.isHidden() and widget.boxes == {}, timeout=5000)


def test_ticking_a_target_adds_a_post_and_texts_respect_the_platform_limit(panel, qtbot):
    widget, ws = panel
    schedule.approve_jobs(ws, [1], now=MONDAY)
    widget.show_job(1)
    qtbot.waitUntil(lambda: len(widget.boxes) == 9, timeout=5000)  # an export target per network
    names = {box.text(): box for box in widget.boxes.values()}
    assert names["Export for YouTube"].isChecked() and widget.tabs.count() == 1
    names["Export for X"].setChecked(True)
    qtbot.waitUntil(lambda: widget.tabs.count() == 2, timeout=5000)
    assert sorted(p.style for p in schedule.posts(ws).for_job(1)) == ["x", "youtube"]

    x_editor = next(e for e in widget.editors if e.post.style == "x")
    assert x_editor.body.toPlainText() == "X post 1"
    x_editor.body.setPlainText("a" * 300)
    assert not widget.save_button.isEnabled() and "at most 280" in x_editor.counter.text()
    x_editor.body.setPlainText("Short and sweet")
    assert widget.save_button.isEnabled()
    widget.save_button.click()
    qtbot.waitUntil(lambda: next(p for p in schedule.posts(ws).for_job(1) if p.style == "x").text["body"] == "Short and sweet",
                    timeout=5000)

    qtbot.waitUntil(lambda: len(widget.boxes) == 9, timeout=5000)  # an export target per network
    next(box for box in widget.boxes.values() if box.text() == "Export for YouTube").setChecked(False)
    qtbot.waitUntil(lambda: [p.style for p in schedule.posts(ws).for_job(1)] == ["x"], timeout=5000)
