#!/usr/bin/env bash
# Smoke-run the Streamlit client image: start it, wait for /_stcore/health = ok, run the app once inside the
# container (streamlit's AppTest: the page must render without an exception, whatever the API and the tracking
# server answer), check it runs as non-root; remove the container.
# Usage: ci/smoke_ui_image.sh IMAGE
# SMOKE_IMAGE_NETWORK=bridge (Docker, default: -p 127.0.0.1:PORT:8501) or host (podman here: Streamlit itself
# listens on 127.0.0.1:PORT).
set -euo pipefail
IMAGE="${1:?usage: ci/smoke_ui_image.sh IMAGE}"
HOST_PORT="${SMOKE_UI_PORT:-8501}"
TIMEOUT="${SMOKE_IMAGE_TIMEOUT:-180}"
NAME="credit-scoring-ui-smoke-$$"
URL="http://127.0.0.1:$HOST_PORT"

cleanup() {
  docker logs "$NAME" 2>&1 | tail -n 40 || true
  docker rm -f "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [[ "${SMOKE_IMAGE_NETWORK:-bridge}" == host ]]; then
  network=(--network host -e "STREAMLIT_SERVER_PORT=$HOST_PORT" -e STREAMLIT_SERVER_ADDRESS=127.0.0.1)
else
  network=(-p "127.0.0.1:$HOST_PORT:8501")
fi
docker run -d --name "$NAME" "${network[@]}" "$IMAGE" >/dev/null

deadline=$((SECONDS + TIMEOUT))
until [[ "$(curl -fsS "$URL/_stcore/health" 2>/dev/null || true)" == ok ]]; do
  if [[ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != "true" ]] || ((SECONDS > deadline)); then
    echo "smoke_ui_image: $IMAGE did not report healthy within $TIMEOUT s" >&2
    exit 1
  fi
  sleep 2
done
echo "smoke_ui_image: /_stcore/health answers ok"

# /_stcore/health is the server's; the app script itself only runs for a session: run it once.
docker exec "$NAME" python -c "
from streamlit.testing.v1 import AppTest
app = AppTest.from_file('streamlit_client/app.py', default_timeout=60).run()
assert not app.exception, [e.value for e in app.exception]
print('smoke_ui_image: the app renders:', [t.value for t in app.title])
"

uid="$(docker exec "$NAME" id -u)"
if [[ "$uid" == 0 ]]; then echo "smoke_ui_image: $IMAGE runs as root" >&2; exit 1; fi
echo "smoke_ui_image: runs as uid $uid"
echo "smoke_ui_image: $IMAGE OK"
