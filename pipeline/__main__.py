"""``python -m pipeline`` is the ``kuozhao`` command."""

import sys

from pipeline.cli import main

sys.exit(main())
