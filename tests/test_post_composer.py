"""The post composer in the preview's Publish tab: platforms picked before approval, each post's
text with a counter by the platform's rules, an exact time to the minute, the thumbnail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QDateTime, Qt

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline import schedule as scheduling
from nexus_desktop.runtime.events import Changed
from tests.gui_support import screenshot, select_job

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def composer(qtbot, ws, rendered_job):  # noqa: F811
    ws.settings.schedule.timezone = "Europe/Berlin"
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() == 1)
    preview = window.jobs_view.preview
    panel = next(p for p in preview.panels if type(p).__name__ == "JobPostsPanel")
    select_job(qtbot, window, rendered_job)
    preview.editor.tabs.setCurrentWidget(panel)
    return window, preview, panel


def approved_for_x_only(qtbot, window, ws, job_id: int, panel) -> int:
    """The job approved elsewhere with only "Export for X" picked; the tab shows its one post.
    The X target's id."""
    scheduling.approve_jobs(ws, [job_id])
    x = next(t.id for t in scheduling.targets(ws).list() if t.name == "Export for X")
    scheduling.choose_targets(ws, job_id, [x])
    window.ctx.runner.announce(Changed(jobs=frozenset({job_id})))
    qtbot.waitUntil(lambda: len(panel.editors) == 1, timeout=5_000)
    return x


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
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
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
    assert editor.body.toPlainText().startswith("Read it:") and editor.set_time_button.text() == "Move"  # typing kept
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


def test_approving_turns_the_tab_into_the_posts_to_edit_by_itself(qtbot, composer, ws, rendered_job):  # noqa: F811
    window, preview, panel = composer
    qtbot.waitUntil(lambda: len(panel.boxes) > 2, timeout=5_000)
    assert panel.editors == [] and panel.hint.isVisible()
    preview.approve_button.click()
    qtbot.waitUntil(lambda: len(panel.editors) >= 1 and not panel.hint.isVisible(), timeout=5_000)
    assert panel.save_button.isVisible()


def test_a_dropped_target_and_an_edited_text_can_be_undone(qtbot, composer, ws, rendered_job, tmp_path):  # noqa: F811
    window, preview, panel = composer
    x = approved_for_x_only(qtbot, window, ws, rendered_job, panel)
    panel.editors[0].body.setPlainText("My own words")
    panel.save_button.click()
    post_id = panel.editors[0].post.id
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).text["body"] == "My own words", timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo and window.toast.text.text() == "Saved the text of 1 post")
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).text["body"] != "My own words", timeout=5_000)
    qtbot.waitUntil(lambda: len(panel.editors) == 1 and panel.editors[0].body.toPlainText() != "My own words",
                    timeout=5_000)

    panel.editors[0].body.setPlainText("Kept through an undo")
    panel.save_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).text["body"] == "Kept through an undo", timeout=5_000)
    qtbot.waitUntil(lambda: len(panel.boxes) > 2 and panel.boxes[x].isChecked(), timeout=5_000)
    assert not panel.boxes[x].isEnabled() and "at least one" in panel.boxes[x].toolTip()  # the only place it goes
    linkedin = next(t for t, box in panel.boxes.items() if box.text() == "Export for LinkedIn")
    panel.boxes[linkedin].setChecked(True)
    qtbot.waitUntil(lambda: len(panel.editors) == 2 and panel.boxes[x].isEnabled(), timeout=5_000)
    panel.boxes[x].setChecked(False)  # the X post goes, and its text with it
    qtbot.waitUntil(lambda: [p.target_id for p in scheduling.posts(ws).for_job(rendered_job)] == [linkedin], timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo and window.toast.text.text() == "1 post dropped")
    qtbot.waitUntil(lambda: x in panel.boxes and not panel.boxes[x].isChecked() and len(panel.editors) == 1, timeout=5_000)
    screenshot(window, tmp_path, "composer-target-dropped")
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: [p.text["body"] for p in scheduling.posts(ws).for_job(rendered_job) if p.target_id == x]
                    == ["Kept through an undo"], timeout=5_000)
    qtbot.waitUntil(lambda: any(e.body.toPlainText() == "Kept through an undo" for e in panel.editors), timeout=5_000)


def test_unsaved_text_survives_a_change_from_elsewhere(qtbot, composer, ws, rendered_job):  # noqa: F811
    window, preview, panel = composer
    scheduling.approve_jobs(ws, [rendered_job])
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    qtbot.waitUntil(lambda: len(panel.editors) >= 1, timeout=5_000)
    editor = panel.editors[0]
    editor.body.setPlainText("Half typed")
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))  # a stage, the calendar…
    qtbot.wait(300)  # nothing to wait for: the point is that nothing replaces the editor
    assert panel.editors[0] is editor and editor.body.toPlainText() == "Half typed" and panel.save_button.isEnabled()


def test_posting_options_open_from_the_composer_and_its_note_follows_them(qtbot, composer, ws, rendered_job, tmp_path):  # noqa: F811
    from nexus_desktop.gui.target_options import TargetOptionsDialog

    window, preview, panel = composer
    ws.store.accounts.upsert("threads", "@digest", remote_user_id="t1", token_expires_at=None, details={})
    ws.store.targets.ensure_account_targets()
    (threads,) = [t for t in ws.store.targets.list() if t.platform == "threads" and t.account_id is not None]
    window.ctx.runner.announce(Changed(targets=True))
    qtbot.waitUntil(lambda: threads.id in panel.option_buttons, timeout=5_000)
    assert "@digest: with the video" in panel.choices_note.text()
    assert not any(t in panel.option_buttons for t, box in panel.boxes.items() if "Export" in box.text())
    window.resize(800, 700)  # with a job shown the preview needs more room than beside the table at 800 px
    scroll = window.stack.currentWidget()
    qtbot.waitUntil(lambda: window.jobs_view.splitter.orientation() == Qt.Orientation.Vertical
                    and window.jobs_view.width() <= scroll.viewport().width(), timeout=5_000)  # nothing cut off sideways
    screenshot(window, tmp_path, "composer-options-800px")
    screenshot(panel, tmp_path, "composer-options-panel")
    window.resize(1400, 700)
    qtbot.waitUntil(lambda: window.jobs_view.splitter.orientation() == Qt.Orientation.Horizontal, timeout=5_000)
    window.resize(800, 700)
    panel.option_buttons[threads.id].click()
    dialog = panel.options_dialog
    assert isinstance(dialog, TargetOptionsDialog) and dialog.isVisible() and dialog.target.id == threads.id
    dialog.text_only.setChecked(True)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: ws.store.targets.get(threads.id).config.get("text_only") is True, timeout=5_000)
    qtbot.waitUntil(lambda: "@digest: text only" in panel.choices_note.text(), timeout=5_000)
    panel.boxes[threads.id].setChecked(True)
    preview.approve_button.click()
    qtbot.waitUntil(lambda: "@digest" in [p.target_name for p in ws.store.posts.list()], timeout=5_000)


def test_a_picked_date_survives_changes_from_elsewhere_until_set_time(qtbot, composer, ws, rendered_job, tmp_path):  # noqa: F811
    window, preview, panel = composer
    x = approved_for_x_only(qtbot, window, ws, rendered_job, panel)
    (editor,) = panel.editors
    post_id = editor.post.id
    picked = datetime(2031, 3, 14, 9, 26, tzinfo=timezone.utc)
    editor.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(picked.timestamp())))  # not set yet
    assert editor.time_pending and not panel.save_button.isEnabled()  # a time is set with its own button

    # Elsewhere, the post's text changes (an undo) and the calendar moves it: the untouched text
    # follows, the picked date stays, and the button now says Move.
    ws.store.posts.set_text(post_id, {**ws.store.posts.get(post_id).text, "body": "Changed elsewhere"})
    moved = datetime(2030, 1, 2, 8, 0, tzinfo=timezone.utc)
    ws.store.posts.schedule(post_id, moved)
    window.ctx.runner.announce(Changed(posts=frozenset({post_id})))
    qtbot.waitUntil(lambda: panel.editors[0].post.scheduled_at == moved, timeout=5_000)
    assert panel.editors[0] is editor and editor.body.toPlainText() == "Changed elsewhere"
    assert editor.chosen_time() == picked and editor.set_time_button.text() == "Move" and editor.time_pending

    # A target added elsewhere rebuilds the tab: the X post's new editor has the picked date and the typing.
    editor.title.setText("My own title")
    linkedin = next(t.id for t in scheduling.targets(ws).list() if t.name == "Export for LinkedIn")
    scheduling.choose_targets(ws, rendered_job, [x, linkedin])
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    qtbot.waitUntil(lambda: len(panel.editors) == 2, timeout=5_000)
    rebuilt = next(e for e in panel.editors if e.post.id == post_id)
    assert rebuilt.chosen_time() == picked and rebuilt.title.text() == "My own title" and panel.save_button.isEnabled()
    screenshot(window, tmp_path, "composer-picked-date-kept")
    screenshot(rebuilt, tmp_path, "composer-picked-date-editor")

    rebuilt.set_time_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at == picked, timeout=5_000)
    qtbot.waitUntil(lambda: not next(e for e in panel.editors if e.post.id == post_id).time_pending, timeout=5_000)
