"""GitHub Actions workflows: lint-clean; CI runs the README's commands; CD builds, smoke-tests, deploys."""

from __future__ import annotations

import re

from tests.support.delivery import (
    DEPLOY_README,
    HEROKU_DOCKERFILE,
    K8S_DIR,
    PROJECT_DIR,
    SHELL_SCRIPTS,
    UI_DOCKERFILE,
    WORKFLOWS,
    read_yaml,
    run,
    tool,
)


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _run_commands(workflow: dict) -> list[str]:
    return [
        step["run"].strip() for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


def _on(workflow: dict) -> dict:
    # PyYAML (YAML 1.1) reads the bare key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def test_workflows_pass_actionlint():
    shellcheck = tool("shellcheck")
    result = run(tool("actionlint"), "-shellcheck", shellcheck, *sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing-job\n"
        "    steps:\n      - run: echo ${{ secrets }}\n"
    )
    result = run(tool("actionlint"), "-shellcheck=", broken)
    assert result.returncode != 0
    assert "missing-job" in result.stdout


def test_ci_workflow_runs_the_readme_commands_on_push_and_pull_request():
    ci = read_yaml(WORKFLOWS / "ci.yml")
    assert {"push", "pull_request"} <= set(_on(ci))
    setup = next(s for s in _steps(ci, "test") if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    assert setup["with"]["cache"] == "pip"
    assert "requirements-dev.txt" in setup["with"]["cache-dependency-path"]
    commands = _run_commands(ci)
    # the runner is not root: the podman image check is left out by name (cd.yml builds the images)
    assert commands == ["make lint", "make test PYTEST_ARGS=\"-m 'not image'\"", "bash ci/smoke.sh"]
    readme = (PROJECT_DIR / "README.md").read_text()
    missing = [c for c in commands if c not in readme]
    assert not missing, f"README.md must give the commands CI runs; missing {missing}"


def test_makefile_targets_used_by_ci_exist():
    for target in ("venv", "lint", "test"):
        result = run("make", "--dry-run", target)
        assert result.returncode == 0, f"make {target}: {result.stderr}"
    assert run("make", "--dry-run", "no-such-target").returncode != 0


def test_cd_workflow_builds_smoke_tests_pushes_and_deploys():
    cd = read_yaml(WORKFLOWS / "cd.yml")
    on = _on(cd)
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on
    text = (WORKFLOWS / "cd.yml").read_text()
    assert "MODEL_URI: models:/credit-scoring@champion" in text
    # the images are built by the script `make image` runs too (tests/ci/test_image.py builds with it)
    commands = _run_commands(cd)
    assert 'bash ci/build_images.sh "$MODEL_URI" "$API_IMAGE" "$UI_IMAGE"' in commands
    assert any(c.startswith("bash ci/smoke_image.sh") and c.endswith('"$MODEL_URI"') for c in commands)
    assert 'bash ci/smoke_ui_image.sh "$UI_IMAGE"' in commands
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
    assert all(read_yaml(p).get("kind") != "Secret" for p in K8S_DIR.glob("*.yaml"))
