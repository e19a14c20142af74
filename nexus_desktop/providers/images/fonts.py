"""Fonts for cards and thumbnails: the brand font, the bundled DejaVu, and a
system font that covers the text when neither does.

Coverage is tested glyph by glyph with Pillow itself (a missing glyph renders
as the font's ``.notdef`` box), so it works the same on every OS. Candidate
system fonts come from fontconfig (``fc-match``) when it is installed, else
from a short list of well-known font files.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from ...domain.errors import UserFixableError
from ...resources import resource_dir

log = logging.getLogger(__name__)

# A code point no font maps: it renders as .notdef, the shape of "missing".
_NOT_A_CHAR = "\U0010fffd"
_PROBE_SIZE = 32
_FC_TIMEOUT = 5.0


def bundled_font(name: str) -> Path:
    return resource_dir() / "fonts" / name


@dataclass(frozen=True)
class FontFace:
    """A font file (and face index inside a .ttc collection)."""

    path: str
    index: int = 0

    def get(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, max(1, int(size)), threading.get_ident())

    @property
    def name(self) -> str:
        return Path(self.path).name if not self.index else f"{Path(self.path).name}#{self.index}"

    def missing(self, text: str) -> set[str]:
        """The characters of ``text`` this face has no glyph for (whitespace ignored)."""
        return {ch for ch in set(text) if not ch.isspace() and not _has_glyph(self.path, self.index, ch)}


# Keyed by thread too: a FreeType face must not be used by two threads at once.
@functools.lru_cache(maxsize=512)
def _load(path: str, index: int, size: int, thread: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


@functools.lru_cache(maxsize=64)
def _notdef(path: str, index: int) -> tuple[tuple[int, int], bytes]:
    mask = _load(path, index, _PROBE_SIZE, threading.get_ident()).getmask(_NOT_A_CHAR)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=16384)
def _has_glyph(path: str, index: int, ch: str) -> bool:
    if unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
        return True  # marks and format controls draw with their base character
    mask = _load(path, index, _PROBE_SIZE, threading.get_ident()).getmask(ch)
    return (mask.size, bytes(mask)) != _notdef(path, index)


def open_face(path: str | Path, *, setting: str) -> FontFace:
    """A font the creator chose; a file Pillow cannot read is an error naming the setting."""
    face = FontFace(str(Path(path).expanduser()))
    try:
        face.get(_PROBE_SIZE)
    except OSError as exc:
        raise UserFixableError(
            f"{setting}: cannot use the font file {path!r} ({exc})",
            hint=f"choose a .ttf/.otf file in Settings › Branding, or clear {setting} to use the bundled font",
        ) from exc
    return face


# Scripts the bundled DejaVu lacks, with the Debian package that covers them and
# the fontconfig language that prefers the right regional glyphs.
_CJK = "fonts-noto-cjk"
_SCRIPTS: dict[str, tuple[str, str, str]] = {
    # unicodedata name prefix: (script shown to the creator, Debian package, fontconfig lang)
    "CJK": ("Chinese/Japanese (Han)", _CJK, "zh-cn"),
    "HIRAGANA": ("Japanese (kana)", _CJK, "ja"),
    "KATAKANA": ("Japanese (kana)", _CJK, "ja"),
    "HALFWIDTH": ("Japanese (kana)", _CJK, "ja"),
    "HANGUL": ("Korean (Hangul)", _CJK, "ko"),
    "BOPOMOFO": ("Chinese (Bopomofo)", _CJK, "zh-tw"),
    "IDEOGRAPHIC": ("Chinese/Japanese (Han)", _CJK, "zh-cn"),
    "FULLWIDTH": ("Chinese/Japanese (full-width)", _CJK, "zh-cn"),
}
_LANG_FOR_LANGUAGE = {"ja": "ja", "ko": "ko", "zh": "zh-cn", "zh-cn": "zh-cn", "zh-hans": "zh-cn",
                      "zh-tw": "zh-tw", "zh-hk": "zh-hk", "zh-hant": "zh-tw"}


def script_of(ch: str) -> tuple[str, str, str]:
    """(script name, Debian package, fontconfig lang or "") for a character."""
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0] if name else "UNKNOWN"
    if first in _SCRIPTS:
        return _SCRIPTS[first]
    script = first.capitalize() if name else f"U+{ord(ch):04X}"
    return script, "fonts-noto-core", ""


def is_droppable(ch: str) -> bool:
    """Emoji and pictographs: left out when no font draws them, never a failure."""
    return unicodedata.category(ch) in ("So", "Sk", "Co", "Cn") or 0x1F000 <= ord(ch) <= 0x1FAFF


def _fc_langs(missing: set[str], language: str | None) -> list[str]:
    langs = []
    preferred = _LANG_FOR_LANGUAGE.get((language or "").lower())
    scripts = {script_of(ch)[2] for ch in missing}
    if preferred and scripts & {"zh-cn", "ja", "ko", "zh-tw"}:
        langs.append(preferred)
    if "ja" in scripts and "ja" not in langs:
        langs.append("ja")  # kana present: a Japanese face draws the Han too
    langs.extend(sorted(lang for lang in scripts if lang and lang not in langs))
    return langs


def system_candidates(missing: set[str], language: str | None, bold: bool) -> list[FontFace]:
    """Installed fonts likely to cover ``missing``, best first."""
    faces = _fontconfig_candidates(missing, language, bold)
    faces += [FontFace(str(p)) for p in _WELL_KNOWN if p.is_file()]
    return faces


def _fontconfig_candidates(missing: set[str], language: str | None, bold: bool) -> list[FontFace]:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return []
    charset = " ".join(f"{ord(ch):x}" for ch in sorted(missing)[:48])
    weight = ":weight=bold" if bold else ""
    patterns = [f"sans-serif{weight}:lang={lang}:charset={charset}" for lang in _fc_langs(missing, language)]
    patterns.append(f"sans-serif{weight}:charset={charset}")
    faces: list[FontFace] = []
    for pattern in patterns:
        try:
            out = subprocess.run(
                [fc_match, "-s", pattern, "--format=%{file}\t%{index}\n"],
                capture_output=True, text=True, timeout=_FC_TIMEOUT, check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            log.info("fc-match failed: %s", exc)
            return faces
        for line in out.splitlines()[:12]:
            path, _, index = line.partition("\t")
            face = FontFace(path, int(index or 0))
            if path and face not in faces:
                faces.append(face)
    return faces


# Fonts that ship with Windows and macOS, for machines without fontconfig.
_WELL_KNOWN = [
    Path(p)
    for p in (
        "C:/Windows/Fonts/YuGothB.ttc",
        "C:/Windows/Fonts/msyhbd.ttc",
        "C:/Windows/Fonts/malgunbd.ttf",
        "C:/Windows/Fonts/Nirmala.ttc",
        "C:/Windows/Fonts/seguisym.ttf",
        "/System/Library/Fonts/Hiragino Sans GB.ttc",
        "/System/Library/Fonts/AppleSDGothicNeo.ttc",
        "/Library/Fonts/Arial Unicode.ttf",
    )
]


class FontBook:
    """Picks, for each text, a face that can draw all of it.

    The brand (or bundled) face wins when it covers the text; otherwise the first
    installed font that does. Emoji nobody can draw are dropped; letters nobody
    can draw fail the stage with the script's name and the package to install.
    """

    def __init__(self, bold: FontFace, headline: FontFace, *, language: str | None = None) -> None:
        self.bold = bold
        self.headline = headline
        self.language = language
        self._chosen: dict[tuple[FontFace, frozenset[str]], FontFace] = {}

    @classmethod
    def from_branding(cls, font_path: str, *, language: str | None = None) -> "FontBook":
        if font_path.strip():
            face = open_face(font_path.strip(), setting="branding.font_path")
            return cls(face, face, language=language)
        bold = FontFace(str(bundled_font("DejaVuSans-Bold.ttf")))
        headline = FontFace(str(bundled_font("DejaVuSansCondensed-Bold.ttf")))
        return cls(bold, headline, language=language)

    def face_for(self, text: str, *, headline: bool = False) -> tuple[FontFace, str]:
        """The face to draw ``text`` with, and the text with undrawable emoji removed."""
        base = self.headline if headline else self.bold
        missing = base.missing(text)
        if not missing:
            return base, text
        key = (base, frozenset(missing))
        if key not in self._chosen:
            self._chosen[key] = self._fallback(base, text, missing)
        face = self._chosen[key]
        lost = face.missing(text)
        if lost:
            log.info("dropping characters no font draws: %s", "".join(sorted(lost)))
            text = "".join(ch for ch in text if ch not in lost)
        return face, text

    def _fallback(self, base: FontFace, text: str, missing: set[str]) -> FontFace:
        letters = {ch for ch in missing if not is_droppable(ch)}
        if not letters:
            return base
        for face in [self.bold, *system_candidates(letters, self.language, bold=True)]:
            try:
                if not (face.missing(text) - {ch for ch in missing if is_droppable(ch)}):
                    log.info("text needs %s; using %s", script_of(min(letters))[0], face.name)
                    return face
            except OSError as exc:  # a broken system font must not hide a good one
                log.info("skipping font %s: %s", face.name, exc)
        raise _no_font_error(text, letters)


def _no_font_error(text: str, letters: set[str]) -> UserFixableError:
    script, package, _ = script_of(min(letters))
    sample = text if len(text) <= 40 else text[:39] + "…"
    return UserFixableError(
        f"no installed font can draw the {script} text in this job ({sample!r})",
        hint=(
            f"install a font that covers it — on Debian/Ubuntu: sudo apt install {package} — "
            "or set branding.font_path to such a font, then retry the visualize stage"
        ),
    )
