"""Seeded generators of benchmark and test data (bank statements, …)."""
