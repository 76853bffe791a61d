"""Semantic search over recommendations: a sentence-embedding model run offline with NumPy."""
