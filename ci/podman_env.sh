# shellcheck shell=bash
# Source this file to run the image tooling (`docker build`, `docker run`, `mlflow models build-docker`) on podman
# as root on a machine without a Docker engine, without touching any system file:
#   - writes containers.conf and storage.conf under IMAGE_STATE (default
#     ${XDG_STATE_HOME:-~/.local/state}/credit-scoring/podman) and points CONTAINERS_CONF / CONTAINERS_STORAGE_CONF
#     at them: runtime runc (crun refuses this machine's cgroup layout), cgroupfs, ulimits the sandbox can grant
#     (nofile 20000, nproc 32768), host networking (bridge/CNI networking does not work here, so `-p` is ignored);
#     images, layers and containers live under IMAGE_STATE, never in /var/lib/containers;
#   - puts a `docker` → `podman` shim first on PATH, so MLflow's `docker build` and the project's scripts run
#     unchanged; BUILDAH_FORMAT=docker keeps HEALTHCHECK (the OCI image format drops it).
# Usage: source ci/podman_env.sh
IMAGE_STATE="${IMAGE_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/credit-scoring/podman}"
mkdir -p "$IMAGE_STATE/bin" "$IMAGE_STATE/storage" "$IMAGE_STATE/run" "$IMAGE_STATE/tmp"

cat >"$IMAGE_STATE/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "host"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF

cat >"$IMAGE_STATE/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$IMAGE_STATE/storage"
runroot = "$IMAGE_STATE/run"
CONF

cat >"$IMAGE_STATE/bin/docker" <<'SHIM'
#!/usr/bin/env bash
# docker → podman (written by ci/podman_env.sh)
exec podman "$@"
SHIM
chmod 0755 "$IMAGE_STATE/bin/docker"

export IMAGE_STATE
export CONTAINERS_CONF="$IMAGE_STATE/containers.conf"
export CONTAINERS_STORAGE_CONF="$IMAGE_STATE/storage.conf"
export BUILDAH_FORMAT=docker
export TMPDIR="$IMAGE_STATE/tmp"
export PATH="$IMAGE_STATE/bin:$PATH"
