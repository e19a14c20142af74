"""Helpers for the visualize tests (no tests here): a script as the analyze stage stores it,
word timings as a voice gives them, the safe area, and a decompression-bomb PNG."""

from __future__ import annotations

import struct
import zlib

from nexus_desktop.domain.content import FORMATS, Narration, WordTiming
from nexus_desktop.pipeline import captions as cap

HEADLINES = [
    "Solid-state batteries reach a second pilot line",
    "A second pilot line doubles cell testing",
    "Ceramic layers promise denser, safer cells",
    "91 percent capacity after 800 cycles",
    "A pressure frame keeps the stack compressed",
    "Volume production is at least two years away",
    "Next: pass the nail test without a frame",
    "What it means for electric cars",
]
SENTENCES = [
    "Engineers opened a second pilot line for solid-state battery cells this week.",
    "The line doubles the number of cells the team can test each month.",
    "Ceramic layers promise denser and safer cells for electric cars.",
    "The cells kept 91 percent of their capacity after 800 cycles.",
    "“We finally have a stack that survives real driving,” said Lena Ortiz, the lead engineer.",
    "A pressure frame keeps the stack compressed through every charge cycle.",
    "Volume production is still at least two years away.",
    "Next the team must pass the nail test without a frame.",
]
KEYWORDS = [(), ("solid-state", "testing"), ("energy density", "fire risk"), (), ("pressure frame",),
            ("production",), ("nail-penetration",), ("EV", "range")]


def script_dict(headlines=HEADLINES, *, title="Solid-state batteries reach a second pilot line", language="en",
                keywords=None, sentences=None) -> dict:
    keywords = keywords if keywords is not None else KEYWORDS
    sentences = sentences if sentences is not None else SENTENCES
    scenes = [{"narration": sentences[i % len(sentences)], "headline": h,
               "keywords": list(keywords[i]) if i < len(keywords) else []} for i, h in enumerate(headlines)]
    return {
        "title": title, "summary": "A summary.", "narration": " ".join(s["narration"] for s in scenes),
        "scenes": scenes, "titles": [title], "description": "A description.", "hashtags": ["#batteries", "#EV"],
        "platforms": {"youtube_title": title, "youtube_description": "d", "x_post": "x",
                      "instagram_caption": "c", "linkedin_post": "l"},
        "language": language,
    }


def narration_for(text: str, per_word: float = 0.36, pause: float = 0.35) -> Narration:
    """Word timings as a voice would give them: a pause after each sentence."""
    words, t = [], 0.2
    for token in text.split():
        words.append(WordTiming(token, round(t, 3), round(t + per_word * 0.85, 3)))
        t += per_word + (pause if token.rstrip("”\"").endswith((".", "!", "?")) else 0.0)
    return Narration("narration/voice.wav", round(t + 0.3, 3), tuple(words), "test", "v")


def results_for(script: dict) -> dict:
    return {"analyze": {"script": script}, "narrate": {"narration": narration_for(script["narration"]).to_dict()}}


def inside(bbox, region) -> bool:
    return bbox[0] >= region[0] and bbox[1] >= region[1] and bbox[2] <= region[2] and bbox[3] <= region[3]


def allowed_region(name: str) -> tuple[int, int, int, int]:
    """The safe area, above the caption band."""
    fmt = FORMATS[name]
    return (round(fmt.width * fmt.safe.left), round(fmt.height * fmt.safe.top),
            round(fmt.width * (1 - fmt.safe.right)), cap.layout_for(fmt).y)



def png_chunk(tag: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))


def make_bomb_png(width: int = 40000, height: int = 40000) -> bytes:
    """A valid 1-bit PNG of ``width``×``height`` (40000² fits in ~200 KB): one
    compressed block of blank rows, repeated (a full flush makes deflate blocks
    independent). ``height`` must be a multiple of 400."""
    rows = bytes(1 + width // 8) * 400
    comp = zlib.compressobj(9)
    piece = comp.compress(rows) + comp.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(height // 400):
        adler = zlib.adler32(rows, adler)
    idat = piece + piece[2:] * (height // 400 - 1) + b"\x03\x00" + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
