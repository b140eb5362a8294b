"""The read side: question -> passages -> answer -> verification. Nothing in rag.index imports it."""
