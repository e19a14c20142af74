"""Entry point for double-click and PyInstaller."""

import sys

from nexus_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
