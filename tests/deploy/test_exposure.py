"""Exposure (issue 13 item 5): the API is private to the Streamlit client, the client requires sign-in.

Azure: deploy/azure/containerapps.sh is run for real with AZ_DRY_RUN=1, which prints each az command
instead of running it; the commands are parsed and checked. Kubernetes: the manifests are read as the API
server would.
"""

from __future__ import annotations

import os
import shlex

import pytest

from custom_model.contract import IMAGE_UID
from tests.support.delivery import K8S_DIR, PROJECT_DIR, read_yaml, run

SCRIPT = PROJECT_DIR / "deploy" / "azure" / "containerapps.sh"
SETTINGS = {
    "AZURE_RESOURCE_GROUP": "rg-test",
    "AZURE_CONTAINERAPP_API": "cs-api",
    "AZURE_CONTAINERAPP_UI": "cs-ui",
    "API_IMAGE": "ghcr.io/o/r/credit-scoring-api:1",
    "UI_IMAGE": "ghcr.io/o/r/credit-scoring-ui:1",
    "CREDIT_SCORING_PREDICTION_LOG": "postgresql+psycopg://u:p@db/scoring",
    "MLFLOW_TRACKING_URI": "https://mlflow.example.org",
    "UI_AUTH_CLIENT_ID": "client-id",
    "UI_AUTH_CLIENT_SECRET": "client-secret",
    "UI_AUTH_TENANT_ID": "tenant-id",
}


def _az_commands(action: str, **overrides: str | None) -> tuple[int, list[list[str]], str]:
    """Run the script in dry-run mode: its exit code, the az commands it would run (argv), its stderr."""
    settings = {**SETTINGS, **overrides}
    env = {k: v for k, v in os.environ.items() if k not in settings}
    env.update({k: v for k, v in settings.items() if v is not None})
    env["AZ_DRY_RUN"] = "1"
    result = run("bash", SCRIPT, action, env=env)
    lines = result.stderr.splitlines()
    commands = [shlex.split(line.removeprefix("az:")) for line in lines if line.startswith("az:")]
    return result.returncode, commands, result.stderr


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def _for_app(commands: list[list[str]], app: str, *verb: str) -> list[list[str]]:
    """The commands ``az containerapp <verb...>`` aimed at app ``app`` (its -n)."""
    prefix = ["containerapp", *verb]
    return [c for c in commands if c[: len(prefix)] == prefix and "-n" in c and _option(c, "-n") == app]


def test_create_gives_the_api_internal_ingress_and_the_client_sign_in():
    code, commands, stderr = _az_commands("create")
    assert code == 0, stderr
    (api,) = _for_app(commands, "cs-api", "create")
    (ui,) = _for_app(commands, "cs-ui", "create")
    assert _option(api, "--ingress") == "internal"
    assert _option(ui, "--ingress") == "external"
    # the client reaches the API by its internal name (the dry run answers queries with a placeholder)
    assert "CREDIT_SCORING_API_URL=https://dry-run-containerapp-show" in ui
    (provider,) = _for_app(commands, "cs-ui", "auth", "microsoft", "update")
    assert _option(provider, "--client-id") == "client-id"
    assert _option(provider, "--issuer") == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert "client-secret" not in provider, "the secret goes by its name in the app's secret store"
    (auth,) = _for_app(commands, "cs-ui", "auth", "update")
    assert _option(auth, "--enabled") == "true"
    assert _option(auth, "--unauthenticated-client-action") == "RedirectToLoginPage"
    assert not _for_app(commands, "cs-api", "auth", "update"), "the API has no public face to sign in to"


def test_update_changes_images_only_and_never_opens_the_api():
    code, commands, stderr = _az_commands("update")
    assert code == 0, stderr
    (api,) = _for_app(commands, "cs-api", "update")
    assert _option(api, "--image") == SETTINGS["API_IMAGE"]
    (ui,) = _for_app(commands, "cs-ui", "update")
    assert _option(ui, "--image") == SETTINGS["UI_IMAGE"]
    assert not [arg for c in commands for arg in c if arg.startswith("--ingress") or arg == "ingress"]


@pytest.mark.parametrize("missing", ["UI_AUTH_CLIENT_ID", "UI_AUTH_CLIENT_SECRET", "UI_AUTH_TENANT_ID"])
def test_create_without_the_sign_in_settings_stops_before_any_az_call(missing):
    code, commands, stderr = _az_commands("create", **{missing: None})
    assert code != 0
    assert f"set {missing}" in stderr
    assert commands == [], "nothing may be created when the client could not require sign-in"


def _k8s() -> dict[str, dict]:
    docs = (read_yaml(p) for p in sorted(K8S_DIR.glob("*.yaml")) if p.name != "kustomization.yaml")
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def test_kubernetes_api_is_cluster_internal_and_only_the_client_may_call_it():
    resources = _k8s()
    assert not [k for k in resources if k.startswith("Ingress/")], "no manifest publishes a service"
    for name in ("credit-scoring-api", "credit-scoring-ui"):
        assert resources[f"Service/{name}"]["spec"]["type"] == "ClusterIP"
    policy = resources["NetworkPolicy/credit-scoring-api"]["spec"]
    api_labels = resources["Deployment/credit-scoring-api"]["spec"]["template"]["metadata"]["labels"]
    ui_labels = resources["Deployment/credit-scoring-ui"]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= api_labels.items()
    assert policy["policyTypes"] == ["Ingress"]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert set(source) == {"podSelector"}, "no namespace or IP block may widen who reaches the API"
    assert source["podSelector"]["matchLabels"].items() <= ui_labels.items()
    assert not source["podSelector"]["matchLabels"].items() <= api_labels.items()
    (api_container,) = resources["Deployment/credit-scoring-api"]["spec"]["template"]["spec"]["containers"]
    assert rule["ports"] == [{"protocol": "TCP", "port": api_container["ports"][0]["name"]}]


def test_both_deployments_run_as_the_images_non_root_user():
    for name in ("credit-scoring-api", "credit-scoring-ui"):
        pod = _k8s()[f"Deployment/{name}"]["spec"]["template"]["spec"]
        context = {**pod.get("securityContext", {}), **pod["containers"][0].get("securityContext", {})}
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == IMAGE_UID, name


def test_the_kubernetes_client_cannot_start_without_its_sign_in_settings():
    """The client pod mounts the identity provider's settings where Streamlit reads secrets; not optional."""
    pod = _k8s()["Deployment/credit-scoring-ui"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    dockerfile = (PROJECT_DIR / "streamlit_client" / "Dockerfile").read_text()
    (workdir,) = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("WORKDIR ")]
    volumes = {v["name"]: v for v in pod["volumes"]}
    (mount,) = [m for m in container["volumeMounts"] if "secret" in volumes[m["name"]]]
    assert mount["mountPath"] == f"{workdir}/.streamlit/secrets.toml" and mount["readOnly"] is True
    assert mount["subPath"] == "secrets.toml"  # beside the image's config.toml, not over it
    secret = volumes[mount["name"]]["secret"]
    assert secret["optional"] is False
    assert secret["items"] == [{"key": "secrets.toml", "path": "secrets.toml"}]
