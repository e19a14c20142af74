"""The installable app's size and start-up time.

    .venv/bin/python bench/bundle.py [--bundle dist/nexus-desktop] [--runs 3]

Prints the unpacked size of the bundle that ``packaging/build.py`` made, its ten
largest parts (the top-level folders and libraries of ``_internal/``), and the
frozen app's time from launch to a shown main window, read from its ``--smoke``
check (a fresh data folder, so the store is created and migrated first, as on a
first start). Targets: under 450 MB unpacked, under 3 s to the window.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_TARGET_MB = 450
WINDOW_TARGET_S = 3.0
_WINDOW_LINE = re.compile(r"main window shown ([\d.]+) s after start(?: \(([\d.]+) s of CPU\))?")


def file_size(path: Path) -> int:
    return 0 if path.is_symlink() or not path.is_file() else path.stat().st_size


def tree_size(path: Path) -> int:
    if not path.is_dir() or path.is_symlink():
        return file_size(path)
    return sum(file_size(p) for p in path.rglob("*"))


def parts(bundle: Path) -> list[tuple[int, str]]:
    inside = bundle / "_internal"
    found = [(tree_size(p), f"_internal/{p.name}") for p in inside.iterdir()]
    found += [(tree_size(p), p.name) for p in bundle.iterdir() if p.name != "_internal"]
    return sorted(found, reverse=True)


def time_to_window(binary: Path) -> tuple[float, float | None]:
    with tempfile.TemporaryDirectory(prefix="nexus-bench-") as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "QT_QPA_PLATFORM": "offscreen"}
        proc = subprocess.run([str(binary), "--smoke"], env=env, cwd=home, capture_output=True, text=True, timeout=600)
    found = _WINDOW_LINE.search(proc.stdout)
    if proc.returncode != 0 or not found:
        sys.exit(f"bundle: the smoke check failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return float(found[1]), (float(found[2]) if found[2] else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "nexus-desktop")
    parser.add_argument("--runs", type=int, default=3, help="smoke runs to take the median window time from")
    args = parser.parse_args(argv)
    binary = args.bundle / ("nexus-desktop.exe" if sys.platform == "win32" else "nexus-desktop")
    if not binary.is_file():
        sys.exit(f"bundle: no {binary}; build it first with `.venv/bin/python packaging/build.py`")

    total = tree_size(args.bundle) / 1e6
    verdict = "within" if total < SIZE_TARGET_MB else "OVER"
    print(f"Bundle {args.bundle}: {total:.0f} MB unpacked ({verdict} the {SIZE_TARGET_MB} MB target)")
    print("Ten largest parts:")
    for size, name in parts(args.bundle)[:10]:
        print(f"  {size / 1e6:7.1f} MB  {name}")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    measured = [time_to_window(binary) for _ in range(args.runs)]
    times, cpus = [t for t, _ in measured], [c for _, c in measured if c is not None]
    median = statistics.median(times)
    verdict = "within" if median < WINDOW_TARGET_S else "OVER"
    print(f"Time to a shown window: median {median:.2f} s of {', '.join(f'{t:.2f}' for t in times)} "
          f"({verdict} the {WINDOW_TARGET_S:.0f} s target); load average {load:.1f} on {os.cpu_count()} cores")
    if cpus:
        print(f"CPU time until then: median {statistics.median(cpus):.2f} s (the smoke check's store and files checks "
              "come first: a first start, migrations included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
