# Two commands do all set-up on a fresh machine:  `make demo`  and  `make test`.
# Each creates the virtualenv (.venv) from the pinned requirements the first time.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= 0.05
MECHANISM ?= delinquency
DEMO_DIR ?= data/demo

.PHONY: venv demo test lint format browser java image image-tools postgres

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	SCALE=$(SCALE) MECHANISM=$(MECHANISM) DEMO_DIR=$(DEMO_DIR) bash scripts/demo.sh

# PYTEST_ARGS: extra pytest arguments, e.g. PYTEST_ARGS="-m 'not image'" leaves out the podman image check.
PYTEST_ARGS ?=
test: $(STAMP) browser java image-tools postgres
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# The browser test drives Debian's headless Chromium (a test tool's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "the browser test needs Chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# The image check (`make image`, tests/ci/test_image.py) builds with podman as root: a Docker engine is not needed.
IMAGE_TOOLS := podman buildah runc debootstrap
image-tools:
	@missing=""; for t in $(IMAGE_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(IMAGE_TOOLS) >/dev/null; \
	  else echo "the image check needs:$$missing (sudo apt-get install -y $(IMAGE_TOOLS)); its test is skipped" >&2; fi; fi

# Build the API and Streamlit images with podman, smoke-test them, play the k8s Deployment (ci/image.sh).
image: $(STAMP) image-tools
	bash ci/image.sh

# Spark (batch scoring, distributed features, parallel search) runs on Debian's OpenJDK 17 (pip's pyspark has no JVM).
java:
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "Spark needs Java 17: sudo apt-get install -y openjdk-17-jre-headless" >&2; exit 1; fi; }

# The prediction-log tests start their own PostgreSQL cluster on 127.0.0.1 with Debian's server binaries.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "the prediction-log tests need PostgreSQL: sudo apt-get install -y postgresql" >&2; exit 1; fi; }
