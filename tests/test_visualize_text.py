"""Formats from settings, text fitting, and non-Latin text: drawn with a font
that covers it, or a clear failure naming the script and the package."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from nexus_desktop.domain.content import FORMATS
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.pipeline import visualize
from nexus_desktop.pipeline.formats import active_formats
from nexus_desktop.providers.images import fonts as fonts_module
from nexus_desktop.providers.images.fonts import FontBook, bundled_font
from nexus_desktop.providers.images.text import fit_text, tokenize, wrap
from nexus_desktop.settings import CustomSize, Settings
from tests.article_support import make_article
from tests.visualize_support import allowed_region, inside, results_for, script_dict

BOLD = FontBook.from_branding("").bold

# --- formats ----------------------------------------------------------------


def test_default_formats_are_the_three_standard_ones():
    assert active_formats(Settings()) == [FORMATS["16x9"], FORMATS["9x16"], FORMATS["1x1"]]


def test_custom_sizes_are_added_with_even_dimensions_and_a_fitting_safe_area():
    settings = Settings()
    settings.render.formats = ["9x16"]
    settings.render.custom_sizes = [CustomSize(name="story-4k", width=2161, height=3841),
                                    CustomSize(name="wide", width=2560, height=1080)]
    chosen = active_formats(settings)
    assert [f.name for f in chosen] == ["9x16", "story-4k", "wide"]
    assert (chosen[1].width, chosen[1].height) == (2160, 3840)
    assert chosen[1].safe == FORMATS["9x16"].safe and chosen[2].safe == FORMATS["16x9"].safe


def test_a_custom_size_named_in_formats_keeps_that_order():
    settings = Settings()
    settings.render.formats = ["sq", "16x9"]
    settings.render.custom_sizes = [CustomSize(name="sq", width=720, height=720)]
    assert [f.name for f in active_formats(settings)] == ["sq", "16x9"]


def test_unknown_format_names_the_setting():
    settings = Settings()
    settings.render.formats = ["16x9", "4x3"]
    with pytest.raises(UserFixableError, match="render.formats: unknown format '4x3'"):
        active_formats(settings)


def test_custom_size_name_must_be_usable_as_a_folder():
    settings = Settings()
    settings.render.custom_sizes = [CustomSize(name="../up", width=720, height=720)]
    with pytest.raises(UserFixableError, match="render.custom_sizes"):
        active_formats(settings)


def test_no_formats_at_all_is_an_error():
    settings = Settings()
    settings.render.formats = []
    with pytest.raises(UserFixableError, match="render.formats is empty"):
        active_formats(settings)


# --- wrapping and fitting -----------------------------------------------------


def test_wrap_respects_width_and_words_per_line():
    font = BOLD.get(40)
    lines = wrap("one two three four five six seven eight nine ten eleven twelve", font, 2000, max_words=6)
    assert [len(line.split()) for line in lines] == [6, 6]
    for line in wrap("Solid-state batteries reach a second pilot line", font, 300):
        assert font.getlength(line) <= 300


def test_cjk_wraps_between_characters_but_not_before_closing_punctuation():
    tokens = [t.text for t in tokenize("東京で電池工場が稼働しました。次は「量産」")]
    assert "た。" in tokens and "「量" in tokens
    assert "".join(tokens) == "東京で電池工場が稼働しました。次は「量産」"


def test_word_longer_than_the_line_is_broken():
    font = BOLD.get(60)
    lines = wrap("Donaudampfschifffahrtsgesellschaftskapitän", font, 400)
    assert len(lines) > 1 and all(font.getlength(line) <= 400 for line in lines)


def test_fit_picks_the_largest_size_that_fits_and_balances_lines():
    block = fit_text("A second pilot line doubles cell testing", BOLD, max_width=900, max_height=400,
                     max_size=200, min_size=40)
    assert block.height <= 400 and block.width <= 900
    bigger = fit_text("A second pilot line doubles cell testing", BOLD, max_width=900, max_height=400,
                      max_size=block.size + 1, min_size=block.size + 1)
    assert bigger.truncated, "one size up should no longer fit"
    longest, shortest = max(map(len, block.lines)), min(map(len, block.lines))
    assert shortest >= longest / 3, f"unbalanced lines: {block.lines}"


def test_fit_truncates_with_an_ellipsis_when_even_the_smallest_size_overflows():
    block = fit_text("word " * 200, BOLD, max_width=500, max_height=300, max_size=80, min_size=60)
    assert block.truncated and block.lines[-1].endswith("…") and block.height <= 300 and block.size == 60


# --- non-Latin text ---------------------------------------------------------------


def test_greek_and_russian_are_covered_by_the_bundled_font():
    book = FontBook.from_branding("")
    for text in ("Νέα μπαταρία στερεάς κατάστασης", "Твердотельные батареи выходят на вторую линию"):
        face, drawn = book.face_for(text, headline=True)
        assert face == book.headline and drawn == text


def test_emoji_nobody_can_draw_are_dropped_not_fatal(monkeypatch):
    monkeypatch.setattr(fonts_module, "system_candidates", lambda *a, **k: [])
    face, drawn = FontBook.from_branding("").face_for("Batteries 🔋 go far", headline=True)
    assert "🔋" not in drawn and "Batteries" in drawn


def test_missing_script_fails_naming_the_script_and_the_package(monkeypatch):
    monkeypatch.setattr(fonts_module, "system_candidates", lambda *a, **k: [])
    book = FontBook.from_branding("", language="ja")
    with pytest.raises(UserFixableError) as err:
        book.face_for("全固体電池の試験ラインが稼働", headline=True)
    assert "Japanese" in err.value.message or "Chinese" in err.value.message
    assert "fonts-noto-cjk" in err.value.hint and "branding.font_path" in err.value.hint
    with pytest.raises(UserFixableError) as err:
        book.face_for("ठोस अवस्था बैटरी", headline=True)
    assert "Devanagari" in err.value.message and "fonts-noto-core" in err.value.hint


def _installed_font_for(lang: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", f":lang={lang}", "file"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


@pytest.mark.parametrize(
    ("language", "title", "headline"),
    [
        ("el", "Μπαταρίες στερεάς κατάστασης", "Δεύτερη γραμμή παραγωγής διπλασιάζει τις δοκιμές"),
        ("ru", "Твердотельные батареи", "Вторая пилотная линия удваивает испытания элементов"),
        ("ja", "全固体電池が第二の試験ラインへ", "新しいラインでセルの試験数が二倍になりました。"),
        ("zh", "固态电池进入第二条试产线", "新产线使电芯测试数量翻倍，量产仍需至少两年"),
    ],
    ids=["greek", "russian", "japanese", "chinese"],
)
def test_non_latin_script_is_drawn_or_fails_clearly(make_context, settings, language, title, headline):
    settings.render.formats = ["9x16"]
    script = script_dict([title, headline], title=title, language=language, keywords=[(), ()],
                         sentences=[headline, headline])
    ctx = make_context(results_for(script), article=make_article(title=title, language=language))
    if language in ("ja", "zh") and not _installed_font_for(language):
        with pytest.raises(UserFixableError, match="fonts-noto-cjk"):
            visualize.run(ctx)
        return
    out = visualize.run(ctx)
    title_shot = out.results["plan"]["formats"][0]["shots"][0]
    assert title_shot["layers"], "the hook is drawn"
    for layer in title_shot["layers"]:
        with Image.open(ctx.job_dir / layer["path"]) as image:
            box = (layer["x"], layer["y"], layer["x"] + image.width, layer["y"] + image.height)
        assert inside(box, allowed_region("9x16"))
    face, _ = FontBook.from_branding("", language=language).face_for(headline, headline=True)
    assert not face.missing(headline), "every character has a glyph: no tofu boxes"


def test_brand_font_without_the_script_falls_back_per_text(monkeypatch):
    book = FontBook.from_branding(str(bundled_font("DejaVuSans.ttf")))
    face, _ = book.face_for("Plain English headline", headline=True)
    assert face.path.endswith("DejaVuSans.ttf")
    if _installed_font_for("ja"):
        face, _ = book.face_for("日本語の見出し", headline=True)
        assert not face.missing("日本語の見出し")


def test_fit_shrinks_rather_than_split_a_word():
    block = fit_text("Μπαταρίες στερεάς κατάστασης", BOLD, max_width=600, max_height=600, max_size=160, min_size=40)
    assert not block.broken_words
    assert block.lines == ("Μπαταρίες", "στερεάς", "κατάστασης") or all(" " in line or len(line) > 5
                                                                       for line in block.lines)
    assert all(word in " ".join(block.lines).split() for word in ("Μπαταρίες", "στερεάς", "κατάστασης"))
