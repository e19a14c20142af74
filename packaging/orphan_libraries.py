"""Shared libraries in the bundle that nothing kept links any more.

PyInstaller collects each binary's dependencies while it analyses, before the spec
leaves parts out. What a left-out part alone linked stays behind: GTK 3's theme
plugin brought cairo, pango, pixbuf and ATK; espeak-ng brought its audio output
(pcaudio, sonic, ALSA). ``orphans`` finds the plain libraries (top level of
``_internal/`` and Qt's ``lib/``) whose name no kept ELF file lists as NEEDED, again
and again until none is left (a dropped library may have been the only one to need
another). Python's own library, extension modules and Qt's plugins are never
candidates: they are loaded by path, not linked. The smoke check
(nexus_desktop/smoke.py) then shows the app, plays a clip, draws charts and speaks.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable

Entry = tuple[str, str, str]  # PyInstaller's (destination, source, kind)
_LIB_FOLDERS = ("", "PySide6/Qt/lib/")


def needed(path: str) -> frozenset[str]:
    """The sonames an ELF file lists as NEEDED (empty when it is not ELF or readelf is missing)."""
    try:
        with open(path, "rb") as file:
            if file.read(4) != b"\x7fELF":
                return frozenset()
        out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.split("[", 1)[1].split("]", 1)[0] for line in out.splitlines() if "(NEEDED)" in line)


def _candidate(entry: Entry, linked_to: set[str]) -> bool:
    dest, _, kind = entry
    dest = dest.replace("\\", "/")
    folder, _, name = dest.rpartition("/")
    folder = f"{folder}/" if folder else ""
    return (kind == "BINARY" and folder in _LIB_FOLDERS and name.startswith("lib") and ".so" in name
            and not name.startswith("libpython") and name not in linked_to)  # fmt: skip


def orphans(entries: Iterable[Entry], needed_of: Callable[[str], frozenset[str]] = needed,
            data: Iterable[Entry] = ()) -> list[Entry]:
    """The binary entries to drop: plain libraries nothing kept needs (``data``'s ELF files
    included), found until none is left."""
    entries = list(entries)
    from_data = set().union(*(needed_of(src) for _, src, kind in data if kind in ("DATA", "BINARY")))
    # A symbolic link's target stays whenever the link does (PyInstaller links libfoo.so.1 to libfoo-<hash>.so...).
    linked_to = {src.replace("\\", "/").rpartition("/")[2] for _, src, kind in entries if kind == "SYMLINK"}
    wants = {entry[0]: needed_of(entry[1]) for entry in entries if entry[2] in ("BINARY", "EXTENSION")}
    kept, dropped = list(entries), []
    while True:
        named = from_data.union(*(wants.get(dest, frozenset()) for dest, _, _ in kept))
        gone = [e for e in kept if _candidate(e, linked_to) and e[0].replace("\\", "/").rpartition("/")[2] not in named]
        if not gone:
            return dropped
        dropped += gone
        kept = [e for e in kept if e not in gone]
