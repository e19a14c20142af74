import pytest

from nexus_desktop.domain import jobs
from nexus_desktop.domain.errors import IllegalTransition
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import REDO_AFTER_NARRATION_EDIT, Stage


def run_production(state):
    while state.status is JobStatus.QUEUED:
        state = jobs.stage_succeeded(jobs.start(state), state.stage)
    return state


def test_a_new_job_walks_the_production_stages_to_review():
    state = jobs.created()
    assert state.stage is Stage.ANALYZE
    state = run_production(state)
    assert state.status is JobStatus.AWAITING_REVIEW
    assert state.stage is Stage.REVIEW


def test_failure_keeps_the_stage_and_retry_resumes_there():
    state = jobs.stage_succeeded(jobs.start(jobs.created()), Stage.ANALYZE)
    failed = jobs.stage_failed(jobs.start(state), "voice missing")
    assert failed.stage is Stage.NARRATE and failed.error == "voice missing"
    again = jobs.retry(failed)
    assert again.status is JobStatus.QUEUED and again.stage is Stage.NARRATE and again.error is None


def test_interrupted_job_resumes_at_the_unfinished_stage():
    state = jobs.start(jobs.stage_succeeded(jobs.start(jobs.created()), Stage.ANALYZE))
    resumed = jobs.interrupted(state)
    assert resumed.status is JobStatus.QUEUED and resumed.stage is Stage.NARRATE


def test_illegal_transitions_raise():
    with pytest.raises(IllegalTransition):
        jobs.approve(jobs.created())
    with pytest.raises(IllegalTransition):
        jobs.retry(jobs.created())
    with pytest.raises(IllegalTransition):
        jobs.stage_succeeded(jobs.created(), Stage.ANALYZE)


def test_re_voice_redoes_narrate_and_render_only():
    reviewed = run_production(jobs.created())
    redone = jobs.redo(reviewed, REDO_AFTER_NARRATION_EDIT)
    assert redone.stage is Stage.NARRATE
    after = jobs.stage_succeeded(jobs.start(redone), Stage.NARRATE)
    assert after.stage is Stage.RENDER  # visualize stays done


def test_approve_reject_schedule_publish():
    reviewed = run_production(jobs.created())
    rejected = jobs.reject(reviewed, "off-topic")
    assert rejected.status is JobStatus.REJECTED and rejected.error == "off-topic"
    approved = jobs.approve(jobs.reopen(rejected))
    assert approved.stage is Stage.SCHEDULE
    done = jobs.published(jobs.scheduled(approved))
    assert done.status is JobStatus.PUBLISHED
    with pytest.raises(IllegalTransition):
        jobs.redo(done, REDO_AFTER_NARRATION_EDIT)
