"""``python -m npusched``: the same CLI as the ``npusched`` command."""

import sys

from .cli import main

sys.exit(main())
