"""`python -m tools.completions`: see the package docstring."""

import sys

from tools.completions import main

sys.exit(main())
