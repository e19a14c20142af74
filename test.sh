#!/usr/bin/env bash
# Sets up (first time) and runs the whole test suite, PostgreSQL and Qt included.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
# Two workers (one per core of the 2-core machines it must fit; NEXUS_TEST_WORKERS=auto uses
# every core, 0 runs in this process, e.g. for --pdb); tests sharing a module fixture stay
# together (tests/conftest.py). Later arguments win: ./test.sh -n 0 -k harvest
exec .venv/bin/python -m pytest -n "${NEXUS_TEST_WORKERS:-2}" --dist loadgroup "$@"
