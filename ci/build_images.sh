#!/usr/bin/env bash
# Build both images the one way CD (Docker, cd.yml) and `make image` (podman through a `docker` shim) share:
#   1. `mlflow models build-docker -m MODEL_URI --env-manager local` → the MLflow serving image of the model;
#   2. deploy/api/Dockerfile on top of it → API_IMAGE (libgomp1, non-root, uvicorn as PID 1, HEALTHCHECK);
#   3. streamlit_client/Dockerfile → UI_IMAGE.
# Needs .venv (mlflow), a `docker` CLI and MLFLOW_TRACKING_URI when MODEL_URI is a models:/ URI.
# Usage: ci/build_images.sh MODEL_URI API_IMAGE UI_IMAGE
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODEL_URI="${1:?usage: ci/build_images.sh MODEL_URI API_IMAGE UI_IMAGE}"
API_IMAGE="${2:?usage: ci/build_images.sh MODEL_URI API_IMAGE UI_IMAGE}"
UI_IMAGE="${3:?usage: ci/build_images.sh MODEL_URI API_IMAGE UI_IMAGE}"
MLFLOW_IMAGE="${MLFLOW_IMAGE:-credit-scoring-api-mlflow}"
export PATH="$ROOT/.venv/bin:$PATH"

timed() {  # label, command...: run it and print how long it took
  local label="$1" start=$SECONDS
  shift
  "$@"
  echo "build_images: $label took $((SECONDS - start)) s"
}

timed "mlflow models build-docker" \
  mlflow models build-docker -m "$MODEL_URI" -n "$MLFLOW_IMAGE" --env-manager local
timed "API layer (deploy/api/Dockerfile)" \
  docker build -f "$ROOT/deploy/api/Dockerfile" --build-arg "MODEL_IMAGE=$MLFLOW_IMAGE" -t "$API_IMAGE" "$ROOT"
timed "Streamlit image (streamlit_client/Dockerfile)" \
  docker build -f "$ROOT/streamlit_client/Dockerfile" -t "$UI_IMAGE" "$ROOT"
for image in "$API_IMAGE" "$UI_IMAGE"; do
  echo "build_images: $image $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
done
