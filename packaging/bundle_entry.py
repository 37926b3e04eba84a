"""Entry point of the PyInstaller bundle: the same ``lmapp`` command line (and, without a
subcommand, the desktop app) as the pip-installed console script."""

import sys

from lmapp.cli import main

sys.exit(main())
