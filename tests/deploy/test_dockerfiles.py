"""Dockerfiles: the Streamlit and Heroku ones lint-clean and pinned; the model image `mlflow` generates."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.delivery import (
    API_DOCKERFILE,
    BASE_CONTAINERFILE,
    HEROKU_DOCKERFILE,
    IMAGE_PORT,
    PROJECT_DIR,
    UI_DOCKERFILE,
    VENV_BIN,
    requirement_pins,
    run,
    tool,
)
from tests.support.tiny_model import TinyModel


def test_dockerfiles_pass_hadolint():
    result = run(tool("hadolint"), UI_DOCKERFILE, HEROKU_DOCKERFILE, API_DOCKERFILE, BASE_CONTAINERFILE)
    assert result.returncode == 0, result.stdout


def test_hadolint_rejects_an_unpinned_root_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install streamlit\nCMD streamlit run app.py\n")
    result = run(tool("hadolint"), bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3013" in result.stdout


def _dockerfile_pins(path: Path) -> dict[str, str]:
    return {m[0].lower(): m[1] for m in re.findall(r"\b([A-Za-z][\w.-]*)==([\w.]+)", path.read_text())}


#: Import name → distribution that provides it in the Streamlit image.
IMPORT_PROVIDERS = {"mlflow": "mlflow-skinny", "yaml": None}


def _third_party_imports(folder: Path) -> set[str]:
    names = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {
        n for n in names if n not in sys.stdlib_module_names and n not in ("streamlit_client", "__future__")
    }


def test_streamlit_image_installs_what_the_client_imports_at_the_project_pins():
    pins = _dockerfile_pins(UI_DOCKERFILE)
    assert pins, "the Streamlit Dockerfile pins no package"
    project = requirement_pins()
    assert {name: project.get(name) for name in pins} == pins, "Dockerfile pins differ from requirements.txt"
    imports = _third_party_imports(PROJECT_DIR / "streamlit_client") - {"custom_model"}  # copied, below
    assert "entry_points" not in imports and "drift" not in imports, "the client must not import job code"
    missing = {name for name in imports if IMPORT_PROVIDERS.get(name, name) not in pins}
    assert not missing, f"streamlit_client imports {sorted(missing)}, not installed by its Dockerfile"


def test_streamlit_image_runs_the_app_as_non_root_on_8501():
    text = UI_DOCKERFILE.read_text()
    script = re.search(r'CMD \["streamlit", "run", "([^"]+)"', text)[1]
    assert (PROJECT_DIR / script).is_file()
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert "EXPOSE 8501" in text and "STREAMLIT_SERVER_PORT=8501" in text


def _mlflow_env(model: TinyModel) -> dict[str, str]:
    return {
        **os.environ,
        "MLFLOW_TRACKING_URI": model.tracking_uri,
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }


def test_generated_model_dockerfile_serves_the_self_sufficient_champion_on_8080(tiny_model, tmp_path):
    out = tmp_path / "image"
    result = run(
        VENV_BIN / "mlflow",
        "models",
        "generate-dockerfile",
        "-m",
        tiny_model.model_uri,
        "-d",
        out,
        env=_mlflow_env(tiny_model),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dockerfile = (out / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11[.\d]*-slim$", dockerfile, flags=re.MULTILINE)
    assert f"pip install mlflow=={requirement_pins()['mlflow']}" in dockerfile
    assert "COPY model_dir /opt/ml/model" in dockerfile
    assert re.search(r"^ENTRYPOINT \[.*C\._serve\(.local.\)", dockerfile, flags=re.MULTILINE)
    model_dir = out / "model_dir"
    assert "python_function" in yaml.safe_load((model_dir / "MLmodel").read_text())["flavors"]
    assert (model_dir / "code" / "custom_model" / "model.py").is_file(), "the image must carry custom_model"
    requirements = (model_dir / "requirements.txt").read_text().split()
    assert f"lightgbm=={requirement_pins()['lightgbm']}" in requirements
    from mlflow.models import container

    assert container.DEFAULT_NGINX_SERVER_PORT == IMAGE_PORT
    assert (
        f"--target-port {IMAGE_PORT}" in (PROJECT_DIR / "deploy" / "azure" / "containerapps.sh").read_text()
    )
    assert f':{IMAGE_PORT}"' in (PROJECT_DIR / "ci" / "smoke_image.sh").read_text()


def _copied_files(dockerfile: Path, into: Path) -> None:
    """Lay out what the Dockerfile's COPY lines put under /app, in a temporary folder."""
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            *sources, target = line.split()[1:]
            destination = into / Path(target).relative_to("/app")
            for source in sources:
                path = PROJECT_DIR / source
                if path.is_dir():
                    shutil.copytree(path, destination, dirs_exist_ok=True)
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination / path.name)


def test_streamlit_image_files_import_the_client_with_only_the_contract_of_the_model_code(tmp_path):
    _copied_files(UI_DOCKERFILE, tmp_path)
    modules = sorted(f"streamlit_client.{p.stem}" for p in (tmp_path / "streamlit_client").glob("*.py"))
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print({n: getattr(m, '__file__', '') for n, m in sys.modules.items()"
        " if n.split('.')[0] == 'custom_model'})"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # the image sets PYTHONPATH=/app
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert set(loaded) == {"custom_model", "custom_model.contract"}
    assert all(Path(file).is_relative_to(tmp_path) for file in loaded.values())


def test_every_copied_path_passes_the_dockerignore():
    """.dockerignore excludes everything but re-included paths: a COPY of anything else fails the build."""
    included = [
        line[1:].rstrip("/")
        for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for dockerfile in (UI_DOCKERFILE, API_DOCKERFILE):
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY ") and "--from" not in line:
                for source in line.split()[1:-1]:
                    path = source.rstrip("/")
                    assert (PROJECT_DIR / path).exists(), f"{dockerfile.name}: {source} does not exist"
                    assert any(path == p or path.startswith(p + "/") for p in included), (
                        f"{dockerfile.relative_to(PROJECT_DIR)} copies {source}; .dockerignore leaves it out"
                    )
