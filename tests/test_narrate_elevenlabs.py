"""ElevenLabs, through the official client, against a local stand-in of its API."""

from __future__ import annotations

import time

import pytest

from nexus_desktop.domain.errors import Cancelled, RetryableError, UserFixableError
from nexus_desktop.pipeline import narrate
from nexus_desktop.providers.tts import elevenlabs
from nexus_desktop.providers.tts.elevenlabs import ElevenLabsSpeaker
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.narrate_support import TWO_SENTENCES, check_narration, script_results

# A real voice id has 20 characters, like the documentation's example voice.
VOICE_ID = "21m00Tcm4TlvDq8ikWAM"


@pytest.fixture
def fake():
    with FakeElevenLabs() as server:
        yield server
    assert server.violations == []


@pytest.fixture
def speaker(fake):
    return ElevenLabsSpeaker(fake.api_key, voice_id=VOICE_ID, model_id="eleven_multilingual_v2", base_url=fake.url)


def never():
    return False


@pytest.fixture
def elevenlabs_settings(settings, fake, monkeypatch):
    settings.voice.provider = "elevenlabs"
    settings.voice.elevenlabs_base_url = fake.url
    settings.voice.elevenlabs_voice_id = VOICE_ID
    monkeypatch.setattr(elevenlabs, "stored_api_key", lambda: fake.api_key)
    return settings


def test_request_follows_the_documented_contract(fake, speaker):
    tokens = "Hello there, world — 91 percent!".split()
    speech = speaker.speak(tokens, before="Earlier text.", after="Later text.", cancelled=never)
    (request,) = fake.requests
    assert request.path == f"/v1/text-to-speech/{VOICE_ID}/with-timestamps"
    assert request.api_key == fake.api_key
    assert request.query == {"output_format": "pcm_24000"}
    assert request.body == {
        "text": "Hello there, world — 91 percent!",
        "model_id": "eleven_multilingual_v2",
        "previous_text": "Earlier text.",
        "next_text": "Later text.",
    }
    assert speech.sample_rate == 24000 and speech.duration == pytest.approx(2.21, abs=0.05)
    # Character times become word times; the dash has no letters, so no time of its own.
    hello, there, world, dash, ninety_one, percent = speech.spans
    assert hello == pytest.approx((0.0, 0.325)) and dash is None
    assert there[1] <= world[0] and ninety_one[1] <= percent[0]


def test_speed_goes_in_voice_settings_within_the_allowed_range(fake):
    fast = ElevenLabsSpeaker(
        fake.api_key, voice_id=VOICE_ID, model_id="eleven_turbo_v2_5", base_url=fake.url, speed=2.0
    )
    fast.speak(["Quick."], cancelled=never)
    assert fake.requests[0].body["voice_settings"] == {"speed": 1.2}


def test_the_stage_narrates_with_elevenlabs(make_context, elevenlabs_settings, fake):
    ctx = make_context(script_results(TWO_SENTENCES))
    narration = check_narration(ctx, narrate.run(ctx), TWO_SENTENCES)
    assert (narration.provider, narration.voice) == ("elevenlabs", VOICE_ID)
    first, second = fake.requests
    assert second.body["previous_text"] == first.body["text"]  # stitched for continuous intonation


def test_a_rejected_key_says_so(fake):
    bad = ElevenLabsSpeaker("not-the-key", voice_id=VOICE_ID, model_id="eleven_multilingual_v2", base_url=fake.url)
    with pytest.raises(UserFixableError, match="ElevenLabs rejected the API key") as caught:
        bad.speak(["Hi."], cancelled=never)
    assert "Settings" in caught.value.hint


def test_a_revoked_key_fails_the_stage_with_the_same_reason(make_context, elevenlabs_settings, fake):
    fake.failures.append("invalid_key")
    ctx = make_context(script_results("Hello."))
    with pytest.raises(UserFixableError, match="ElevenLabs rejected the API key"):
        narrate.run(ctx)
    assert list(ctx.job_dir.iterdir()) == []


def test_an_exhausted_quota_names_the_quota(fake, speaker):
    fake.failures.append("quota")
    with pytest.raises(UserFixableError, match="quota") as caught:
        speaker.speak(["Hi", "there."], cancelled=never)
    assert "exceeds your quota of 10000" in caught.value.message
    assert "credits" in caught.value.hint


@pytest.mark.parametrize("failure, retry_after", [("rate_limit", 2.0), ("server_error", None)])
def test_rate_limits_and_server_errors_are_retryable(fake, speaker, failure, retry_after):
    fake.failures.append(failure)
    with pytest.raises(RetryableError) as caught:
        speaker.speak(["Hi."], cancelled=never)
    assert caught.value.retry_after == retry_after
    assert len(fake.requests) == 1  # the client did not retry behind our back


def test_an_unknown_voice_is_for_the_creator_to_fix(fake):
    odd = ElevenLabsSpeaker(
        fake.api_key, voice_id="no-such-voice", model_id="eleven_multilingual_v2", base_url=fake.url
    )
    with pytest.raises(UserFixableError, match="no voice with this voice id"):
        odd.speak(["Hi."], cancelled=never)
    fake.violations.clear()  # the request was wrong on purpose


def test_no_stored_key_fails_before_any_request(make_context, elevenlabs_settings, fake, monkeypatch):
    monkeypatch.setattr(elevenlabs, "stored_api_key", lambda: None)
    with pytest.raises(UserFixableError, match="no ElevenLabs API key"):
        narrate.run(make_context(script_results("Hello.")))
    assert fake.requests == []


def test_an_unreachable_server_is_retryable():
    gone = ElevenLabsSpeaker("key", voice_id=VOICE_ID, model_id="eleven_multilingual_v2", base_url="http://127.0.0.1:9")
    with pytest.raises(RetryableError, match="could not reach ElevenLabs"):
        gone.speak(["Hi."], cancelled=never)


def test_cancel_is_honoured_while_waiting_for_an_answer(fake, speaker):
    fake.delay = 3.0
    started = time.monotonic()
    with pytest.raises(Cancelled):
        speaker.speak(["Slow."], cancelled=lambda: time.monotonic() - started > 0.2)
    assert time.monotonic() - started < 1.0


def test_the_stand_in_refuses_requests_that_break_the_contract(fake, tmp_path):
    import httpx

    from nexus_desktop.pipeline import audio

    url = f"{fake.url}/v1/text-to-speech/{VOICE_ID}"
    key = {"xi-api-key": fake.api_key}
    assert httpx.post(url, json={"text": "Hi."}).json() == {
        "detail": {"status": "invalid_api_key", "message": "Invalid API key"}
    }
    assert httpx.post(url, headers=key, json={"model_id": "eleven_multilingual_v2"}).status_code == 422
    assert httpx.post(url, headers=key, json={"text": "Hi.", "voice": "x"}).status_code == 422
    assert httpx.post(url, headers=key, json={"text": "Hi.", "model_id": "GPT-4"}).status_code == 400
    assert httpx.post(url, headers=key, params={"output_format": "flac_1"}, json={"text": "Hi."}).status_code == 422
    assert len(fake.violations) == 4
    fake.violations.clear()
    # The plain endpoint answers MP3 by default, as documented.
    answer = httpx.post(url, headers=key, json={"text": "Hello there."})
    assert answer.headers["content-type"] == "audio/mpeg"
    (tmp_path / "hello.mp3").write_bytes(answer.content)
    letters, space, stop = 10 * 0.065, 0.05, 0.15
    assert audio.media_duration(tmp_path / "hello.mp3") == pytest.approx(letters + space + stop, abs=0.1)
