"""Captions files carry the words, not markup a player would act on."""

from __future__ import annotations

from nexus_desktop.domain.content import WordTiming
from nexus_desktop.pipeline.captions import Cue, srt_text


def test_srt_cues_drop_html_and_ass_tags_but_keep_comparisons():
    words = [WordTiming(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(
        ["<i>Breaking</i>", "{\\an8}news:", "<font", 'color="red">3', "<", "4</font>"])]
    text = srt_text([Cue(0.0, 3.0, (tuple(words),))])
    body = text.splitlines()[2]
    assert "<i>" not in body and "{\\an8}" not in body and "</font>" not in body
    assert "Breaking" in body and "news:" in body and "<" in body
