#!/usr/bin/env bash
# Smoke-run an image built by `mlflow models build-docker`: start it, wait for /ping, POST one client to
# /invocations, check the answer against the served contract, remove the container.
# Usage: ci/smoke_image.sh IMAGE REQUEST_JSON   (REQUEST_JSON from `python ci/probe.py body ...`)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGE="${1:?usage: ci/smoke_image.sh IMAGE REQUEST_JSON}"
REQUEST="${2:?usage: ci/smoke_image.sh IMAGE REQUEST_JSON}"
HOST_PORT="${SMOKE_IMAGE_PORT:-5001}"
TIMEOUT="${SMOKE_IMAGE_TIMEOUT:-180}"
NAME="credit-scoring-smoke-$$"
ANSWER="$(mktemp)"

cleanup() {
  docker logs "$NAME" 2>&1 | tail -n 40 || true
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  rm -f "$ANSWER"
}
trap cleanup EXIT

# The image's entrypoint serves on 8080 (nginx in front of uvicorn); the prediction log goes to a file inside it.
docker run -d --name "$NAME" -p "127.0.0.1:$HOST_PORT:8080" \
  -e MLFLOW_MODELS_WORKERS=1 -e CREDIT_SCORING_PREDICTION_LOG=sqlite:////tmp/predictions.db "$IMAGE" >/dev/null

deadline=$((SECONDS + TIMEOUT))
until curl -fsS "http://127.0.0.1:$HOST_PORT/ping" >/dev/null 2>&1; do
  if [[ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != "true" ]] || ((SECONDS > deadline)); then
    echo "smoke_image: $IMAGE did not answer /ping within $TIMEOUT s" >&2
    exit 1
  fi
  sleep 2
done

curl -fsS -X POST "http://127.0.0.1:$HOST_PORT/invocations" -H 'Content-Type: application/json' \
  --data @"$REQUEST" -o "$ANSWER"
cat "$ANSWER"
echo
python "$ROOT/ci/probe.py" check "$ANSWER" --body "$REQUEST"
echo "smoke_image: $IMAGE OK"
