"""ci/cd_config.sh: which champion source and which Azure login CD uses, from the secrets it is given."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.delivery import run


def _cd_config(tmp_path: Path, **env: str) -> tuple[dict[str, str], str]:
    """Run ci/cd_config.sh with only the given secrets set; return its outputs and its log."""
    output = tmp_path / "github_output"
    output.write_text("")
    result = run(
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
