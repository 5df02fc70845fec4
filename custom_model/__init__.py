"""Credit scoring library: all the served MLflow model needs (schema, loading, features, cost, pyfunc)."""

#: Name under which the model is registered in the MLflow Model Registry.
REGISTERED_MODEL_NAME = "credit-scoring"
#: Registry alias served in production.
CHAMPION_ALIAS = "champion"
#: Registry alias of a newly trained version that did not beat the champion.
CHALLENGER_ALIAS = "challenger"
#: Most important features whose values every prediction event records (= the drift job's default top-N).
MONITORED_FEATURES = 50
#: Training-run artifact: model inputs of the monitored features for every training client (drift reference).
DRIFT_REFERENCE_FILE = "drift_reference.parquet"
