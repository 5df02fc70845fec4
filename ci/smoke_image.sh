#!/usr/bin/env bash
# Smoke-run the model API image (ci/build_images.sh): start it, wait for /ping, check /health, POST one client to
# /invocations and check the answer against the served contract (and, given MODEL_URI, against the same model
# scored in this process), check that a bad request gets 400, that it runs as non-root, and that SIGTERM shuts
# the server down gracefully; remove the container.
# Usage: ci/smoke_image.sh IMAGE REQUEST_JSON [MODEL_URI]   (REQUEST_JSON from `python ci/probe.py body ...`;
#        MODEL_URI needs MLFLOW_TRACKING_URI when it is a models:/ URI)
# SMOKE_IMAGE_NETWORK=bridge (Docker, default: -p 127.0.0.1:PORT:8080) or host (podman here: the server itself
# listens on 127.0.0.1:PORT).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGE="${1:?usage: ci/smoke_image.sh IMAGE REQUEST_JSON [MODEL_URI]}"
REQUEST="${2:?usage: ci/smoke_image.sh IMAGE REQUEST_JSON [MODEL_URI]}"
MODEL_URI="${3:-}"
HOST_PORT="${SMOKE_IMAGE_PORT:-5001}"
TIMEOUT="${SMOKE_IMAGE_TIMEOUT:-180}"
NETWORK="${SMOKE_IMAGE_NETWORK:-bridge}"
NAME="credit-scoring-smoke-$$"
URL="http://127.0.0.1:$HOST_PORT"
WORK="$(mktemp -d)"
PYTHON="$ROOT/.venv/bin/python"
[[ -x "$PYTHON" ]] || PYTHON=python

cleanup() {
  docker logs "$NAME" 2>&1 | tail -n 40 || true
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ "$NETWORK" == host ]]; then
  network=(--network host -e "PORT=$HOST_PORT" -e CREDIT_SCORING_HOST=127.0.0.1)
else
  network=(-p "127.0.0.1:$HOST_PORT:8080")
fi
# The prediction log goes to the image's own state folder (a per-container SQLite file).
docker run -d --name "$NAME" "${network[@]}" "$IMAGE" >/dev/null

deadline=$((SECONDS + TIMEOUT))
until curl -fsS "$URL/ping" >/dev/null 2>&1; do
  if [[ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != "true" ]] || ((SECONDS > deadline)); then
    echo "smoke_image: $IMAGE did not answer /ping within $TIMEOUT s" >&2
    exit 1
  fi
  sleep 2
done
curl -fsS "$URL/health" >/dev/null
echo "smoke_image: /ping and /health answer"

curl -fsS -X POST "$URL/invocations" -H 'Content-Type: application/json' --data @"$REQUEST" -o "$WORK/answer.json"
cat "$WORK/answer.json"
echo
expected=()
if [[ -n "$MODEL_URI" ]]; then
  "$PYTHON" "$ROOT/ci/probe.py" expect --model-uri "$MODEL_URI" --body "$REQUEST" >"$WORK/expected.json"
  expected=(--expected "$WORK/expected.json")
fi
"$PYTHON" "$ROOT/ci/probe.py" check "$WORK/answer.json" --body "$REQUEST" "${expected[@]}"

status="$(curl -sS -o "$WORK/bad.json" -w '%{http_code}' -X POST "$URL/invocations" \
  -H 'Content-Type: application/json' --data '{"dataframe_split": {"columns": ["AMT_CREDIT"], "data": [[1]]}}')"
if [[ "$status" != 400 ]]; then
  echo "smoke_image: a request without SK_ID_CURR got HTTP $status, expected 400: $(head -c 300 "$WORK/bad.json")" >&2
  exit 1
fi
echo "smoke_image: a request without SK_ID_CURR gets 400"

uid="$(docker exec "$NAME" id -u)"
if [[ "$uid" == 0 ]]; then echo "smoke_image: $IMAGE runs as root" >&2; exit 1; fi
echo "smoke_image: runs as uid $uid"

docker stop -t 20 "$NAME" >/dev/null
docker logs "$NAME" >"$WORK/server.log" 2>&1
if ! grep -q "Application shutdown complete" "$WORK/server.log"; then
  echo "smoke_image: SIGTERM did not shut the server down gracefully" >&2
  exit 1
fi
echo "smoke_image: SIGTERM shuts the server down gracefully"
echo "smoke_image: $IMAGE OK"
