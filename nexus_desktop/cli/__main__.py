"""python -m nexus_desktop.cli: the same as the nexus command."""

import sys

from . import main

sys.exit(main())
