"""The voice list: Piper voices (bundled and added), every espeak-ng voice,
the ElevenLabs account's voices through the stand-in, instant cloning with
consent, and a speaking rate per voice."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.providers.tts import open_speaker
from nexus_desktop.providers.tts.catalog import (
    clone_elevenlabs_voice,
    elevenlabs_voices,
    espeak_voices,
    piper_voices,
    speed_for,
    voice_key,
)
from nexus_desktop.providers.tts.piper import resolve_model
from nexus_desktop.settings import VoiceSettings
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.voice_support import recording


@pytest.fixture
def fake():
    with FakeElevenLabs() as server:
        yield server
    assert server.violations == []


def test_piper_lists_the_bundled_voice_and_the_ones_added(tmp_path):
    bundled = resolve_model("", None)
    added = tmp_path / "mine" / "en_GB-test-low.onnx"
    added.parent.mkdir()
    added.symlink_to(bundled)
    Path(f"{added}.json").symlink_to(f"{bundled}.json")
    voice = VoiceSettings()
    voice.catalog.piper_files = [str(added), str(tmp_path / "missing.onnx")]
    options = piper_voices(voice, tmp_path / "voices")
    assert [(o.voice, o.language) for o in options] == [("", "en"), (str(added), "en")]
    assert options[0].name.endswith("(bundled)")


def test_every_espeak_voice_is_listed():
    options = espeak_voices()
    assert len(options) > 100
    assert {"zle/ru", "gmw/de"} <= {o.voice for o in options}
    assert all(o.provider == "espeak" and o.name for o in options)


def test_elevenlabs_voices_come_from_the_account_page_by_page(fake):
    fake.voices += [{"voice_id": f"v{n:019d}", "name": f"Voice {n}", "category": "premade", "labels": {}}
                    for n in range(150)]
    options = elevenlabs_voices(fake.api_key, fake.url)
    assert len(options) == 152 and options[0].name == "Rachel" and options[0].language == "en"
    assert sum(r.path == "/v2/voices" for r in fake.requests) == 2  # two pages of 100


def test_a_wrong_key_says_what_to_do(fake):
    with pytest.raises(UserFixableError, match="rejected the API key"):
        elevenlabs_voices("wrong", fake.url)


def test_cloning_needs_consent_and_real_recordings(fake, tmp_path):
    sample = recording(tmp_path / "me.wav")
    with pytest.raises(UserFixableError, match="consent"):
        clone_elevenlabs_voice(fake.api_key, fake.url, name="Me", samples=[sample], consent=False)
    with pytest.raises(UserFixableError, match="at least one recording"):
        clone_elevenlabs_voice(fake.api_key, fake.url, name="Me", samples=[], consent=True)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UserFixableError, match="not a recording"):
        clone_elevenlabs_voice(fake.api_key, fake.url, name="Me", samples=[tmp_path / "notes.txt"], consent=True)
    assert fake.clones == []  # nothing was sent


def test_a_clone_joins_the_voice_list(fake, tmp_path):
    samples = [recording(tmp_path / "one.wav"), recording(tmp_path / "two.wav", 2.0)]
    made = clone_elevenlabs_voice(fake.api_key, fake.url, name="My narrator", samples=samples, consent=True)
    assert (made.provider, made.name) == ("elevenlabs", "My narrator") and len(made.voice) == 20
    (sent,) = fake.clones
    assert sent["fields"]["name"] == "My narrator" and sent["files"] == ["one.wav", "two.wav"]
    assert made.voice in {o.voice for o in elevenlabs_voices(fake.api_key, fake.url)}


def test_each_voice_keeps_its_own_rate():
    voice = VoiceSettings(espeak_voice="en-us", speed=1.2)
    voice.catalog.rates = {voice_key("espeak", "en-us"): 1.25, voice_key("piper", ""): 0.9}
    assert speed_for(voice, "espeak", "en-us") == pytest.approx(1.5)
    assert speed_for(voice, "piper", "") == pytest.approx(1.08)
    assert speed_for(voice, "espeak", "gmw/de") == pytest.approx(1.2)
    faster = open_speaker(voice.model_copy(update={"provider": "espeak"}), "en")
    plain = open_speaker(VoiceSettings(provider="espeak", espeak_voice="en-us"), "en")
    assert faster._rate > plain._rate


def test_a_rate_outside_the_range_is_refused():
    with pytest.raises(ValueError, match="between 0.5 and 2"):
        VoiceSettings.model_validate({"catalog": {"rates": {"espeak:en-us": 5}}})
