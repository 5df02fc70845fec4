"""Models-from-code entry of the served model: MLflow runs this file to build the pyfunc."""

from mlflow.models import set_model

from custom_model.model import CreditScoringModel

set_model(CreditScoringModel())
