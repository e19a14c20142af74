"""AI clips from RunwayML, against the local stand-in (tests/fakes/runway_server.py): a photo
shot becomes a short clip when a key is set, a shot without a photo gets one from its words,
each clip is made once per (image, prompt, ratio), and a wrong key, a spent limit, an
overloaded server, a failed or endless task keep the offline shot with a note, never a failed
job. Without a key nothing is asked."""

from __future__ import annotations

import base64
import io
import re

import httpx
import pytest
from PIL import Image

from nexus_desktop import secrets
from nexus_desktop.domain.content import Narration, WordTiming
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.pipeline import ai_clips, visualize
from nexus_desktop.providers.images.runway import (
    API_VERSION, ClipAsk, ClipUnavailable, RunwayVideos, clip_duration, data_uri, prompt_text,
)
from tests.conftest import make_article
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (a fixture)
from tests.fakes.runway_server import RunwayStandIn

KEY = "key_" + "ab" * 64
TEXT = ("Solid-state batteries reach a second pilot line this week. Engineers say early cells kept 91 percent "
        "of their charge after 800 cycles. Volume production is still at least two years away. ") * 2


def results() -> dict:
    words, t = [], 0.2
    for token in TEXT.split():
        words.append(WordTiming(token, round(t, 3), round(t + 0.3, 3)))
        t += 0.36 + (0.35 if token.endswith(".") else 0.0)
    title = "Solid-state batteries reach a second pilot line"
    script = {"title": title, "summary": "s", "narration": TEXT,
              "scenes": [{"narration": TEXT, "headline": title, "keywords": ["battery", "factory"]}],
              "titles": [title], "description": "d", "hashtags": ["#batteries"], "language": "en",
              "platforms": {"youtube_title": title, "youtube_description": "d", "x_post": "x",
                            "instagram_caption": "c", "linkedin_post": "l"}}
    narration = Narration("narration/voice.wav", round(t + 0.3, 3), tuple(words), "test", "v")
    return {"analyze": {"script": script}, "narrate": {"narration": narration.to_dict()}}


def jpeg(colour=(230, 90, 30), size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, colour)
    image.paste((10, 10, 10), (600, 300, 900, 600))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def runway(settings, httpserver, monkeypatch):
    monkeypatch.setattr(secrets, "get_secret", lambda name: KEY if name == "runway_api_key" else None)
    monkeypatch.setattr(ai_clips, "POLL_SECONDS", 0.01)
    settings.images.runway_base_url = httpserver.url_for("")
    settings.render.formats = ["1x1"]
    stand_in = RunwayStandIn(KEY, httpserver.url_for("/outputs/clip.mp4"), polls_to_finish=2)
    for path in ("/v1/image_to_video", "/v1/text_to_video"):
        httpserver.expect_request(path, method="POST").respond_with_handler(stand_in)
    httpserver.expect_request(re.compile(r"^/v1/tasks/.+$"), method="GET").respond_with_handler(stand_in)
    httpserver.expect_request("/outputs/clip.mp4").respond_with_data(b"\x00\x00\x00\x18ftypmp42" + bytes(4000),
                                                                     content_type="video/mp4")
    for n, colour in enumerate([(230, 90, 30), (30, 90, 230)]):
        httpserver.expect_request(f"/photo-{n}.jpg").respond_with_data(jpeg(colour), content_type="image/jpeg")
    return stand_in


def photo_article(httpserver):
    urls = (httpserver.url_for("/photo-0.jpg"), httpserver.url_for("/photo-1.jpg"))
    return make_article(image_url=urls[0], image_urls=urls, feed_url=httpserver.url_for("/feed.xml"))


def run(make_context, article=None):
    ctx = make_context(results(), article=article or make_article())
    return ctx, ShotPlan.from_dict(visualize.run(ctx).results["plan"])


def test_with_a_key_photo_shots_become_ai_clips_made_once(make_context, runway, httpserver, settings):
    settings.render.formats = ["1x1", "9x16"]
    ctx, plan = run(make_context, photo_article(httpserver))
    clips = [i for i, s in enumerate(plan.shots) if s.kind == "ai_clip"]
    assert len(clips) == settings.images.ai_clip_shots == 2
    assert all(plan.shots[i].photo >= 0 for i in clips), "the photo shots are the ones brought to life"
    for frames in plan.formats:
        for i in clips:
            assert (ctx.job_dir / frames.shots[i].clip).is_file()
    made = runway.created
    assert {m["kind"] for m in made} == {"image"} and {m["ratio"] for m in made} == {"960:960", "720:1280"}
    assert all(m["promptImage"].startswith("data:image/jpeg;base64,") and 2 <= m["duration"] <= 10 for m in made)
    assert len(made) == 4, "one task per shot and shape"
    run(make_context, photo_article(httpserver))
    assert len(runway.created) == 4, "a re-run uses the cached clips: no new task, no credits spent"


def test_an_article_without_photos_gets_clips_from_the_shots_words(make_context, runway):
    _, plan = run(make_context)
    assert sum(s.kind == "ai_clip" for s in plan.shots) == 2
    assert {m["kind"] for m in runway.created} == {"text"}
    assert all(m["model"] == "gen4.5" and m["ratio"] == "1280:720" and m["promptText"] for m in runway.created)


def test_without_a_key_nothing_is_asked(make_context, runway, monkeypatch, httpserver):
    monkeypatch.setattr(secrets, "get_secret", lambda name: None)
    _, plan = run(make_context)
    assert not any(s.kind == "ai_clip" for s in plan.shots) and not [n for n in plan.notes if "AI clip" in n]
    assert not [r for r, _ in httpserver.log if r.path.startswith("/v1/")]


@pytest.mark.expect_log("no AI clip")
@pytest.mark.parametrize("trouble, said", [
    ("wrong_key", "RunwayML refused the key (401)"),
    ("over_rate", "over the RunwayML rate or credit limit (429)"),
    ("outage", "RunwayML is overloaded (HTTP 503)"),
])
def test_a_refusal_keeps_the_offline_shots_with_a_note_and_asks_no_more(make_context, runway, monkeypatch, trouble,
                                                                        said):
    if trouble == "wrong_key":
        monkeypatch.setattr(secrets, "get_secret", lambda name: "key_" + "00" * 64 if name == "runway_api_key" else None)
    elif trouble == "over_rate":
        runway.rate_limit = 0
    else:
        runway.outage = 503
    out = visualize.run(make_context(results(), article=make_article()))
    plan = ShotPlan.from_dict(out.results["plan"])
    assert not any(s.kind == "ai_clip" for s in plan.shots), "the offline shots stay"
    assert len([n for n in plan.notes if said in n]) == 1, "one note, and no second request"
    assert said in out.results["notice"], "the job says why, where the creator reads its notices"
    assert not runway.created


@pytest.mark.expect_log("no AI clip")
def test_a_failed_task_keeps_that_shot_offline_and_says_why(make_context, runway):
    runway.fail_with = "The input image was flagged by content moderation."
    _, plan = run(make_context)
    assert not any(s.kind == "ai_clip" for s in plan.shots)
    assert any("could not make the clip (failed: The input image was flagged" in n for n in plan.notes)
    assert len(runway.created) == 2, "a failed task does not stop the next shot"


def test_a_task_that_never_finishes_stops_at_the_deadline(tmp_path, runway, httpserver):
    runway.never_finish = True
    videos = RunwayVideos(api_key=KEY, base_url=httpserver.url_for(""), cache=tmp_path, deadline_seconds=0.2,
                          poll_seconds=0.02)
    with pytest.raises(ClipUnavailable, match="took longer than 0.2 s"):
        videos.clip(None, "a battery factory", "landscape", 3.0)
    assert not list(tmp_path.glob("*.mp4"))


def test_a_jobs_clips_are_made_side_by_side_not_one_after_another(tmp_path, runway, httpserver):
    waits = []
    videos = RunwayVideos(api_key=KEY, base_url=httpserver.url_for(""), cache=tmp_path, poll_seconds=0.01,
                          sleep=waits.append)
    photo = Image.new("RGB", (800, 600), "orange")
    asks = [ClipAsk(photo, "a line", "landscape", 3.0), ClipAsk(photo, "a line", "portrait", 3.0),
            ClipAsk(None, "a factory", "square", 2.0), ClipAsk(photo, "a line", "landscape", 3.0)]
    made = videos.clips(asks)
    assert all(not isinstance(m, ClipUnavailable) for m in made)
    assert len(runway.created) == 3, "the same clip asked twice is made once"
    assert len(waits) == 2, "three tasks polled together: two waits, not two each"
    assert made[0].path == made[3].path and made[0].path.is_file()


def test_an_expired_or_missing_clip_download_is_a_reason(tmp_path, runway, httpserver):
    runway.clip_url = httpserver.url_for("/outputs/gone.mp4")
    videos = RunwayVideos(api_key=KEY, base_url=httpserver.url_for(""), cache=tmp_path, poll_seconds=0.01)
    with pytest.raises(ClipUnavailable, match="HTTP 500|HTTP 404"):
        videos.clip(Image.new("RGB", (800, 600), "orange"), "a line", "portrait", 2.5)


# -- what the requests look like, and what the stand-in refuses --------------------------------


def test_durations_prompts_and_images_fit_the_api():
    assert [clip_duration(s) for s in (0.8, 2.0, 2.4, 3.5, 14.0)] == [2, 2, 3, 4, 10]
    assert len(prompt_text("word " * 400)) <= 1000 and not prompt_text("word " * 400).endswith(" ")
    noisy = Image.effect_noise((6000, 4000), 90).convert("RGB")
    uri = data_uri(noisy)
    assert uri.startswith("data:image/jpeg;base64,") and len(uri) < 5 * 1024 * 1024


def post(httpserver, path: str, body: dict, **headers) -> httpx.Response:
    sent = {"Authorization": f"Bearer {KEY}", "X-Runway-Version": API_VERSION, **headers}
    sent = {k: v for k, v in sent.items() if v is not None}
    return httpx.post(httpserver.url_for(path), json=body, headers=sent)


GOOD = {"model": "gen4_turbo", "promptImage": "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode(),
        "promptText": "slow push-in", "ratio": "1280:720", "duration": 5}


@pytest.mark.parametrize("change, headers, status, said", [
    ({}, {"X-Runway-Version": None}, 400, "X-Runway-Version header is required"),
    ({}, {"X-Runway-Version": "2023-01-01"}, 400, "Unsupported API version"),
    ({}, {"Authorization": "Bearer key_wrong"}, 401, "not valid"),
    ({"ratio": "16:9"}, {}, 400, "ratio"),
    ({"duration": 11}, {}, 400, "duration"),
    ({"duration": 1}, {}, 400, "duration"),
    ({"promptImage": "http://example.net/a.jpg"}, {}, 400, "HTTPS"),
    ({"promptImage": "data:text/html;base64,PGh0bWw+"}, {}, 400, "JPEG, PNG or WebP"),
    ({"promptText": "x" * 1001}, {}, 400, "1000"),
])
def test_the_stand_in_refuses_what_runway_refuses(runway, httpserver, change, headers, status, said):
    answer = post(httpserver, "/v1/image_to_video", {**GOOD, **change}, **headers)
    assert answer.status_code == status and said in answer.json()["error"]
    assert post(httpserver, "/v1/image_to_video", GOOD).status_code == 200


def test_the_stand_in_limits_the_rate(runway, httpserver):
    runway.rate_limit = 1
    assert post(httpserver, "/v1/image_to_video", GOOD).status_code == 200
    assert post(httpserver, "/v1/image_to_video", GOOD).status_code == 429


# -- the key, in Settings ----------------------------------------------------------------------


def test_the_runway_key_is_typed_in_settings_and_kept_in_the_keyring_only(memory_keyring, qtbot, tmp_path,
                                                                          monkeypatch):
    from PySide6.QtWidgets import QLineEdit, QMessageBox

    from nexus_desktop.gui.settings_dialog import PAGES, SettingsDialog
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.settings import Settings

    paths = AppPaths.resolve(tmp_path / "data")
    dialog = SettingsDialog(Settings(), paths)
    qtbot.addWidget(dialog)
    dialog.pages.setCurrentRow(next(n for n, p in enumerate(PAGES) if p.title == "Images"))
    field = dialog.findChild(QLineEdit, "Key_runway_api_key")
    assert field.echoMode() == QLineEdit.EchoMode.Password and "none" in field.placeholderText()
    field.setText(KEY)
    dialog.resize(900, 700)
    dialog.show()
    dialog.grab().save(str(tmp_path.parent / "settings-images-keys.png"))
    dialog.save()
    assert secrets.get_secret("runway_api_key") == KEY
    assert KEY not in paths.settings_file.read_text()

    again = SettingsDialog(Settings(), paths)
    qtbot.addWidget(again)
    field = again.findChild(QLineEdit, "Key_runway_api_key")
    assert "kept in the keyring" in field.placeholderText() and field.text() == ""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    next(k for k in again.keys if k.spec.secret == "runway_api_key").remove.click()
    assert secrets.get_secret("runway_api_key") == KEY, "nothing is forgotten before Save"
    again.save()
    assert secrets.get_secret("runway_api_key") is None


def test_without_a_keyring_the_key_is_refused_with_a_reason_and_the_settings_still_saved(qtbot, tmp_path):
    import keyring
    from keyring.backends import fail
    from PySide6.QtWidgets import QLineEdit

    from nexus_desktop.gui.settings_dialog import SettingsDialog
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.settings import Settings

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.use_vault(None)
    try:
        paths = AppPaths.resolve(tmp_path / "data")
        dialog = SettingsDialog(Settings(), paths)
        qtbot.addWidget(dialog)
        dialog.findChild(QLineEdit, "Key_runway_api_key").setText(KEY)
        dialog.save()
    finally:
        keyring.set_keyring(previous)
    assert paths.settings_file.exists() and KEY not in paths.settings_file.read_text()
    assert "the key was not" in dialog.problem.text(), "the creator is told the key was not kept"


def test_a_shot_whose_kind_the_creator_chose_never_becomes_a_clip():
    from nexus_desktop.domain.shots import Shot
    shots = [Shot("title", 0, 2), Shot("photo", 2, 4, photo=0), Shot("photo", 4, 6, photo=1),
             Shot("icon", 6, 8, icon="factory"), Shot("end", 8, 10)]
    assert ai_clips.chosen(shots, photos=2, limit=3) == [1, 2]
    assert ai_clips.chosen(shots, photos=2, limit=3, keep=frozenset({1})) == [2]
    assert ai_clips.chosen(shots, photos=0, limit=3, keep=frozenset({3})) == []
