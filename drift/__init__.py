"""Drift monitoring: evidently reports on the model's important features, score PSI, alert rules."""
