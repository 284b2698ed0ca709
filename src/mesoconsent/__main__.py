"""``python -m mesoconsent`` is the ``mesoconsent`` command."""

import sys

from mesoconsent.cli import main

sys.exit(main())
