"""python3 -m zbuf_report --in DIR --out DIR (what scripts/report runs)."""

import sys

from .cli import main

sys.exit(main())
