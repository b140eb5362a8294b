"""``python -m rag``."""

from .cli import main

raise SystemExit(main())
