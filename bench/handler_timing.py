"""Which of the window's own handlers used its thread's processor time, turn by turn. No Qt.

``HandlerClock.install()`` wraps every method defined in the window's modules
(``nexus_desktop.gui.*``, and the runner's delivery on the GUI thread) with a
clock: on the main thread, each call records its processor time
(``time.thread_time``, which the machine's load does not inflate) and how deep
it was in other wrapped calls. The gap meter calls ``take()`` at each tick and
keeps the calls of a turn whose own work was long, so a gap's "window ran N ms"
comes with the handlers that ran. Over the whole job it sums each handler.

Overhead: two ``thread_time`` calls per wrapped call on the main thread (~1 µs);
other threads pass straight through.
"""

from __future__ import annotations

import functools
import gc
import inspect
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

SHOWN_CALLS = 8  # per turn kept


@dataclass
class Call:
    name: str
    depth: int
    cpu_ms: float


@dataclass
class Turn:
    stage: str
    wall_ms: float
    main_cpu_ms: float
    calls: list[Call]


@dataclass
class HandlerClock:
    threshold_ms: float  # a turn whose main-thread CPU exceeds this keeps its calls
    prefixes: tuple[str, ...] = ("nexus_desktop.gui", "nexus_desktop.runtime.runner")
    turns: list[Turn] = field(default_factory=list)
    totals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0, 0.0]))  # ms, calls, max
    _calls: list[Call] = field(default_factory=list)
    _depth: int = 0
    _active: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # recursion: counted once
    _main: int = field(default_factory=threading.get_ident)

    def install(self) -> int:
        """Wrap the methods of every class defined in the window's modules, and time the garbage
        collector's runs on the window's thread; returns how many methods."""
        gc.callbacks.append(self._on_gc)
        wrapped = 0
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(self.prefixes):
                continue
            for cls in list(vars(module).values()):
                if not inspect.isclass(cls) or cls.__module__ != name:
                    continue
                for attr, value in list(vars(cls).items()):
                    if inspect.isfunction(value) and not attr.startswith("__"):
                        setattr(cls, attr, self._wrap(f"{cls.__name__}.{attr}", value))
                        wrapped += 1
        return wrapped

    def _wrap(self, name: str, fn):
        clock = self
        code = fn.__code__
        # Qt passes a slot as many of a signal's arguments as the slot takes: keep that count.
        takes = None if code.co_flags & inspect.CO_VARARGS else code.co_argcount

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if takes is not None:
                args = args[:takes]
            if threading.get_ident() != clock._main:
                return fn(*args, **kwargs)
            return clock.call(name, fn, *args, **kwargs)

        return timed

    def call(self, name: str, fn, *args, **kwargs):
        """``fn(*args)`` on the window's thread, timed under ``name``."""
        depth = self._depth
        self._depth = depth + 1
        self._active[name] += 1
        start = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            used = (time.thread_time() - start) * 1000
            self._depth = depth
            self._active[name] -= 1
            self._calls.append(Call(name, depth, used))
            total = self.totals[name]
            if not self._active[name]:
                total[0] += used
            total[1] += 1
            total[2] = max(total[2], used)

    _gc_started: float = 0.0

    def _on_gc(self, phase: str, info: dict) -> None:
        if threading.get_ident() != self._main:
            return
        if phase == "start":
            self._gc_started = time.thread_time()
            return
        used = (time.thread_time() - self._gc_started) * 1000
        name = f"gc collect (generation {info.get('generation')})"
        self._calls.append(Call(name, self._depth, used))
        total = self.totals[name]
        total[0] += used
        total[1] += 1
        total[2] = max(total[2], used)

    def note(self, what: str) -> None:
        """Something that happened in this turn (a Qt message), listed with its handlers."""
        if threading.get_ident() == self._main:
            self._calls.append(Call(what, self._depth, 0.0))
            self.totals[what][1] += 1

    def take(self, stage: str, wall_ms: float, main_cpu_ms: float) -> None:
        """At a tick: keep this turn's calls if the window's own work was long, then start afresh."""
        if main_cpu_ms > self.threshold_ms and self._calls:
            longest = sorted(self._calls, key=lambda c: -c.cpu_ms)[:SHOWN_CALLS]
            longest += [c for c in self._calls if c.cpu_ms == 0.0 and c not in longest][:2]  # notes
            self.turns.append(Turn(stage, wall_ms, main_cpu_ms, longest))
        self._calls = []

    def report(self, top: int = 10) -> str:
        lines = [f"turns with over {self.threshold_ms:.0f} ms of the window's own work: {len(self.turns)}; "
                 "the longest, with its longest handlers (CPU ms, depth in other handlers):"]
        for turn in sorted(self.turns, key=lambda t: -t.main_cpu_ms)[:top]:
            lines.append(f"  {turn.stage:<12} own {turn.main_cpu_ms:6.1f} ms (gap {turn.wall_ms:.1f} ms)")
            for call in turn.calls:
                lines.append(f"      {call.cpu_ms:6.1f} ms {'  ' * call.depth}{call.name}")
        lines.append("  the window's handlers over the whole run, by CPU (ms in all, calls, longest call):")
        ranked = sorted(self.totals.items(), key=lambda kv: -kv[1][0])[:18]
        for name, (ms, calls, longest) in ranked:
            lines.append(f"    {ms:8.1f} ms {calls:7d} x  longest {longest:6.1f} ms  {name}")
        notes = [(name, calls) for name, (ms, calls, _) in self.totals.items() if ms == 0.0 and calls]
        if notes:
            lines.append("  noted (times):")
            lines.extend(f"    {calls:5d} x  {name}" for name, calls in sorted(notes, key=lambda n: -n[1])[:8])
        return "\n".join(lines)
