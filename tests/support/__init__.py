"""Helpers shared by several test files (a tiny trained model, a model server)."""
