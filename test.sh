#!/usr/bin/env bash
# Sets up (first time) and runs the whole test suite, PostgreSQL and Qt included.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
