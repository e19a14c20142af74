"""Analyze through an OpenAI-compatible endpoint: a local fake that checks the
documented request shape and answers with canned replies."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
import urllib.error
import urllib.request

import pytest

import nexus_desktop
from nexus_desktop.domain.content import X_POST_MAX, Script
from nexus_desktop.domain.errors import Cancelled
from nexus_desktop.pipeline import analyze
from nexus_desktop.providers.llm import registry
from nexus_desktop.providers.llm.checks import script_problems
from nexus_desktop.providers.llm.compose import x_length
from tests.article_support import make_article
from tests.analyze_support import SENTENCES, good_script
from tests.fakes.openai_server import FakeOpenAI, Reply

@pytest.fixture
def openai_server():
    with FakeOpenAI() as server:
        yield server
    assert server.rejected == [], "the adapter sent a request the real API would refuse"


@pytest.fixture
def llm_context(make_context, settings, openai_server, monkeypatch):
    settings.analyze.provider = "openai"
    settings.analyze.base_url = openai_server.base_url
    settings.analyze.model = "test-model"
    settings.analyze.timeout_seconds = 5
    monkeypatch.setattr(registry, "_api_key", lambda: "sk-test")
    return make_context


def run(make_context, **article) -> Script:
    ctx = make_context(article=make_article(**article)) if article else make_context()
    return Script.from_dict(analyze.run(ctx).results["script"])


def run_results(make_context, **article) -> dict:
    ctx = make_context(article=make_article(**article)) if article else make_context()
    return analyze.run(ctx).results


def offline_notice(make_context, **article) -> str:
    """Run analyze expecting the offline fallback; return its notice."""
    results = run_results(make_context, **article)
    script = Script.from_dict(results["script"])
    assert script.provider == "extractive (after openai:test-model)"
    assert script.narration and results["notice"] == script.notice
    assert script.notice.startswith("written offline: the model's answers were unusable: ")
    return script.notice


def test_valid_reply_becomes_the_script(llm_context, openai_server, settings):
    openai_server.queue(Reply.json(good_script(), usage=(900, 400)))
    results = run_results(llm_context)
    script = Script.from_dict(results["script"])

    assert script.narration == " ".join(SENTENCES)
    assert [s.headline for s in script.scenes][:2] == ["Headline 1", "Headline 2"]
    assert (script.provider, script.tokens_used, script.language) == ("openai:test-model", 1300, "en")
    assert (script.prompt_tokens, script.completion_tokens, script.notice) == (900, 400, "")
    assert results["usage"] == {"model": "openai:test-model", "prompt_tokens": 900, "completion_tokens": 400,
                                "total_tokens": 1300, "cost_usd": 0.0}  # a server on this computer costs nothing
    assert "notice" not in results
    assert script_problems(script, scenes_max=settings.analyze.scenes_max) == []


def test_request_follows_the_chat_completions_contract(llm_context, openai_server, article):
    openai_server.queue(Reply.json(good_script()))
    run(llm_context)

    (request,) = openai_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "test-model"
    assert request.body["response_format"]["type"] == "json_schema"
    assert "scenes" in request.body["response_format"]["json_schema"]["schema"]["properties"]
    assert 1024 <= request.body["max_tokens"] <= 4096  # always capped, sized to the script
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    system, user = (m["content"] for m in request.body["messages"])
    assert "JSON" in system and "145 words" in system and "4 to 8" in system
    assert article.title in user and "the thin solid layer cracks" in user and "<p>" not in user


def test_repairable_reply_is_mended_without_asking_again(llm_context, openai_server, settings):
    data = good_script(scenes=11)  # more scenes than allowed
    data["narration"] = "Something else entirely."  # disagrees with the scenes
    data["scenes"][1]["headline"] = "A headline that is far too long to show on a phone screen"
    data["scenes"][2]["narration"] += " Details at https://example.org/more."
    data["hashtags"] = ["solid state", "#EV", "ev"]
    data["titles"] = ["Only one title"]
    data["platforms"]["x_post"] = "x" * 400
    data["platforms"]["linkedin_post"] = ""
    openai_server.queue(Reply.json(data))
    script = run(llm_context)

    assert len(openai_server.requests) == 1
    assert len(script.scenes) == settings.analyze.scenes_max
    assert script.narration == " ".join(s.narration for s in script.scenes)
    assert "https://" not in script.narration
    assert all(len(s.headline.split()) <= 8 for s in script.scenes)
    assert script.hashtags == ("#SolidState", "#EV")
    assert len(script.titles) == 3
    assert x_length(script.platforms.x_post) <= X_POST_MAX and script.platforms.linkedin_post


def test_json_inside_prose_is_dug_out(llm_context, openai_server):
    openai_server.queue(Reply.text("Sure! Here is the script:\n" + json.dumps(good_script()) + "\nEnjoy."))
    script = run(llm_context)
    assert script.narration == " ".join(SENTENCES) and len(openai_server.requests) == 1


def test_invalid_json_is_asked_for_again_with_the_problem_not_the_reply(llm_context, openai_server):
    openai_server.queue(Reply.text("Sure! Here is your script: {oops", usage=(100, 10)), Reply.json(good_script()))
    script = run(llm_context)

    assert script.tokens_used == 110 + 200
    second = openai_server.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["system", "user", "user"]
    assert "{oops" not in json.dumps(second)  # the broken reply is never pasted back
    assert "not valid JSON" in second[2]["content"]


@pytest.mark.expect_log("writing it offline")
def test_invalid_twice_writes_the_script_offline_with_a_notice(llm_context, openai_server):
    openai_server.queue(Reply.text("not json"), Reply.json({"scenes": []}))
    notice = offline_notice(llm_context)
    assert "scenes" in notice
    assert len(openai_server.requests) == 2


def test_a_far_too_short_narration_counts_as_invalid(llm_context, openai_server):
    short = good_script(scenes=1)
    short["scenes"] = [{"narration": "Batteries.", "headline": "Batteries"}]
    openai_server.queue(Reply.json(short), Reply.json(good_script()))
    run(llm_context, content_html="<p>" + " ".join(SENTENCES * 3) + "</p>")
    assert "write about 145 words" in openai_server.requests[1].body["messages"][-1]["content"]


@pytest.mark.expect_log("writing it offline")
def test_a_timeout_writes_offline_within_the_time_allowed(llm_context, openai_server, settings):
    settings.analyze.timeout_seconds = 0.5
    openai_server.queue(Reply.slow(60))  # wakes when the stand-in stops
    started = time.monotonic()
    notice = offline_notice(llm_context)
    assert time.monotonic() - started < 30  # gave up long before the answer, even on a busy machine
    assert notice.endswith("the analysis service did not answer within 0.5 s")


@pytest.mark.parametrize(
    "failure, reason",
    [
        (Reply.unauthorized(), "refused the API key (401)"),
        (Reply.rate_limited(retry_after=7), "(429)"),
        (Reply.fail(429, "You exceeded your current quota.", type="insufficient_quota", code="insufficient_quota"),
         "run out of credit"),
    ],
    ids=["bad-key", "rate-limited", "no-credit"],
)
@pytest.mark.expect_log("writing it offline")
def test_account_failures_write_offline_and_say_why(llm_context, openai_server, failure, reason):
    openai_server.queue(failure)
    assert reason in offline_notice(llm_context)
    assert len(openai_server.requests) == 1


@pytest.mark.expect_log("writing it offline")
def test_server_errors_step_down_every_format_then_write_offline(llm_context, openai_server):
    openai_server.queue(Reply.server_error(), Reply.server_error(), Reply.server_error())
    assert "(500)" in offline_notice(llm_context)
    kinds = [r.body.get("response_format", {}).get("type") for r in openai_server.requests]
    assert kinds == ["json_schema", "json_object", None]


def test_a_refused_format_steps_down_to_json_object(llm_context, openai_server):
    openai_server.queue(
        Reply.fail(400, "'response_format.type' 'json_schema' is not supported", type="invalid_request_error"),
        Reply.json(good_script()),
    )
    run(llm_context)
    assert openai_server.requests[1].body["response_format"] == {"type": "json_object"}


def test_options_an_endpoint_refuses_are_dropped_one_by_one(llm_context, openai_server):
    refuse = "Unsupported value: 'temperature' does not support 0.4 with this model."
    openai_server.queue(
        Reply.fail(400, refuse, type="invalid_request_error"),
        Reply.fail(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                        "Use 'max_completion_tokens' instead.", type="invalid_request_error"),
        Reply.fail(400, "response_format json_schema is not supported", type="invalid_request_error"),
        Reply.fail(422, "response_format is not supported", type="invalid_request_error"),
        Reply.json(good_script()),
    )
    run(llm_context)
    bodies = [r.body for r in openai_server.requests]
    assert "temperature" in bodies[0] and "temperature" not in bodies[1]
    assert "max_tokens" in bodies[1] and "max_completion_tokens" in bodies[2] and "max_tokens" not in bodies[2]
    assert [b.get("response_format", {}).get("type") for b in bodies] == [
        "json_schema", "json_schema", "json_schema", "json_object", None]


@pytest.mark.expect_log("writing it offline")
def test_other_bad_requests_write_offline_with_what_the_server_said(llm_context, openai_server):
    refusal = Reply.fail(400, "The model `nope` does not exist", type="invalid_request_error")
    openai_server.queue(refusal, refusal, refusal)
    assert "does not exist" in offline_notice(llm_context)


@pytest.mark.expect_log("writing it offline")
def test_an_unreachable_endpoint_writes_offline(llm_context, settings):
    settings.analyze.base_url = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    assert "cannot reach" in offline_notice(llm_context)


def test_cancel_is_honoured_while_waiting_for_the_model(llm_context, openai_server):
    openai_server.queue(Reply.slow(5))
    ctx = llm_context()
    threading.Timer(0.3, ctx.cancel_event.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        analyze.run(ctx)
    assert time.monotonic() - started < 1.5
    assert not (ctx.job_dir / "script.json").exists()


# The key comes from the keyring when secrets.py exists ------------------------------------


def test_api_key_comes_from_the_keyring(monkeypatch):
    fake = types.SimpleNamespace(get_secret=lambda name: "sk-keyring" if name == "openai_api_key" else None)
    monkeypatch.setitem(sys.modules, "nexus_desktop.secrets", fake)
    monkeypatch.setattr(nexus_desktop, "secrets", fake, raising=False)
    assert registry._api_key() == "sk-keyring"


def test_local_endpoints_need_no_key(monkeypatch):
    monkeypatch.setitem(sys.modules, "nexus_desktop.secrets", None)
    monkeypatch.delattr(nexus_desktop, "secrets", raising=False)
    assert registry._api_key() == registry.NO_KEY


# The fake itself refuses what the real API refuses ------------------------------------------


def post(server: FakeOpenAI, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.base_url}/chat/completions", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    ("body", "headers", "status", "fragment"),
    [
        (b'{"model": "m", "messages": []}', {}, 401, "API key"),
        (b"{not json", {"Authorization": "Bearer k"}, 400, "could not parse the JSON body"),
        (b'{"messages": [{"role": "user", "content": "hi"}]}', {"Authorization": "Bearer k"}, 400, "model"),
        (b'{"model": "m", "messages": [{"role": "robot", "content": "hi"}]}', {"Authorization": "Bearer k"}, 400,
         "role"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}',
         {"Authorization": "Bearer k"}, 400, "must contain the word 'json'"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "bogus": 1}',
         {"Authorization": "Bearer k"}, 400, "Unrecognized request argument"),
    ],
)
def test_fake_rejects_what_the_api_rejects(body, headers, status, fragment):
    with FakeOpenAI() as server:
        code, payload = post(server, body, {"Content-Type": "application/json", **headers})
    assert code == status
    assert set(payload["error"]) == {"message", "type", "param", "code"}
    assert fragment in payload["error"]["message"]


def test_fake_answers_with_the_documented_shape():
    with FakeOpenAI() as server:
        server.queue(Reply.text("hello", usage=(3, 2)))
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
        code, payload = post(server, body, {"Authorization": "Bearer k", "Content-Type": "application/json"})
    assert code == 200 and payload["object"] == "chat.completion"
    assert payload["choices"][0]["message"] == {"role": "assistant", "content": "hello", "refusal": None}
    assert payload["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
