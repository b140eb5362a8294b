"""The chat app: ``python app.py [--host H] [--port N] [--index DIR] [--mode M]``.

Builds the index from seeds/ first when there is none, then serves the chat window
(rag/app/ui.py) on 127.0.0.1:7860 unless configured otherwise (flags or RAG_UI_HOST,
RAG_UI_PORT, RAG_UI_AUTH, RAG_INDEX_DIR, RAG_MODE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import rag
from rag.settings import MODES

SEEDS = Path(__file__).resolve().parent / "seeds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--index", type=Path, help="index folder (default .rag)")
    parser.add_argument("--mode", choices=MODES, help="default answer mode")
    args = parser.parse_args(argv)
    try:
        from rag.app.serve import server_settings

        settings = server_settings(rag.Settings.from_env(ui_host=args.host, ui_port=args.port,
                                                         index_dir=args.index, mode=args.mode))
        print(f"Opening the index at {settings.index_dir} (built from {SEEDS.name}/ if missing)...",
              flush=True)
        engine = rag.Engine.open_or_build(settings, [SEEDS])
        engine.search("warm up")  # loads the vector segment now, not during the first question
        engine.disagreements()  # found (or read from the index) now, not during the first question
        from rag.app.ui import build_ui, launch

        launch(build_ui(engine, settings), settings)
    except rag.RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
