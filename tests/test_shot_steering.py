"""Steering a job's shots: the creator removes one, gives one another kind or another
photo, and only that job's pictures and videos are made again (real visualize and
render with the bundled ffmpeg, one small format at 12 fps to stay quick)."""

from __future__ import annotations

import json
import shutil

import pytest

from nexus_desktop import settings as settings_file
from nexus_desktop.cli import main as cli_main
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.domain.shots import STEERING, Photo, Shot, ShotOverride
from nexus_desktop.domain.stages import Stage
from nexus_desktop.pipeline import shot_edits, shot_plan, shot_steer
from nexus_desktop.pipeline.media_probe import probe
from tests.shots_support import (SENTENCES, make_job, make_videos, narration_for, number_of, photo_jpeg, plan_of,
                                 quick_render, script_dict, video_of)


@pytest.fixture
def steer_ws(ws):
    return quick_render(ws)


@pytest.fixture
def made(steer_ws):
    job_id = make_job(steer_ws)
    make_videos(steer_ws, job_id)
    return job_id



# -- listing ---------------------------------------------------------------------------------------


def test_the_list_shows_each_shot_with_kind_time_and_what_it_shows(steer_ws, made):
    shots = shot_edits.load(steer_ws, made)
    kinds = [r.shot.kind for r in shots.rows]
    assert kinds[0] == "title" and kinds[-1] == "end" and "stat" in kinds and "quote" in kinds
    assert [r.number for r in shots.rows] == list(range(1, len(kinds) + 1))
    assert all(r.shot.words for r in shots.rows[:-1]), "every shot knows the words it covers"
    assert shots.rows[0].shot.start == 0 and shots.rows[-1].shot.end == pytest.approx(narration_for(
        " ".join(SENTENCES)).duration)
    stat = shots.rows[number_of(shots, "stat") - 1]
    assert shot_edits.describe(stat.shot) .startswith("91%")
    assert shots.pending == 0 and not shots.busy
    picture = shot_edits.thumbnail(steer_ws.paths.job_dir(made), shots.frames, 0)
    assert picture is not None and picture.width <= 160 and picture.getextrema() != ((0, 0),) * 3


# -- changing and re-rendering --------------------------------------------------------------------


def test_removing_a_shot_rerenders_only_this_job_and_its_time_goes_to_the_shot_before(steer_ws, made):
    other = make_job(steer_ws)  # a second job: untouched by the re-render
    before = plan_of(steer_ws, made)
    first_video = video_of(steer_ws, made).stat().st_mtime_ns
    shots = shot_edits.load(steer_ws, made)
    number = number_of(shots, "quote")
    change = shot_edits.change(steer_ws, made, number, remove=True)
    assert change.message == f"Shot {number} (quote) removed"
    assert shot_edits.load(steer_ws, made).pending == 1, "the change waits for a re-render"

    shot_edits.rerender(steer_ws, made)
    assert steer_ws.store.jobs.get(made).stage is Stage.VISUALIZE
    assert steer_ws.store.jobs.get(other).stage is Stage.VISUALIZE and other != made
    make_videos(steer_ws, made)

    after = plan_of(steer_ws, made)
    assert [s.kind for s in after.shots].count("quote") == 0
    assert len(after.shots) == len(before.shots) - 1 and len(after.removed) == 1
    gone = before.shots[number - 1]
    assert after.shots[number - 2].end == pytest.approx(gone.end), "the shot before covers the removed one's time"
    assert video_of(steer_ws, made).stat().st_mtime_ns != first_video
    info = probe(video_of(steer_ws, made))
    assert info.duration == pytest.approx(before.shots[-1].end, abs=0.25)
    assert steer_ws.store.jobs.results(other).get("visualize") is None, "the other job was not drawn"
    listed = shot_edits.load(steer_ws, made)
    assert listed.pending == 0 and listed.rows[number - 1].removed, "the removed shot keeps its number"
    back = shot_edits.change(steer_ws, made, number, restore=True)
    assert back.message == f"Shot {number} goes back to what was planned"
    assert shot_edits.load(steer_ws, made).rows[number - 1].pending == "removed → as planned"


def test_a_shot_swapped_to_kinetic_text_stays_so_through_a_rerun(steer_ws, made):
    shots = shot_edits.load(steer_ws, made)
    number = number_of(shots, "stat")
    shot_edits.change(steer_ws, made, number, kind="kinetic text")
    shot_edits.rerender(steer_ws, made)
    make_videos(steer_ws, made)
    assert plan_of(steer_ws, made).shots[number - 1].kind == "title"
    # a re-run of the whole job (the script saved again) keeps the creator's choice
    steer_ws.store.jobs.edit_results(made, Stage.ANALYZE, {"script": script_dict()},
                                     frozenset({Stage.VISUALIZE, Stage.RENDER}))
    make_videos(steer_ws, made)
    assert plan_of(steer_ws, made).shots[number - 1].kind == "title"
    assert steer_ws.store.jobs.results(made)[STEERING]["overrides"][0]["kind"] == "title"


def test_a_stale_override_is_dropped_with_a_note_after_a_revoice(steer_ws, made):
    shots = shot_edits.load(steer_ws, made)
    shot_edits.change(steer_ws, made, number_of(shots, "quote"), remove=True)
    slower = narration_for(" ".join(SENTENCES), per_word=0.42)  # voiced again: the cuts move
    steer_ws.store.jobs.edit_results(made, Stage.NARRATE, {"narration": slower.to_dict()},
                                     frozenset({Stage.VISUALIZE, Stage.RENDER}))
    make_videos(steer_ws, made)
    plan = plan_of(steer_ws, made)
    assert any("was dropped: the narration changed" in note for note in plan.notes)
    assert not plan.removed and "quote" in [s.kind for s in plan.shots]


# -- bad input ----------------------------------------------------------------------------------


def test_a_shot_that_does_not_exist_is_refused(steer_ws, made):
    count = len(shot_edits.load(steer_ws, made).rows)
    with pytest.raises(UserFixableError, match=f"there is no shot {count + 1}: job {made} has shots 1–{count}"):
        shot_edits.change(steer_ws, made, count + 1, remove=True)


def test_a_stat_for_a_sentence_without_a_number_is_refused_and_nothing_is_stored(steer_ws, made):
    shots = shot_edits.load(steer_ws, made)
    number = number_of(shots, "quote")
    assert "no number" in shots.rows[number - 1].refusal("stat")
    with pytest.raises(UserFixableError, match=f"shot {number} cannot be a stat: its sentence has no number"):
        shot_edits.change(steer_ws, made, number, kind="stat")
    with pytest.raises(UserFixableError, match="“chart” is not a kind"):
        shot_edits.change(steer_ws, made, number, kind="chart")
    with pytest.raises(UserFixableError, match="no photo that loaded"):
        shot_edits.change(steer_ws, made, number, kind="photo")
    assert STEERING not in steer_ws.store.jobs.results(made)


def test_a_job_being_made_is_refused_with_a_message(steer_ws, made):
    shot_edits.rerender(steer_ws, made)
    steer_ws.store.jobs.claim(made, worker="elsewhere:1")
    with pytest.raises(UserFixableError, match="being made right now"):
        shot_edits.change(steer_ws, made, 2, remove=True)
    with pytest.raises(UserFixableError, match="being made right now"):
        shot_edits.rerender(steer_ws, made)


def test_an_approved_job_is_not_rerendered_behind_its_posts(steer_ws, made):
    from nexus_desktop.pipeline import schedule

    shot_edits.change(steer_ws, made, 2, remove=True)  # a change may wait
    schedule.approve_jobs(steer_ws, [made])
    with pytest.raises(UserFixableError, match=f"job {made} is approved: its posts are made for the video you approved"):
        shot_edits.rerender(steer_ws, made)
    assert steer_ws.store.jobs.get(made).stage is Stage.SCHEDULE, "nothing was redone"


def test_a_job_without_shots_yet_says_so(steer_ws):
    job_id = make_job(steer_ws)
    assert shot_edits.load(steer_ws, job_id).rows == ()
    with pytest.raises(UserFixableError, match="no shots yet"):
        shot_edits.change(steer_ws, job_id, 1, remove=True)


@pytest.mark.expect_log("not using the article image")
def test_a_photo_that_fails_to_load_falls_back_with_the_reason(steer_ws, httpserver):
    httpserver.expect_request("/one.jpg").respond_with_data(photo_jpeg((200, 40, 40)), content_type="image/jpeg")
    httpserver.expect_request("/two.jpg").respond_with_data(photo_jpeg((40, 40, 200)), content_type="image/jpeg")
    job_id = make_job(steer_ws, images=(httpserver.url_for("/one.jpg"), httpserver.url_for("/two.jpg")))
    make_videos(steer_ws, job_id)
    shots = shot_edits.load(steer_ws, job_id)
    assert len(shots.photos) == 2
    number = number_of(shots, "photo")
    shot_edits.change(steer_ws, job_id, number, photo="2")
    assert "→ photo 2" in shot_edits.load(steer_ws, job_id).rows[number - 1].pending
    with pytest.raises(UserFixableError, match="is not one of the article's images"):
        shot_edits.change(steer_ws, job_id, number, photo="https://elsewhere.example.org/x.jpg")
    with pytest.raises(UserFixableError, match="there is no photo 3"):
        shot_edits.change(steer_ws, job_id, number, photo="3")
    # the photo now fails to load (and its kept copy is gone): the shot keeps a picture and the plan says why
    shutil.rmtree(steer_ws.paths.job_dir(job_id) / "photos" / "fetched")
    httpserver.clear()
    httpserver.expect_request("/one.jpg").respond_with_data(photo_jpeg((200, 40, 40)), content_type="image/jpeg")
    httpserver.expect_request("/two.jpg").respond_with_data("gone", status=404)
    shot_edits.rerender(steer_ws, job_id)
    make_videos(steer_ws, job_id)
    plan = plan_of(steer_ws, job_id)
    assert any(f"shot {number} stays as planned" in n and "could not be used" in n for n in plan.notes), plan.notes
    assert plan.shots[number - 1].kind == "photo" and plan.shots[number - 1].photo == 0


# -- the pure parts -----------------------------------------------------------------------------


def test_removing_the_first_shot_gives_its_time_to_the_next():
    shots = [Shot("title", 0, 2, words="a b", word=0), Shot("stat", 2, 4, words="c d", word=2),
             Shot("end", 4, 6, words="e", word=4)]
    steered = shot_steer.apply(shots, [ShotOverride(0, "a b", remove=True)], shot_steer.Material("a b c d e"))
    assert [(s.kind, s.start, s.end) for s in steered.shots] == [("stat", 0, 4), ("end", 4, 6)]
    everything = [ShotOverride(s.word, s.words, remove=True) for s in shots]
    steered = shot_steer.apply(shots, everything, shot_steer.Material("a b c d e"))
    assert len(steered.shots) == 1 and steered.shots[0].start == 0 and steered.shots[0].end == 6
    assert any("at least one shot" in n for n in steered.notes)


def test_a_shot_with_no_words_is_found_again_by_its_kind_and_place():
    tokens = [shot_plan.Token("One", 0.1, 0.5), shot_plan.Token("two.", 0.6, 1.0)]
    shots = shot_steer.keyed([Shot("title", 0, 1.2, text="One two."), Shot("photo", 1.2, 2.0, photo=0),
                              Shot("end", 2.0, 4.0)], tokens)
    assert [s.words for s in shots] == ["One two.", "(photo at 1.2 s)", "(end card)"]
    assert shot_steer.build(shots[1], "stat", shot_steer.Material("One two.")) == "no word is spoken during this shot"
    steered = shot_steer.apply(shots, [ShotOverride(-1, "(end card)", remove=True)], shot_steer.Material("One two."))
    assert [s.kind for s in steered.shots] == ["title", "photo"] and steered.shots[-1].end == 4.0


def test_pictures_that_share_a_source_are_picked_by_their_number():
    photos = tuple(Photo(f"photos/generated-0{n}.jpg", "openai", 1024, 1024, (0.5, 0.5)) for n in (1, 2))
    material = shot_steer.Material("Cells kept their charge.", photos=photos)
    shot = Shot("photo", 0, 2, photo=0, word=0, words="Cells kept their charge.")
    assert shot_steer.build(shot, "photo", material, photo="openai#2").photo == 1
    assert shot_steer.build(shot, "photo", material, photo="openai").photo == 0


# -- the command line ---------------------------------------------------------------------------


def test_cli_lists_changes_and_rerenders(steer_ws, made, capsys):
    data = str(steer_ws.paths.data)
    settings_file.save(steer_ws.settings, steer_ws.paths.settings_file)  # the small, quick format
    steer_ws.store.close()
    assert cli_main(["--data-dir", data, "shots", str(made)]) == 0
    listing = capsys.readouterr().out
    assert "KIND" in listing and "stat" in listing and "end card" in listing
    assert cli_main(["--data-dir", data, "shots", str(made), "--kind", "2", "stat"]) == 2
    assert "cannot be a stat: its sentence has no number" in capsys.readouterr().err
    assert cli_main(["--data-dir", data, "shots", str(made), "--kind", "99", "title"]) == 2
    assert "there is no shot 99" in capsys.readouterr().err
    assert cli_main(["--data-dir", data, "shots", str(made), "--remove", "2", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["pending"] == 1 and listed["shots"][1]["pending"]
    assert cli_main(["--data-dir", data, "shots", str(made), "--render"]) == 0
    out = capsys.readouterr().out
    assert "Videos made again" in out and "removed" in out


def test_a_shots_still_is_made_once_until_its_files_change(tmp_path, monkeypatch):
    """The shot list asks for every still after each stage: unchanged files give the still made
    before without decoding anything; a redrawn layer gives a new one."""
    import os

    from PIL import Image

    from nexus_desktop.domain.shots import FormatFrames, Layer, ShotFrames

    Image.new("RGB", (220, 140), "navy").save(tmp_path / "bg.png")
    Image.new("RGBA", (60, 40), (255, 200, 0, 255)).save(tmp_path / "layer.png")
    frames = FormatFrames("16x9", 200, 120, (ShotFrames("bg.png", (10, 10), (Layer("layer.png", 20, 30),)),))
    first = shot_edits.thumbnail(tmp_path, frames, 0, width=100)
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    again = shot_edits.thumbnail(tmp_path, frames, 0, width=100)
    assert opened == [] and again.tobytes() == first.tobytes()
    Image.new("RGBA", (60, 40), (0, 200, 80, 255)).save(tmp_path / "layer.png")  # redrawn
    stamp = (tmp_path / "layer.png").stat().st_mtime_ns + 1_000_000
    os.utime(tmp_path / "layer.png", ns=(stamp, stamp))
    redrawn = shot_edits.thumbnail(tmp_path, frames, 0, width=100)
    assert opened and redrawn.getpixel((20, 20)) != first.getpixel((20, 20))
