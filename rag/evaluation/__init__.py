"""Tooling: ``python -m rag eval`` scores answers, citations and retrieval on question sets."""
