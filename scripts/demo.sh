#!/usr/bin/env bash
# The main job on the embedded synthetic data: generate → train → register → drift report → serve → Streamlit.
# Called by `make demo` (which creates .venv first). DEMO_EXIT_AFTER_START=1 stops both servers once they answer
# (used to check the whole chain non-interactively); otherwise they run until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-0.05}"
SEED="${SEED:-42}"
MECHANISM="${MECHANISM:-delinquency}"
DEMO_DIR="${DEMO_DIR:-data/demo}"
API_PORT="${API_PORT:-5001}"
APP_PORT="${APP_PORT:-8501}"
export PATH="$PWD/.venv/bin:$PATH"
MODEL_URI="$(python -c 'from custom_model.contract import model_uri; print(model_uri())')"   # the one home of the name and alias
export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:-sqlite:///$PWD/mlflow.db}"
export CREDIT_SCORING_API_URL="${CREDIT_SCORING_API_URL:-http://127.0.0.1:$API_PORT}"
export CREDIT_SCORING_PREDICTION_LOG="${CREDIT_SCORING_PREDICTION_LOG:-sqlite:///$PWD/predictions.db}"
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false

step() { printf '\n==> %s\n' "$*"; }

step "1/5 generate synthetic Home Credit tables (scale=$SCALE, seed=$SEED, mechanism=$MECHANISM) into $DEMO_DIR"
mlflow run . -e generate_data --env-manager local -P scale="$SCALE" -P seed="$SEED" -P mechanism="$MECHANISM" \
  -P output_dir="$DEMO_DIR"

step "2/5 train, compare families on the business cost, register credit-scoring (alias champion/challenger)"
mlflow run . -e train --env-manager local -P data_dir="$DEMO_DIR" -P seed="$SEED"

step "3/5 drift report: training clients vs production clients (reports/data_drift.html)"
# `mlflow run` exits 1 both for an alert (the job's exit code 1, after writing its reports) and for a failure
rm -f reports/data_drift.json
if ! mlflow run . -e drift --env-manager local -P data_dir="$DEMO_DIR" -P source=test -P output_dir=reports; then
  [[ -f reports/data_drift.json ]] || { echo "demo: the drift job failed (see above)" >&2; exit 1; }
  echo "drift alert raised (see the report above); the demo goes on"
fi

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

wait_for() {  # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS "$1" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "no answer from $1 after $2 s" >&2; return 1; fi
    sleep 1
  done
}

step "4/5 serve $MODEL_URI on $CREDIT_SCORING_API_URL"
setsid mlflow models serve -m "$MODEL_URI" --env-manager local \
  -h 127.0.0.1 -p "$API_PORT" > data/model-server.log 2>&1 &
pids+=($!)
wait_for "$CREDIT_SCORING_API_URL/ping" 120
client_id=$(python - "$DEMO_DIR" <<'PY'
import csv, sys
with open(f"{sys.argv[1]}/application_test.csv") as f:
    print(next(csv.DictReader(f))["SK_ID_CURR"])
PY
)
echo "example: curl -s $CREDIT_SCORING_API_URL/invocations -H 'Content-Type: application/json' \\"
echo "  -d '{\"dataframe_records\": [{\"SK_ID_CURR\": $client_id}]}'"
curl -fsS "$CREDIT_SCORING_API_URL/invocations" -H 'Content-Type: application/json' \
  -d "{\"dataframe_records\": [{\"SK_ID_CURR\": $client_id}], \"params\": {\"top_k\": 3}}"
echo

step "5/5 Streamlit client on http://127.0.0.1:$APP_PORT"
setsid streamlit run streamlit_client/app.py --server.headless true --server.address 127.0.0.1 \
  --server.port "$APP_PORT" --browser.gatherUsageStats false > data/streamlit.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$APP_PORT/_stcore/health" 60

cat <<TXT

Ready.
  API        $CREDIT_SCORING_API_URL   (/invocations, /ping, /health, /version)
  Streamlit  http://127.0.0.1:$APP_PORT
  MLflow UI  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false .venv/bin/mlflow ui --backend-store-uri $MLFLOW_TRACKING_URI -p 5000
  Drift      reports/data_drift.html
TXT
if [[ "${DEMO_EXIT_AFTER_START:-0}" == 1 ]]; then exit 0; fi
echo "Press Ctrl-C to stop the servers."
wait
