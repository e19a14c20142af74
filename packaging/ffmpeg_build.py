"""An ffmpeg built for what Nexus Desktop asks of it, for the Linux bundle.

    python packaging/ffmpeg_build.py [--cache DIR]     build (or find in the cache) and print its path

The static build the bundle carried before had every codec (79 MB); this one
(``--disable-everything``, then each component the app uses) is a few MB, plus
libx264, libass and libsoxr from Debian, which PyInstaller carries beside it
(``-rpath $ORIGIN/../..``: the bundle's ``_internal`` folder, where they land).

What the app asks of ffmpeg, and so what is enabled (each is checked by
tests/test_bundle_ffmpeg.py, most by rendering a real job with this build):
- the render (pipeline/render.py, pipeline/ffmpeg_graph.py): an image2 sequence
  of JPEG backdrops and TGA layer states, B-roll clips (H.264 or HEVC in MP4), the
  narration (WAV) and a creator's music (MP3, AAC/ALAC in M4A, FLAC, Ogg Vorbis or
  Opus, WAV); libass captions; libx264 and the native AAC encoder into MP4 with
  faststart; the motion samples as raw grey frames;
- narrate's levelling (pipeline/audio.py): soxr resampling into 16-bit WAV;
- the checks (ffmpeg.py, pipeline/media_probe.py): ``ffmpeg -i``, the ebur128
  meter and showinfo into the null muxer, one frame out as PNG.

The source is Debian's copy of the FFmpeg release (the orig tarball), checked
against the SHA-256 that Debian's .dsc beside it lists, and against the one
pinned here. The built binary is cached under ``cache/<version>-<flags hash>/``,
so a second build takes no time. CI builds it once in ``scripts/setup.sh test``
while pip installs (bench/README.md, Bundle, says what it costs).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "7.1.5"
# From Debian's Sources index for trixie (and ffmpeg_7.1.5-0+deb13u1.dsc), checked on 2026-12-06.
SHA256 = "de668509caf9e35e3cd162473441fdb29538c6d96ed080292b3cf9e6fc5d558f"
POOL = "http://deb.debian.org/debian/pool/main/f/ffmpeg/"
TARBALL = f"ffmpeg_{VERSION}.orig.tar.xz"
DSC = f"ffmpeg_{VERSION}-0+deb13u1.dsc"
DEFAULT_CACHE = Path(os.environ.get("NEXUS_FFMPEG_CACHE", ROOT / "build" / "ffmpeg-cache"))
BINARY = "ffmpeg"

DECODERS = ("h264", "hevc", "aac", "alac", "mp3float", "mp3", "flac", "vorbis", "opus", "png", "targa", "mjpeg",
            "webp", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le", "pcm_u8", "pcm_s16be", "pcm_s24be")
ENCODERS = ("libx264", "aac", "pcm_s16le", "rawvideo", "wrapped_avframe", "png")
DEMUXERS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "mov", "wav", "mp3", "flac", "ogg", "aac", "matroska")
MUXERS = ("mp4", "mov", "ipod", "wav", "null", "rawvideo", "image2")
PARSERS = ("h264", "hevc", "aac", "mpegaudio", "flac", "vorbis", "opus", "png", "mjpeg", "webp", "vp8")
BSFS = ("aac_adtstoasc", "h264_mp4toannexb", "extract_extradata")
PROTOCOLS = ("file", "pipe")
FILTERS = (
    # what the graphs name (pipeline/ffmpeg_graph.py, pipeline/audio.py, ffmpeg.py, pipeline/media_probe.py)
    "color", "format", "setparams", "split", "fps", "scale", "setpts", "setsar", "trim", "crop", "overlay", "select",
    "ass", "showinfo", "aresample", "aformat", "asplit", "atrim", "asetpts", "volume", "afade",
    "acompressor", "alimiter", "sidechaincompress", "amix", "ebur128",
    # what ffmpeg inserts itself: format conversion, -r, -t, the sinks
    "null", "anull", "buffer", "buffersink", "abuffer", "abuffersink",
)


def configure_flags() -> list[str]:
    def each(kind: str, names) -> list[str]:
        return [f"--enable-{kind}={name}" for name in names]

    return ["--disable-everything", "--disable-autodetect", "--disable-doc", "--disable-debug", "--disable-network",
            "--disable-ffplay", "--disable-ffprobe", "--disable-avdevice", "--disable-postproc", "--enable-gpl",
            "--enable-zlib", "--enable-libx264", "--enable-libass", "--enable-libsoxr", "--enable-swscale",
            "--enable-swresample",
            *each("decoder", DECODERS), *each("encoder", ENCODERS), *each("demuxer", DEMUXERS),
            *each("muxer", MUXERS), *each("parser", PARSERS), *each("bsf", BSFS), *each("protocol", PROTOCOLS),
            *each("filter", FILTERS)]  # fmt: skip


def cache_key() -> str:
    flags = hashlib.sha256("\n".join([VERSION, *configure_flags()]).encode()).hexdigest()[:12]
    return f"{VERSION}-{flags}"


def cached(cache: Path = DEFAULT_CACHE) -> Path | None:
    binary = cache / cache_key() / BINARY
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as exc:
        raise SystemExit(f"ffmpeg build: cannot download {url}: {exc}") from exc


def fetch_source(folder: Path) -> Path:
    """Debian's orig tarball, its SHA-256 checked against the .dsc beside it and the pinned one."""
    tarball = folder / TARBALL
    if not tarball.is_file():
        _download(POOL + TARBALL, tarball.with_suffix(".part"))
        tarball.with_suffix(".part").replace(tarball)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    dsc = folder / DSC
    if not dsc.is_file():
        _download(POOL + DSC, dsc)
    listed = re.search(rf"^ ([0-9a-f]{{64}}) \d+ {re.escape(TARBALL)}$", dsc.read_text(encoding="utf-8"), re.M)
    if listed is None or listed[1] != SHA256 or digest != SHA256:
        tarball.unlink(missing_ok=True)
        raise SystemExit(f"ffmpeg build: {TARBALL} has SHA-256 {digest}; Debian's {DSC} lists "
                         f"{listed[1] if listed else 'nothing'} and this build pins {SHA256}. Not building it.")
    return tarball


def build(cache: Path = DEFAULT_CACHE, jobs: int = 2, log=print) -> Path:
    """The cached binary, or a fresh build put in the cache. Prints wall and CPU time.
    One build at a time per cache (test workers, or setup.sh and a test run, may ask at once)."""
    import fcntl

    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = cached(cache)
        if found is not None:
            log(f"ffmpeg {VERSION}: cached ({found})")
            return found
        return _build(cache, jobs, log)


def _build(cache: Path, jobs: int, log) -> Path:
    if not sys.platform.startswith("linux"):
        raise SystemExit("ffmpeg build: only Linux builds its own ffmpeg; other systems ship imageio-ffmpeg's")
    missing = [tool for tool in ("gcc", "make", "nasm", "pkg-config") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"ffmpeg build: {', '.join(missing)} missing; scripts/setup.sh installs them "
                         "(packaging/apt-packages.txt)")
    began, cpu = time.monotonic(), _children_cpu()
    source = fetch_source(cache)
    with tempfile.TemporaryDirectory(prefix="ffmpeg-build-", dir=cache) as work:
        with tarfile.open(source) as tar:
            tar.extractall(work, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        tree = Path(work) / f"ffmpeg-{VERSION}"
        log(f"ffmpeg {VERSION}: configuring and compiling with {jobs} jobs (a few minutes, once)")
        _run(["./configure", *configure_flags()], tree)
        # The binary finds libx264, libass and libsoxr in the bundle's _internal folder ($$ is make's $).
        with open(tree / "ffbuild" / "config.mak", "a", encoding="utf-8") as mak:
            mak.write("LDEXEFLAGS += -Wl,-rpath,'$$ORIGIN/../..'\n")
        _run(["make", f"-j{jobs}", "ffmpeg"], tree)
        target = cache / cache_key()
        partial = target.with_name(target.name + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        shutil.copy2(tree / "ffmpeg", partial / BINARY)
        subprocess.run(["strip", "--strip-unneeded", str(partial / BINARY)], check=True)
        (partial / "configure-flags.txt").write_text("\n".join(configure_flags()) + "\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        partial.replace(target)
    wall, used = time.monotonic() - began, _children_cpu() - cpu
    log(f"ffmpeg {VERSION}: built in {wall:.0f} s ({used:.0f} s of CPU, load average "
        f"{os.getloadavg()[0]:.1f}) into {target / BINARY} ({(target / BINARY).stat().st_size / 1e6:.1f} MB)")
    return target / BINARY


def _children_cpu() -> float:
    import resource  # POSIX only; the spec imports this module on Windows and macOS too

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], cwd: Path) -> None:
    with tempfile.TemporaryFile() as output:
        done = subprocess.run(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            output.seek(0)
            tail = output.read().decode("utf-8", "replace")[-4000:]
            raise SystemExit(f"ffmpeg build: {' '.join(command[:2])} failed ({done.returncode}):\n{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/ffmpeg_build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"where built binaries go ({DEFAULT_CACHE})")
    parser.add_argument("--jobs", type=int, default=2, help="parallel compile jobs (default 2)")
    args = parser.parse_args(argv)
    print(build(args.cache.resolve(), args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
