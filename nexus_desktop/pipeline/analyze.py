"""Analyze stage: an article becomes a Script (narration, scenes, titles, posts).

The provider named in settings.analyze writes it; this module prepares the
article's text, checks the result against what later stages rely on, and stores
script.json in the job folder.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

from ..domain.content import Script
from ..domain.errors import UserFixableError
from ..providers.llm import ScriptRequest, get_provider
from ..providers.llm.checks import script_problems
from ..providers.llm.document import prepare
from .article_page import whole_article
from .context import StageContext, StageOutput

SCRIPT_FILE = "script.json"
# The bundled Piper voice says 3.0-3.3 spoken words a second at speed 1.0, pauses
# between sentences included (bench/script.py --speak); 2.8 leaves room for a
# slower voice.
WORDS_PER_SECOND = 2.8


def run(ctx: StageContext) -> StageOutput:
    settings = ctx.settings.analyze
    ctx.progress(0, "Reading the article")
    text = prepare(whole_article(ctx))
    ctx.check_cancelled()
    request = ScriptRequest(
        text=text,
        narration_words=narration_words(ctx.settings),
        scenes_min=min(settings.scenes_min, settings.scenes_max),
        scenes_max=settings.scenes_max,
    )
    provider = get_provider(settings)
    ctx.progress(10, f"Writing the script ({provider.name})")
    script = provider.write_script(request, progress=ctx.progress, check_cancelled=ctx.check_cancelled)
    _check(script, request)
    ctx.check_cancelled()
    ctx.progress(90, "Saving the script")
    data = json.loads(json.dumps(script.to_dict()))  # tuples become lists, as in the file
    path = write_json_atomic(ctx.job_dir / SCRIPT_FILE, data)
    ctx.progress(100, f"Script ready ({script.notice})" if script.notice else "Script ready")
    usage = {"model": script.provider, "prompt_tokens": script.prompt_tokens,
             "completion_tokens": script.completion_tokens, "total_tokens": script.tokens_used,
             "cost_usd": script.cost_usd}
    results = {"script": data, "usage": usage}
    if script.notice:
        results["notice"] = script.notice
    return StageOutput(results=results, assets=(ctx.asset("script", path),))


def narration_words(settings) -> int:
    """The word budget: the narration_words setting, or fewer if the target seconds ask for it."""
    by_time = settings.analyze.narration_seconds * WORDS_PER_SECOND * settings.voice.speed
    return max(20, min(settings.analyze.narration_words, round(by_time)))


def _check(script: Script, request: ScriptRequest) -> None:
    """A provider that breaks the contract is a bug, not the creator's problem."""
    problems = script_problems(script, scenes_max=request.scenes_max)
    if problems:
        raise RuntimeError(f"{script.provider} wrote an invalid script: {'; '.join(problems)}")


def write_json_atomic(path: Path, data: dict) -> Path:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    except OSError as exc:
        raise _disk_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _disk_error(path, exc) from exc
        raise
    return path


def _disk_error(path: Path, exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserFixableError(
            f"the disk is full: cannot save {path.name} in {path.parent}", hint="free some space, then retry"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UserFixableError(
            f"cannot write {path.name} in {path.parent}: {exc.strerror}", hint="check the data folder's permissions"
        )
    return exc
