"""``python -m rag serve``: the HTTP API and the chat UI in one ASGI server (uvicorn).

    python -m rag serve                                  # http://127.0.0.1:7860: UI at /, API at /v1, docs at /docs
    RAG_API_KEYS=... python -m rag serve --host 0.0.0.0  # beyond loopback: keys required (and RAG_UI_AUTH, or --no-ui)
    python -m rag serve --workers 2 --no-ui              # the API alone, in two processes

With ``--workers N`` the parent binds the port and N processes, each with its own engine, accept
from it (what uvicorn's own ``--workers`` does, without needing an import string). The chat UI
keeps its queue in one process, so it is mounted only with one worker.
"""

from __future__ import annotations

import argparse
import ipaddress
import multiprocessing
import signal
import socket
import sys
from typing import Any

from .. import Engine, Settings
from ..errors import ConfigError

LOOPBACK = ("localhost",)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, or RAG_UI_HOST)")
    parser.add_argument("--port", type=int, help="port (default 7860, or RAG_UI_PORT)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes answering, each with its own engine (default 1; >1 serves the API only)")
    parser.add_argument("--no-ui", action="store_true", help="serve the API without the chat UI")


# Several answers run at once here, so each model run gets one core rather than all of them (2 cores,
# 120 questions, 2 at a time: 7.4 q/s either way; one at a time: 6.3 vs 5.3 q/s; README, API).
SERVER_EMBED_THREADS = 1


def server_settings(settings: Settings) -> Settings:
    """What a server changes in the settings: one model thread per answer unless RAG_EMBED_THREADS says."""
    return settings if settings.embed_threads else settings.replace(embed_threads=SERVER_EMBED_THREADS)


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = server_settings(settings.replace(ui_host=args.host, ui_port=args.port))
    ui = not args.no_ui
    check_exposure(settings, ui=ui)
    if args.workers < 1:
        raise ConfigError("--workers must be at least 1.")
    if args.workers > 1 and ui:
        print("note: the chat UI needs one worker; serving the API only (add --no-ui to silence this).",
              file=sys.stderr)
        ui = False
    if args.workers == 1:
        app = create_app(settings, ui=ui)  # before binding: a missing index fails with its fix
        sock = _bind(settings.ui_host, settings.ui_port)
        _announce(sock, settings, ui)
        _run(app, sock)
        return 0
    Engine.open(settings)  # fail early and clearly (no index...), then leave the engines to the workers
    sock = _bind(settings.ui_host, settings.ui_port)
    _announce(sock, settings, ui)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each: no forked onnxruntime threads
    workers = [context.Process(target=_serve, args=(settings, sock, False), daemon=True) for _ in range(args.workers)]
    signal.signal(signal.SIGTERM, _exit)  # a terminated parent stops its workers (below), not orphans them
    for w in workers:
        w.start()
    try:
        for w in workers:
            w.join()
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.join(10)
    return 0


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def check_exposure(settings: Settings, *, ui: bool) -> None:
    """Refuse to listen beyond loopback without API keys (and, for the UI, a login)."""
    if is_loopback(settings.ui_host):
        return
    if not settings.api_key_list:
        raise ConfigError(f"Listening on {settings.ui_host} exposes the API: set RAG_API_KEYS to one or more "
                          "comma-separated keys (clients send 'Authorization: Bearer KEY'), or use --host 127.0.0.1.")
    if ui and not settings.ui_auth:
        raise ConfigError(f"Listening on {settings.ui_host} exposes the chat UI: set RAG_UI_AUTH=user:password, "
                          "or serve the API alone with --no-ui.")


def is_loopback(host: str) -> bool:
    """>>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(settings: Settings, *, ui: bool = True, engine: Engine | None = None) -> Any:
    """The API on one engine, with the chat UI mounted at ``/`` (the same handlers as ``app.py``)."""
    from .api import build_api

    engine = engine or Engine.open(settings)
    engine.search("warm up")  # loads the vector segment now, not during the first question
    engine.disagreements()  # found (or read from the index) now, not during the first question
    app = build_api(engine, settings)
    if ui:
        import gradio as gr

        from .ui import build_ui, launch_options, queue

        demo = queue(build_ui(engine, settings))
        options = launch_options(settings)
        gr.mount_gradio_app(
            app, demo, path="", server_name=settings.ui_host, server_port=settings.ui_port,
            footer_links=options["footer_links"], run_history=False, auth=options["auth"],
            allowed_paths=[], blocked_paths=options["blocked_paths"], show_error=False,
            max_file_size=options["max_file_size"], ssr_mode=False, mcp_server=False, css=options["css"])
    return app


def _serve(settings: Settings, sock: socket.socket, ui: bool) -> None:
    """One worker process: its own engine and app on the shared socket."""
    _run(create_app(settings, ui=ui), sock)


def _run(app: Any, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])


def _announce(sock: socket.socket, settings: Settings, ui: bool) -> None:
    url = f"http://{_shown(settings.ui_host)}:{sock.getsockname()[1]}/"
    print(f"Serving on {url} (API: {url}v1, docs: {url}docs{', chat UI: ' + url if ui else ''}).", flush=True)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"Cannot listen on {host}:{port} ({exc.strerror}); pick another --port.") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
