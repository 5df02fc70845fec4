"""Tests of custom_model.features (one file per module)."""
