"""``python -m rag``."""

import os
import sys

from .app.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # output piped into `head` and the like: stop quietly
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
raise SystemExit(code)
