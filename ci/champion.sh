#!/usr/bin/env bash
# Make models:/credit-scoring@champion resolvable for the CD workflow, then write a request body for the smoke test.
#   - remote registry: MLFLOW_TRACKING_URI (+ MLFLOW_TRACKING_USERNAME/PASSWORD) given → check the alias resolves;
#     the request body comes from the model's own input example;
#   - otherwise train here: on TRAIN_DATA_URL (the Home Credit zip) when given, else on synthetic tables at
#     TRAIN_SCALE (default 0.05) with TRAIN_MECHANISM (default delinquency), into a scratch sqlite store; the
#     body takes a client of application_test.csv.
# Usage: ci/champion.sh WORK_DIR   → WORK_DIR/request.json; passes MLFLOW_TRACKING_URI on through $GITHUB_ENV.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:?usage: ci/champion.sh WORK_DIR}"
export PATH="$ROOT/.venv/bin:$PATH"
MODEL_URI="$(python -c 'from custom_model.contract import model_uri; print(model_uri())')"   # the one home of the name and alias
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"

if [[ -n "${MLFLOW_TRACKING_URI:-}" ]]; then
  python - "$MODEL_URI" <<'PY'
import sys

import mlflow

name, alias = sys.argv[1].removeprefix("models:/").split("@")
version = mlflow.MlflowClient().get_model_version_by_alias(name, alias)
print(f"{sys.argv[1]} is version {version.version} (run {version.run_id})")
PY
  python "$ROOT/ci/probe.py" body --model-uri "$MODEL_URI" >"$WORK/request.json"
else
  export MLFLOW_TRACKING_URI="sqlite:///$WORK/mlflow.db"
  cd "$WORK"   # default experiment artifacts (./mlruns) land beside the scratch mlflow.db
  if [[ -n "${TRAIN_DATA_URL:-}" ]]; then
    mlflow run "$ROOT" -e download_data --env-manager local -P url="$TRAIN_DATA_URL" -P output_dir="$WORK/data"
  else
    mlflow run "$ROOT" -e generate_data --env-manager local -P scale="${TRAIN_SCALE:-0.05}" -P seed=42 \
      -P mechanism="${TRAIN_MECHANISM:-delinquency}" -P output_dir="$WORK/data"
  fi
  mlflow run "$ROOT" -e train --env-manager local -P data_dir="$WORK/data" -P seed=42
  python "$ROOT/ci/probe.py" body --csv "$WORK/data/application_test.csv" >"$WORK/request.json"
fi
# Later workflow steps (build-docker) must resolve the same alias; GitHub masks the value if it came from a secret.
if [[ -n "${GITHUB_ENV:-}" ]]; then echo "MLFLOW_TRACKING_URI=$MLFLOW_TRACKING_URI" >>"$GITHUB_ENV"; fi
cat "$WORK/request.json"
