#!/usr/bin/env bash
# End-to-end smoke test, the same on a laptop and in GitHub Actions (ci.yml):
# generate tiny synthetic tables → train with a tiny budget → register credit-scoring@champion →
# `mlflow models serve` it → score one real client of application_test.csv over HTTP → stop the server.
# Everything goes to a scratch folder (SMOKE_DIR, default a new temporary one); the project's own mlflow.db is untouched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

SMOKE_DIR="${SMOKE_DIR:-$(mktemp -d -t credit-scoring-smoke.XXXXXX)}"
SMOKE_SCALE="${SMOKE_SCALE:-0.005}"
SMOKE_MECHANISM="${SMOKE_MECHANISM:-delinquency}"
SMOKE_PORT="${SMOKE_PORT:-5001}"
SMOKE_TRAIN_ARGS="${SMOKE_TRAIN_ARGS:--P max_evals=2 -P n_folds=2 -P families=dummy,lightgbm}"
SMOKE_SERVE_TIMEOUT="${SMOKE_SERVE_TIMEOUT:-120}"
export PATH="$ROOT/.venv/bin:$PATH"   # `mlflow models serve` shells out to a bare uvicorn
MODEL_URI="$(python -c 'from custom_model.contract import model_uri; print(model_uri())')"   # the one home of the name and alias
export MLFLOW_TRACKING_URI="sqlite:///$SMOKE_DIR/mlflow.db"
export CREDIT_SCORING_PREDICTION_LOG="sqlite:///$SMOKE_DIR/predictions.db"
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
mkdir -p "$SMOKE_DIR"
cd "$SMOKE_DIR"   # default experiment artifacts (./mlruns) land beside the scratch mlflow.db

step() { printf '\n==> smoke: %s\n' "$*"; }

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -- -"$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT INT TERM

step "1/4 generate synthetic tables (scale=$SMOKE_SCALE, mechanism=$SMOKE_MECHANISM) into $SMOKE_DIR/data"
mlflow run "$ROOT" -e generate_data --env-manager local -P scale="$SMOKE_SCALE" -P seed=42 \
  -P mechanism="$SMOKE_MECHANISM" -P output_dir="$SMOKE_DIR/data"

step "2/4 train with a tiny budget and register credit-scoring@champion ($MLFLOW_TRACKING_URI)"
# shellcheck disable=SC2086  # SMOKE_TRAIN_ARGS is a list of -P options
mlflow run "$ROOT" -e train --env-manager local -P data_dir="$SMOKE_DIR/data" -P seed=42 $SMOKE_TRAIN_ARGS

step "3/4 serve $MODEL_URI on 127.0.0.1:$SMOKE_PORT"
setsid mlflow models serve -m "$MODEL_URI" --env-manager local \
  -h 127.0.0.1 -p "$SMOKE_PORT" >"$SMOKE_DIR/model-server.log" 2>&1 &
server_pid=$!
deadline=$((SECONDS + SMOKE_SERVE_TIMEOUT))
until curl -fsS "http://127.0.0.1:$SMOKE_PORT/ping" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null || ((SECONDS > deadline)); then
    echo "smoke: the model server did not answer /ping within $SMOKE_SERVE_TIMEOUT s; its log:" >&2
    tail -n 40 "$SMOKE_DIR/model-server.log" >&2
    exit 1
  fi
  sleep 1
done

step "4/4 POST /invocations for the first client of application_test.csv"
python "$ROOT/ci/probe.py" body --csv "$SMOKE_DIR/data/application_test.csv" >"$SMOKE_DIR/request.json"
cat "$SMOKE_DIR/request.json"
echo
curl -fsS -X POST "http://127.0.0.1:$SMOKE_PORT/invocations" -H 'Content-Type: application/json' \
  --data @"$SMOKE_DIR/request.json" -o "$SMOKE_DIR/answer.json"
cat "$SMOKE_DIR/answer.json"
echo
python "$ROOT/ci/probe.py" check "$SMOKE_DIR/answer.json" --body "$SMOKE_DIR/request.json"
stop_server
echo "smoke: OK (work files in $SMOKE_DIR)"
