"""nexus shots JOB [--remove N | --kind N KIND | --photo N PHOTO | --restore N] [--render]"""

from __future__ import annotations

import sys

from ..domain.shots import STEERABLE
from ..pipeline import shot_edits
from ..pipeline.flow import run_job
from . import JSON_FLAG, arg, command, print_json
from .common import clip, table, workspace


def _number(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


_number.__name__ = "shot number"


@command(
    "shots",
    "list a job's shots (kind, time, what they show) and change them: remove one, give it another kind or photo",
    arg("job", type=int, help="the job's id (see: nexus jobs)"),
    arg("--remove", type=_number, metavar="N", help="remove shot N (its time goes to the shot before it)"),
    arg("--restore", type=_number, metavar="N", help="put shot N back as it was planned"),
    arg("--kind", nargs=2, metavar=("N", "KIND"),
        help=f"give shot N another kind: {', '.join(STEERABLE)} (title is kinetic text)"),
    arg("--photo", nargs=2, metavar=("N", "PHOTO"), help="show photo PHOTO (its number in the list, or its URL) in shot N"),
    arg("--render", action="store_true", help="then draw the shots and render the videos again (only this job)"),
    JSON_FLAG,
)
def shots_command(args) -> int:
    ws = workspace(args)
    changed = None
    if args.remove is not None:
        changed = shot_edits.change(ws, args.job, args.remove, remove=True)
    elif args.restore is not None:
        changed = shot_edits.change(ws, args.job, args.restore, restore=True)
    elif args.kind:
        changed = shot_edits.change(ws, args.job, _parse_number(args.kind[0]), kind=args.kind[1])
    elif args.photo:
        changed = shot_edits.change(ws, args.job, _parse_number(args.photo[0]), photo=args.photo[1])
    if changed is not None and not args.json:
        print(changed.message + ("" if args.render else f"; re-render to see it: nexus shots {args.job} --render"))
    if args.render:
        shot_edits.rerender(ws, args.job)
        view = run_job(ws, args.job, progress=_progress_printer())
        if view is not None and view.error:
            print(f"nexus: {view.status_text}")
            return 1
        if not args.json:
            print("Videos made again with your shots")
    _print(shot_edits.load(ws, args.job), args.json)
    return 0


def _progress_printer():
    """A line on stderr when a stage starts and at each tenth of it."""
    last: dict = {}

    def progress(stage, percent: int, message: str) -> None:
        step = percent // 10
        if last.get(stage) != step:
            last[stage] = step
            print(f"  {stage.value} {percent:3d} %  {message}", file=sys.stderr, flush=True)

    return progress


def _parse_number(value: str) -> int:
    from ..domain.errors import UserFixableError

    if not value.isdigit() or int(value) < 1:
        raise UserFixableError(f"“{value}” is not a shot number", hint="shots are numbered from 1: see nexus shots JOB")
    return int(value)


def _print(shots: shot_edits.ShotList, as_json: bool) -> None:
    if as_json:
        print_json({"job": shots.job_id, "status": shots.status.value, "pending": shots.pending,
                    "notes": list(shots.notes), "photos": [p.source for p in shots.photos],
                    "shots": [{"number": r.number, "kind": r.shot.kind, "start": r.shot.start, "end": r.shot.end,
                               "shows": shot_edits.describe(r.shot, shots.photos), "words": r.shot.words,
                               "removed": r.removed, "pending": r.pending,
                               "kinds": [k for k, why in r.options if not why]} for r in shots.rows]})
        return
    if not shots.rows:
        print(f"Job {shots.job_id} has no shots yet: they are planned when its pictures are drawn.")
        return
    rows = [[str(r.number), f"{r.shot.start:5.1f}–{r.shot.end:4.1f} s", "removed" if r.removed else r.kind_name,
             clip(shot_edits.describe(r.shot, shots.photos), 46), clip(r.pending, 30)] for r in shots.rows]
    print(table(rows, ["#", "TIME", "KIND", "SHOWS", "WAITING FOR RE-RENDER"]))
    for n, photo in enumerate(shots.photos, 1):
        print(f"photo {n}: {photo.source}")
    for note in shots.notes:
        print(f"note: {note}")
    if shots.pending:
        print(f"{shots.pending} change(s) wait for a re-render: nexus shots {shots.job_id} --render")
    if shots.busy:
        print(f"Cannot be changed now: {shots.busy}")
