"""Analyze against a stand-in that behaves like a local llama.cpp server with a
small model: 500 on json_schema, replies cut off at the token cap, a context
too small for a long article, slow answers. A job never fails because of it."""

from __future__ import annotations

import json
import random

import pytest

from nexus_desktop.domain.content import Script
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.pipeline import analyze, flow
from nexus_desktop.providers.llm import registry
from tests.article_support import make_article
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.analyze_support import SENTENCES, good_script

def _long_html() -> str:
    """The battery story, then 400 sentences of varied test notes (a long, non-repeating article)."""
    rng = random.Random(3)
    words = ("anode cathode separator electrolyte binder foil pouch vent casing crush heat nail overcharge drop "
             "vibration humidity altitude chamber supplier batch coating slurry calender winding stacking tab "
             "welding formation aging grading sorting module pack cooling plate busbar sensor fuse relay harness "
             "firmware balancing thermal runaway gas venting swelling impedance capacity resistance voltage").split()
    extra = [f"Engineers logged {' '.join(rng.sample(words, 7))} during run {n}." for n in range(400)]
    return f"<p>{' '.join(SENTENCES[:-1])}</p>" + "".join(f"<p>{' '.join(extra[i:i + 8])}</p>" for i in range(0, 400, 8))


LONG_HTML = _long_html()


@pytest.fixture
def llama():
    with FakeOpenAI(like_llama_cpp=True, context_tokens=4096) as server:
        yield server
    assert server.rejected == []


@pytest.fixture
def local_context(make_context, settings, llama, monkeypatch):
    settings.analyze.provider = "openai"
    settings.analyze.base_url = llama.base_url
    settings.analyze.model = "small-q4"
    settings.analyze.timeout_seconds = 5
    monkeypatch.setattr(registry, "_api_key", lambda: registry.NO_KEY)
    return make_context


def analyze_article(make_context, **article) -> dict:
    ctx = make_context(article=make_article(**article)) if article else make_context()
    return analyze.run(ctx).results


def every_request_capped(server: FakeOpenAI) -> bool:
    return all(0 < r.body.get("max_tokens", 0) <= 4096 for r in server.requests)


def test_a_500_on_json_schema_steps_down_to_json_object(local_context, llama):
    llama.queue(Reply.json(good_script()))
    results = analyze_article(local_context)
    assert Script.from_dict(results["script"]).provider == "openai:small-q4" and "notice" not in results
    kinds = [r.body.get("response_format", {}).get("type") for r in llama.requests]
    assert kinds == ["json_schema", "json_object"]
    assert every_request_capped(llama)


def test_a_cut_off_reply_is_asked_for_once_more_with_a_shorter_article(local_context, llama):
    llama.queue(Reply.cut_off(good_script()), Reply.json(good_script()))
    results = analyze_article(local_context, content_html=LONG_HTML)
    assert "notice" not in results
    first, second = (r.body["messages"] for r in llama.requests[1:])
    assert [m["role"] for m in second] == ["system", "user"]  # the broken reply is not pasted back
    assert len(second[1]["content"]) < len(first[1]["content"])
    assert every_request_capped(llama)


@pytest.mark.expect_log("writing it offline")
def test_cut_off_twice_writes_offline(local_context, llama):
    llama.queue(Reply.cut_off(good_script()), Reply.cut_off(good_script()))
    results = analyze_article(local_context)
    assert results["notice"].startswith("written offline: the model's answers were unusable: the reply was cut off")
    assert results["usage"]["completion_tokens"] == 2048  # what the model spent is still counted


def test_a_long_article_is_condensed_to_the_servers_context(local_context, llama):
    llama.queue(Reply.json(good_script()))
    results = analyze_article(local_context, content_html=LONG_HTML)
    assert "notice" not in results
    (request,) = llama.requests[1:]
    prompt = len(json.dumps(request.body["messages"], ensure_ascii=False)) // 4
    assert prompt + request.body["max_tokens"] <= 4096  # fits what /props reported
    assert "Volume production is still at least two years away" in request.body["messages"][1]["content"]


def test_a_context_error_shrinks_the_article_to_what_the_server_says(local_context, llama, settings):
    settings.analyze.context_tokens = 32_000  # the creator's setting is wrong: the server has 4096
    llama.queue(Reply.json(good_script()))
    results = analyze_article(local_context, content_html=LONG_HTML)
    assert "notice" not in results
    statuses = [r.body["response_format"]["type"] for r in llama.requests]
    assert statuses[0] == "json_schema" and len(llama.requests) >= 3
    last = llama.requests[-1].body
    assert len(json.dumps(last["messages"])) // 4 + last["max_tokens"] <= 4096


@pytest.mark.expect_log("writing it offline")
def test_a_slow_model_writes_offline_when_time_runs_out(local_context, llama, settings):
    settings.analyze.timeout_seconds = 0.5
    llama.queue(Reply.slow(3))
    results = analyze_article(local_context)
    assert "did not answer within 0.5 s" in results["notice"]


@pytest.mark.expect_log("writing it offline", "could not read the Pexels key")
@pytest.mark.slow
def test_with_a_misbehaving_model_the_job_reaches_review_with_three_videos_and_the_notice(tmp_path, monkeypatch):
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.settings import Settings
    from nexus_desktop.store import Store
    from tests.gui_support import new_item
    monkeypatch.setattr(registry, "_api_key", lambda: registry.NO_KEY)
    with FakeOpenAI(like_llama_cpp=True, context_tokens=4096) as server:
        server.queue(Reply.text("I cannot help with that."), Reply.cut_off(good_script()),
                     Reply.cut_off(good_script()))
        paths = AppPaths.resolve(tmp_path / "data")
        settings = Settings()
        settings.analyze.provider, settings.analyze.base_url, settings.analyze.model = "openai", server.base_url, "m"
        settings.analyze.narration_seconds = 12  # a short, quickly encoded video keeps the test quick
        settings.render.fps, settings.render.preset = 12, "ultrafast"
        ws = flow.Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
        try:
            source, _ = ws.store.sources.add("https://techdigest.example.org/feed", "Tech Digest Weekly")
            item = new_item(1, "Solid-state batteries reach a second pilot line")
            item = type(item)(**{**item.__dict__, "content": LONG_HTML})
            ws.store.items.add_new(source.id, [item])
            (job,) = ws.store.jobs.list()
            view = flow.run_job(ws, job.id)
            detail = ws.store.jobs.detail(job.id)
        finally:
            ws.store.close()
    assert view.status is JobStatus.AWAITING_REVIEW
    assert detail.results["analyze"]["notice"].startswith("written offline: the model's answers were unusable")
    assert len(detail.results["render"]["videos"]) == 3
    assert every_request_capped(server)
