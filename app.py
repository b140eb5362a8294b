"""The chat app: ``python app.py`` (builds the index from seeds/ first if there is none)."""

from __future__ import annotations

from pathlib import Path

import rag
from rag.cli import render


def main() -> None:
    import gradio as gr

    settings = rag.Settings.from_env()
    engine = rag.Engine.open_or_build(settings, [Path(__file__).parent / "seeds"])

    def answer(message: str, history: list) -> str:
        try:
            return render(engine.ask(message))
        except rag.RagError as exc:
            raise gr.Error(str(exc)) from None

    demo = gr.ChatInterface(answer, title="Grounded news QA")
    print("Open http://127.0.0.1:7860 in your browser.")
    demo.launch(server_name="127.0.0.1", server_port=7860, share=False)


if __name__ == "__main__":
    main()
