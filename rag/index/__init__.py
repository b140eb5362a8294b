"""The write side: files -> articles -> chunks -> the index (Chroma, the manifest, the keyword cache)."""
