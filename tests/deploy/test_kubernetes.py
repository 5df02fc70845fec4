"""Kubernetes manifests (deploy/k8s): schema-valid offline, wired together, sized and probed."""

from __future__ import annotations

import re

import yaml

from tests.support.delivery import IMAGE_PORT, K8S_DIR, read_yaml, run, tool


def _manifests() -> dict[str, dict]:
    """Every Kubernetes resource of deploy/k8s by kind/name."""
    resources = {}
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            doc = read_yaml(path)
            resources[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return resources


def test_manifests_validate_against_the_kubernetes_schemas_offline():
    files = [p for p in sorted(K8S_DIR.glob("*.yaml")) if p.name != "kustomization.yaml"]
    result = run(tool("kubernetes-validate"), "--strict", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(files)


def test_kubernetes_validation_rejects_a_broken_deployment(tmp_path):
    deployment = read_yaml(K8S_DIR / "api-deployment.yaml")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    deployment["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    broken = tmp_path / "deployment.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = run(tool("kubernetes-validate"), "--strict", broken)
    assert result.returncode != 0
    assert "eighty" in result.stdout + result.stderr


def test_kustomization_lists_every_manifest_and_names_both_images():
    kustomization = read_yaml(K8S_DIR / "kustomization.yaml")
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
    assert {"name": "PORT", "value": str(IMAGE_PORT)} in container["env"]
    assert "command" not in container, "the image's entrypoint runs uvicorn as PID 1 (custom_model/serve.py)"


def test_model_server_settings_come_from_the_configmap_and_an_optional_secret():
    resources = _manifests()
    container = _container(resources["Deployment/credit-scoring-api"])
    config = resources["ConfigMap/credit-scoring-api"]["data"]
    assert {"MODEL_URI", "CREDIT_SCORING_PREDICTION_LOG", "MLFLOW_MODELS_WORKERS"} <= set(config)
    referenced = set(re.findall(r"\$\(([A-Z_]+)\)", " ".join(container.get("args", []))))
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
