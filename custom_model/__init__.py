"""Credit scoring library: all the served MLflow model needs (schema, loading, features, cost, pyfunc).

Shared names (registry, artifacts, answer columns, env vars, paths) live in `custom_model.contract`.
"""
