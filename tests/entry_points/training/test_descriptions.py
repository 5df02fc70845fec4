"""The MLflow UI of a tiny training: the experiment opens on runs; run and version describe their figures."""

from __future__ import annotations

from mlflow import MlflowClient

from custom_model.contract import REGISTERED_MODEL_NAME
from custom_model.domains import DOMAINS
from entry_points._mlflow import EXPERIMENT_KIND, EXPERIMENT_KIND_TAG
from entry_points.training.descriptions import RUN_DESCRIPTION_TAG, headline


def test_headline_writes_each_figure_with_the_rows_it_was_measured_on() -> None:
    lines = headline(
        family="lightgbm",
        threshold=0.0891,
        holdout={"cost": 0.49812, "auc": 0.78612, "recall": 0.6234, "precision": 0.2101},
        oof={"cost": 0.48, "auc": 0.786},
        oracle={"cost": 0.445, "auc": 0.817},
        n_selection=12_300,
        n_holdout=3_076,
    )
    assert lines == [
        "**lightgbm** at the cost-tuned threshold **0.089** (refused at or above it).",
        "- Holdout (3,076 clients kept aside, used once): business cost **0.4981** per client, "
        "AUC **0.7861**, recall 0.623, precision 0.210.",
        "- Out-of-fold on 12,300 clients (what the search chose on): cost 0.4800, AUC 0.7860.",
        "- Oracle (true probabilities of the generated data) on the same holdout: cost 0.4450, AUC 0.8170.",
    ]
    no_oracle = headline(
        family="x",
        threshold=0.1,
        holdout={"cost": 1, "auc": 1, "recall": 1, "precision": 1},
        oof={"cost": 1, "auc": 1},
        oracle={},
        n_selection=1,
        n_holdout=1,
    )
    assert len(no_oracle) == 3  # real data: no oracle line


def test_a_tiny_training_tags_its_experiment_and_describes_its_run_and_version(tiny_model) -> None:
    client = MlflowClient(tracking_uri=tiny_model.tracking_uri, registry_uri=tiny_model.tracking_uri)
    run = client.get_run(tiny_model.run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.tags[EXPERIMENT_KIND_TAG] == EXPERIMENT_KIND == "custom_model_development"

    metrics = run.data.metrics
    cost, auc = f"{metrics['holdout_cost']:.4f}", f"{metrics['holdout_auc']:.4f}"
    description = run.data.tags[RUN_DESCRIPTION_TAG]
    assert f"business cost **{cost}** per client, AUC **{auc}**" in description
    assert f"threshold **{metrics['threshold']:.3f}**" in description
    assert f"Registered as version {tiny_model.version}, alias **@champion**" in description

    version = client.get_model_version(REGISTERED_MODEL_NAME, tiny_model.version)
    assert f"business cost **{cost}** per client" in version.description
    assert f"Training run `{tiny_model.run_id}`" in version.description
    assert "SK_ID_CURR` (required)" in version.description
    # every accepted field is documented with its valid domain, as the API checks it
    assert "- `EXT_SOURCE_2` (optional): from 0 to 1" in version.description
    assert version.description.count("(optional): ") == len(DOMAINS)
