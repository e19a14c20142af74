"""Qt's ICU data library (``libicudata.so.NN``, 32 MB) rebuilt with only what the app can ask for.

Qt Core links ICU for collation (QCollator), time-zone names, locale-aware case
mapping and legacy text codecs. The app's interface is English and it sorts and
names nothing per locale, but a creator's system locale still reaches ICU. So the
library keeps every piece of ICU's data that is not tied to a language (converters,
normalisation, break rules and dictionaries, Unicode properties, the time-zone
tables, the root collation) and the root and English locales of every tree; the
other ~3,000 locale resources (currency, language, region and unit names in each
language, per-language collation and number spelling) and the transliterators go.
Another locale then falls back to root, as ICU does for any locale it lacks: a
Swedish collator sorts by the root order, a German time-zone name is the English one.

How: ``icupkg`` (Debian's icu-devtools) lists the data package embedded in the
library and writes one without the dropped items; ``gcc`` wraps it in a shared
library with the same soname and the same ``icudtNN_dat`` symbol. Without either
tool, or on another system, the library is shipped as it is. tests: the smoke
check's window and charts run on the rebuilt library (bench/bundle.py measures it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

LIBRARY = re.compile(r"^libicudata\.so\.(\d+)$")
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")  # af, de_CH, sr_Latn_BA, coll's de__PHONEBOOK
_KEPT_NAMES = {"root", "res_index", "en"}


def kept(item: str) -> bool:
    """Whether an item of ICU's data package (``coll/de.res``, ``uprops.icu``) stays."""
    if item.startswith("translit/"):
        return False
    name = item.rsplit("/", 1)[-1]
    if not name.endswith(".res"):
        return True  # converters, break rules, dictionaries, properties, normalisation, root collation
    stem = name[: -len(".res")]
    return not _LOCALE.match(stem) or stem in _KEPT_NAMES or stem.startswith("en_")


def _embedded_data(library: Path) -> bytes:
    """The data package: ICU's data library holds it in its read-only data at the symbol icudtNN_dat."""
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^([0-9a-f]+) R (icudt\d+_dat)$", symbols, re.MULTILINE)
    sections = subprocess.run(["readelf", "-SW", str(library)], capture_output=True, text=True, check=True).stdout
    rodata = re.search(r"\.rodata\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if not found or not rodata:
        raise ValueError(f"{library.name}: no icudt*_dat symbol in .rodata")
    address, section_address, section_offset, size = (int(x, 16) for x in (found[1], *rodata.groups()))
    blob = library.read_bytes()[section_offset: section_offset + size]
    return blob[address - section_address:]


def rebuild(library: Path, work: Path) -> Path | None:
    """A copy of ``library`` carrying the trimmed data, or None when it cannot be made here
    (not Linux, no icupkg or gcc, an unexpected layout): then the original is shipped."""
    match = LIBRARY.match(library.name)
    tools = [shutil.which(tool) for tool in ("icupkg", "gcc", "nm", "readelf")]
    if not sys.platform.startswith("linux") or match is None or not all(tools):
        return None
    version = match[1]
    package = f"icudt{version}l"  # l: little-endian, as on x86-64 and arm64
    folder = work / "icu-data"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        full = folder / "full" / f"{package}.dat"
        full.parent.mkdir()
        full.write_bytes(_embedded_data(library))  # icupkg reads the package's length from its own header
        items = subprocess.run(["icupkg", "-l", str(full)], capture_output=True, text=True, check=True).stdout.split()
        dropped = [item for item in items if not kept(item)]
        (folder / "dropped.txt").write_text("\n".join(dropped) + "\n", encoding="utf-8")
        trimmed = folder / f"{package}.dat"
        subprocess.run(["icupkg", "-r", str(folder / "dropped.txt"), str(full), str(trimmed)], capture_output=True, check=True)
        source = folder / "icudata.c"
        source.write_text(
            f'__asm__(".section .rodata\\n.global icudt{version}_dat\\n.type icudt{version}_dat, @object\\n'
            f'.balign 16\\nicudt{version}_dat:\\n.incbin \\"{trimmed}\\"\\n.size icudt{version}_dat, .-icudt{version}_dat\\n");\n',
            encoding="utf-8")
        out = folder / library.name
        subprocess.run(["gcc", "-shared", "-o", str(out), f"-Wl,-soname,{library.name}", "-Wl,-z,noexecstack", str(source)],
                       capture_output=True, check=True)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        print(f"icu_data: {library.name} shipped as it is ({exc})", file=sys.stderr)
        return None
    print(f"icu_data: {library.name} {library.stat().st_size / 1e6:.1f} MB -> {out.stat().st_size / 1e6:.1f} MB "
          f"({len(dropped)} of {len(items)} items left out)", file=sys.stderr)
    return out
