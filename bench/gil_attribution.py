"""Who ran while the window's thread waited: attribution of event-loop gaps. No Qt.

A timer on the window's thread calls ``GapWitness.tick`` at every tick with the
time since the last one. Each tick reads the processor time of every Python
thread of the process (``pthread_getcpuclockid``, a few microseconds) and of
the whole process; when a tick comes later than ``threshold_ms`` the witness
keeps, for that gap:

- each thread's processor time during the gap: a worker that used most of the
  gap's length held the GIL for it (the window's thread could not run, though a
  core was free for it), unless it was in C code that lets the GIL go;
- that thread's stack when the window got the GIL back (the GIL is handed over
  when the holder's C call returns, so the innermost frames name the call);
- the process's processor time in threads without Python (onnxruntime's pool,
  Qt's);
- how the window's thread spent the gap (Linux ``/proc/thread-self/schedstat``):
  running, *runnable but not given a core* (the machine's load), or neither,
  *blocked*: waiting for the GIL (its timer was due, nothing else blocks it). The
  last is the part of a gap that workers holding the GIL cause, whatever the load.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

SHOWN_FRAMES = 4


def _thread_cpu(ident: int) -> float | None:
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (OSError, OverflowError, AttributeError):
        return None


def _schedstat() -> tuple[float, float]:
    """This thread's (processor, waiting-for-a-core) time so far in ms; zeros where unknown."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as stat:
            ran, waited, _ = stat.read().split()
        return int(ran) / 1e6, int(waited) / 1e6
    except (OSError, ValueError):
        return 0.0, 0.0


def _where(frame) -> str:
    """The innermost frames, innermost last: ``module.py:line function``."""
    parts: list[str] = []
    while frame is not None and len(parts) < SHOWN_FRAMES:
        code = frame.f_code
        path = code.co_filename
        short = path.split("site-packages/")[-1] if "site-packages/" in path else path
        short = short.split("nexus_desktop/")[-1] if "nexus_desktop/" in short else os.path.basename(short)
        parts.append(f"{short}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return " < ".join(parts)


@dataclass
class ThreadShare:
    name: str
    cpu_ms: float
    where: str


@dataclass
class Gap:
    stage: str
    wall_ms: float
    main_cpu_ms: float
    threads: list[ThreadShare]
    other_cpu_ms: float  # the process's threads without Python
    main_waiting_ms: float = 0.0  # the window's thread runnable, waiting for a core

    @property
    def blocked_ms(self) -> float:
        """Neither running nor waiting for a core: waiting for the GIL."""
        return max(0.0, self.wall_ms - self.main_cpu_ms - self.main_waiting_ms)

    @property
    def culprit(self) -> ThreadShare | None:
        return max(self.threads, key=lambda t: t.cpu_ms, default=None)

    @property
    def unexplained_ms(self) -> float:
        used = self.main_cpu_ms + sum(t.cpu_ms for t in self.threads)
        return max(0.0, self.wall_ms - used)


@dataclass
class GapWitness:
    threshold_ms: float
    gaps: list[Gap] = field(default_factory=list)
    _cpu: dict[int, float] = field(default_factory=dict)
    _process: float = 0.0
    _sched: tuple[float, float] = (0.0, 0.0)
    _started: bool = False
    _main: int = field(default_factory=threading.get_ident)

    def tick(self, elapsed_ms: float, stage: str, main_cpu_ms: float) -> None:
        frames = sys._current_frames()  # while this thread holds the GIL, every thread listed is alive
        now = {ident: cpu for ident in frames if ident != self._main and (cpu := _thread_cpu(ident)) is not None}
        process = time.process_time()
        sched = _schedstat()
        if elapsed_ms > self.threshold_ms and self._started:
            names = {t.ident: t.name for t in threading.enumerate()}
            shares = []
            for ident, cpu in now.items():
                used = (cpu - self._cpu.get(ident, cpu)) * 1000  # unseen at the last tick (a pool thread between two calls into Python): not counted
                if used >= 1.0:
                    shares.append(ThreadShare(names.get(ident, f"thread {ident:x}"), used, _where(frames[ident])))
            shares.sort(key=lambda s: -s.cpu_ms)
            other = (process - self._process) * 1000 - main_cpu_ms - sum(s.cpu_ms for s in shares)
            self.gaps.append(Gap(stage, elapsed_ms, main_cpu_ms, shares, max(0.0, other), sched[1] - self._sched[1]))
        self._cpu, self._process, self._sched, self._started = now, process, sched, True
        del frames

    def report(self, top: int = 12) -> str:
        """The longest gaps with who ran during each, and a tally of the culprits' places."""
        if not self.gaps:
            return f"no gap over {self.threshold_ms:.0f} ms"
        lines = [f"gaps over {self.threshold_ms:.0f} ms: {len(self.gaps)}; the longest, with who ran meanwhile "
                 "(CPU ms in the gap; stack innermost first when the window got the GIL back):"]
        for gap in sorted(self.gaps, key=lambda g: -g.wall_ms)[:top]:
            lines.append(f"  {gap.stage:<12}{gap.wall_ms:7.1f} ms: window ran {gap.main_cpu_ms:.1f} ms, waited for a core "
                         f"{gap.main_waiting_ms:.1f} ms, blocked (GIL) {gap.blocked_ms:.1f} ms; threads without Python "
                         f"{gap.other_cpu_ms:.1f} ms, no thread of ours {gap.unexplained_ms:.1f} ms")
            for share in gap.threads[:3]:
                lines.append(f"      {share.cpu_ms:6.1f} ms {share.name}: {share.where}")
        held = sorted((g for g in self.gaps if g.culprit is not None), key=lambda g: -g.culprit.cpu_ms)[:top]
        if held:
            lines.append("  the gaps in which one worker ran longest (CPU ms; that thread held the GIL unless its C code let it go):")
            for gap in held:
                c = gap.culprit
                lines.append(f"    {c.cpu_ms:6.1f} ms of a {gap.wall_ms:6.1f} ms gap in {gap.stage}, {c.name}: {c.where}")
        blocked = sorted(self.gaps, key=lambda g: -g.blocked_ms)[:top]
        lines.append("  the gaps in which the window's thread was blocked longest (waiting for the GIL), with the worker "
                     "that ran most:")
        for gap in blocked:
            c = gap.culprit
            who = f"{c.cpu_ms:.1f} ms {c.name}: {c.where}" if c else "no Python thread ran 1 ms"
            lines.append(f"    {gap.blocked_ms:6.1f} ms blocked of a {gap.wall_ms:6.1f} ms gap in {gap.stage}; {who}")
        by_stage: dict[str, list[Gap]] = {}
        for gap in self.gaps:
            by_stage.setdefault(gap.stage, []).append(gap)
        lines.append("  per stage, the longest wait of each kind in gaps over the threshold (ms): "
                     f"blocked (GIL) / waiting for a core / window's own work; gaps, of which blocked over "
                     f"{self.threshold_ms:.0f} ms")
        for stage, gaps in by_stage.items():
            lines.append(f"    {stage:<14}{max(g.blocked_ms for g in gaps):7.1f} /{max(g.main_waiting_ms for g in gaps):7.1f} "
                         f"/{max(g.main_cpu_ms for g in gaps):6.1f}   ({len(gaps)} gaps, "
                         f"{sum(g.blocked_ms > self.threshold_ms for g in gaps)} blocked)")
        tally: Counter[str] = Counter()
        for gap in self.gaps:
            if (c := gap.culprit) is not None and c.cpu_ms >= gap.wall_ms / 3:
                tally[c.where.split(" < ")[0]] += 1
        if tally:
            lines.append("  most frequent innermost frame of the thread that ran most in a gap:")
            lines.extend(f"    {n} x {where}" for where, n in tally.most_common(8))
        return "\n".join(lines)
