"""The preview's Quality tab: each rendered video's quality check, per platform."""

from __future__ import annotations

import copy
import shutil

import pytest

from nexus_desktop.domain.quality import Check, QualityReport
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.quality_panel import QualityPanel, summary_html
from nexus_desktop.runtime.events import Changed
from nexus_desktop.pipeline.context import AssetRecord
from tests.gui_support import finish_stages, sample_script, screenshot, select_job

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_summary_names_what_fails_for_which_platform():
    report = QualityReport("9x16", (
        Check("keyframes", False, "longest gap 8.30 s (limit 2 s)", ("youtube", "instagram")),
        Check("loudness", True, "-14.0 LUFS"),
    ))
    text = summary_html([report])
    assert "9:16" in text
    assert "✘ <b>Instagram</b>: keyframes — longest gap 8.30 s (limit 2 s)" in text
    assert "✔ X: passes" in text and "✔ LinkedIn: passes" in text


@pytest.fixture
def checked_job(ws, add_jobs, media_template):  # noqa: F811
    """A rendered job whose 9:16 video failed one check."""
    (job_id,) = add_jobs(1, ["Solid-state batteries reach a second pilot line"])
    job_dir = ws.paths.job_dir(job_id)
    template, (narrate, visualize, render) = media_template
    shutil.copytree(template, job_dir, dirs_exist_ok=True)
    render = copy.deepcopy(render)
    for name, video in render["videos"].items():
        failing = name == "9x16"
        video["quality"] = QualityReport(name, (
            Check("keyframes", not failing, "longest gap 8.30 s (limit 2 s)" if failing else "longest gap 2.00 s",
                  ("youtube", "instagram")),
            Check("loudness", True, "-14.0 LUFS, true peak -1.9 dBTP"),
        )).to_dict()
    rel = job_dir.relative_to(ws.paths.data).as_posix()
    videos = tuple(AssetRecord("video", f"{rel}/{v['path']}", format=name, duration=v["duration"])
                   for name, v in render["videos"].items())
    results = {Stage.ANALYZE: {"script": sample_script().to_dict()}, Stage.NARRATE: narrate,
               Stage.VISUALIZE: visualize, Stage.RENDER: render}
    finish_stages(ws, job_id, results, {Stage.RENDER: videos})
    return job_id


def test_the_quality_tab_shows_the_selected_jobs_report(qtbot, ws, checked_job, tmp_path):  # noqa: F811
    rendered_job = checked_job
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    select_job(qtbot, window, rendered_job)
    preview = window.jobs_view.preview
    panel = next(p for p in preview.panels if isinstance(p, QualityPanel))
    tabs = preview.editor.tabs
    tabs.setCurrentIndex(tabs.indexOf(panel))
    results = ws.store.jobs.results(rendered_job)
    formats = list(results[Stage.RENDER.value]["videos"])
    qtbot.waitUntil(lambda: all(f.replace("x", ":") in panel.label.text() for f in formats), timeout=5_000)
    assert "✘ <b>Instagram</b>: keyframes — longest gap 8.30 s (limit 2 s)" in panel.label.text()
    assert "✔ X: passes" in panel.label.text()
    screenshot(window, tmp_path, "quality-tab")
