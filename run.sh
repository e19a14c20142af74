#!/usr/bin/env bash
# Sets up (first time) and opens Nexus Desktop; with --headless or no display it
# processes the bundled sample feeds end to end and prints where the results are.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/nexus-desktop "$@"
