#!/usr/bin/env bash
# Build, without any container registry, the base image `mlflow models build-docker` writes in its FROM line
# (docker.io/library/python:VERSION-slim) and tag it so, for podman builds on this machine:
#   1. Debian minbase of this machine's release from the apt mirror this machine uses (debootstrap), its apt
#      sources, and this machine's CA certificates (pip inside the builds fails TLS without them);
#   2. this machine's CPython VERSION (the interpreter of .venv, the one the model was logged with) copied to
#      /usr/local without its site-packages, as the official image has it (ci/image/python-slim.Containerfile).
# Like the official image it has no libgomp1: what LightGBM needs must come from the model image itself.
# Skips the build when the tag exists (REBUILD_BASE=1 forces it). Needs root and ci/podman_env.sh sourced.
# Usage: ci/local_base.sh VERSION
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY_VERSION="${1:?usage: ci/local_base.sh PYTHON_VERSION (e.g. 3.11.7)}"
TAG="docker.io/library/python:$PY_VERSION-slim"
MINBASE="localhost/credit-scoring/debian-minbase:bookworm"
: "${IMAGE_STATE:?source ci/podman_env.sh first}"

if [[ "${REBUILD_BASE:-0}" != 1 ]] && podman image exists "$TAG"; then
  echo "local_base: $TAG exists (REBUILD_BASE=1 rebuilds it)"
  exit 0
fi

# The interpreter must be the exact version the model was logged with: the one that runs .venv.
PREFIX="$("$ROOT/.venv/bin/python" -c 'import sys; print(sys.base_prefix)')"
HAVE="$("$ROOT/.venv/bin/python" -c 'import platform; print(platform.python_version())')"
if [[ "$HAVE" != "$PY_VERSION" ]]; then
  echo "local_base: the model needs Python $PY_VERSION; .venv runs $HAVE ($PREFIX): rebuild .venv with Python $PY_VERSION" >&2
  exit 1
fi
MINOR="${PY_VERSION%.*}"

# shellcheck disable=SC1091  # the machine's own file
CODENAME="$(. /etc/os-release && echo "$VERSION_CODENAME")"
# shellcheck disable=SC2016  # $(...) are apt's format fields, not shell
MIRROR="$(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' \
  | awk -v c="$CODENAME" '$2 == c && $3 == "main" {print $1; exit}')"
: "${MIRROR:?no apt source for $CODENAME main on this machine (apt-get update first)}"

WORK="$(mktemp -d "$IMAGE_STATE/tmp/base.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [[ "${REBUILD_BASE:-0}" == 1 ]] || ! podman image exists "$MINBASE"; then
  echo "local_base: debootstrap --variant=minbase $CODENAME from $MIRROR"
  # Runtime libraries of CPython's extension modules, as the official slim image keeps them.
  debootstrap --variant=minbase \
    --include=ca-certificates,netbase,tzdata,libbz2-1.0,libffi8,liblzma5,libncursesw6,libreadline8,libsqlite3-0,libssl3,libuuid1,zlib1g \
    "$CODENAME" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -f "$WORK/rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$WORK/rootfs/etc/apt/sources.list.d/" 2>/dev/null \
    || cp /etc/apt/sources.list "$WORK/rootfs/etc/apt/sources.list"
  shopt -s nullglob
  for crt in /usr/local/share/ca-certificates/*.crt; do cp "$crt" "$WORK/rootfs/usr/local/share/ca-certificates/"; done
  TMPDIR=/tmp chroot "$WORK/rootfs" update-ca-certificates >/dev/null
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/"*.bin "$WORK/rootfs/var/cache/apt/archives/"*.deb
  tar -C "$WORK/rootfs" -c . | podman import --change 'CMD ["bash"]' - "$MINBASE" >/dev/null
  rm -rf "$WORK/rootfs"
fi

echo "local_base: copying Python $PY_VERSION from $PREFIX"
mkdir -p "$WORK/context/python/bin" "$WORK/context/python/lib"
cp -a "$PREFIX/bin/python$MINOR" "$WORK/context/python/bin/"
cp -a "$PREFIX"/lib/libpython3* "$WORK/context/python/lib/"
cp -a "$PREFIX/include" "$WORK/context/python/"
tar -C "$PREFIX/lib" -c \
  --exclude="python$MINOR/site-packages/*" --exclude="python$MINOR/test" --exclude="python$MINOR/idlelib" \
  --exclude="python$MINOR/tkinter" --exclude="python$MINOR/turtledemo" --exclude='__pycache__' --exclude='*.a' \
  "python$MINOR" | tar -C "$WORK/context/python/lib" -x
podman build -f "$ROOT/ci/image/python-slim.Containerfile" --build-arg "BASE=$MINBASE" \
  --build-arg "PYTHON_VERSION=$PY_VERSION" -t "$TAG" "$WORK/context"
echo "local_base: $TAG built"
