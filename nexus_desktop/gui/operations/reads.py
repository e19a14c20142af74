"""Reads for what a view shows, run in the runner's read lane (never on the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...store.views import JobDetail
from .base import QueryOp

if TYPE_CHECKING:
    from ..app_context import AppContext


def job_detail(ctx: AppContext, job_id: int, success: Callable[[JobDetail | None], Any],
               failure: Callable[[BaseException], Any]) -> None:
    """The job, its source and every stage's results (None when it is gone)."""
    QueryOp(ctx, lambda ws: ws.store.jobs.detail(job_id), "Reading the job").success(success).failure(
        failure).run_in_background()


def job_results(ctx: AppContext, job_id: int, success: Callable[[dict], Any],
                failure: Callable[[BaseException], Any]) -> None:
    """Every stage's stored results for one job."""
    QueryOp(ctx, lambda ws: ws.store.jobs.results(job_id), "Reading the job's results").success(success).failure(
        failure).run_in_background()
