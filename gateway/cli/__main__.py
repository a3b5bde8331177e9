"""``python -m gateway.cli``: the same as the ``uvis-gateway`` command."""

import sys

from . import main

sys.exit(main())
