"""The preview pane: playing the rendered videos, editing the script, re-voicing, approving."""

from __future__ import annotations

import importlib.util
import wave

import pytest
from PySide6.QtCore import QSize

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.context import StageOutput
from nexus_desktop.runtime.events import Changed, JobProgress
from tests.gui_support import screenshot, select_job

# The offscreen platform cannot resize a window to its size hints and says so
# whenever a layout's limits change; on a real desktop Qt does it silently.
RESIZING_OFFSCREEN = "This plugin does not support propagateSizeHints"
pytestmark = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN)
# Playing media offscreen: there is no GPU, so Qt converts frames on the CPU and
# says so; and a CI machine has no sound server, which Qt reports when the
# player looks for a sound output (the video then plays silently). A test's own
# mark replaces the module's, so it repeats that one.
PLAYING_OFFSCREEN = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN, "No RHI backend", "PulseAudioService: pa_context_connect")


@pytest.fixture
def preview(reviewing):
    return reviewing.jobs_view.preview  # qtbot closes the window


def play_until_frames(qtbot, player, count: int = 3) -> list[QSize]:
    sizes: list[QSize] = []
    player.video_sink().videoFrameChanged.connect(lambda frame: sizes.append(frame.size()) if frame.isValid() else None)
    player.toggle_play()
    qtbot.waitUntil(lambda: len(sizes) >= count, timeout=10_000)
    player.stop()
    return sizes


@PLAYING_OFFSCREEN
def test_the_preview_plays_the_rendered_9x16_video(qtbot, preview, tmp_path):
    player = preview.player
    assert player.format == "9x16"
    qtbot.waitUntil(lambda: player.duration_ms > 0, timeout=10_000)
    assert abs(player.duration_ms - 2000) < 150
    assert player.time.text().endswith("/ 0:02")
    screenshot(preview, tmp_path, "preview")
    sizes = play_until_frames(qtbot, player)
    assert sizes[0] == QSize(108, 192)  # the portrait video, frame by frame through the sink


@PLAYING_OFFSCREEN
def test_the_format_switch_shows_the_other_videos(qtbot, preview):
    player = preview.player
    for name, size in (("16x9", QSize(192, 108)), ("1x1", QSize(144, 144))):
        player.set_format(name)
        qtbot.waitUntil(lambda: player.duration_ms > 0, timeout=10_000)
        assert play_until_frames(qtbot, player)[0] == size


def test_the_preview_shows_the_script_in_editable_fields(preview):
    editor = preview.editor
    headlines = [headline.text() for headline, _ in editor.scene_fields()]
    assert headlines == ["Second pilot line opens", "Cells keep their charge"]
    assert editor.platform_fields["x_post"].counter.text().endswith("/ 280")
    assert not editor.apply_button.isVisible()


def test_approve_in_the_preview(qtbot, preview, rendered_job):  # noqa: F811
    preview.approve_button.click()
    qtbot.waitUntil(lambda: preview.detail.job.status is JobStatus.APPROVED, timeout=5_000)
    assert not preview.approve_button.isEnabled() and preview.reject_button.isEnabled()


def test_editing_a_headline_redraws_but_keeps_the_voice(qtbot, preview, rendered_job, fake_stages, ws):  # noqa: F811
    narration_before = ws.store.jobs.results(rendered_job)["narrate"]
    headline, _ = preview.editor.scene_fields()[0]
    headline.setText("A second line opens")
    assert preview.editor.apply_button.text() == "Redraw"
    with qtbot.waitSignal(preview.ctx.runner.job_finished, timeout=10_000):
        preview.editor.apply_button.click()
    assert [s for _, s in fake_stages.calls] == [Stage.VISUALIZE, Stage.RENDER]
    results = ws.store.jobs.results(rendered_job)
    assert results["analyze"]["script"]["scenes"][0]["headline"] == "A second line opens"
    assert results["narrate"] == narration_before
    assert ws.store.jobs.get(rendered_job).status is JobStatus.AWAITING_REVIEW


def test_saving_titles_redoes_nothing(qtbot, preview, rendered_job, fake_stages, ws):  # noqa: F811
    preview.editor.platform_fields["x_post"].field.setPlainText("New cells, new line. #Batteries")
    assert preview.editor.apply_button.text() == "Save"
    preview.editor.apply_button.click()
    qtbot.waitUntil(lambda: ws.store.jobs.results(rendered_job)["analyze"]["script"]["platforms"]["x_post"]
                    == "New cells, new line. #Batteries", timeout=5_000)
    assert fake_stages.calls == []
    assert ws.store.jobs.get(rendered_job).status is JobStatus.AWAITING_REVIEW


@pytest.mark.skipif(importlib.util.find_spec("nexus_desktop.pipeline.narrate") is None,
                    reason="needs the narrate stage (pipeline/narrate.py)")
def test_editing_the_narration_and_revoicing_changes_the_audio_duration(qtbot, preview, rendered_job, ws,  # noqa: F811
                                                                        monkeypatch, tmp_path):
    """The real narrate stage speaks the edited script; render is stood in for, to stay quick."""
    real = flow.stage_function
    rendered = ws.store.jobs.results(rendered_job)["render"]
    monkeypatch.setattr(flow, "stage_function",
                        lambda stage: real(stage) if stage is Stage.NARRATE else (lambda ctx: StageOutput(rendered)))
    job_dir = ws.paths.job_dir(rendered_job)
    before = ws.store.jobs.results(rendered_job)["narrate"]["narration"]["duration"]
    _, narration = preview.editor.scene_fields()[1]
    narration.setPlainText(narration.toPlainText() + " Engineers say the next milestone is a cell that passes "
                           "nail-penetration tests without a pressure frame, which would let carmakers drop "
                           "a heavy part of every battery pack.")
    assert preview.editor.apply_button.text() == "Re-voice"
    screenshot(preview, tmp_path, "preview-edited")
    with qtbot.waitSignal(preview.ctx.runner.job_finished, timeout=60_000) as done:
        preview.editor.apply_button.click()
    assert done.args[0].status is JobStatus.AWAITING_REVIEW
    narration = ws.store.jobs.results(rendered_job)["narrate"]["narration"]
    with wave.open(str(job_dir / narration["audio_path"])) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert abs(seconds - narration["duration"]) < 0.05
    assert narration["duration"] > before + 3  # the added sentence is spoken
    script = ws.store.jobs.results(rendered_job)["analyze"]["script"]
    assert script["narration"] == " ".join(s["narration"] for s in script["scenes"])
    assert "nail-penetration" in script["narration"]


def test_the_banner_says_what_an_upgrade_service_refused_beside_the_offline_script():
    from types import SimpleNamespace

    from nexus_desktop.gui.preview_pane import banner_text
    from nexus_desktop.store.views import JobDetail

    job = SimpleNamespace(status=JobStatus.AWAITING_REVIEW, stage=Stage.RENDER, error=None)
    results = {"analyze": {"notice": "written offline: the model did not answer"},
               "visualize": {"notice": "AI clip for photo 1: RunwayML refused the key (401)"}}
    assert banner_text(JobDetail(job, results, {})).splitlines() == [
        "written offline: the model did not answer", "AI clip for photo 1: RunwayML refused the key (401)"]
    assert banner_text(JobDetail(job, {"visualize": {}}, {})) == ""


def test_the_line_under_the_title_says_running_once_a_stage_starts(qtbot, ws, add_jobs):
    """It used to say "Queued" through the whole job while the table said "Running"."""
    job_id = add_jobs(1, ["Why resting dough makes better bread"])[0]
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    select_job(qtbot, window, job_id)
    preview = window.jobs_view.preview
    assert "Queued" in preview.meta.text()
    window.ctx.runner.job_progressed.emit(JobProgress(job_id, Stage.NARRATE, 12, "Narrating"))
    assert "Running" in preview.meta.text() and not preview.approve_button.isEnabled()
