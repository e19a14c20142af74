"""The preview's "Quality" tab: the quality check of each rendered video, per
platform: a pass, or what fails and why, so the creator sees it before approving.

It reads the job's render result (``QualityReport`` per format) in the runner's
read lane when a job is selected and whenever a change set names that job.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ..domain.quality import PLATFORMS, QualityReport
from ..runtime.events import Changed
from .operations import reads
from .operations.base import reason

PLATFORM_NAMES = {"youtube": "YouTube", "instagram": "Instagram", "x": "X", "linkedin": "LinkedIn"}
FORMAT_NAMES = {"16x9": "16:9", "9x16": "9:16", "1x1": "1:1"}


def reports_from(results: dict) -> list[QualityReport]:
    videos = (results.get("render") or {}).get("videos", {})
    return [QualityReport.from_dict(v["quality"]) for v in videos.values() if v.get("quality")]


def summary_html(reports: list[QualityReport]) -> str:
    """Per format, per platform: a tick, or a cross with each failing check and its figures."""
    if not reports:
        return "<p>No quality check yet: it runs after each render.</p>"
    parts = []
    for report in reports:
        parts.append(f"<h4>{html.escape(FORMAT_NAMES.get(report.format, report.format))}</h4>")
        for platform in PLATFORMS:
            failures = report.failures_for(platform)
            name = PLATFORM_NAMES[platform]
            if not failures:
                parts.append(f"<p style='margin-left:10px'>✔ {name}: passes</p>")
                continue
            why = "; ".join(f"{html.escape(c.name)} — {html.escape(c.detail)}" for c in failures)
            parts.append(f"<p style='margin-left:10px'>✘ <b>{name}</b>: {why}</p>")
        others = [c for c in report.checks if not c.passed and not c.platforms]
        parts += [f"<p>✘ {html.escape(c.name)} — {html.escape(c.detail)}</p>" for c in others]
    return "".join(parts)


class QualityPanel(QWidget):
    def __init__(self, ctx) -> None:
        super().__init__()
        self.ctx = ctx
        self.job_id: int | None = None
        self.label = QLabel()
        self.label.setObjectName("qualitySummary")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(scroll)
        ctx.runner.changed.connect(self._on_changed)
        self.show_job(None)

    def show_job(self, job_id: int | None) -> None:
        self.job_id = job_id
        if job_id is None:
            self.label.setText("")
            return
        self.label.setText("<p>Reading the quality checks…</p>")
        reads.job_results(self.ctx, job_id, lambda results: self._on_results(job_id, results),
                          lambda exc: self._on_results_failed(job_id, exc))

    def _on_results(self, job_id: int, results: dict) -> None:
        if job_id == self.job_id:  # not a read for a job no longer shown
            self.label.setText(summary_html(reports_from(results)))

    def _on_results_failed(self, job_id: int, exc: BaseException) -> None:
        if job_id == self.job_id:
            self.label.setText(f"<p>✘ Could not read the quality checks: {html.escape(reason(exc))}</p>")

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if change.touches(self.job_id) and self.job_id not in change.removed:
            self.show_job(self.job_id)
