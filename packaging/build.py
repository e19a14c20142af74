"""Build the installable app.

    python packaging/build.py            dist/nexus-desktop/ and, on Linux, its .tar.gz
    python packaging/build.py icons      re-render resources/icons/app/*.png from the app's SVG

The bundle is PyInstaller's one-folder build of ``packaging/nexus-desktop.spec``.
On Linux it also carries the menu entry (``share/``) and ``install.sh``, and is
packed as ``dist/nexus-desktop-<version>-linux-<arch>.tar.gz``: unpack it anywhere
and run ``nexus-desktop/install.sh``. Windows and macOS builds use the same command
on their own system; they get the folder only.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "nexus-desktop.spec"
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.nexusdesktop.NexusDesktop"
NAME = "nexus-desktop"
# The window icon (the GUI's) is the one source; the PNGs are rendered from it.
ICON_SVG = ROOT / "resources" / "icons" / "app.svg"
ICON_DIR = ROOT / "resources" / "icons" / "app"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def run_pyinstaller(dist: Path, work: Path) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("build: PyInstaller is not installed; run `scripts/setup.sh test` (or `pip install pyinstaller`)")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work), str(SPEC)]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT)
    return dist / NAME


def add_linux_integration(bundle: Path) -> None:
    """The menu entry, metadata, icons and installer, inside the bundle."""
    share = bundle / "share"
    for sub, name in (("applications", f"{APP_ID}.desktop"), ("metainfo", f"{APP_ID}.metainfo.xml")):
        (share / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy2(LINUX / name, share / sub / name)
    icons = share / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = icons / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ICON_DIR / f"{size}.png", target / f"{APP_ID}.png")
    (icons / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ICON_SVG, icons / "scalable" / "apps" / f"{APP_ID}.svg")
    shutil.copy2(LINUX / "install.sh", bundle / "install.sh")
    (bundle / "install.sh").chmod(0o755)


def pack(bundle: Path) -> Path:
    archive = bundle.parent / f"{NAME}-{version()}-linux-{platform.machine()}.tar.gz"
    partial = archive.with_name(archive.name + ".part")
    # Level 1: the big parts (ffmpeg, the voice, Qt) hardly shrink more at 9, which takes several times longer.
    with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
        tar.add(bundle, arcname=NAME)
    partial.replace(archive)
    return archive


def build(dist: Path, work: Path, *, archive: bool) -> int:
    started = time.monotonic()
    bundle = run_pyinstaller(dist, work)
    if sys.platform.startswith("linux"):
        add_linux_integration(bundle)
    print(f"Bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    print(f"  try it: {bundle / NAME} --smoke")
    if archive and sys.platform.startswith("linux"):
        packed = pack(bundle)
        print(f"Archive: {packed} ({packed.stat().st_size / 1e6:.0f} MB); install with nexus-desktop/install.sh")
    print(f"Built in {time.monotonic() - started:.0f} s")
    return 0


def render_icon(svg: bytes, size: int):
    """The SVG drawn at ``size`` pixels as a QImage (needs a QGuiApplication)."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(svg)).render(painter)
    painter.end()
    return image


def render_icons() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QPainter needs one
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    svg = ICON_SVG.read_bytes()
    for size in ICON_SIZES:
        if not render_icon(svg, size).save(str(ICON_DIR / f"{size}.png")):
            sys.exit(f"build: could not write {ICON_DIR / f'{size}.png'}")
    print(f"Rendered {ICON_SVG.name} at {', '.join(map(str, ICON_SIZES))} px into {ICON_DIR}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=["app", "icons"], default="app")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's work folder")
    parser.add_argument("--no-archive", action="store_true", help="skip the .tar.gz")
    args = parser.parse_args(argv)
    if args.what == "icons":
        return render_icons()
    return build(args.dist.resolve(), args.work.resolve(), archive=not args.no_archive)


if __name__ == "__main__":
    sys.exit(main())
