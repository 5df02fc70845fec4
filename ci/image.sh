#!/usr/bin/env bash
# `make image`: build both images on this machine with podman (no Docker engine, no registry) the way CD builds
# them with Docker, then smoke-test them and play the Kubernetes Deployment:
#   1. podman environment (ci/podman_env.sh: config under IMAGE_STATE, `docker` shim);
#   2. the champion: MLFLOW_TRACKING_URI given → its models:/credit-scoring@champion; else a tiny demo champion
#      trained into a scratch tracking store (ci/champion.sh, synthetic data at TRAIN_SCALE, default 0.005);
#   3. the FROM image MLflow writes (python:<the model's Python>-slim), made locally (ci/local_base.sh);
#   4. ci/build_images.sh (build-docker + deploy/api/Dockerfile, streamlit_client/Dockerfile);
#   5. ci/smoke_image.sh (answer = in-process pyfunc), ci/smoke_ui_image.sh, ci/kube_play.py.
# Needs root with podman, buildah, runc and debootstrap (`make image-tools`). Everything goes to IMAGE_WORK
# (default a new temporary folder); images stay in IMAGE_STATE's storage.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGE_WORK="${IMAGE_WORK:-$(mktemp -d -t credit-scoring-image.XXXXXX)}"
API_IMAGE="${API_IMAGE:-localhost/credit-scoring-api:latest}"
UI_IMAGE="${UI_IMAGE:-localhost/credit-scoring-ui:latest}"
export TRAIN_SCALE="${TRAIN_SCALE:-0.005}"
export PATH="$ROOT/.venv/bin:$PATH"
MODEL_URI="$(python -c 'from custom_model.contract import model_uri; print(model_uri())')"   # the one home of the name and alias
mkdir -p "$IMAGE_WORK"
start=$SECONDS

step() { printf '\n==> image: %s (%d s)\n' "$*" "$((SECONDS - start))"; }

for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing: run \`make image-tools\` as root" >&2; exit 1; }
done
if [[ "$(id -u)" != 0 ]]; then echo "image: run as root (debootstrap, podman with runc)" >&2; exit 1; fi
# shellcheck source=ci/podman_env.sh
source "$ROOT/ci/podman_env.sh"

step "1/5 champion"
bash "$ROOT/ci/champion.sh" "$IMAGE_WORK/champion" >"$IMAGE_WORK/champion.log" 2>&1 \
  || { tail -n 40 "$IMAGE_WORK/champion.log" >&2; exit 1; }
export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:-sqlite:///$IMAGE_WORK/champion/mlflow.db}"
REQUEST="$IMAGE_WORK/champion/request.json"
PY_VERSION="$(python - "$MODEL_URI" <<'PY'
import sys
from pathlib import Path

import mlflow
import yaml

model_dir = Path(mlflow.artifacts.download_artifacts(artifact_uri=sys.argv[1]))
print(yaml.safe_load((model_dir / "python_env.yaml").read_text())["python"])
PY
)"
echo "image: $MODEL_URI was logged with Python $PY_VERSION"

step "2/5 base image python:$PY_VERSION-slim"
bash "$ROOT/ci/local_base.sh" "$PY_VERSION"

step "3/5 build $API_IMAGE and $UI_IMAGE"
bash "$ROOT/ci/build_images.sh" "$MODEL_URI" "$API_IMAGE" "$UI_IMAGE" >"$IMAGE_WORK/build.log" 2>&1 \
  || { tail -n 40 "$IMAGE_WORK/build.log" >&2; exit 1; }
grep '^build_images:' "$IMAGE_WORK/build.log"

step "4/5 smoke tests"
SMOKE_IMAGE_NETWORK=host SMOKE_IMAGE_PORT="${SMOKE_IMAGE_PORT:-18080}" \
  bash "$ROOT/ci/smoke_image.sh" "$API_IMAGE" "$REQUEST" "$MODEL_URI"
SMOKE_IMAGE_NETWORK=host SMOKE_UI_PORT="${SMOKE_UI_PORT:-18501}" bash "$ROOT/ci/smoke_ui_image.sh" "$UI_IMAGE"

step "5/5 podman kube play deploy/k8s/api-deployment.yaml"
python "$ROOT/ci/kube_play.py" --image "$API_IMAGE" --body "$REQUEST" --work-dir "$IMAGE_WORK/kube" \
  --port "${KUBE_PLAY_PORT:-18083}"

step "done: $API_IMAGE and $UI_IMAGE built and checked (work folder $IMAGE_WORK)"
