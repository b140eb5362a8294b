"""The edges: the command line and the Gradio chat app, thin layers over the public API."""
