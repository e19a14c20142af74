#!/usr/bin/env bash
# Installs what Nexus Desktop needs on a fresh machine: the Debian packages in
# packaging/apt-packages.txt (as root or through sudo), a virtualenv in .venv,
# and the Python packages. Re-running it is quick: it skips what is there.
# Usage: scripts/setup.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"

missing=()
if command -v dpkg >/dev/null 2>&1; then
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done < packaging/apt-packages.txt
fi
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ -z "$sudo" ] || command -v sudo >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: please install these Debian packages: ${missing[*]}" >&2
  fi
fi

python="${PYTHON:-python3}"
# The Linux bundle's ffmpeg (packaging/ffmpeg_build.py), which the packaging tests build the app with:
# compiled once into build/ffmpeg-cache, in the background while pip installs (a cached one is found at once).
ffmpeg_pid=""
if [ "$extra" = "test" ] && [ "$(uname -s)" = Linux ]; then
  mkdir -p build
  nice -n 5 "$python" packaging/ffmpeg_build.py >build/ffmpeg-build.log 2>&1 &
  ffmpeg_pid=$!
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${extra:-app}"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  if [ -n "$extra" ]; then
    .venv/bin/python -m pip install -q -e ".[$extra]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
if [ -n "$ffmpeg_pid" ]; then
  if wait "$ffmpeg_pid"; then
    grep -h "^ffmpeg " build/ffmpeg-build.log || true
  else
    echo "warning: the bundle's ffmpeg did not build (the packaging tests will say why):" >&2
    tail -n 20 build/ffmpeg-build.log >&2
  fi
fi
