"""The installable app: desktop integration files, icons, the install script, the
smoke check from source and, marked slow, the frozen bundle built by the README's
command running its smoke check with nothing but itself."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.nexusdesktop.NexusDesktop"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
SMOKE_CHECKS = ("files", "store", "window", "charts", "keyring", "article", "ffmpeg", "analyze", "narrate", "visualize", "render",
                "espeak", "preview")


def load_build_module():
    spec = importlib.util.spec_from_file_location("nexus_build", ROOT / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_build_module()


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: scripts/setup.sh installs it (packaging/apt-packages.txt)")
    return found


def validate_desktop_file(path: Path) -> None:
    proc = subprocess.run([tool("desktop-file-validate"), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh desktop session gives a program: no virtualenv, no PYTHONPATH, no repository."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **extra}


def assert_smoke_passed(proc: subprocess.CompletedProcess) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for check in SMOKE_CHECKS:
        assert f"  ok  {check}" in proc.stdout, output
    assert "spoken by Piper" in proc.stdout and "h264 video + aac audio" in proc.stdout


# -- desktop integration -------------------------------------------------------------------------


def test_the_desktop_file_validates_and_names_the_app_icon_and_binary():
    validate_desktop_file(DESKTOP_FILE)
    text = DESKTOP_FILE.read_text(encoding="utf-8")
    assert f"Icon={APP_ID}\n" in text and "Exec=nexus-desktop\n" in text


def test_the_metainfo_validates_and_matches_the_desktop_file_and_version():
    proc = subprocess.run([tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP_FILE.name
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version in [release.get("version") for release in root.iter("release")]


def test_the_icons_are_the_app_svg_rendered_at_every_size(qapp):
    svg = build.ICON_SVG.read_bytes()
    for size in build.ICON_SIZES:
        png = build.ICON_DIR / f"{size}.png"
        committed = QImage(str(png))
        assert (committed.width(), committed.height()) == (size, size), png
        fresh = build.render_icon(svg, size).convertToFormat(committed.format())
        assert committed == fresh, f"{png} is out of date: run `python packaging/build.py icons`"


def fake_bundle(folder: Path) -> Path:
    """A bundle folder as build.py lays it out, with a stand-in for the frozen binary."""
    bundle = folder / "nexus-desktop"
    bundle.mkdir(parents=True)
    binary = bundle / "nexus-desktop"
    binary.write_text("#!/bin/sh\necho stand-in\n")
    binary.chmod(0o755)
    build.add_linux_integration(bundle)
    return bundle


def test_install_sh_puts_the_app_in_the_menu_and_uninstall_takes_it_out(tmp_path):
    bundle = fake_bundle(tmp_path / "unpacked")
    data, bin_dir = tmp_path / "home" / ".local" / "share", tmp_path / "home" / ".local" / "bin"
    env = clean_env(tmp_path / "home", XDG_DATA_HOME=str(data), XDG_BIN_HOME=str(bin_dir))
    proc = subprocess.run([str(bundle / "install.sh")], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    installed = data / APP_ID / "nexus-desktop"
    entry = data / "applications" / f"{APP_ID}.desktop"
    validate_desktop_file(entry)
    assert f'Exec="{installed}"' in entry.read_text(encoding="utf-8")
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in build.ICON_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert subprocess.run([str(bin_dir / "nexus-desktop")], capture_output=True, text=True).stdout == "stand-in\n"
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "nexus-desktop-daemon.service"
    assert f'ExecStart="{installed}" --daemon' in unit.read_text(encoding="utf-8")
    assert "systemctl --user enable --now nexus-desktop-daemon.service" in proc.stdout

    again = subprocess.run([str(installed.parent / "install.sh")], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr  # re-running the installed copy's script keeps it in place
    assert installed.is_file()

    gone = subprocess.run([str(installed.parent / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True)
    assert gone.returncode == 0, gone.stderr
    assert not (data / APP_ID).exists() and not entry.exists() and not (bin_dir / "nexus-desktop").exists()
    assert not list((data / "icons").rglob(f"{APP_ID}.*"))
    assert not unit.exists()


# -- the smoke check -------------------------------------------------------------------------------


def test_the_smoke_check_passes_from_source(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # the check sets it itself
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--smoke"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)  # fmt: skip
    assert_smoke_passed(proc)
    assert "(source tree)" in proc.stdout



def test_a_failing_check_exits_non_zero_and_says_what_is_missing(monkeypatch, capsys, restore_logging):
    from nexus_desktop import smoke

    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # run_smoke sets it; restored after the test
    checks = [("files", smoke._check_files), ("store", smoke._check_store), ("ffmpeg", smoke._check_ffmpeg)]
    monkeypatch.setattr(smoke, "CHECKS", checks)
    assert smoke.run_smoke(None) == 1
    out, err = capsys.readouterr()
    assert "  ok  files" in out and "  ok  store" in out
    assert "smoke: FAILED: ffmpeg: ffmpeg is missing" in err and "/nonexistent/ffmpeg" in err
    assert "The log's last lines:" in err  # the log is in the temporary folder, gone after the run


# -- the frozen bundle -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """The README's build command, into a folder of this run's own. Its time goes to the
    test's output (bench/README.md records it); the machine may be shared, so the load is
    printed beside it."""
    import resource

    out = tmp_path_factory.mktemp("frozen")
    load, began = os.getloadavg(), time.monotonic()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(out / "dist"),
                           "--work", str(out / "work")], capture_output=True, text=True, timeout=1200)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-5000:]
    print(f"build: {time.monotonic() - began:.0f} s, {after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime:.0f} s "
          f"of CPU, load average {load[0]:.1f} before and {os.getloadavg()[0]:.1f} after")
    return out / "dist"


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_frozen_bundle_passes_its_smoke_check_with_nothing_but_itself(frozen, tmp_path):
    binary = frozen / "nexus-desktop" / "nexus-desktop"
    proc = subprocess.run([str(binary), "--smoke"], env=clean_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert_smoke_passed(proc)
    assert f"(frozen bundle in {binary.parent})" in proc.stdout


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_linux_archive_installs_an_app_the_menu_entry_starts(frozen, tmp_path):
    archives = list(frozen.glob("nexus-desktop-*-linux-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    data, bin_dir = tmp_path / "share", tmp_path / "bin"
    env = clean_env(tmp_path, XDG_DATA_HOME=str(data), XDG_BIN_HOME=str(bin_dir))
    install = subprocess.run([str(tmp_path / "unpacked" / "nexus-desktop" / "install.sh")], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    entry = data / "applications" / f"{APP_ID}.desktop"
    validate_desktop_file(entry)
    exec_line = next(line for line in entry.read_text(encoding="utf-8").splitlines() if line.startswith("Exec="))
    binary = exec_line.removeprefix("Exec=").strip('"')
    # The smoke check ran on the same files above; here it is enough that the installed copy starts.
    proc = subprocess.run([binary, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--smoke" in proc.stdout, proc.stdout + proc.stderr
