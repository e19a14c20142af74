# imageio-ffmpeg's binary, as pyinstaller-hooks-contrib's hook collects it, but on Linux:
# there packaging/nexus-desktop.spec adds the ffmpeg built for the app (packaging/ffmpeg_build.py,
# a few MB with its libraries) under the same name, instead of the 173 MB static build.
import sys

from PyInstaller.utils.hooks import collect_data_files

hiddenimports = ["imageio_ffmpeg.binaries"]
datas = [] if sys.platform.startswith("linux") else collect_data_files("imageio_ffmpeg", subdir="binaries")
