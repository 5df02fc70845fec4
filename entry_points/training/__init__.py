"""Training job internals: model search, MLflow tracking, registry rule, figures, model card."""
