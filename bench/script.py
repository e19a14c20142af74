"""Analyze (extractive) and text normalization on the ten sample articles and a
50,000-word article, plus the spoken length of the scripts with the real voice.

Targets (issue 12): analyze < 1 s per article (page fetch excluded),
normalization < 50 ms per article.

    .venv/bin/python bench/script.py            # figures
    .venv/bin/python bench/script.py --doc      # also rewrite resources/samples/SCRIPTS.md
    .venv/bin/python bench/script.py --speak    # also speak two scripts with Piper (seconds of speech)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.samples import SAMPLES, sample_articles  # noqa: E402
from nexus_desktop.providers.llm import ScriptRequest  # noqa: E402
from nexus_desktop.providers.llm.document import prepare  # noqa: E402
from nexus_desktop.providers.llm.extractive import ExtractiveProvider  # noqa: E402
from nexus_desktop.providers.tts.normalize import normalize_tokens, spoken_text  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402


def write(article):
    text = prepare(article)
    settings = Settings()
    from nexus_desktop.pipeline.analyze import narration_words

    request = ScriptRequest(text, narration_words(settings), settings.analyze.scenes_min, settings.analyze.scenes_max)
    return ExtractiveProvider().write_script(request, progress=lambda *_: None, check_cancelled=lambda: None)


def long_article(template):
    rng = random.Random(7)
    nouns = "council bridge river budget school library tram harbour market museum park station tower".split()
    verbs = "approved delayed funded reviewed opened closed expanded repaired inspected praised".split()
    sentences = [f"The {rng.choice(nouns)} board {rng.choice(verbs)} the {rng.choice(nouns)} plan after "
                 f"{rng.randint(2, 90)} days, at a cost of ${rng.randint(1, 90)}.{rng.randint(1, 9)}M." for _ in range(3400)]
    html = "".join("<p>" + " ".join(sentences[i : i + 5]) + "</p>" for i in range(0, len(sentences), 5))
    return replace(template, content_html=html, title="A long council report")


def timed(fn, *args, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    articles = sample_articles()
    write(articles[0])  # warm-up: yake and numpy imports
    rows, analyze_times, normalize_times = [], [], []
    for article in articles:
        seconds, script = timed(write, article)
        norm, segments = timed(lambda t: normalize_tokens(t.split(), script.language), script.narration, repeat=20)
        analyze_times.append(seconds)
        normalize_times.append(norm)
        rows.append((article, script, spoken_text(segments)))
    big = long_article(articles[0])
    big_seconds, big_script = timed(write, big, repeat=2)
    print(f"analyze, ten samples: median {statistics.median(analyze_times) * 1000:.0f} ms, "
          f"max {max(analyze_times) * 1000:.0f} ms per article (target < 1000 ms)")
    print(f"analyze, 50,000-word article ({len(big.content_html.split())} words): {big_seconds * 1000:.0f} ms")
    print(f"normalize, ten narrations: median {statistics.median(normalize_times) * 1000:.2f} ms, "
          f"max {max(normalize_times) * 1000:.2f} ms (target < 50 ms)")
    big_norm, _ = timed(lambda: normalize_tokens(big_script.narration.split(), "en"))
    print(f"normalize, the 50,000-word article's narration: {big_norm * 1000:.2f} ms")
    if "--doc" in sys.argv:
        write_doc(rows)
    if "--speak" in sys.argv:
        speak([row[1] for row in rows[:2]])


def write_doc(rows) -> None:
    lines = ["# The sample articles' scripts", "",
             "Written by the extractive writer (the default) from `resources/samples`; regenerate with",
             "`python bench/script.py --doc`. The first title is the main one (at most 60 characters), the",
             "other two take other angles (the striking fact, the caveat, the topic).", ""]
    for article, script, spoken in rows:
        lines += [f"## {article.title}", "",
                  f"- Titles: {' · '.join(script.titles)}",
                  f"- Hashtags: {' '.join(script.hashtags)}",
                  f"- Opens on: {script.scenes[0].narration.split('. ')[0].rstrip('.')}.",
                  f"- Words: {len(script.narration.split())} written, {len(spoken.split())} spoken", ""]
    (SAMPLES / "SCRIPTS.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {SAMPLES / 'SCRIPTS.md'}")


def speak(scripts) -> None:
    import tempfile

    from nexus_desktop.domain.content import Script
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.pipeline import narrate
    from nexus_desktop.pipeline.context import StageContext

    for script in scripts:
        with tempfile.TemporaryDirectory() as tmp:
            ctx = StageContext(job_id=1, article=None, settings=Settings(), paths=AppPaths.resolve(Path(tmp)),
                               results={"analyze": {"script": Script.to_dict(script)}})
            start = time.perf_counter()
            out = narrate.run(ctx)
            duration = out.results["narration"]["duration"]
            words = len(out.results["spoken"].split())
            keep = Path("/tmp") / f"narration-{script.title[:20].replace(' ', '-')}.wav"
            keep.write_bytes((ctx.job_dir / "narration.wav").read_bytes())
            print(f"spoken: {script.title!r}: {duration:.1f} s of speech, {words} spoken words "
                  f"({words / duration:.2f} words/s), synthesized in {time.perf_counter() - start:.1f} s -> {keep}")


if __name__ == "__main__":
    main()
