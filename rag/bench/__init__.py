"""Tooling: ``python -m rag bench`` (speed at corpus scale) and ``python -m rag load`` (concurrent users)."""
